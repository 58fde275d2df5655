//go:build linux && amd64

package bpf

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// call is one syscall as both recorders see it: its name, result and main
// argument (the path for opens, the fd for fd calls).
type call struct {
	name, arg string
	res       int64
}

// oracleSyscalls are compared; each names the strace argument (by index)
// that is its main argument.
var oracleSyscalls = map[string]int{"openat": 1, "close": 0, "read": 0, "write": 0, "execve": -1}

// TestCaptureMatchesStrace records deterministic workloads with the probes
// and, in a separate run, with strace -f, and compares every process's
// sequence of calls for the syscalls both record.
func TestCaptureMatchesStrace(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed")
	}
	dir := t.TempDir()
	// ls lists a directory of the test's own, which does not change between
	// the two runs (/ may: sizes and times of /tmp, /proc).
	listed := t.TempDir()
	for _, name := range []string{"a", "b", "c"} {
		if err := os.WriteFile(filepath.Join(listed, name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		argv []string
	}{
		{"cat", []string{"cat", "/etc/hostname"}},
		{"ls", []string{"ls", "-la", listed}},
		{"pipeline", []string{"sh", "-c", "cat /etc/hostname | wc -c"}},
		{"files", []string{"sh", "-c", "cd " + dir + " && echo hi > f && cat f > g && mv g h && rm f h && cat nosuch; true"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := straceCalls(t, tc.argv)
			got := captureCalls(t, tc.argv)
			if len(want) == 0 {
				t.Fatal("strace recorded nothing")
			}
			for proc, w := range want {
				g := got[proc]
				if !reflect.DeepEqual(g, w) {
					t.Errorf("process %s: capture and strace differ\ncapture: %v\nstrace:  %v", proc, g, w)
				}
			}
			if len(got) != len(want) {
				t.Errorf("processes: capture %v, strace %v", keys(got), keys(want))
			}
		})
	}
}

func keys(m map[string][]call) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

var straceLine = regexp.MustCompile(`^(\d+) (\w+)\((.*)\)\s+= (-?\d+|\?)(?: (E[A-Z0-9]+))?`)

// straceCalls runs argv under strace -f and returns each process's calls,
// keyed by the program it ran last and, for several of one name, their
// order of appearance.
func straceCalls(t *testing.T, argv []string) map[string][]call {
	t.Helper()
	out := filepath.Join(t.TempDir(), "strace.txt")
	names := []string{}
	for n := range oracleSyscalls {
		names = append(names, n)
	}
	args := append([]string{"-f", "-qq", "-e", "signal=none", "-e", "trace=" + strings.Join(names, ","), "-s", "256", "-o", out}, argv...)
	if b, err := exec.Command("strace", args...).CombinedOutput(); err != nil {
		t.Fatalf("strace: %v: %s", err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pending := map[string]string{} // pid → the start of an unfinished line
	var order []string
	seqs := map[string][]call{}
	exe := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		pid, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimLeft(rest, " ") // strace pads pids to five columns
		if head, ok := strings.CutSuffix(rest, " <unfinished ...>"); ok {
			pending[pid] = head
			continue
		}
		if strings.HasPrefix(rest, "<... ") {
			_, tail, _ := strings.Cut(rest, " resumed>")
			rest = pending[pid] + tail
			delete(pending, pid)
		}
		m := straceLine.FindStringSubmatch(pid + " " + rest)
		if m == nil {
			continue
		}
		if _, ok := seqs[pid]; !ok {
			order = append(order, pid)
		}
		c := call{name: m[2]}
		c.res, _ = strconv.ParseInt(m[4], 10, 64)
		if c.res == -1 && m[5] != "" {
			c.res = -errnoValue(m[5])
		}
		if i := oracleSyscalls[c.name]; i >= 0 {
			c.arg = straceArg(m[3], i)
		}
		if c.name == "execve" && c.res == 0 {
			exe[pid] = filepath.Base(strings.Trim(straceArg(m[3], 0), `"`))
		}
		seqs[pid] = append(seqs[pid], c)
	}
	return byProgram(order, seqs, exe)
}

// straceArg returns argument i of a strace argument list, unquoted.
func straceArg(s string, i int) string {
	parts := strings.SplitN(s, ", ", i+2)
	if i >= len(parts) {
		return ""
	}
	a := parts[i]
	if uq, err := strconv.Unquote(a); err == nil {
		return uq
	}
	return a
}

func byProgram(order []string, seqs map[string][]call, exe map[string]string) map[string][]call {
	out := map[string][]call{}
	seen := map[string]int{}
	for _, pid := range order {
		name := exe[pid]
		if name == "" {
			name = "(fork)"
		}
		seen[name]++
		out[name+"#"+strconv.Itoa(seen[name])] = seqs[pid]
	}
	return out
}

// captureCalls runs argv while capturing and returns its processes' calls
// as straceCalls does. The first process's calls start at its execve, as
// strace's do.
func captureCalls(t *testing.T, argv []string) map[string][]call {
	t.Helper()
	var top string
	path := captureWhile(t, func() {
		cmd := exec.Command(argv[0], argv[1:]...)
		if err := cmd.Run(); err != nil {
			if _, ok := err.(*exec.ExitError); !ok {
				t.Fatal(err)
			}
		}
		top = strconv.Itoa(cmd.Process.Pid)
	})

	var order []string
	seqs := map[string][]call{}
	exe := map[string]string{}
	started := map[string]bool{}
	for _, r := range rows(t, path, func(r map[string]string) bool {
		_, ok := oracleSyscalls[r["evt.type"]]
		return ok && r["evt.dir"] == "<" && (r["proc.pid"] == top || r["proc.ppid"] == top)
	}, "evt.type", "evt.dir", "thread.tid", "proc.pid", "proc.ppid", "proc.name", "evt.rawres", "evt.rawarg.name", "fd.num") {
		tid := r["thread.tid"]
		res, _ := strconv.ParseInt(r["evt.rawres"], 10, 64)
		cl := call{name: r["evt.type"], res: res}
		switch cl.name {
		case "openat":
			cl.arg = r["evt.rawarg.name"]
		case "execve":
			if res == 0 {
				exe[tid] = r["proc.name"]
			}
		default:
			cl.arg = r["fd.num"]
		}
		// The first process's calls before its exec are the test's
		// own fork; strace starts at the execve.
		if tid == top && !started[tid] {
			if cl.name != "execve" {
				continue
			}
			started[tid] = true
		}
		if _, ok := seqs[tid]; !ok {
			order = append(order, tid)
		}
		seqs[tid] = append(seqs[tid], cl)
	}
	return byProgram(order, seqs, exe)
}

// errnoValue returns the number of an errno name such as ENOENT.
func errnoValue(name string) int64 {
	for i := 1; i < 256; i++ {
		if unix.ErrnoName(unix.Errno(i)) == name {
			return int64(i)
		}
	}
	return 1
}
