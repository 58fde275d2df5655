//go:build linux && amd64

package bpf

import (
	"bufio"
	"compress/gzip"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/fields"
)

// TestCaptureReadByReference holds scapql's reading of a capture that
// `scapql capture` wrote to what sysdig 0.29.3 and tshark made of it
// (testdata/generate.sh): the same events, and the same text for the
// fields of golden_format.txt.
func TestCaptureReadByReference(t *testing.T) {
	const capture = "testdata/cat_hostname.scap.gz"
	formatText, err := os.ReadFile("testdata/golden_format.txt")
	if err != nil {
		t.Fatal(err)
	}
	format, err := fields.ParseFormat(string(formatText))
	if err != nil {
		t.Fatal(err)
	}
	src, err := ingest.Open(capture, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var lines []string
	all := 0
	for {
		ev, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.Initial {
			continue
		}
		all++
		if ev.Hidden {
			continue
		}
		b, _ := format.Append(nil, ev)
		lines = append(lines, string(b))
	}
	for _, tool := range []string{"sysdig", "tshark"} {
		if want := readCount(t, "testdata/cat_hostname."+tool+"-count.txt"); all != want {
			t.Errorf("%d events, %s counts %d", all, tool, want)
		}
	}
	want := readGzipLines(t, "testdata/cat_hostname.sysdig.txt.gz")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, sysdig printed %d", len(lines), len(want))
	}
	bad := 0
	for i := range want {
		if lines[i] != want[i] {
			if bad++; bad <= 5 {
				t.Errorf("line %d:\n got %s\nwant %s", i+1, lines[i], want[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d lines differ from sysdig's", bad, len(want))
	}
}

func readCount(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return n
}

func readGzipLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
