// Command gen writes a large, realistic .scap capture, deterministically from
// a seed, for benchmarks:
//
//	go run ./benchmarks/gen -seed 1 -events 5000000 -o /tmp/big.scap
//
// The capture holds a process list (≈150 processes, ≈300 threads: nginx,
// postgres, a JVM, shells, daemons), their fd lists, then a stream of
// syscalls in the REF-era (libs of March 2022) layouts sysdig 0.29.3 reads:
// enter/exit pairs of file, network and process calls with realistic
// failures, context switches and procinfo events. Memory stays constant and
// the output is written as it is produced.
//
// With -manifest the command also writes a JSON summary (event counts by
// evt.type, the line counts sysdig should print) for acceptance checks.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	et "github.com/scapql/scapql/ingest/eventtable"
	sw "github.com/scapql/scapql/ingest/scapwrite"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// manifest summarises a generated capture.
type manifest struct {
	Seed    uint64 `json:"seed"`
	Events  int64  `json:"events"`
	Bytes   int64  `json:"bytes_uncompressed"`
	StartTS uint64 `json:"first_ts"`
	EndTS   uint64 `json:"last_ts"`
	// SysdigDLines is what `sysdig -r F -D | wc -l` prints: every event.
	SysdigDLines int64 `json:"sysdig_D_lines"`
	// SysdigLines is what `sysdig -r F | wc -l` prints: procinfo is hidden.
	SysdigLines int64            `json:"sysdig_lines"`
	ByType      map[string]int64 `json:"by_evt_type"`
	Processes   int              `json:"initial_processes"`
	Threads     int              `json:"initial_threads"`
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Uint64("seed", 1, "random seed; the same seed and flags give byte-identical output")
	events := fs.Int64("events", 5_000_000, "number of events to write (exact)")
	out := fs.String("o", "", "output file (- for stdout)")
	gz := fs.Bool("gzip", false, "gzip the capture (slower; sysdig reads both)")
	procs := fs.Int("procs", 150, "processes in the initial process list (at least 12)")
	cpus := fs.Int("cpus", 8, "CPUs of the simulated host")
	start := fs.String("start", "2024-01-15T10:00:00Z", "timestamp of the first event (RFC 3339)")
	manifestPath := fs.String("manifest", "", "write a JSON summary of the capture here")
	quiet := fs.Bool("q", false, "do not print the summary line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-o is required")
	}
	if *events < 0 || *cpus < 1 || *cpus > 1024 {
		return fmt.Errorf("bad -events %d or -cpus %d", *events, *cpus)
	}
	st, err := time.Parse(time.RFC3339, *start)
	if err != nil {
		return fmt.Errorf("parse -start: %w", err)
	}

	var dst io.Writer = os.Stdout
	var f *os.File
	if *out != "-" {
		if f, err = os.Create(*out); err != nil {
			return fmt.Errorf("create output: %w", err)
		}
		defer f.Close()
		dst = f
	}
	began := time.Now()
	w := sw.NewWriter(dst, sw.Options{Gzip: *gz, GzipLevel: 1, BufferSize: 4 << 20})
	cfg := config{seed: *seed, events: *events, procs: max(*procs, 12), cpus: *cpus, startTS: uint64(st.UnixNano())}
	g := newGen(cfg, w)
	if err := g.initialWorld(); err != nil {
		return fmt.Errorf("write metadata: %w", err)
	}
	nProcs, nThreads := len(g.procs), len(g.threads)
	if err := g.run(); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	size := w.Offset()
	if err := w.Close(); err != nil {
		return fmt.Errorf("finish capture: %w", err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("close output: %w", err)
		}
	}
	el := time.Since(began)
	if !*quiet {
		fmt.Fprintf(stderr, "gen: %d events, %d bytes (uncompressed) in %.2fs: %.2fM events/s, %.0f MB/s\n",
			g.n, size, el.Seconds(), float64(g.n)/el.Seconds()/1e6, float64(size)/el.Seconds()/1e6)
	}
	if *manifestPath != "" {
		m := g.manifest(nProcs, nThreads, size)
		b, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			return fmt.Errorf("encode manifest: %w", err)
		}
		if err := os.WriteFile(*manifestPath, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("write manifest: %w", err)
		}
	}
	return nil
}

// manifest builds the summary from the generator's counters.
func (g *gen) manifest(nProcs, nThreads int, size int64) manifest {
	m := manifest{
		Seed: g.cfg.seed, Events: g.n, Bytes: size, StartTS: g.cfg.startTS, EndTS: g.ts,
		ByType: map[string]int64{}, Processes: nProcs, Threads: nThreads,
	}
	for id, n := range g.counts {
		if n == 0 || id == int(et.PPME_GENERIC_E) || id == int(et.PPME_GENERIC_X) {
			continue
		}
		m.ByType[et.Events[id].Name] += n
	}
	for sc, n := range g.genCnt {
		if n > 0 {
			m.ByType[g.genName[sc]] += n
		}
	}
	m.SysdigDLines = g.n
	m.SysdigLines = g.n - g.counts[et.PPME_PROCINFO_E]
	return m
}
