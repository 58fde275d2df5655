package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scapql/scapql/columnar/engine"
)

const safeCapture = "../../testdata/captures/curl_google.scap"

// TestConvertHostileOptions: options DuckDB would fail on obscurely, or that would lose data,
// are refused with our message before any work, and leave the files they name alone.
func TestConvertHostileOptions(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "v.parquet")
	os.MkdirAll(foreign, 0o755)
	os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("mine"), 0o644)
	tests := []struct {
		name  string
		flags convertFlags
		want  string
	}{
		{"duplicate partition columns", convertFlags{out: filepath.Join(dir, "t.parquet"), partition: []string{"evt.type", " evt.type"}},
			"--partition-by names evt.type twice"},
		{"too many partitions", convertFlags{out: filepath.Join(dir, "p.parquet"), partition: []string{"evt.num"}},
			"--partition-by evt.num makes 1536 partitions, more than the limit of 1000 (--max-partitions raises it)"},
		{"--force on a directory with other files", convertFlags{out: foreign, table: "all", force: true},
			"v.parquet holds " + filepath.Join(foreign, "notes.txt") + ", which scapql did not write; not replacing it"},
		{"options in a database name", convertFlags{out: filepath.Join(dir, "out?threads=1.duckdb")},
			`the characters ? # % are not allowed in a database file name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runConvert(context.Background(), io.Discard, tt.flags, []string{safeCapture})
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "INTERNAL") {
				t.Errorf("got %v\nwant %q", err, tt.want)
			}
		})
	}
	if b, err := os.ReadFile(filepath.Join(foreign, "notes.txt")); err != nil || string(b) != "mine" {
		t.Errorf("the foreign file is gone or changed: %q %v", b, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d entries in the output directory, want only v.parquet", len(ents))
	}
}

// TestConvertPartitionsInChunks: partitions are written a chunk at a time and together hold
// every row, each in its partition.
func TestConvertPartitionsInChunks(t *testing.T) {
	defer func(c int64) { partitionChunk = c }(partitionChunk)
	partitionChunk = 8
	out := filepath.Join(t.TempDir(), "q.parquet")
	if err := runConvert(context.Background(), io.Discard, convertFlags{out: out, partition: []string{"evt.type", "proc.name"}, columns: []string{"evt.type", "proc.name"}}, []string{safeCapture}); err != nil {
		t.Fatal(err)
	}
	db, err := engine.Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, parts, wrong int64
	q := fmt.Sprintf(`SELECT count(*), count(DISTINCT (evt_type, proc_name)), count(*) FILTER (WHERE evt.type IS DISTINCT FROM evt_type)
		FROM read_parquet('%s/*/*/*.parquet', hive_partitioning = true)`, out)
	if err := db.Conn().QueryRowContext(context.Background(), q).Scan(&rows, &parts, &wrong); err != nil {
		t.Fatal(err)
	}
	if rows != 1536 || parts < 9 || wrong != 0 {
		t.Errorf("%d rows in %d partitions, %d in the wrong one; want 1536 rows in more than a chunk", rows, parts, wrong)
	}
}

// TestConvertReplaces: a replaced file keeps its permissions, a scapql output directory is
// replaced with --force, and a dead run's temporary files are removed (a live one's kept).
func TestConvertReplaces(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "o.jsonl")
	os.WriteFile(out, []byte("old"), 0o600)
	dead := exec.Command("true")
	dead.Run()
	deadPid := dead.Process.Pid
	leftovers := []string{fmt.Sprintf(".o.jsonl.tmp-%d", deadPid), fmt.Sprintf(".o.jsonl.tmp-%d.stage", deadPid)}
	live := fmt.Sprintf(".o.jsonl.tmp-%d", os.Getppid())
	for _, n := range append(leftovers, live) {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	if err := runConvert(context.Background(), io.Discard, convertFlags{out: out}, []string{safeCapture}); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(out); err != nil || info.Mode().Perm() != 0o600 || info.Size() < 1000 {
		t.Errorf("replaced output: %v %v", info.Mode(), err)
	}
	for _, n := range leftovers {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s (of a dead run) is still there", n)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, live)); err != nil {
		t.Errorf("%s (of a live process) was removed", live)
	}
	pdir := filepath.Join(dir, "t.parquet")
	for range 2 {
		if err := runConvert(context.Background(), io.Discard, convertFlags{out: pdir, table: "all", force: true}, []string{safeCapture}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHangupCancels: SIGHUP and SIGQUIT cancel a conversion as SIGINT does.
func TestHangupCancels(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGQUIT} {
		ctx, stop := hangupContext(context.Background())
		syscall.Kill(os.Getpid(), sig)
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
			t.Errorf("%v did not cancel", sig)
		}
		stop()
	}
}
