// Package scapwrite writes libscap savefiles (.scap captures), the format
// described in /work/shared/scap/FORMAT.md: a section header, optional
// machine info, interface, user, process and fd lists, then event blocks.
//
// The Writer streams: every call appends one block to a buffered (optionally
// gzip-compressed) output, so memory stays constant however many events are
// written. Blocks are written in call order and nothing is validated against
// the event table beyond the parameter length width, which lets tests build
// unusual (or deliberately malformed) captures with the same API.
//
// Errors are sticky: after the first failure every call returns it, and Close
// reports it too, so streaming loops may check only at the end.
package scapwrite

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Block type ids (FORMAT.md §1.2).
const (
	BlockSHB        uint32 = 0x0A0D0D0A // section header
	BlockMI         uint32 = 0x201      // machine info
	BlockPLv9       uint32 = 0x215      // process list v9
	BlockFDLv2      uint32 = 0x218      // fd list v2
	BlockILv2       uint32 = 0x219      // interface list v2
	BlockULv2       uint32 = 0x220      // user/group list v2
	BlockEV         uint32 = 0x204      // event, v1 header
	BlockEVF        uint32 = 0x208      // event + flags, v1 header
	BlockEVv2       uint32 = 0x216      // event, v2 header (the normal case)
	BlockEVFv2      uint32 = 0x217      // event + flags, v2 header
	BlockEVv2Large  uint32 = 0x221      // large event, v2 header
	BlockEVFv2Large uint32 = 0x222      // large event + flags, v2 header
)

// Dump flags stored in EVF blocks.
const (
	// FlagStateOnly marks an event kept only for state: readers apply and
	// number it but do not show it.
	FlagStateOnly uint32 = 1
)

// shbMagic is the byte-order magic; on disk it reads 4D 3C 2B 1A.
const shbMagic uint32 = 0x1A2B3C4D

// maxEventBody is libscap's limit for the bytes after the 8-byte header of a
// non-LARGE event block.
const maxEventBody = 65536

// BlockOption is one pcapng option (code, value) carried in a block body
// after its fixed fields. Code 0 (end of options) is added by the writer.
type BlockOption struct {
	Code  uint16
	Value []byte
}

// Section describes a section header block.
type Section struct {
	// Major and Minor are the format version. A zero Major selects the
	// defaults 1.2 (what libs HEAD writes); set Major to 1 to pick Minor.
	Major, Minor uint16
	// Options are pcapng options appended to the SHB. sysdig 0.29.3 rejects
	// an SHB longer than 28 bytes, so leave this empty for captures it
	// must read.
	Options []BlockOption
}

// Options configures a Writer.
type Options struct {
	// Gzip compresses the whole stream (libscap reads gzip transparently).
	Gzip bool
	// GzipLevel is a compress/gzip level; 0 means gzip.DefaultCompression.
	GzipLevel int
	// Section is the first section header.
	Section Section
	// Event holds the defaults for WriteEvent and Event.End.
	Event EventOptions
	// BufferSize is the output buffer size; 0 means 1 MiB.
	BufferSize int
}

// Writer writes one capture. It is not safe for concurrent use.
type Writer struct {
	gz      *gzip.Writer
	bw      *bufio.Writer
	off     int64
	err     error
	defEv   EventOptions
	scratch []byte
	ev      Event
	nEvents uint64
	closed  bool
}

// NewWriter starts a capture on w and writes its section header. Failures
// (also a bad gzip level) are reported by the next call and by Close.
func NewWriter(w io.Writer, opts Options) *Writer {
	size := opts.BufferSize
	if size <= 0 {
		size = 1 << 20
	}
	cw := &Writer{defEv: opts.Event}
	cw.ev.w = cw
	out := w
	if opts.Gzip {
		level := opts.GzipLevel
		if level == 0 {
			level = gzip.DefaultCompression
		}
		gz, err := gzip.NewWriterLevel(w, level)
		if err != nil {
			cw.err = fmt.Errorf("scapwrite: gzip level %d: %w", level, err)
			return cw
		}
		cw.gz = gz
		out = gz
	}
	cw.bw = bufio.NewWriterSize(out, size)
	cw.WriteSection(opts.Section)
	return cw
}

// Err returns the first error the writer met, if any.
func (w *Writer) Err() error { return w.err }

// Offset returns the number of uncompressed bytes written so far, i.e. the
// file offset the next block starts at (useful to cut captures).
func (w *Writer) Offset() int64 { return w.off }

// Events returns the number of event blocks written.
func (w *Writer) Events() uint64 { return w.nEvents }

// Flush pushes buffered bytes to the underlying writer (through gzip's own
// buffer when compressing).
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = fmt.Errorf("scapwrite: flush: %w", err)
		return w.err
	}
	if w.gz != nil {
		if err := w.gz.Flush(); err != nil {
			w.err = fmt.Errorf("scapwrite: gzip flush: %w", err)
		}
	}
	return w.err
}

// Close flushes the capture and ends the gzip stream. It does not close the
// underlying io.Writer.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = fmt.Errorf("scapwrite: flush: %w", err)
		return w.err
	}
	if w.gz != nil {
		if err := w.gz.Close(); err != nil {
			w.err = fmt.Errorf("scapwrite: gzip close: %w", err)
		}
	}
	return w.err
}

// errClosed is returned by writes after Close.
var errClosed = errors.New("scapwrite: writer is closed")

func (w *Writer) check() error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errClosed
	}
	return nil
}

// write sends bytes to the buffered output and tracks the offset.
func (w *Writer) write(b []byte) error {
	n, err := w.bw.Write(b)
	w.off += int64(n)
	if err != nil {
		w.err = fmt.Errorf("scapwrite: write at offset %d: %w", w.off, err)
	}
	return w.err
}

// WriteSection writes a section header. The first one is written by
// NewWriter; a later call starts a new section (concatenated captures), after
// which readers rebuild their state from the blocks that follow.
func (w *Writer) WriteSection(s Section) error {
	major, minor := s.Major, s.Minor
	if major == 0 {
		major, minor = 1, 2
	}
	var body [16]byte
	binary.LittleEndian.PutUint32(body[0:], shbMagic)
	binary.LittleEndian.PutUint16(body[4:], major)
	binary.LittleEndian.PutUint16(body[6:], minor)
	binary.LittleEndian.PutUint64(body[8:], ^uint64(0)) // section_length: unknown
	return w.WriteBlock(BlockSHB, body[:], s.Options...)
}

// WriteBlock writes a block of any type with the given body, padded to 4
// bytes, followed by pcapng options if any. It is the escape hatch for block
// kinds the writer has no helper for.
func (w *Writer) WriteBlock(typ uint32, body []byte, opts ...BlockOption) error {
	if err := w.check(); err != nil {
		return err
	}
	b := w.scratch[:0]
	b = appendU32(b, typ)
	b = appendU32(b, 0) // length, patched below
	b = append(b, body...)
	b = appendPad4(b, len(body))
	b = appendOptions(b, opts)
	b = w.finishBlock(b)
	w.scratch = b
	return w.write(b)
}

// finishBlock appends the trailer and patches the length into the header of
// the block that starts at b[0].
func (w *Writer) finishBlock(b []byte) []byte {
	total := uint32(len(b) + 4)
	binary.LittleEndian.PutUint32(b[4:], total)
	return appendU32(b, total)
}

// appendOptions appends pcapng options plus the end-of-options marker.
func appendOptions(b []byte, opts []BlockOption) []byte {
	if len(opts) == 0 {
		return b
	}
	for _, o := range opts {
		b = appendU16(b, o.Code)
		b = appendU16(b, uint16(len(o.Value)))
		b = append(b, o.Value...)
		b = appendPad4(b, len(o.Value))
	}
	return append(b, 0, 0, 0, 0)
}

// appendPad4 appends zero bytes so that n bytes become a multiple of 4.
func appendPad4(b []byte, n int) []byte {
	for ; n%4 != 0; n++ {
		b = append(b, 0)
	}
	return b
}

// CommentOption returns a pcapng comment option (code 1).
func CommentOption(text string) BlockOption {
	return BlockOption{Code: 1, Value: []byte(text)}
}
