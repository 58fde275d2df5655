package repl

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// DefaultMaxLine bounds one line of a script or of a .read file.
const DefaultMaxLine = 1 << 20

// lineReader reads lines of at most max bytes without holding more than that: a longer line
// is an error, as is a line with a NUL byte or invalid UTF-8 (binary input).
type lineReader struct {
	br   *bufio.Reader
	max  int
	line int // number of the last line read
	buf  []byte
}

func newLineReader(r io.Reader, max int) *lineReader {
	if max <= 0 {
		max = DefaultMaxLine
	}
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line without its end ("\n" or "\r\n"), or io.EOF.
func (l *lineReader) next() (string, error) {
	l.buf = l.buf[:0]
	l.line++
	for {
		frag, err := l.br.ReadSlice('\n')
		if len(l.buf)+len(frag) > l.max+2 { // room for "\r\n"
			return "", fmt.Errorf("line %d is longer than the limit of %d bytes (--max-line raises the limit); stopped reading", l.line, l.max)
		}
		l.buf = append(l.buf, frag...)
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(l.buf) > 0:
		case err != nil:
			return "", err
		}
		break
	}
	b := bytes.TrimSuffix(bytes.TrimSuffix(l.buf, []byte("\n")), []byte("\r"))
	if len(b) > l.max {
		return "", fmt.Errorf("line %d is longer than the limit of %d bytes (--max-line raises the limit); stopped reading", l.line, l.max)
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return "", fmt.Errorf("line %d, byte %d: a NUL byte; binary input is not a script, stopped reading", l.line, i+1)
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("line %d: invalid UTF-8; binary input is not a script, stopped reading", l.line)
	}
	return string(b), nil
}
