package remote

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	sw "github.com/scapql/scapql/ingest/scapwrite"
)

// MaxBlock caps one block of the remote stream, as the capture reader's
// default does: a larger declared length is taken as a broken stream.
const MaxBlock = 256 << 20

// ErrConnectionLost is wrapped by the error of a capture whose connection
// ended before the remote command did.
var ErrConnectionLost = errors.New("connection lost")

// Stats count what a remote capture delivered.
type Stats struct {
	Blocks int64 // whole blocks handed on
	Events int64 // of which events
	Bytes  int64 // bytes handed on
	Tail   int64 // bytes of a last, partial block that were dropped
}

// Options of a remote capture run.
type Options struct {
	// Stderr receives the remote command's standard error, each line
	// prefixed with Prefix (nil: kept only for error messages).
	Stderr io.Writer
	Prefix string
	// Grace is how long the remote command has to finish its capture after
	// the context ends and it is sent SIGTERM, before the session is closed
	// (0: 10s).
	Grace time.Duration
}

// Flusher is a writer that can push what it buffered (bufio.Writer does).
type Flusher interface{ Flush() error }

// Capture runs cmd on the remote host and copies its standard output to w
// one whole block at a time: w only ever receives complete blocks, so what
// it holds is a readable capture whatever happens to the connection. When
// the remote stream pauses, w is flushed (if it is a Flusher), so a reader
// following w sees each block as it comes.
//
// When ctx ends, the remote command's input is closed and it is sent
// SIGTERM (see Command.Shell), and its capture is read to its end. The error wraps ErrConnectionLost when the connection ended
// before the command did; it quotes the command's standard error when the
// command failed.
func (c *Client) Capture(ctx context.Context, cmd string, w io.Writer, opts Options) (Stats, error) {
	var st Stats
	if opts.Grace == 0 {
		opts.Grace = 10 * time.Second
	}
	s, err := c.conn.NewSession()
	if err != nil {
		return st, c.lostErr(st, fmt.Errorf("open a session: %w", err))
	}
	defer s.Close()
	tail := &tailBuffer{max: 4096, out: opts.Stderr, prefix: opts.Prefix}
	s.Stderr = tail
	stdout, err := s.StdoutPipe()
	if err != nil {
		return st, fmt.Errorf("ssh %s: %w", c.cfg.Target, err)
	}
	// The remote script stops the capture when its input ends (Shell).
	stdin, err := s.StdinPipe()
	if err != nil {
		return st, fmt.Errorf("ssh %s: %w", c.cfg.Target, err)
	}
	if err := s.Start(cmd); err != nil {
		return st, c.lostErr(st, fmt.Errorf("start the remote command: %w", err))
	}

	stopped := make(chan struct{})
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		close(stopped)
		stdin.Close()
		s.Signal(ssh.SIGTERM) // refused by some servers; the closed input suffices
		select {
		case <-done:
		case <-time.After(opts.Grace):
			// The command did not end: closing the session closes its
			// output, and what was received is still whole blocks.
			s.Close()
		}
	}()

	copyErr := copyBlocks(bufio.NewReaderSize(stdout, 1<<16), w, &st)
	// Drain whatever follows a broken stream, so the command can end.
	if copyErr != nil {
		io.Copy(io.Discard, stdout)
	}
	waitErr := s.Wait()
	tail.flush()

	wasStopped := isClosed(stopped)
	var exitErr *ssh.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case errors.As(waitErr, &exitErr):
		if wasStopped && exitErr.Signal() != "" && copyErr == nil {
			break // ended by our SIGTERM
		}
		if exitErr.ExitStatus() == 127 && st.Bytes == 0 {
			return st, fmt.Errorf("ssh %s: remote capture command not found: %s", c.cfg.Target, tail.text())
		}
		msg := tail.text()
		if msg == "" {
			msg = "(nothing on its standard error)"
		}
		if exitErr.Signal() != "" {
			return st, fmt.Errorf("ssh %s: the remote capture command was killed by SIG%s after %d events: %s", c.cfg.Target, exitErr.Signal(), st.Events, msg)
		}
		return st, fmt.Errorf("ssh %s: the remote capture command exited with status %d after %d events: %s", c.cfg.Target, exitErr.ExitStatus(), st.Events, msg)
	case errors.As(waitErr, &missing), waitErr != nil:
		if wasStopped && isClosedSession(waitErr) && copyErr == nil && st.Tail == 0 {
			break // closed by us after the grace period, on a block boundary
		}
		return st, c.lostErr(st, waitErr)
	}
	if copyErr != nil {
		return st, fmt.Errorf("ssh %s: %w", c.cfg.Target, copyErr)
	}
	if st.Tail > 0 {
		return st, c.lostErr(st, fmt.Errorf("the stream ended inside a block (%d bytes dropped)", st.Tail))
	}
	if st.Bytes == 0 {
		msg := tail.text()
		if msg == "" {
			msg = "(nothing on its standard error)"
		}
		return st, fmt.Errorf("ssh %s: the remote capture command wrote no capture: %s", c.cfg.Target, msg)
	}
	return st, nil
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func isClosedSession(err error) bool {
	return err != nil && (errors.Is(err, io.EOF) || errors.As(err, new(*ssh.ExitMissingError)))
}

// lostErr is the error of a connection that ended under a capture.
func (c *Client) lostErr(st Stats, cause error) error {
	select {
	case why := <-c.lost:
		cause = why
	default:
	}
	return fmt.Errorf("ssh %s: %w after %d events (%d bytes of whole blocks kept): %v", c.cfg.Target, ErrConnectionLost, st.Events, st.Bytes, cause)
}

// copyBlocks copies whole blocks from r to w. It returns nil at the end of
// r, with st.Tail set when the last block was cut short; an error for a
// stream that is not an uncompressed capture, or when w fails.
func copyBlocks(r *bufio.Reader, w io.Writer, st *Stats) error {
	fl, _ := w.(Flusher)
	var order binary.ByteOrder = binary.LittleEndian
	var head [8]byte
	buf := make([]byte, 0, 1<<16)
	first := true
	for {
		if fl != nil && r.Buffered() == 0 {
			if err := fl.Flush(); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		}
		n, err := io.ReadFull(r, head[:])
		if err == io.EOF {
			return nil
		}
		if first && n >= 2 && head[0] == 0x1f && head[1] == 0x8b {
			return errors.New("the remote command wrote a gzip-compressed capture; streams must be uncompressed (drop -z)")
		}
		if first && !bytes.HasPrefix(shbStart[:], head[:min(n, 4)]) {
			return fmt.Errorf("the remote command did not write a capture (it began with %q)", printable(head[:n]))
		}
		if err != nil {
			st.Tail = int64(n)
			return nil
		}
		if first {
			magic, err := r.Peek(4)
			if err != nil {
				st.Tail = int64(len(head) + len(magic))
				return nil
			}
			switch {
			case binary.LittleEndian.Uint32(magic) == 0x1A2B3C4D:
			case binary.BigEndian.Uint32(magic) == 0x1A2B3C4D:
				order = binary.BigEndian
			default:
				return fmt.Errorf("the remote command's capture has no byte-order magic (%x)", magic)
			}
			first = false
		}
		typ, total := order.Uint32(head[:4]), order.Uint32(head[4:])
		if total < 12 || total%4 != 0 || total > MaxBlock {
			return fmt.Errorf("broken stream at byte %d: block length %d", st.Bytes, total)
		}
		if uint32(cap(buf)) < total {
			buf = make([]byte, total)
		}
		buf = buf[:total]
		copy(buf, head[:])
		n, err = io.ReadFull(r, buf[8:])
		if err != nil {
			st.Tail = int64(8 + n)
			return nil
		}
		if order.Uint32(buf[total-4:]) != total {
			return fmt.Errorf("broken stream at byte %d: block length %d, trailing length %d", st.Bytes, total, order.Uint32(buf[total-4:]))
		}
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		st.Blocks++
		st.Bytes += int64(total)
		if isEvent(typ) {
			st.Events++
		}
	}
}

// shbStart is how a capture begins: a section header block's type.
var shbStart = [4]byte{0x0a, 0x0d, 0x0d, 0x0a}

func isEvent(typ uint32) bool {
	switch typ {
	case sw.BlockEV, sw.BlockEVF, sw.BlockEVv2, sw.BlockEVFv2, sw.BlockEVv2Large, sw.BlockEVFv2Large, 0x8010ABCD:
		return true
	}
	return false
}

func printable(b []byte) string {
	return string(bytes.Map(func(r rune) rune {
		if r < 32 || r > 126 {
			return '.'
		}
		return r
	}, b))
}

// tailBuffer keeps the last max bytes of the remote standard error for
// error messages, and passes whole lines on to out with a prefix.
type tailBuffer struct {
	mu     sync.Mutex
	max    int
	buf    []byte
	out    io.Writer
	prefix string
	line   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	if t.out != nil {
		t.line = append(t.line, p...)
		for {
			i := bytes.IndexByte(t.line, '\n')
			if i < 0 {
				break
			}
			fmt.Fprintf(t.out, "%s%s\n", t.prefix, t.line[:i])
			t.line = t.line[i+1:]
		}
		if len(t.line) > t.max {
			t.line = t.line[len(t.line)-t.max:]
		}
	}
	return len(p), nil
}

func (t *tailBuffer) flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.out != nil && len(t.line) > 0 {
		fmt.Fprintf(t.out, "%s%s\n", t.prefix, t.line)
		t.line = nil
	}
}

func (t *tailBuffer) text() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.buf))
}
