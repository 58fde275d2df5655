package scapwrite

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestSysdigReadsSamples checks the samples with the reference reader. It
// runs only with SCAPWRITE_SYSDIG=1 and sysdig 0.29.3 on PATH, since CI
// machines lack sysdig.
func TestSysdigReadsSamples(t *testing.T) {
	if os.Getenv("SCAPWRITE_SYSDIG") != "1" {
		t.Skip("set SCAPWRITE_SYSDIG=1 to run against sysdig")
	}
	bin, err := exec.LookPath("sysdig")
	if err != nil {
		t.Skip("sysdig not on PATH")
	}
	dir := t.TempDir()
	for _, s := range Samples() {
		var buf bytes.Buffer
		info, err := WriteSample(s, &buf, Options{Gzip: s == SampleBasic})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, string(s)+".scap")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, "-r", path, "-D").Output()
		lines := bytes.Count(out, []byte("\n"))
		switch {
		case info.RefLines < 0 && err == nil:
			t.Errorf("%s: sysdig accepted a file it should reject", s)
		case info.RefLines >= 0 && err != nil:
			t.Errorf("%s: sysdig failed: %v", s, err)
		case info.RefLines >= 0 && lines != info.RefLines:
			t.Errorf("%s: sysdig printed %d lines, want %d", s, lines, info.RefLines)
		}
	}
}
