package ingest

import (
	"bufio"
	"io"
	"os"

	"github.com/klauspost/compress/gzip"

	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/state"
)

// IsAuditLog reports whether path holds audit logs (package audit) rather than a capture: a
// directory, or a file whose content (after gzip) starts with '{' or '['.
func IsAuditLog(path string) bool {
	if path == "-" {
		return false
	}
	st, err := os.Stat(path)
	if err != nil {
		return false
	}
	if st.IsDir() {
		return true
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	br := r.(*bufio.Reader)
	if m, _ := br.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return false
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	for {
		c, err := br.ReadByte()
		if err != nil {
			return false
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[':
			return true
		}
		return false
	}
}

// ReadAudit reads audit logs and delivers each record as the plugin event a capture would
// carry it in (pluginevent, plugin id and payload, the record in Event.Plugin), numbered
// from 1 across the inputs, so print, filters and tables treat both alike. Damaged or
// non-audit records go to report; an error from yield ends reading.
func ReadAudit(paths []string, opts audit.Options, stateOpts state.Options, yield func(*state.Event) error, report func(error)) error {
	md := &scap.Metadata{}
	eng := state.NewEngine(md, stateOpts)
	raw := &scap.Event{TID: -1, Type: state.PluginEventType}
	return audit.Read(paths, opts, func(r *audit.Record) error {
		raw.TS = uint64(r.Time)
		raw.Params = nil // the record is decoded already: keep Process from decoding it again
		ev := eng.Process(raw, md)
		if ev == nil {
			return nil
		}
		raw.Params = r.PluginParams()
		ev.Plugin = r
		return yield(ev)
	}, report)
}
