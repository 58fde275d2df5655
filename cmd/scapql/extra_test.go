package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Fields of the extra golden list that the test leaves out, because the reference's text for
// them is not a property of the capture.
var referenceArtifacts = map[string]string{
	"fd.dev":            "for sockets and pipes created during the capture the reference prints uninitialised memory",
	"evt.latency.human": "on events without a thread the reference prints the previous event's text",
	"fd.cproto":         "unix sockets print an empty string that depends on the previous event",
	"fd.sproto":         "unix sockets print an empty string that depends on the previous event",
}

// referenceEcho: sysdig 0.29.3 prints %proc.aname without an index as the process's own name
// followed by the field's name itself (its format parser does not move past an optional
// argument left out); the value before that text is compared.
var referenceEcho = map[string]string{"proc.aname": "proc.aname"}

// Fields where scapql still differs from the reference on a few rows: the test holds the
// number of differing rows to at most this many, so any regression fails.
var knownDifferences = map[string]int{
	"proc.env":     48, // environment of a few pre-existing nginx threads
	"proc.vmsize":  12, // memory counters right after a context switch of another thread
	"proc.vmrss":   11,
	"fd.connected": 2, // a UDP socket written to before connect()
}

// TestExtraFieldsMatchReference compares every other field of sysdig's field list that the
// captures hold data for.
func TestExtraFieldsMatchReference(t *testing.T) {
	format := goldenFormat(t, "extra")
	names := strings.Split(strings.TrimPrefix(format, "*"), "\x1f")
	for i := range names {
		names[i] = strings.TrimPrefix(names[i], "%")
	}
	bad := map[string]int{}
	total := 0
	captures, _ := filepath.Glob(filepath.Join(capturesDir, "*.scap"))
	for _, capture := range captures {
		name := strings.TrimSuffix(filepath.Base(capture), ".scap")
		want, err := os.ReadFile(filepath.Join(goldenDir, name+".extra.tsv"))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		if err := runPrint(&out, &errOut, printFlags{read: capture, format: format}, ""); err != nil {
			t.Fatal(err)
		}
		got := rowsByNum(out.String(), len(names))
		for num, w := range rowsByNum(string(want), len(names)) {
			total++
			g, ok := got[num]
			for i, f := range names {
				if echo := referenceEcho[f]; echo != "" && w[i] != "<NA>" {
					if !strings.HasSuffix(w[i], echo) {
						t.Fatalf("%s #%s: the reference's %s no longer ends with %q: %q", name, num, f, echo, w[i])
					}
					w[i] = strings.TrimSuffix(w[i], echo)
				}
				if !ok || g[i] != w[i] {
					bad[f]++
				}
			}
		}
	}
	if total == 0 {
		t.Fatal("no rows compared")
	}
	for _, f := range names {
		if _, skip := referenceArtifacts[f]; skip {
			continue
		}
		if bad[f] > knownDifferences[f] {
			t.Errorf("%s: %d of %d rows differ from the reference (allowed %d)", f, bad[f], total, knownDifferences[f])
		}
	}
	t.Logf("compared %d rows × %d fields", total, len(names)-len(referenceArtifacts))
}

func rowsByNum(text string, n int) map[string][]string {
	rows := map[string][]string{}
	for _, line := range strings.Split(text, "\n") {
		if parts := strings.Split(line, "\x1f"); len(parts) == n {
			rows[parts[0]] = parts
		}
	}
	return rows
}
