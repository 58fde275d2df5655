package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const (
	capturesDir = "../../testdata/captures"
	goldenDir   = "../../testdata/golden"
)

// goldenFormat builds the -p format for one field list of generate.sh, as the reference ran it.
func goldenFormat(t *testing.T, list string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(goldenDir, "generate.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(list + `="([^"]*)"`).FindSubmatch(src)
	if m == nil {
		t.Fatalf("no %s list in generate.sh", list)
	}
	var parts []string
	for _, f := range strings.Fields(string(m[1])) {
		parts = append(parts, "%"+f)
	}
	return "*" + strings.Join(parts, "\x1f")
}

// TestPrintMatchesReference checks scapql print against the reference's own output on every
// bundled capture: the default line, -D, -j and every core field, byte for byte.
func TestPrintMatchesReference(t *testing.T) {
	core := goldenFormat(t, "core")
	captures, _ := filepath.Glob(filepath.Join(capturesDir, "*.scap"))
	if len(captures) == 0 {
		t.Fatal("no captures")
	}
	modes := []struct {
		name   string
		suffix string
		flags  printFlags
	}{
		{"default", "default.txt", printFlags{}},
		{"all events (-D)", "all.txt", printFlags{debug: true}},
		{"json (-j)", "json.txt", printFlags{json: true}},
		{"json with a format (-j -p)", "jsonp.txt", printFlags{json: true, format: "%proc.name %evt.num %fd.name %evt.res %evt.failed"}},
		{"core fields (-p)", "core.tsv", printFlags{format: core}},
	}
	for _, capture := range captures {
		name := strings.TrimSuffix(filepath.Base(capture), ".scap")
		golden := name
		if name == "curl_google_comments" {
			// The reference rejects this file (editor comments); it holds curl_google's events.
			golden = "curl_google"
		}
		for _, m := range modes {
			t.Run(name+"/"+m.name, func(t *testing.T) {
				want, err := os.ReadFile(filepath.Join(goldenDir, golden+"."+m.suffix))
				if err != nil {
					t.Fatal(err)
				}
				var out, errOut bytes.Buffer
				pf := m.flags
				pf.read = capture
				if err := runPrint(&out, &errOut, pf, ""); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(out.Bytes(), want) {
					t.Errorf("output differs from the reference's\n%s", firstDiff(out.String(), string(want)))
				}
			})
		}
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + trunc(gl) + "\nwant: " + trunc(wl)
		}
	}
	return ""
}

func trunc(s string) string {
	s = strings.ReplaceAll(s, "\x1f", "|")
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

// TestPrintTruncatedCapture: a capture cut short prints every complete event, then fails
// naming the offset and the block.
func TestPrintTruncatedCapture(t *testing.T) {
	raw := decompress(t, filepath.Join(capturesDir, "curl_google.scap"))
	cut := filepath.Join(t.TempDir(), "cut.scap")
	if err := os.WriteFile(cut, raw[:100000], 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err := runPrint(&out, &errOut, printFlags{read: cut, debug: true}, "")
	if err == nil {
		t.Fatal("no error for a truncated capture")
	}
	if msg := err.Error(); !strings.Contains(msg, "offset 99992") || !strings.Contains(msg, "event v1 block") || !strings.Contains(msg, "truncated") {
		t.Errorf("error %q does not name the offset, block and cause", msg)
	}
	full, _ := os.ReadFile(filepath.Join(goldenDir, "curl_google.all.txt"))
	if !strings.HasPrefix(string(full), out.String()) || out.Len() == 0 {
		t.Errorf("salvaged output is not a prefix of the full output")
	}
	lines := strings.Count(out.String(), "\n")
	if lines != 700 {
		t.Errorf("salvaged %d events, want 700", lines)
	}
}

// TestKeepGoing: with --keep-going a damaged block in the middle is skipped, every other event
// is printed, and the command still fails, naming the damage.
func TestKeepGoing(t *testing.T) {
	raw := decompress(t, filepath.Join(capturesDir, "curl_google.scap"))
	bad := append([]byte(nil), raw...)
	// Corrupt the length of the event block at offset 99992 (event 700).
	bad[99992+4] ^= 0x40
	path := filepath.Join(t.TempDir(), "bad.scap")
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, keep := range []bool{false, true} {
		var out, errOut bytes.Buffer
		err := runPrint(&out, &errOut, printFlags{read: path, debug: true, keepGoing: keep}, "")
		if err == nil {
			t.Fatalf("keep-going=%v: no error for a damaged capture", keep)
		}
		lines := strings.Count(out.String(), "\n")
		want := 700
		if keep {
			want = 1535 // every event but the damaged one
			if !strings.Contains(err.Error(), "offset 99992") {
				t.Errorf("error %q does not name the damaged offset", err)
			}
		}
		if lines != want {
			t.Errorf("keep-going=%v: printed %d events, want %d", keep, lines, want)
		}
	}
}
