package audit

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
)

func readString(t *testing.T, name, data string, opts Options) ([]*Record, []error) {
	t.Helper()
	var recs []*Record
	var errs []error
	err := ReadStream(strings.NewReader(data), name, opts, func(r *Record) error {
		recs = append(recs, r)
		return nil
	}, func(err error) { errs = append(errs, err) })
	if err != nil {
		t.Fatal(err)
	}
	return recs, errs
}

const (
	ct1 = `{"eventVersion":"1.08","eventTime":"2021-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{"type":"Root","userName":"r"}}`
	ct2 = `{"eventVersion":"1.08","eventTime":"2021-01-01T00:00:01Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser"}`
	ka1 = `{"kind":"Event","auditID":"a1","stage":"ResponseComplete","verb":"create","stageTimestamp":"2021-01-01T00:00:02.5Z"}`
)

func TestLayouts(t *testing.T) {
	for _, c := range []struct {
		name, data string
		kinds      []Kind
		nerr       int
	}{
		{"records", `{"Records":[` + ct1 + `,` + ct2 + `]}`, []Kind{CloudTrail, CloudTrail}, 0},
		{"records-pretty", "{\n \"Records\": [\n" + ct1 + ",\n" + ct2 + "\n ]\n}\n", []Kind{CloudTrail, CloudTrail}, 0},
		{"lines", ct1 + "\n" + ka1 + "\n\n" + ct2 + "\n", []Kind{CloudTrail, K8sAudit, CloudTrail}, 0},
		{"eventlist", `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[` + ka1 + `,` + ka1 + `]}`, []Kind{K8sAudit, K8sAudit}, 0},
		{"array", `[` + ka1 + `,` + ct1 + `]`, []Kind{K8sAudit, CloudTrail}, 0},
		{"single", "{\n\"kind\": \"Event\", \"auditID\": \"x\"\n}", []Kind{K8sAudit}, 0},
		{"bad-line", ct1 + "\n{\"eventName\": oops}\n" + ct2 + "\n", []Kind{CloudTrail, CloudTrail}, 1},
		{"not-audit-line", ct1 + "\n{\"hello\":1}\n" + ka1 + "\n", []Kind{CloudTrail, K8sAudit}, 1},
		{"cut-records", `{"Records":[` + ct1 + `,` + ct2[:40], []Kind{CloudTrail}, 1},
		{"not-json", "\x0a\x0d\x0d\x0a binary", nil, 1},
		{"number", "42", nil, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			recs, errs := readString(t, c.name, c.data, Options{})
			if len(recs) != len(c.kinds) || len(errs) != c.nerr {
				t.Fatalf("got %d records, %d errors (%v); want %d, %d", len(recs), len(errs), errs, len(c.kinds), c.nerr)
			}
			for i, r := range recs {
				if r.Kind != c.kinds[i] {
					t.Errorf("record %d: kind %v, want %v", i, r.Kind, c.kinds[i])
				}
			}
			for _, err := range errs {
				var e *Error
				if !errors.As(err, &e) || e.File != c.name {
					t.Errorf("error %v: want an *Error naming the file", err)
				}
			}
		})
	}
}

func TestErrorNamesRecordAndOffset(t *testing.T) {
	data := ct1 + "\n" + `{"eventName": oops}` + "\n"
	_, errs := readString(t, "f.json", data, Options{})
	if len(errs) != 1 {
		t.Fatalf("errors: %v", errs)
	}
	var e *Error
	errors.As(errs[0], &e)
	if e.Record != 1 || e.Offset < int64(len(ct1)+1) || e.Offset > int64(len(data)) {
		t.Errorf("got record %d offset %d: %v", e.Record, e.Offset, e)
	}
	if !strings.Contains(e.Error(), "f.json: record 1 at byte") {
		t.Errorf("message %q", e.Error())
	}
}

func TestRecordCap(t *testing.T) {
	big := `{"eventVersion":"1","eventName":"x","eventSource":"y","pad":"` + strings.Repeat("s", 100000) + `"}`
	recs, errs := readString(t, "lines", ct1+"\n"+big+"\n"+ct2+"\n", Options{MaxRecord: 4096})
	if len(recs) != 2 || len(errs) != 1 {
		t.Fatalf("lines: %d records, errors %v", len(recs), errs)
	}
	recs, errs = readString(t, "records", `{"Records":[`+ct1+",\n"+big+",\n"+ct2+"]}", Options{MaxRecord: 4096})
	if len(recs) != 2 || len(errs) != 1 {
		t.Fatalf("records: %d records, errors %v", len(recs), errs)
	}
}

func TestGzipAndDirectory(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(`{"Records":[` + ct1 + `,` + ct2 + `]}`))
	zw.Close()
	sub := filepath.Join(dir, "AWSLogs", "123", "CloudTrail", "us-east-1")
	os.MkdirAll(sub, 0o755)
	os.WriteFile(filepath.Join(sub, "a_CloudTrail.json.gz"), buf.Bytes(), 0o644)
	os.WriteFile(filepath.Join(sub, "b.jsonl"), []byte(ka1+"\n"), 0o644)
	os.WriteFile(filepath.Join(sub, "notes.txt"), []byte("not read"), 0o644)
	var kinds []Kind
	err := Read([]string{dir}, Options{}, func(r *Record) error {
		kinds = append(kinds, r.Kind)
		return nil
	}, func(err error) { t.Error(err) })
	if err != nil {
		t.Fatal(err)
	}
	if len(kinds) != 3 || kinds[2] != K8sAudit {
		t.Errorf("kinds %v", kinds)
	}
}

func FuzzRead(f *testing.F) {
	f.Add(`{"Records":[` + ct1 + `]}`)
	f.Add(ct1 + "\n" + ka1)
	f.Add(`{"kind":"EventList","items":[` + ka1 + `]}`)
	f.Fuzz(func(t *testing.T, data string) {
		_ = ReadStream(strings.NewReader(data), "fuzz", Options{MaxRecord: 1 << 16}, func(r *Record) error {
			for _, fl := range FieldsOf(r.Kind) {
				fl.Extract(r, "0").Text()
				fl.Extract(r, "").Text()
			}
			return nil
		}, func(error) {})
	})
}

// TestLongFirstLine: JSON lines whose first line is longer than the reader's look-ahead are
// still read line by line.
func TestLongFirstLine(t *testing.T) {
	long := `{"kind":"Event","auditID":"a","verb":"create","pad":"` + strings.Repeat("x", 200000) + `"}`
	recs, errs := readString(t, "long", long+"\n"+ka1+"\n"+ct1+"\n", Options{})
	if len(recs) != 3 || len(errs) != 0 || recs[2].Kind != CloudTrail {
		t.Fatalf("%d records, errors %v", len(recs), errs)
	}
	recs, errs = readString(t, "arrays", `[`+ka1+`]`+"\n"+`[`+ct1+`,`+ct2+`]`+"\n", Options{})
	if len(recs) != 3 || len(errs) != 0 {
		t.Fatalf("arrays: %d records, errors %v", len(recs), errs)
	}
}
