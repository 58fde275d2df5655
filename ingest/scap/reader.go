// Package scap decodes libscap savefiles (.scap): the section header, the metadata blocks
// (machine info, process, fd, interface and user lists) and the event records, as stored.
// It keeps no state beyond the current section: resolving threads and fds is the job of
// package state. Events are views into one reused buffer, so decoding allocates nothing
// per event.
package scap

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"

	"github.com/scapql/scapql/ingest/eventtable"
)

// DefaultMaxBlock is the default cap on one block's length. libscap's own events are at most
// 64 KiB; large-payload blocks and big process lists can exceed that, so the cap is generous,
// and a larger one can be asked for.
const DefaultMaxBlock = 256 << 20

// Options tune the reader.
type Options struct {
	// MaxBlock caps a block's declared length (0 = DefaultMaxBlock).
	MaxBlock int
	// KeepGoing skips a damaged event block and resynchronises on the next valid block
	// header instead of stopping; Damaged reports what was skipped.
	KeepGoing bool
}

// Damage is a region of the stream skipped by KeepGoing.
type Damage struct {
	Offset int64 // where the damaged block started
	Bytes  int64 // how many bytes were skipped
}

// Error is a decoding error at a place in the (decompressed) stream.
type Error struct {
	Offset    int64  // byte offset of the block in the decompressed stream
	BlockType uint32 // block type, 0 if the header itself could not be read
	Err       error
}

func (e *Error) Error() string {
	if e.BlockType == 0 {
		return fmt.Sprintf("offset %d: %v", e.Offset, e.Err)
	}
	return fmt.Sprintf("offset %d, %s block (0x%X): %v", e.Offset, BlockName(e.BlockType), e.BlockType, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrTruncated marks a capture that ends in the middle of a block.
var ErrTruncated = errors.New("capture is truncated")

// Event is one event record as stored. Params are views into the reader's buffer and are
// valid only until the next call to Next.
type Event struct {
	Offset    int64 // offset of the event's block
	BlockType uint32
	Section   int // 0 for the first section; concatenated captures have more
	CPU       uint16
	DumpFlags uint32 // EVF blocks only; bit 0 = state only
	TS        uint64
	TID       int64
	Type      uint16
	Params    [][]byte
}

// DumpFlagStateOnly marks an event kept only to rebuild state: apply it, number it, hide it.
const DumpFlagStateOnly = 1

// Reader reads a savefile.
type Reader struct {
	br       *bufio.Reader
	closer   io.Closer
	opts     Options
	off      int64 // offset of the next byte to read
	buf      []byte
	hdr      [8]byte
	meta     *Metadata
	section  int
	inEvents bool
	pending  bool // a block header is in hdr, not yet consumed
	pendOff  int64
	ev       Event
	damaged  []Damage
}

// Damaged lists the regions KeepGoing skipped.
func (r *Reader) Damaged() []Damage { return r.damaged }

// NewReader starts reading a savefile, raw or gzip (detected by content), and reads the
// first section's metadata.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	if opts.MaxBlock <= 0 {
		opts.MaxBlock = DefaultMaxBlock
	}
	br := bufio.NewReaderSize(r, 1<<18)
	rd := &Reader{opts: opts}
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &Error{Offset: 0, Err: fmt.Errorf("gzip header: %w", err)}
		}
		ra := newReadAhead(zr)
		rd.closer = multiCloser{ra, zr}
		br = bufio.NewReaderSize(ra, 1<<18)
	}
	rd.br = br
	if err := rd.readSection(); err != nil {
		return nil, err
	}
	return rd, nil
}

type multiCloser []io.Closer

func (m multiCloser) Close() error {
	var first error
	for _, c := range m {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Metadata returns the current section's metadata.
func (r *Reader) Metadata() *Metadata { return r.meta }

// Offset returns the decompressed offset of the next unread byte.
func (r *Reader) Offset() int64 { return r.off }

// Close releases the decompressor, if any (the underlying reader is the caller's).
func (r *Reader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// readHeader reads a block header; it returns io.EOF for a clean end (no byte where a
// header would start).
func (r *Reader) readHeader() (typ uint32, total int, off int64, err error) {
	if r.pending {
		r.pending = false
		return binary.LittleEndian.Uint32(r.hdr[0:]), int(binary.LittleEndian.Uint32(r.hdr[4:])), r.pendOff, nil
	}
	off = r.off
	n, err := io.ReadFull(r.br, r.hdr[:])
	r.off += int64(n)
	if err == io.EOF {
		return 0, 0, off, io.EOF
	}
	if err != nil {
		if err == io.ErrUnexpectedEOF {
			err = fmt.Errorf("%w: %d of 8 block header bytes", ErrTruncated, n)
		}
		return 0, 0, off, &Error{Offset: off, Err: err}
	}
	return binary.LittleEndian.Uint32(r.hdr[0:]), int(binary.LittleEndian.Uint32(r.hdr[4:])), off, nil
}

// readBody reads the rest of a block (body and trailer) into r.buf and checks the trailer.
// The buffer grows only as bytes actually arrive, so a lying length cannot make it allocate
// more than the stream holds.
func (r *Reader) readBody(typ uint32, total int, off int64, minBody int) ([]byte, error) {
	if total < 12+minBody {
		return nil, &Error{off, typ, fmt.Errorf("block length %d is below the minimum %d", total, 12+minBody)}
	}
	if total > r.opts.MaxBlock {
		return nil, &Error{off, typ, fmt.Errorf("block length %d exceeds the limit of %d bytes (raise it with --max-block)", total, r.opts.MaxBlock)}
	}
	need := total - 8
	if cap(r.buf) >= need {
		r.buf = r.buf[:need]
		n, err := io.ReadFull(r.br, r.buf)
		r.off += int64(n)
		if err != nil {
			return nil, r.bodyErr(typ, off, need, n, err)
		}
	} else {
		r.buf = r.buf[:0]
		for len(r.buf) < need {
			chunk := need - len(r.buf)
			if chunk > 1<<20 {
				chunk = 1 << 20
			}
			start := len(r.buf)
			r.buf = append(r.buf, make([]byte, chunk)...)
			n, err := io.ReadFull(r.br, r.buf[start:])
			r.off += int64(n)
			if err != nil {
				return nil, r.bodyErr(typ, off, need, start+n, err)
			}
		}
	}
	trailer := binary.LittleEndian.Uint32(r.buf[need-4:])
	if int(trailer) != total {
		return nil, &Error{off, typ, fmt.Errorf("block trailer %d differs from its header length %d", trailer, total)}
	}
	return r.buf[:need-4], nil
}

func (r *Reader) bodyErr(typ uint32, off int64, need, got int, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = fmt.Errorf("%w: expected %d bytes after the block header, read %d", ErrTruncated, need, got)
	} else {
		err = fmt.Errorf("reading %d bytes after the block header: %w", need, err)
	}
	return &Error{off, typ, err}
}

// readSection reads a section header and the metadata blocks up to the first event block,
// which it leaves pending.
func (r *Reader) readSection() error {
	typ, total, off, err := r.readHeader()
	if err == io.EOF {
		return &Error{Offset: off, Err: errors.New("empty input: no section header")}
	}
	if err != nil {
		return err
	}
	if typ != blockSHB {
		return &Error{off, typ, fmt.Errorf("not a scap capture: first block type 0x%X is not a section header", typ)}
	}
	body, err := r.readBody(typ, total, off, 16)
	if err != nil {
		return err
	}
	if m := binary.LittleEndian.Uint32(body); m != shbMagic {
		return &Error{off, typ, fmt.Errorf("byte-order magic 0x%08X is not 0x%08X (byte-swapped captures are not supported)", m, shbMagic)}
	}
	md := &Metadata{Major: binary.LittleEndian.Uint16(body[4:]), Minor: binary.LittleEndian.Uint16(body[6:])}
	if md.Major > 1 {
		return &Error{off, typ, fmt.Errorf("unsupported major version %d", md.Major)}
	}
	// Options after the fixed fields (pcapng comments from editors) are skipped by length.
	for {
		typ, total, off, err = r.readHeader()
		if err == io.EOF {
			return &Error{Offset: off, Err: errors.New("no events in capture")}
		}
		if err != nil {
			return err
		}
		if isEventBlock(typ) {
			r.hdr = [8]byte{}
			binary.LittleEndian.PutUint32(r.hdr[0:], typ)
			binary.LittleEndian.PutUint32(r.hdr[4:], uint32(total))
			r.pending, r.pendOff = true, off
			r.meta = md
			r.inEvents = false
			return nil
		}
		if typ == blockSHB {
			return &Error{off, typ, errors.New("section holds no events before the next section header")}
		}
		body, err := r.readBody(typ, total, off, 0)
		if err != nil {
			return err
		}
		if err := parseMetaBlock(typ, body, md); err != nil {
			return &Error{off, typ, err}
		}
	}
}

func parseMetaBlock(typ uint32, body []byte, md *Metadata) error {
	switch {
	case typ == blockMI || typ == blockMIOld:
		mi, err := parseMachineInfo(body)
		if err != nil {
			return err
		}
		md.Machine = mi
	case plVersion(typ) > 0:
		return parseProcessList(body, plVersion(typ), md)
	case typ == blockFDL || typ == blockFDLOld:
		return parseFDList(body, false, md)
	case typ == blockFDL2:
		return parseFDList(body, true, md)
	case typ == blockIL || typ == blockILOld:
		return parseInterfaceList(body, false, md)
	case typ == blockIL2:
		return parseInterfaceList(body, true, md)
	case typ == blockUL || typ == blockULOld:
		return parseUserList(body, false, md)
	case typ == blockUL2:
		return parseUserList(body, true, md)
	default:
		md.UnknownBlocks++
	}
	return nil
}

// Next returns the next event record, or io.EOF at the clean end of the capture. A new
// section (concatenated captures) shows as a higher Event.Section, with Metadata updated.
func (r *Reader) Next() (*Event, error) {
	if r.opts.KeepGoing && !r.pending {
		return r.nextResync()
	}
	return r.next()
}

// nextResync reads the next event block, checking each block whole (header, length,
// trailer, record) before consuming it; on damage it moves forward a byte at a time until a
// valid event block starts.
func (r *Reader) nextResync() (*Event, error) {
	var skipStart int64 = -1
	for {
		hdr, err := r.br.Peek(8)
		if err != nil {
			if len(hdr) == 0 && err == io.EOF {
				return nil, r.endDamage(skipStart, io.EOF)
			}
			return nil, r.endDamage(skipStart, &Error{Offset: r.off, Err: fmt.Errorf("%w: %d of 8 block header bytes", ErrTruncated, len(hdr))})
		}
		typ := binary.LittleEndian.Uint32(hdr)
		total := int(binary.LittleEndian.Uint32(hdr[4:]))
		if !isEventBlock(typ) && r.plausibleBlock(typ, total) {
			// Metadata, or a new section: the ordinary path knows them.
			r.endDamage(skipStart, nil)
			return r.next()
		}
		if isEventBlock(typ) && total >= 12+24 && total <= r.br.Size() {
			b, err := r.br.Peek(total)
			if err == nil && int(binary.LittleEndian.Uint32(b[total-4:])) == total {
				off := r.off
				r.buf = append(r.buf[:0], b[8:total-4]...)
				r.br.Discard(total)
				r.off += int64(total)
				if derr := r.decodeEvent(typ, off, r.buf); derr == nil {
					if skipStart >= 0 { // the damage ends where this block starts
						r.damaged = append(r.damaged, Damage{Offset: skipStart, Bytes: off - skipStart})
					}
					return &r.ev, nil
				}
				if skipStart < 0 {
					skipStart = off
				}
				continue
			}
			if err != nil && skipStart < 0 {
				// Not enough bytes left for the block: the capture ends here.
				return nil, &Error{r.off, typ, fmt.Errorf("%w: expected %d bytes after the block header, read %d", ErrTruncated, total-8, len(b)-8)}
			}
		}
		if skipStart < 0 {
			skipStart = r.off
		}
		r.br.Discard(1)
		r.off++
	}
}

// plausibleBlock reports whether a non-event block header at the read position looks like
// the start of a real block, so that the ordinary path may read it: its length is whole and
// the length that ends the block matches (when the block fits the read buffer), or, for a
// block longer than the buffer, its type is one scapql knows. Damage (garbage of any length)
// fails this and is scanned past a byte at a time instead of being skipped "by length".
func (r *Reader) plausibleBlock(typ uint32, total int) bool {
	if total < 12 || total%4 != 0 || total > r.opts.MaxBlock {
		return false
	}
	if total <= r.br.Size() {
		b, err := r.br.Peek(total)
		return err == nil && int(binary.LittleEndian.Uint32(b[total-4:])) == total
	}
	return knownBlock(typ)
}

// endDamage records a skipped region ending here, and passes err through.
func (r *Reader) endDamage(start int64, err error) error {
	if start >= 0 {
		r.damaged = append(r.damaged, Damage{Offset: start, Bytes: r.off - start})
	}
	return err
}

func (r *Reader) next() (*Event, error) {
	for {
		typ, total, off, err := r.readHeader()
		if err != nil {
			return nil, err
		}
		if !isEventBlock(typ) {
			if typ == blockSHB {
				r.pending, r.pendOff = true, off
				binary.LittleEndian.PutUint32(r.hdr[0:], typ)
				binary.LittleEndian.PutUint32(r.hdr[4:], uint32(total))
				if err := r.readSection(); err != nil {
					return nil, err
				}
				r.section++
				continue
			}
			// A non-event block amid events: skip it by length, counting unknown types.
			body, err := r.readBody(typ, total, off, 0)
			if err != nil {
				return nil, err
			}
			if err := parseMetaBlock(typ, body, r.meta); err != nil {
				return nil, &Error{off, typ, err}
			}
			if r.opts.KeepGoing {
				return r.nextResync() // damage may follow: check the next block before trusting it
			}
			continue
		}
		minBody := 2 + 22
		if typ == blockEVF || typ == blockEVF2 || typ == blockEVF2Large {
			minBody += 4
		}
		body, err := r.readBody(typ, total, off, minBody)
		if err != nil {
			return nil, err
		}
		if err := r.decodeEvent(typ, off, body); err != nil {
			return nil, &Error{off, typ, err}
		}
		return &r.ev, nil
	}
}

func (r *Reader) decodeEvent(typ uint32, off int64, body []byte) error {
	ev := &r.ev
	ev.Offset, ev.BlockType, ev.Section = off, typ, r.section
	ev.CPU = binary.LittleEndian.Uint16(body)
	rec := body[2:]
	ev.DumpFlags = 0
	if typ == blockEVF || typ == blockEVF2 || typ == blockEVF2Large {
		ev.DumpFlags = binary.LittleEndian.Uint32(rec)
		rec = rec[4:]
	}
	v2 := typ == blockEV2 || typ == blockEVF2 || typ == blockEV2Large || typ == blockEVF2Large
	hdrLen := 22
	if v2 {
		hdrLen = 26
	}
	if len(rec) < hdrLen {
		return fmt.Errorf("event record of %d bytes is shorter than its %d-byte header", len(rec), hdrLen)
	}
	ev.TS = binary.LittleEndian.Uint64(rec[0:])
	ev.TID = int64(binary.LittleEndian.Uint64(rec[8:]))
	recLen := int(binary.LittleEndian.Uint32(rec[16:]))
	ev.Type = binary.LittleEndian.Uint16(rec[20:])
	if recLen < hdrLen || recLen > len(rec) {
		return fmt.Errorf("event length %d does not fit in its block (%d bytes)", recLen, len(rec))
	}
	// The record's own length bounds it: editors may append options after its padding.
	rec = rec[:recLen]
	width := 2
	var info *eventtable.Event
	if int(ev.Type) < len(eventtable.Events) {
		info = &eventtable.Events[ev.Type]
		if info.IsLarge() {
			width = 4
		}
	}
	var nparams int
	if v2 {
		nparams = int(binary.LittleEndian.Uint32(rec[22:]))
		if nparams > (recLen-hdrLen)/width {
			return fmt.Errorf("event type %d declares %d parameters, more than its %d bytes can hold", ev.Type, nparams, recLen)
		}
	} else {
		if info == nil {
			ev.Params = ev.Params[:0]
			return nil
		}
		var err error
		nparams, err = recoverNParams(rec, recLen, info, width)
		if err != nil {
			return err
		}
	}
	ev.Params = ev.Params[:0]
	lens := rec[hdrLen:]
	pos := hdrLen + nparams*width
	for i := 0; i < nparams; i++ {
		var l int
		if width == 2 {
			l = int(binary.LittleEndian.Uint16(lens[2*i:]))
		} else {
			l = int(binary.LittleEndian.Uint32(lens[4*i:]))
		}
		if l > recLen-pos {
			return fmt.Errorf("event type %d parameter %d: length %d runs past the record", ev.Type, i, l)
		}
		ev.Params = append(ev.Params, rec[pos:pos+l:pos+l])
		pos += l
	}
	return nil
}

// recoverNParams finds the parameter count of a v1 record, which does not store it: the
// largest count, up to the table's, whose lengths add up exactly to the record length.
func recoverNParams(rec []byte, recLen int, info *eventtable.Event, width int) (int, error) {
	if info.ID == 280 || info.ID == 286 {
		// Old writers sized these three bytes too long.
		recLen -= 3
	}
	for n := len(info.Params); n >= 0; n-- {
		if 22+width*n > recLen {
			continue
		}
		sum := 0
		for i := 0; i < n; i++ {
			if width == 2 {
				sum += int(binary.LittleEndian.Uint16(rec[22+2*i:]))
			} else {
				sum += int(binary.LittleEndian.Uint32(rec[22+4*i:]))
			}
		}
		switch {
		case 22+width*n+sum == recLen:
			return n, nil
		case 22+width*n+sum < recLen:
			return 0, fmt.Errorf("event type %d: parameter lengths do not add up to the record length %d", info.ID, recLen)
		}
	}
	return 0, fmt.Errorf("event type %d: no parameter count fits the record length %d", info.ID, recLen)
}
