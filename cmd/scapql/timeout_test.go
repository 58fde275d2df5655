package main

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

// TestQueryCancelled: a running statement stops when its context ends (--timeout, Ctrl-C):
// DuckDB is interrupted, and the error names the flag.
func TestQueryCancelled(t *testing.T) {
	defer func(d time.Duration) { timeout = d }(timeout)
	timeout = time.Second
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	err := untilInterrupted(ctx, func(ctx context.Context) error {
		return runQuery(ctx, io.Discard, io.Discard, queryFlags{reads: []string{safeCapture}, format: "csv"},
			"SELECT count(*) FROM range(10000000000000) a, range(1000) b")
	}, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	if got := explainTimeout(err).Error(); got != "stopped after --timeout 1s" {
		t.Errorf("message %q", got)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("stopped after %v", d)
	}
}
