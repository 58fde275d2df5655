package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	if err := run([]string{"-o", dir}, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"basic.scap", "state_only.scap", "large.scap", "exit_only.scap",
		"multi_section.scap", "basic_cut_body.scap", "basic.scap.gz", "basic_cut.scap.gz"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := run(nil, io.Discard); err == nil {
		t.Error("missing -o accepted")
	}
}
