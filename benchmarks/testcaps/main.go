// Command testcaps writes the small special-purpose captures of
// scapwrite.Samples (EVF/STATE_ONLY, LARGE blocks, exit-only events, several
// sections, v1 blocks, pcapng options, unknown event types) plus truncated
// variants, for reader tests:
//
//	go run ./benchmarks/testcaps -o /tmp/testcaps
//
// It prints one line per file with what a reader should see and what
// sysdig 0.29.3 prints with -D (scapwrite.SampleInfo.RefLines, checked by hand).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	sw "github.com/scapql/scapql/ingest/scapwrite"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "testcaps:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("testcaps", flag.ContinueOnError)
	dir := fs.String("o", "", "output directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return fmt.Errorf("-o is required")
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", *dir, err)
	}
	write := func(name string, b []byte) error {
		if err := os.WriteFile(filepath.Join(*dir, name), b, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		return nil
	}
	fmt.Fprintf(stdout, "%-34s %7s %7s %9s %8s %s\n", "file", "events", "state", "unknown", "sections", "sysdig -D lines")
	var basic []byte
	for _, s := range sw.Samples() {
		var buf bytes.Buffer
		info, err := sw.WriteSample(s, &buf, sw.Options{})
		if err != nil {
			return err
		}
		name := string(s) + ".scap"
		if err := write(name, buf.Bytes()); err != nil {
			return err
		}
		want := fmt.Sprint(info.RefLines)
		if info.RefLines < 0 {
			want = "rejected"
		}
		fmt.Fprintf(stdout, "%-34s %7d %7d %9d %8d %s\n", name, info.Events, info.StateOnly, info.Unknown, info.Sections, want)
		if s == sw.SampleBasic {
			basic = buf.Bytes()
		}
	}

	// gzip variant of the basic sample.
	var gz bytes.Buffer
	if _, err := sw.WriteSample(sw.SampleBasic, &gz, sw.Options{Gzip: true}); err != nil {
		return err
	}
	if err := write("basic.scap.gz", gz.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-34s %7d %7s %9s %8s %s\n", "basic.scap.gz", 20, "", "", "", "20")

	// Truncations of the basic sample inside its last event block, and a
	// gzip stream missing its last 40 bytes.
	spans, err := sw.Blocks(basic)
	if err != nil {
		return err
	}
	last := spans[len(spans)-1]
	cuts := []struct {
		name string
		off  int64
	}{
		{"basic_cut_header.scap", last.Offset + 3},
		{"basic_cut_body.scap", last.Offset + 20},
		{"basic_cut_trailer.scap", last.Offset + int64(last.Len) - 2},
	}
	for _, c := range cuts {
		if err := write(c.name, sw.Cut(basic, c.off)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-34s %7d %7s %9s %8s %s\n", c.name, 19, "", "", "", "19 + truncation error")
	}
	if err := write("basic_cut.scap.gz", sw.Cut(gz.Bytes(), int64(gz.Len()-40))); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-34s %7s %7s %9s %8s %s\n", "basic_cut.scap.gz", "17", "", "", "", "17 + truncation error (the last 40 gzip bytes are cut)")
	return nil
}
