package state_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/scapwrite"
)

// render reads a written sample and renders each delivered event with format.
func render(t *testing.T, s scapwrite.Sample, format string) []string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := scapwrite.WriteSample(s, &buf, scapwrite.Options{}); err != nil {
		t.Fatal(err)
	}
	src, err := ingest.NewSource(&buf, string(s), ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := fields.ParseFormat(format)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		ev, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		f.Render(&sb, ev)
		out = append(out, sb.String())
	}
	return out
}

// TestExitOnlyEvents: captures from current drivers carry exit events only; state must come
// from the exit parameters.
func TestExitOnlyEvents(t *testing.T) {
	lines := render(t, scapwrite.SampleExitOnly, "*%evt.type %evt.dir %proc.name %fd.num %fd.name %fd.typechar %evt.res %proc.exepath %user.uid")
	want := []string{
		"openat < bash 3 /home/alice/notes.txt f SUCCESS -bash 1000",
		"read < bash 3 /home/alice/notes.txt f SUCCESS -bash 1000",
		"write < bash 1 /dev/pts/0 f SUCCESS -bash 1000",
		"close < bash 3 /home/alice/notes.txt f SUCCESS -bash 1000",
		"openat < bash -1 /etc/nope f ENOENT -bash 1000",
		"socket < bash 3  4 SUCCESS -bash 1000",
		"connect < bash 3 10.0.0.5:51000->93.184.216.34:443 4 SUCCESS -bash 1000",
		"sendto < bash 3 10.0.0.5:51000->93.184.216.34:443 4 SUCCESS -bash 1000",
		"recvfrom < bash 3 10.0.0.5:51000->93.184.216.34:443 4 EAGAIN -bash 1000",
		"close < bash 3 10.0.0.5:51000->93.184.216.34:443 4 SUCCESS -bash 1000",
	}
	for i, w := range want {
		if i >= len(lines) || lines[i] != w {
			got := "<missing>"
			if i < len(lines) {
				got = lines[i]
			}
			t.Errorf("event %d:\n got %q\nwant %q", i+1, got, w)
		}
	}
	last := lines[len(lines)-2]
	if !strings.HasPrefix(last, "execve < ls") || !strings.Contains(last, "/usr/bin/ls") {
		t.Errorf("execve line %q does not show the new program and its path", last)
	}
}
