// Package ingest turns capture files into resolved events: it opens a capture (raw or gzip,
// a path or standard input), decodes it with package scap and rebuilds state with package
// state, one event at a time.
package ingest

import (
	"fmt"
	"io"
	"os"

	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/state"
)

// Options tune reading.
type Options struct {
	Reader scap.Options
	State  state.Options
}

// Source yields the resolved events of one capture.
type Source struct {
	Name   string
	file   *os.File
	reader *scap.Reader
	engine *state.Engine
}

// Open opens a capture file; "-" reads standard input.
func Open(path string, opts Options) (*Source, error) {
	var f *os.File
	if path == "-" {
		f = os.Stdin
	} else {
		var err error
		f, err = os.Open(path)
		if err != nil {
			return nil, err
		}
	}
	src, err := NewSource(f, path, opts)
	if err != nil {
		if f != os.Stdin {
			f.Close()
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if f != os.Stdin {
		src.file = f
	}
	return src, nil
}

// NewSource reads a capture from r.
func NewSource(r io.Reader, name string, opts Options) (*Source, error) {
	rd, err := scap.NewReader(r, opts.Reader)
	if err != nil {
		return nil, err
	}
	return &Source{Name: name, reader: rd, engine: state.NewEngine(rd.Metadata(), opts.State)}, nil
}

// Engine returns the state engine.
func (s *Source) Engine() *state.Engine { return s.engine }

// Metadata returns the current section's metadata.
func (s *Source) Metadata() *scap.Metadata { return s.reader.Metadata() }

// Next returns the next delivered event (reused by the following call), or io.EOF.
func (s *Source) Next() (*state.Event, error) {
	for {
		raw, err := s.reader.Next()
		if err != nil {
			return nil, err
		}
		if ev := s.engine.Process(raw, s.reader.Metadata()); ev != nil {
			return ev, nil
		}
	}
}

// Damaged lists the regions skipped with Options.Reader.KeepGoing.
func (s *Source) Damaged() []scap.Damage { return s.reader.Damaged() }

// Close closes the capture.
func (s *Source) Close() error {
	s.reader.Close()
	if s.file != nil {
		return s.file.Close()
	}
	return nil
}
