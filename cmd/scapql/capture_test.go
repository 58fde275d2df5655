//go:build linux && amd64

package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/scapql/scapql/bpf"
)

// TestCaptureCommandThenSQL records `sh -c 'cat /etc/hostname'` with the
// capture command and asks SQL who opened /etc/hostname.
func TestCaptureCommandThenSQL(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("capturing needs root")
	}
	path := filepath.Join(t.TempDir(), "cat.scap")
	cat := privateCat(t)
	var stdout, stderr bytes.Buffer
	err := runCapture(context.Background(), &stdout, &stderr, captureFlags{write: path, snapLen: 80},
		[]string{"sh", "-c", cat + " /etc/hostname"})
	skipIfRefused(t, err)
	host, _ := os.ReadFile("/etc/hostname")
	if stdout.String() != string(host) {
		t.Errorf("the command's output %q, want %q", stdout.String(), host)
	}
	if !strings.Contains(stderr.String(), " dropped") {
		t.Errorf("no counts at the end: %q", stderr.String())
	}
	out := query(t, queryFlags{reads: []string{path}, format: "csv"},
		`SELECT proc.name, proc.pname, fd.num, evt.res FROM events
		 WHERE evt.type IN ('open','openat') AND evt.dir = '<' AND fd.name = '/etc/hostname'
		   AND proc.exepath = '`+cat+`'`)
	want := "proc.name,proc.pname,fd.num,evt.res\ncat,sh,3,SUCCESS\n"
	if out != want {
		t.Errorf("SQL answer:\n%s\nwant:\n%s", out, want)
	}
}

// TestCaptureStdoutKeepsCommandOutputOut checks that with -w - the stream is
// a capture and the command's own output goes to standard error.
func TestCaptureStdoutKeepsCommandOutputOut(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("capturing needs root")
	}
	var stdout, stderr bytes.Buffer
	if err := runCapture(context.Background(), &stdout, &stderr, captureFlags{write: "-", snapLen: 80, quiet: true},
		[]string{"echo", "marker-7f3a"}); err != nil {
		skipIfRefused(t, err)
	}
	if !bytes.HasPrefix(stdout.Bytes(), []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		t.Fatalf("standard output does not start with a section header: % x", stdout.Bytes()[:min(8, stdout.Len())])
	}
	if !strings.Contains(stderr.String(), "marker-7f3a") {
		t.Errorf("the command's output is not on standard error: %q", stderr.String())
	}
}

// TestPrintWriteExports checks print -w: the new capture shows exactly the
// events the filter matches in the original (numbers aside), and reads alone.
// sysdig and tshark are goldens: what `sysdig -r OUT | wc -l` and
// `tshark -r OUT | wc -l` gave for each export (sysdig 0.29.3, tshark of
// Debian 12); scapql print and print -D must give the same.
func TestPrintWriteExports(t *testing.T) {
	const format = "*%evt.time %proc.name %thread.tid %evt.dir %evt.type %fd.name %evt.args"
	for _, tc := range []struct {
		capture, filter string
		matched         int
		sysdig, tshark  int
	}{
		{"curl_google.scap", "fd.type=ipv4 or evt.type=open", 96, 96, 96},
		{"falco_cat_write.scap", "proc.name=cat and evt.type in (open, write)", 8, 8, 8},
		{"curl_google.scap", "", 1221, 1221, 1536},
		{"falco_cat_write.scap", "", 85, 85, 345},
	} {
		t.Run(tc.capture+"/"+tc.filter, func(t *testing.T) {
			in := filepath.Join("../../testdata/captures", tc.capture)
			out := filepath.Join(t.TempDir(), "out.scap")
			var stderr bytes.Buffer
			if err := runPrint(io.Discard, &stderr, printFlags{read: in, write: out, dialect: "auto"}, tc.filter); err != nil {
				t.Fatal(err)
			}
			var want, got bytes.Buffer
			if err := runPrint(&want, io.Discard, printFlags{read: in, format: format, dialect: "auto"}, tc.filter); err != nil {
				t.Fatal(err)
			}
			if err := runPrint(&got, io.Discard, printFlags{read: out, format: format, dialect: "auto"}, ""); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(got.String(), "\n"); n != tc.matched {
				t.Errorf("%d events in the export, want %d (%s)", n, tc.matched, stderr.String())
			}
			if got.String() != want.String() {
				t.Errorf("the export does not show what the filter matches")
			}
			var all bytes.Buffer
			if err := runPrint(&all, io.Discard, printFlags{read: out, debug: true, format: "*%evt.num", dialect: "auto"}, ""); err != nil {
				t.Fatal(err)
			}
			if n, d := strings.Count(got.String(), "\n"), strings.Count(all.String(), "\n"); n != tc.sysdig || d != tc.tshark {
				t.Errorf("print shows %d events and -D %d; sysdig showed %d, tshark %d", n, d, tc.sysdig, tc.tshark)
			}
		})
	}
}

// TestCaptureFilter checks a filter given at capture time: only matching
// events show, and the file still knows the processes (state events kept).
func TestCaptureFilter(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("capturing needs root")
	}
	path := filepath.Join(t.TempDir(), "f.scap")
	cat := privateCat(t)
	err := runCapture(context.Background(), io.Discard, io.Discard,
		captureFlags{write: path, snapLen: 80, quiet: true, dialect: "auto", filter: "proc.exepath = " + cat + " and evt.type = openat"},
		[]string{"sh", "-c", cat + " /etc/hostname"})
	skipIfRefused(t, err)
	var out bytes.Buffer
	if err := runPrint(&out, io.Discard, printFlags{read: path, format: "*%proc.name %proc.pname %evt.type %fd.name", dialect: "auto"}, ""); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for _, l := range lines {
		if !strings.HasPrefix(l, "cat sh openat ") {
			t.Fatalf("an event the filter does not match: %q", l)
		}
	}
	if !strings.Contains(out.String(), "cat sh openat /etc/hostname\n") {
		t.Errorf("no open of /etc/hostname in:\n%s", out.String())
	}
}

// privateCat copies cat into a directory of the test's own, so that its
// events can be told from those of other cat processes on the machine (a
// capture records them all).
func privateCat(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/bin/cat")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cat")
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCaptureCount checks -n: exactly that many events, in a complete file, followed by
// the drop records (one per CPU).
func TestCaptureCount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("capturing needs root")
	}
	path := filepath.Join(t.TempDir(), "n.scap")
	if err := runCapture(context.Background(), io.Discard, io.Discard,
		captureFlags{write: path, snapLen: 80, count: 500, quiet: true}, nil); err != nil {
		skipIfRefused(t, err)
	}
	var out bytes.Buffer
	if err := runPrint(&out, io.Discard, printFlags{read: path, debug: true, format: "*%evt.type", dialect: "auto"}, ""); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	drops := 0
	for len(lines) > 0 && lines[len(lines)-1] == "scapevent" {
		lines = lines[:len(lines)-1]
		drops++
	}
	if len(lines) != 500 || drops != runtime.NumCPU() {
		t.Errorf("%d events and %d drop records, want 500 and %d", len(lines), drops, runtime.NumCPU())
	}
}

// skipIfRefused skips the test, saying why, when the kernel cannot run the
// probes here, and fails it on any other error.
func skipIfRefused(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if bpf.KernelRefuses(err) {
		t.Skipf("the kernel refuses BPF here: %v", err)
	}
	t.Fatal(err)
}

// TestShellCapture: the shell's .capture records live for a while, keeping a filter's
// events, and the capture is queryable in the same session; the temporary capture is gone
// when the shell ends. A private cat runs again and again while the shell records.
func TestShellCapture(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("capturing needs root")
	}
	cat := privateCat(t)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
				exec.Command("sh", "-c", cat+" /etc/hostname").Run()
			}
		}
	}()
	var out, errOut bytes.Buffer
	err := runRepl(context.Background(), nil, &out, &errOut, nil, replFlags{dialect: "auto", mode: "csv", history: "-", commands: []string{
		".capture 2s proc.name = cat",
		`SELECT DISTINCT proc.name, proc.pname, evt.res FROM events WHERE evt.type IN ('open','openat') AND evt.dir = '<' AND fd.name = '/etc/hostname' AND proc.exepath = '` + cat + `';`,
		`SELECT count(*) FILTER (WHERE proc.name <> 'cat') AS others, count(*) > 0 AS some FROM events WHERE NOT evt.hidden;`,
		`SELECT drops IS NOT NULL AS counted, len(drops_per_cpu) > 0 AS per_cpu FROM captures;`,
	}})
	close(done)
	<-stopped
	if err != nil {
		if strings.Contains(errOut.String(), "refuses") || bpf.KernelRefuses(err) {
			t.Skipf("the kernel refuses BPF here: %v", err)
		}
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	want := "proc.name,proc.pname,evt.res\ncat,sh,SUCCESS\nothers,some\n0,true\ncounted,per_cpu\ntrue,true\n"
	if out.String() != want {
		t.Errorf("shell output:\n%s\nwant:\n%s\nstderr:\n%s", out.String(), want, errOut.String())
	}
	_, loaded, ok := strings.Cut(errOut.String(), "loaded ")
	path, _, _ := strings.Cut(loaded, " ")
	if !ok || path == "" {
		t.Fatalf("no capture loaded: %s", errOut.String())
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("%s is still there after the shell ended (%v)", path, err)
	}
}
