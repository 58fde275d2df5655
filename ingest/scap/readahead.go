package scap

import (
	"io"
	"sync"
)

// readAhead decompresses on its own goroutine while the caller decodes, so inflating a gzip
// capture and building state use both cores.
type readAhead struct {
	chunks chan chunk
	free   chan []byte
	done   chan struct{}
	once   sync.Once
	cur    []byte
	buf    []byte
	err    error
}

type chunk struct {
	buf []byte
	n   int
	err error
}

const (
	readAheadChunk = 256 << 10
	readAheadDepth = 4
)

func newReadAhead(src io.Reader) *readAhead {
	ra := &readAhead{
		chunks: make(chan chunk, readAheadDepth),
		free:   make(chan []byte, readAheadDepth+1),
		done:   make(chan struct{}),
	}
	for i := 0; i < readAheadDepth+1; i++ {
		ra.free <- make([]byte, readAheadChunk)
	}
	go ra.fill(src)
	return ra
}

func (ra *readAhead) fill(src io.Reader) {
	defer close(ra.chunks)
	for {
		var buf []byte
		select {
		case buf = <-ra.free:
		case <-ra.done:
			return
		}
		// Fill the chunk, keeping the source's own error (a cut gzip stream reports
		// io.ErrUnexpectedEOF, which must reach the reader as such).
		n := 0
		var err error
		for n < len(buf) && err == nil {
			var m int
			m, err = src.Read(buf[n:])
			n += m
		}
		select {
		case ra.chunks <- chunk{buf, n, err}:
		case <-ra.done:
			return
		}
		if err != nil {
			return
		}
	}
}

func (ra *readAhead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.err != nil {
			return 0, ra.err
		}
		if ra.buf != nil {
			ra.free <- ra.buf
			ra.buf = nil
		}
		c, ok := <-ra.chunks
		if !ok {
			return 0, io.EOF
		}
		ra.buf, ra.cur, ra.err = c.buf, c.buf[:c.n], c.err
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// Close stops the goroutine.
func (ra *readAhead) Close() error {
	ra.once.Do(func() { close(ra.done) })
	return nil
}
