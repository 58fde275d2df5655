// Package budget runs a piece of a test in a child process and measures what it cost: the
// child's peak resident memory (as the child measures it) and its wall time, so that tests of hostile
// inputs can hold each case to a memory and time budget without measuring the test binary's
// own heap.
package budget

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const childEnv = "SCAPQL_BUDGET_CHILD"
const marker = "budget-result: "

// Cost is what a child run used.
type Cost struct {
	MaxRSS int64 // bytes
	CPU    time.Duration
	Wall   time.Duration
}

func (c Cost) String() string {
	return fmt.Sprintf("%.1f MB, %.2f s CPU, %.2f s wall", float64(c.MaxRSS)/1e6, c.CPU.Seconds(), c.Wall.Seconds())
}

// Run runs fn in a child process (the test binary, re-run for t's test only) and returns
// fn's result and the child's cost. In the child itself it runs fn, reports the result to the
// parent, and returns ("", Cost{}) so the caller's checks are skipped there.
func Run(t *testing.T, fn func() string) (string, Cost, bool) {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		res := fn()
		fmt.Printf("\n%s%d %s\n", marker, peakRSS(), strconv.Quote(res))
		return "", Cost{}, false
	}
	parts := strings.Split(t.Name(), "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	// A child past several times the budget has failed anyway: stop it.
	ctx, cancel := context.WithTimeout(context.Background(), 6*MaxWall)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run="+strings.Join(parts, "/"), "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	cost := Cost{Wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		cost.MaxRSS = ru.Maxrss * 1024
		cost.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if ctx.Err() != nil {
		t.Fatalf("child stopped after %v (budget %v)\n%s", cost.Wall, MaxWall, tail(out.String()))
	}
	if err != nil {
		t.Fatalf("child: %v\n%s", err, tail(out.String()))
	}
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if s, ok := strings.CutPrefix(sc.Text(), marker); ok {
			peak, quoted, _ := strings.Cut(s, " ")
			res, err := strconv.Unquote(quoted)
			if err != nil {
				t.Fatalf("child result: %v", err)
			}
			if n, err := strconv.ParseInt(peak, 10, 64); err == nil && n > 0 {
				cost.MaxRSS = n
			}
			return res, cost, true
		}
	}
	t.Fatalf("child reported no result:\n%s", tail(out.String()))
	return "", cost, false
}

// peakRSS is this process's peak resident memory since it started its program, and that of
// the children it waited for, in bytes (0 if unknown). The rusage the parent gets back is
// not that: Linux starts a child's peak at its parent's peak when it forks, so a test binary
// that once grew large would charge its size to every child.
func peakRSS() int64 {
	var peak int64
	if data, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				if err == nil {
					peak = kb * 1024
				}
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru) == nil && ru.Maxrss*1024 > peak {
		peak = ru.Maxrss * 1024
	}
	return peak
}

// Within fails t if cost exceeds the budget. Time is the child's CPU time: on a machine
// shared with other work, wall time measures the neighbours too (a child running more than
// six times the budget in wall time is stopped by Run).
func Within(t *testing.T, cost Cost, maxRSS int64, maxTime time.Duration) {
	t.Helper()
	if cost.MaxRSS > maxRSS || cost.CPU > maxTime {
		t.Errorf("cost %v, budget %.0f MB and %v", cost, float64(maxRSS)/1e6, maxTime)
	}
}

// MaxRSS and MaxWall are the budget every hostile input is held to.
const (
	MaxRSS  = 500 << 20
	MaxWall = 10 * time.Second
)

func tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}
