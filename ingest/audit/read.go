// Package audit reads cloud audit logs — AWS CloudTrail and Kubernetes audit events — and
// extracts the fields Falco's cloudtrail, k8saudit and json plugins define (ct.*, s3.*, ec2.*,
// ecr.*, iam.*, ka.*, jevt.*, json.*), with the values those plugins give.
//
// Inputs: CloudTrail log files as AWS delivers them ({"Records":[…]}, plain or gzip, one
// file or a directory tree of them), one JSON record per line (CloudWatch and Athena
// exports, the API server's log backend), a webhook EventList ({"kind":"EventList",
// "items":[…]}) and a JSON array of records. Reading streams: a file is never held whole,
// and a record larger than Options.MaxRecord is an error. A damaged or non-audit record is
// reported as an *Error naming the file, the record and the byte offset, and reading goes
// on where the format allows (the next line of a JSON-lines file; a syntax error inside a
// Records array ends that file, after the records before it).
package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// Kind is the source a record belongs to.
type Kind uint8

// The record kinds, named by their Falco event sources.
const (
	Unknown    Kind = iota
	CloudTrail      // aws_cloudtrail
	K8sAudit        // k8s_audit
)

// Source returns the Falco event source name of the kind.
func (k Kind) Source() string {
	switch k {
	case CloudTrail:
		return "aws_cloudtrail"
	case K8sAudit:
		return "k8s_audit"
	}
	return "unknown"
}

// Table returns the name of the SQL table records of this kind go to.
func (k Kind) Table() string {
	switch k {
	case CloudTrail:
		return "cloudtrail"
	case K8sAudit:
		return "k8saudit"
	}
	return ""
}

// DefaultMaxRecord bounds the size of one record (bytes of JSON).
const DefaultMaxRecord = 64 << 20

// Options configure reading.
type Options struct {
	MaxRecord int // largest record accepted, in bytes; 0 means DefaultMaxRecord
}

func (o Options) maxRecord() int {
	if o.MaxRecord <= 0 {
		return DefaultMaxRecord
	}
	return o.MaxRecord
}

// Error is a damaged or unusable part of an input: the file, the 0-based record index
// (-1 when the damage is not inside a record) and the byte offset in the decompressed file.
type Error struct {
	File   string
	Record int
	Offset int64
	Err    error
}

func (e *Error) Error() string {
	if e.Record >= 0 {
		return fmt.Sprintf("%s: record %d at byte %d: %v", e.File, e.Record, e.Offset, e.Err)
	}
	return fmt.Sprintf("%s: at byte %d: %v", e.File, e.Offset, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrNotAudit says a JSON value is neither a CloudTrail record nor a Kubernetes audit event.
var ErrNotAudit = errors.New("not a CloudTrail record or Kubernetes audit event")

// logName reports whether a file in a directory tree is read: JSON and log files, plain
// or gzip (CloudTrail's …_CloudTrail_us-east-1_….json.gz, an API server's audit.log).
func logName(name string) bool {
	n := strings.TrimSuffix(strings.ToLower(name), ".gz")
	for _, ext := range []string{".json", ".jsonl", ".ndjson", ".log"} {
		if strings.HasSuffix(n, ext) {
			return true
		}
	}
	return false
}

// Files expands paths into the files to read: a directory stands for every JSON or log
// file under it (sorted, hidden entries skipped), other paths for themselves.
func Files(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if path != p && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && logName(d.Name()) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("audit: walk %s: %w", p, err)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// Read reads every record of the files and directories in paths, in order, calling yield
// for each good record and report for each *Error (damaged input). An error from yield, or
// one opening a file, ends reading and is returned.
func Read(paths []string, opts Options, yield func(*Record) error, report func(error)) error {
	files, err := Files(paths)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := ReadFile(f, opts, yield, report); err != nil {
			return err
		}
	}
	return nil
}

// ReadFile reads one file ("-" is standard input); see Read.
func ReadFile(path string, opts Options, yield func(*Record) error, report func(error)) error {
	var r io.Reader
	if path == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	return ReadStream(r, path, opts, yield, report)
}

// ReadStream reads records from r, named name in records and errors; gzip is recognised by
// its magic bytes.
func ReadStream(r io.Reader, name string, opts Options, yield func(*Record) error, report func(error)) error {
	br := bufio.NewReaderSize(r, 1<<16)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			report(&Error{File: name, Record: -1, Err: fmt.Errorf("gzip: %w", err)})
			return nil
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 1<<16)
	}
	rd := &reader{name: name, max: opts.maxRecord(), yield: yield, report: report}
	return rd.run(br)
}

type reader struct {
	name   string
	max    int
	yield  func(*Record) error
	report func(error)
	index  int // next record index in the file
}

func (rd *reader) bad(off int64, err error) {
	rd.report(&Error{File: rd.name, Record: rd.index, Offset: off, Err: err})
	rd.index++
}

// emit classifies one record's JSON and hands it on.
func (rd *reader) emit(raw []byte, off int64) error {
	rec, err := NewRecord(raw)
	if err != nil {
		rd.bad(off, err)
		return nil
	}
	rec.File, rec.Index, rec.Offset = rd.name, rd.index, off
	rd.index++
	return rd.yield(rec)
}

// run picks the layout: a first line that is a whole JSON object makes a JSON-lines file
// (a line may itself be a Records object or an EventList); anything else is read as one
// streamed JSON value.
func (rd *reader) run(br *bufio.Reader) error {
	first, err := peekLine(br, rd.max)
	if err != nil && err != io.EOF {
		rd.report(&Error{File: rd.name, Record: -1, Err: err})
		return nil
	}
	t := bytes.TrimSpace(first)
	if len(t) == 0 && err == io.EOF {
		return nil
	}
	if len(t) > 0 && t[0] == '{' && json.Valid(t) {
		return rd.lines(br)
	}
	return rd.stream(br)
}

// peekLine returns the first non-empty line without consuming it (at most max bytes).
func peekLine(br *bufio.Reader, max int) ([]byte, error) {
	for n := 4096; ; n *= 2 {
		if n > br.Size() {
			// the line is longer than the buffer: not a short first line; stream it
			b, err := br.Peek(br.Size())
			return b, err
		}
		b, err := br.Peek(n)
		start := 0
		for start < len(b) && (b[start] == '\n' || b[start] == '\r' || b[start] == ' ' || b[start] == '\t') {
			start++
		}
		if i := bytes.IndexByte(b[start:], '\n'); i >= 0 {
			return b[start : start+i], nil
		}
		if err != nil {
			return b[start:], err
		}
		if n >= max {
			return b, nil
		}
	}
}

// lines reads one JSON value per line.
func (rd *reader) lines(br *bufio.Reader) error {
	var off int64
	var line []byte
	for {
		start := off
		line = line[:0]
		tooLong := false
		var err error
		for {
			var frag []byte
			frag, err = br.ReadSlice('\n')
			off += int64(len(frag))
			if !tooLong {
				if len(line)+len(frag) > rd.max {
					tooLong = true
				} else {
					line = append(line, frag...)
				}
			}
			if err != bufio.ErrBufferFull {
				break
			}
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("audit: read %s: %w", rd.name, err)
		}
		if tooLong {
			rd.bad(start, fmt.Errorf("record longer than %d bytes", rd.max))
		} else if t := bytes.TrimSpace(line); len(t) > 0 {
			if e := rd.value(t, start); e != nil {
				return e
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// value handles one complete JSON value of a JSON-lines file.
func (rd *reader) value(t []byte, off int64) error {
	if !json.Valid(t) {
		var v any
		err := json.Unmarshal(t, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			rd.bad(off+se.Offset, fmt.Errorf("bad JSON: %v", err))
		} else {
			rd.bad(off, fmt.Errorf("bad JSON: %v", err))
		}
		return nil
	}
	if t[0] == '[' {
		return rd.stream(bufio.NewReader(bytes.NewReader(t)))
	}
	if t[0] == '{' {
		var probe struct {
			Records json.RawMessage `json:"Records"`
			Kind    string          `json:"kind"`
			Items   json.RawMessage `json:"items"`
		}
		if json.Unmarshal(t, &probe) == nil {
			switch {
			case len(probe.Records) > 0 && probe.Records[0] == '[':
				return rd.stream(bufio.NewReader(bytes.NewReader(t)))
			case probe.Kind == "EventList" && len(probe.Items) > 0 && probe.Items[0] == '[':
				return rd.stream(bufio.NewReader(bytes.NewReader(t)))
			}
		}
	}
	return rd.emit(t, off)
}

// limited counts the bytes the decoder reads since the last mark and refuses to go more
// than max past it, so one huge value cannot be buffered whole.
type limited struct {
	r    io.Reader
	n    int64 // bytes read in all
	mark int64
	max  int64
}

var errTooLarge = errors.New("record too large")

func (l *limited) Read(p []byte) (int, error) {
	if l.n-l.mark > l.max {
		return 0, errTooLarge
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}

// stream reads one JSON value that holds records: {"Records":[…]}, an EventList, an array
// of records, or a single record.
func (rd *reader) stream(br *bufio.Reader) error {
	lim := &limited{r: br, max: int64(rd.max) + 1<<16}
	dec := json.NewDecoder(lim)
	fail := func(err error) {
		var se *json.SyntaxError
		off := dec.InputOffset()
		if errors.As(err, &se) {
			off = se.Offset
		}
		if errors.Is(err, errTooLarge) {
			err = fmt.Errorf("record longer than %d bytes", rd.max)
		} else if err == io.ErrUnexpectedEOF || err == io.EOF {
			err = fmt.Errorf("file ends inside the JSON value")
		}
		rd.report(&Error{File: rd.name, Record: rd.index, Offset: off, Err: err})
	}
	tok, err := dec.Token()
	if err != nil {
		fail(err)
		return nil
	}
	switch tok {
	case json.Delim('['):
		if ok, err := rd.elements(dec, lim, fail); !ok || err != nil {
			return err
		}
		return rd.rest(dec, lim, fail)
	case json.Delim('{'):
	default:
		rd.report(&Error{File: rd.name, Record: -1, Offset: 0, Err: fmt.Errorf("%w: the file holds a JSON %T", ErrNotAudit, tok)})
		return nil
	}
	// An object: a Records/items container, or a single record. Keys before the array are
	// kept (a single record is rebuilt from them).
	var fields []byte
	fields = append(fields, '{')
	nkeys := 0
	for dec.More() {
		lim.mark = lim.n
		kt, err := dec.Token()
		if err != nil {
			fail(err)
			return nil
		}
		key, _ := kt.(string)
		if key == "Records" || key == "items" {
			t, err := dec.Token()
			if err != nil {
				fail(err)
				return nil
			}
			if t == json.Delim('[') {
				if ok, err := rd.elements(dec, lim, fail); !ok || err != nil {
					return err
				}
				continue
			}
			if t == nil {
				continue
			}
			fail(fmt.Errorf("%q is not an array", key))
			return nil
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			fail(err)
			return nil
		}
		if len(fields) < rd.max {
			kb, _ := json.Marshal(key)
			if nkeys > 0 {
				fields = append(fields, ',')
			}
			fields = append(fields, kb...)
			fields = append(fields, ':')
			fields = append(fields, v...)
			nkeys++
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		fail(err)
		return nil
	}
	if rd.index == 0 && nkeys > 0 {
		// no record array: the object is itself a record
		fields = append(fields, '}')
		if err := rd.emit(fields, 0); err != nil {
			return err
		}
	}
	return rd.rest(dec, lim, fail)
}

// rest reads the values after the first: JSON lines whose first line was too long to tell,
// or a file of several arrays or objects.
func (rd *reader) rest(dec *json.Decoder, lim *limited, fail func(error)) error {
	for {
		lim.mark = lim.n
		var v json.RawMessage
		if err := dec.Decode(&v); err == io.EOF {
			return nil
		} else if err != nil {
			fail(err)
			return nil
		}
		off := dec.InputOffset() - int64(len(v))
		if len(v) > rd.max {
			rd.bad(off, fmt.Errorf("record longer than %d bytes", rd.max))
			continue
		}
		if err := rd.value(v, off); err != nil {
			return err
		}
	}
}

// elements reads the records of an array whose '[' has been read; ok is false when the
// input is damaged (reported) and reading the value must stop.
func (rd *reader) elements(dec *json.Decoder, lim *limited, fail func(error)) (ok bool, err error) {
	for dec.More() {
		lim.mark = lim.n
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			fail(err)
			return false, nil
		}
		off := dec.InputOffset() - int64(len(v))
		if len(v) > rd.max {
			rd.bad(off, fmt.Errorf("record longer than %d bytes", rd.max))
			continue
		}
		if err := rd.emit(v, off); err != nil {
			return false, err
		}
	}
	if _, err := dec.Token(); err != nil { // ']'
		fail(err)
		return false, nil
	}
	return true, nil
}
