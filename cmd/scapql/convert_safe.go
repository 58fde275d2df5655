package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// convertDuckDBMemory is DuckDB's memory limit in convert (--memory-limit); past it DuckDB
// spills to the scratch directory.
var convertDuckDBMemory = "256MB"

// tmpName is where convert writes OUT until it is complete: a hidden sibling named after
// OUT and the process, so that a later run can tell a dead run's leftovers (tmpOwner).
func tmpName(out string) string {
	return filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+fmt.Sprintf(".tmp-%d", os.Getpid()))
}

// tmpOwner returns the process id in a temporary name of out (".OUT.tmp-PID", and the
// ".wal" and ".stage" next to it), or 0.
func tmpOwner(out, name string) int {
	rest, ok := strings.CutPrefix(name, "."+filepath.Base(out)+".tmp-")
	if !ok {
		return 0
	}
	digits := rest
	if i := strings.IndexByte(rest, '.'); i >= 0 {
		digits = rest[:i]
		if suffix := rest[i:]; suffix != ".wal" && suffix != ".stage" {
			return 0
		}
	}
	pid, err := strconv.Atoi(digits)
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// sweepLeftovers removes what a convert to out killed before it could clean up left: the
// temporary names of out whose process is gone.
func sweepLeftovers(out string) {
	dir := filepath.Dir(out)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		pid := tmpOwner(out, e.Name())
		if pid == 0 || pid == os.Getpid() || alive(pid) {
			continue
		}
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// alive reports whether a process exists (signal 0 reaches it, or it is someone else's).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// hangupContext is cancelled on SIGHUP and SIGQUIT too (untilInterrupted handles SIGINT and
// SIGTERM), so a closed terminal cleans up as Ctrl-C does.
func hangupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, syscall.SIGHUP, syscall.SIGQUIT)
}

// checkConvertFlags rejects, before any work, what DuckDB would fail on obscurely.
func checkConvertFlags(cf convertFlags) error {
	seen := map[string]bool{}
	for _, c := range cf.partition {
		c = strings.TrimSpace(c)
		if seen[c] {
			return fmt.Errorf("--partition-by names %s twice", c)
		}
		seen[c] = true
	}
	if strings.ContainsAny(filepath.Base(cf.out), "?#%") && strings.HasSuffix(cf.out, ".duckdb") {
		return fmt.Errorf("output %q: the characters ? # %% are not allowed in a database file name (DuckDB would read what follows as connection options)", cf.out)
	}
	return nil
}

// outputExts are the files a scapql output directory holds.
var outputExts = map[string]bool{".parquet": true, ".arrow": true, ".jsonl": true, ".json": true, ".csv": true, ".duckdb": true, ".sql": true}

// replaceableDir reports whether dir is recognisably a scapql output (tables, views.sql,
// hive partition directories key=value holding data files), which --force may remove; the
// error names the first file scapql would not have written.
func replaceableDir(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		if d.IsDir() {
			if !strings.Contains(d.Name(), "=") {
				return fmt.Errorf("%s holds %s, which scapql did not write; not replacing it (remove it yourself)", dir, p)
			}
			return nil
		}
		if !d.Type().IsRegular() || !outputExts[filepath.Ext(p)] {
			return fmt.Errorf("%s holds %s, which scapql did not write; not replacing it (remove it yourself)", dir, p)
		}
		return nil
	})
}

// keepMode gives the new output the permissions of the file it replaces.
func keepMode(out, tmp string) error {
	info, err := os.Stat(out)
	if err != nil || !info.Mode().IsRegular() {
		return nil
	}
	if err := os.Chmod(tmp, info.Mode().Perm()); err != nil {
		return fmt.Errorf("keep the permissions of %s: %w", out, err)
	}
	return nil
}
