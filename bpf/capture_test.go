//go:build linux && amd64

package bpf

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/fields"
)

// requireBPF skips only when the kernel refuses the probes, saying why.
func requireBPF(t *testing.T) {
	t.Helper()
	p, err := newProbe(80, uint32(os.Getpid()), nil, 0)
	if err == nil {
		err = p.attach()
		p.close()
	}
	if KernelRefuses(err) {
		t.Skipf("the kernel refuses BPF here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// captureCommand records the whole machine while cmd runs and returns the
// capture's path.
func captureCommand(t *testing.T, name string, args ...string) string {
	t.Helper()
	return captureWhile(t, func() {
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v: %s", name, err, out)
		}
	})
}

// captureWhile records the whole machine while run runs and returns the
// capture's path.
func captureWhile(t *testing.T, run func()) string {
	t.Helper()
	requireBPF(t)
	path := filepath.Join(t.TempDir(), "t.scap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Start(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, 0) }()
	run()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st, err := c.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d events, %d dropped", st.Events, st.Dropped())
	return path
}

// rows reads a capture back through scapql's reader and returns the asked
// fields of every event that keep accepts.
func rows(t *testing.T, path string, keep func(map[string]string) bool, names ...string) []map[string]string {
	t.Helper()
	src, err := ingest.Open(path, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var fs []*fields.Field
	var fargs []string
	for _, n := range names {
		f, a, err := fields.Lookup(n)
		if err != nil {
			t.Fatal(err)
		}
		fs, fargs = append(fs, f), append(fargs, a)
	}
	var out []map[string]string
	for {
		ev, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		row := map[string]string{}
		for i, f := range fs {
			v := f.Extract(ev, fargs[i])
			if v.Valid() {
				row[names[i]] = v.Text()
			}
		}
		if keep(row) {
			out = append(out, row)
		}
	}
	return out
}

func TestCaptureCatHostname(t *testing.T) {
	// A copy of cat of the test's own tells its events from those of any
	// other cat on the machine (the capture records them all).
	b, err := os.ReadFile("/bin/cat")
	if err != nil {
		t.Fatal(err)
	}
	cat := filepath.Join(t.TempDir(), "cat")
	if err := os.WriteFile(cat, b, 0o755); err != nil {
		t.Fatal(err)
	}
	path := captureCommand(t, "sh", "-c", cat+" /etc/hostname; true")
	got := rows(t, path, func(r map[string]string) bool {
		return (r["evt.type"] == "open" || r["evt.type"] == "openat") && r["fd.name"] == "/etc/hostname" &&
			r["evt.dir"] == "<" && r["proc.exepath"] == cat
	}, "evt.type", "evt.dir", "proc.name", "proc.pname", "proc.exepath", "fd.num", "evt.res", "evt.rawres", "fd.name", "proc.cmdline")
	if len(got) != 1 {
		t.Fatalf("want one open of /etc/hostname, got %v", got)
	}
	r := got[0]
	if r["proc.name"] != "cat" || r["proc.pname"] != "sh" || r["evt.res"] != "SUCCESS" || r["fd.num"] != "3" {
		t.Errorf("open of /etc/hostname: got %v, want cat, child of sh, fd 3, SUCCESS", r)
	}
	if r["proc.cmdline"] != "cat /etc/hostname" {
		t.Errorf("proc.cmdline = %q", r["proc.cmdline"])
	}
}
