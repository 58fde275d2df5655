package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/scapwrite"
)

// TestCapturesTableDrops: the drop records at the end of a capture (scap.DropRecord, what
// `scapql capture` writes) fill captures.drops and drops_per_cpu; a scapevent that is not a
// drop record does not count, and a capture without drop records has NULL there. sysdig
// reads the capture with the same events.
func TestCapturesTableDrops(t *testing.T) {
	dir := t.TempDir()
	u32 := func(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }
	u64 := func(v uint64) []byte { return append(u32(uint32(v)), u32(uint32(v>>32))...) }
	write := func(name string, drops map[uint16]uint64) string {
		t.Helper()
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		w := scapwrite.NewWriter(f, scapwrite.Options{})
		_ = w.WriteProcessList(scapwrite.SampleProcesses())
		_ = w.WriteEvent(1000, 1000, 0, et.PPME_SYSCALL_OPEN_E, []byte("/etc/hostname\x00"), u32(1), u32(0))
		_ = w.WriteEvent(2000, 1000, 0, et.PPME_SYSCALL_OPEN_X, u64(3), []byte("/etc/hostname\x00"), u32(1), u32(0), u32(0), u64(7))
		// Another writer's scapevent: not a drop record.
		_ = w.WriteEvent(2500, -1, 1, scap.DropRecordType, u32(7), u64(99))
		for cpu := uint16(0); cpu < 3; cpu++ {
			if n, ok := drops[cpu]; ok {
				if err := w.WriteDropRecord(3000, cpu, n); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	lost := write("lost.scap", map[uint16]uint64{0: 5, 1: 0, 2: 17})
	clean := write("clean.scap", nil)
	for _, tc := range []struct {
		path, want string
	}{
		{lost, "6,4,22,\"[5,0,17]\"\n"},
		{clean, "3,1,,\n"},
	} {
		got := query(t, queryFlags{reads: []string{tc.path}, format: "csv"},
			"SELECT events, hidden, drops, drops_per_cpu FROM captures")
		if _, rows, _ := strings.Cut(got, "\n"); rows != tc.want {
			t.Errorf("%s: captures %q, want %q", filepath.Base(tc.path), rows, tc.want)
		}
		if _, err := exec.LookPath("sysdig"); err != nil {
			continue
		}
		out, err := exec.Command("sysdig", "-r", tc.path, "-D", "-p", "%evt.num").Output()
		if err != nil {
			t.Fatalf("sysdig -r %s: %v", tc.path, err)
		}
		n := strings.Count(string(out), "\n")
		want := map[string]int{lost: 6, clean: 3}[tc.path]
		if n != want {
			t.Errorf("%s: sysdig -D reads %d events, want %d", filepath.Base(tc.path), n, want)
		}
	}
}
