//go:build linux && amd64

package bpf

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/scap"
)

// TestDropsWrittenIntoCapture forces drops: a one-page ring buffer that nobody reads while
// dd makes 20,000 syscalls. The per-CPU counts Close returns must come back from the
// capture's drop records, and sysdig must still read the file, with the events scapql reads.
func TestDropsWrittenIntoCapture(t *testing.T) {
	requireBPF(t)
	path := filepath.Join(t.TempDir(), "drops.scap")
	if p := os.Getenv("SCAPQL_KEEP_CAPTURE"); p != "" {
		path = p
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Start(f, Options{RingBytes: uint32(os.Getpagesize())})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=10000").CombinedOutput(); err != nil {
		t.Fatalf("dd: %v: %s", err, out)
	}
	st, err := c.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if st.Dropped() < 10000 {
		t.Fatalf("%d dropped with a one-page ring buffer under 20,000 syscalls", st.Dropped())
	}
	src, err := ingest.Open(path, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got := make([]uint64, len(st.Drops))
	records, events := 0, 0
	for {
		ev, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !ev.Initial {
			events++
		}
		if n, ok := scap.DropRecord(ev.Raw); ok {
			records++
			if !ev.Hidden {
				t.Errorf("drop record %d is not hidden", ev.Num)
			}
			got[ev.Raw.CPU] += n
		}
	}
	if records != len(st.Drops) || !reflect.DeepEqual(got, st.Drops) {
		t.Errorf("drop records %v (%d), Close counted %v", got, records, st.Drops)
	}
	t.Logf("%d events written, %d dropped %v; the capture says %v", st.Events, st.Dropped(), st.Drops, got)
	if _, err := exec.LookPath("sysdig"); err != nil {
		t.Logf("sysdig is not installed: the reference's reading is not checked")
		return
	}
	out, err := exec.Command("sysdig", "-r", path, "-D", "-p", "%evt.num").Output()
	if err != nil {
		t.Fatalf("sysdig -r: %v", err)
	}
	if n := strings.Count(string(out), "\n"); n != events {
		t.Errorf("sysdig -D reads %d events, scapql %d", n, events)
	}
	out, err = exec.Command("sysdig", "-r", path, "-D", "-p", "%evt.cpu %evt.arg.event_data", "evt.type=sysdigevent").Output()
	if err != nil {
		t.Fatalf("sysdig -r: %v", err)
	}
	fromRef := make([]uint64, len(st.Drops))
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		cpu, n, _ := strings.Cut(l, " ")
		i, err1 := strconv.Atoi(cpu)
		v, err2 := strconv.ParseUint(n, 10, 64)
		if err1 != nil || err2 != nil || i >= len(fromRef) {
			t.Fatalf("sysdig printed %q", l)
		}
		fromRef[i] += v
	}
	if !reflect.DeepEqual(fromRef, st.Drops) {
		t.Errorf("sysdig reads drops %v, Close counted %v", fromRef, st.Drops)
	}
}
