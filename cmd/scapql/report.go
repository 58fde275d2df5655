package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/report"
	"github.com/scapql/scapql/report/coloring"
	"github.com/scapql/scapql/translate"
)

type reportFlags struct {
	out       string
	format    string
	rules     []string
	noBundled bool
	from, to  string
	filter    string
	colors    string
	memory    string
}

func init() {
	var rf reportFlags
	cmd := &cobra.Command{
		Use:   "report FILE... [-o report.html|report.md|report.json] [--rules RULES.yaml] [--from T --to T] [--filter FILTER]",
		Short: "Write a forensic report of captures and audit logs",
		Long: `Write one document that says what happened: a summary of the inputs, the process tree,
a timeline chart, network connections, files, failures, performance, users, the detections
of Falco rules (the bundled official ones and --rules files) and, for CloudTrail and
Kubernetes audit logs, a cloud section. Every table is the result of SQL kept with scapql
(shown in the report; the shell's .report SECTION prints the same table).

The format follows -o's extension: .html (one self-contained page, inline CSS and SVG, no
script), .md (Markdown) or .json; without -o, Markdown (or --format) goes to standard output.
The file is written aside and renamed when complete.

--filter (a display filter, either dialect) and --from/--to (times as 2006-01-02T15:04:05Z,
with optional fractions, or "2006-01-02 15:04:05") restrict the syscall events (not the
audit records); the processes, connections, files and syscalls tables then keep the rows of
the processes, fds and calls those events belong to.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := hangupContext(cmd.Context())
			defer cancel()
			return untilInterrupted(ctx, func(ctx context.Context) error {
				return runReport(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), rf, args)
			}, nil)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&rf.out, "output", "o", "", "file to write: .html, .md or .json (default: standard output)")
	f.StringVar(&rf.format, "format", "", "html, md or json (default: from -o's extension, else md)")
	f.StringArrayVar(&rf.rules, "rules", nil, "Falco rules file whose rules run as detections too (repeatable)")
	f.BoolVar(&rf.noBundled, "no-bundled-rules", false, "run only the --rules files' rules")
	f.StringVar(&rf.from, "from", "", "only events at or after this time (UTC)")
	f.StringVar(&rf.to, "to", "", "only events before this time (UTC)")
	f.StringVar(&rf.filter, "filter", "", "only events this display filter matches")
	f.StringVar(&rf.colors, "colors", "", "coloring rules file (@NAME@FILTER@[FG][BG] lines) for the detections' events (default: scapql's)")
	f.StringVar(&rf.memory, "memory-limit", engine.DefaultMemoryLimit, "memory DuckDB keeps the tables in; past it, it spills to disk")
	rootCmd.AddCommand(cmd)
}

// reportFormat picks the output format from --format or -o's extension.
func reportFormat(rf reportFlags) (string, error) {
	format := rf.format
	if format == "" {
		switch strings.ToLower(filepath.Ext(rf.out)) {
		case ".html", ".htm":
			format = "html"
		case ".json":
			format = "json"
		case ".md", ".markdown", "":
			format = "md"
		default:
			return "", fmt.Errorf("-o %s: the extension names no report format (.html, .md, .json)", rf.out)
		}
	}
	switch format {
	case "html", "md", "json":
		return format, nil
	}
	return "", fmt.Errorf("--format %q: want html, md or json", format)
}

// reportTime reads --from and --to.
func reportTime(flag, s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("--%s %q: not a time (2006-01-02T15:04:05Z, \"2006-01-02 15:04:05.5\" UTC, 2006-01-02)", flag, s)
}

// reportWhere is the restriction of the events: --filter and the time window, as SQL.
func reportWhere(rf reportFlags) (string, error) {
	var conds []string
	if rf.filter != "" {
		w, err := filterSQL(rf.filter)
		if err != nil {
			return "", fmt.Errorf("--filter: %w", err)
		}
		conds = append(conds, w)
	}
	for _, b := range []struct{ flag, val, op string }{{"from", rf.from, ">="}, {"to", rf.to, "<"}} {
		if b.val == "" {
			continue
		}
		t, err := reportTime(b.flag, b.val)
		if err != nil {
			return "", err
		}
		conds = append(conds, fmt.Sprintf("evt.time %s TIMESTAMP_NS '%s'", b.op, t.Format("2006-01-02 15:04:05.000000000")))
	}
	return strings.Join(conds, " AND "), nil
}

// restrictSideTables shadows the side tables by views that keep the rows of the (filtered)
// events' processes, fds and calls.
func restrictSideTables(ctx context.Context, db *engine.DB) error {
	// Build the members the views read, through the filtered events view.
	if _, err := db.Prepare(ctx, "SELECT capture, evt.num, proc.id, fd.num FROM events"); err != nil {
		return err
	}
	views := []struct{ name, where string }{
		{"processes", "(capture, id) IN (SELECT capture, proc.id FROM events)"},
		{"connections", "(capture, proc_id, fd) IN (SELECT capture, proc.id, fd.num FROM events)"},
		{"files", "(capture, proc_id, fd) IN (SELECT capture, proc.id, fd.num FROM events)"},
		{"syscalls", "(capture, coalesce(exit_num, enter_num)) IN (SELECT capture, evt.num FROM events)"},
	}
	for _, v := range views {
		// Fill the table first: a question naming the view would not see it.
		if _, err := db.Prepare(ctx, "SELECT count(*) FROM "+v.name); err != nil {
			return err
		}
		q := "CREATE OR REPLACE TEMP VIEW " + v.name + " AS SELECT * FROM " + db.Table(v.name) + " WHERE " + v.where
		if _, err := db.Exec(ctx, q); err != nil {
			return fmt.Errorf("restrict %s: %w", v.name, err)
		}
	}
	return nil
}

// reportKeep is the restriction of the events as a test in process (the detections' pass):
// --filter and the time window, the same as reportWhere.
func reportKeep(rf reportFlags) (func(*state.Event) bool, error) {
	var tests []func(*state.Event) bool
	if rf.filter != "" {
		m, _, err := translate.Matcher(rf.filter, translate.Options{})
		if err != nil {
			return nil, fmt.Errorf("--filter: %w", err)
		}
		tests = append(tests, m)
	}
	for _, b := range []struct {
		flag, val string
		after     bool
	}{{"from", rf.from, true}, {"to", rf.to, false}} {
		if b.val == "" {
			continue
		}
		t, err := reportTime(b.flag, b.val)
		if err != nil {
			return nil, err
		}
		ns, after := uint64(t.UnixNano()), b.after
		tests = append(tests, func(ev *state.Event) bool { return (ev.Raw.TS >= ns) == after })
	}
	if len(tests) == 0 {
		return nil, nil
	}
	return func(ev *state.Event) bool {
		for _, t := range tests {
			if !t(ev) {
				return false
			}
		}
		return true
	}, nil
}

// buildReport reads the inputs and runs every section and rule: the detections in their own
// pass over the inputs (rules evaluated in process), beside the sections' SQL.
func buildReport(ctx context.Context, stderr io.Writer, rf reportFlags, args []string) (*report.Report, error) {
	paths, err := expandCaptures(args)
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		if p == "-" {
			return nil, errors.New("report reads files, not standard input (each is read more than once)")
		}
	}
	logs, captures := splitAuditLogs(paths)
	where, err := reportWhere(rf)
	if err != nil {
		return nil, err
	}
	keep, err := reportKeep(rf)
	if err != nil {
		return nil, err
	}
	colorRules, err := coloring.Load(rf.colors)
	if err != nil {
		return nil, fmt.Errorf("--colors: %w", err)
	}
	colors, err := coloring.Compile(colorRules, nil)
	if err != nil {
		return nil, fmt.Errorf("--colors: %w", err)
	}
	info := &report.RulesInfo{}
	var ruleSet []report.Rule
	if !rf.noBundled {
		bundled, binfo, err := report.BundledRules(len(captures) > 0, true)
		if err != nil {
			return nil, err
		}
		ruleSet = bundled
		info.Bundled = binfo.Bundled
		info.Failed = binfo.Failed
	}
	if len(rf.rules) > 0 {
		user, err := report.LoadRules(rf.rules, info)
		if err != nil {
			return nil, err
		}
		ruleSet = append(ruleSet, user...)
	}
	// SCAPQL_REPORT_TIMINGS=1 prints how long each part took (benchmarks/README.md).
	var timings io.Writer
	if os.Getenv("SCAPQL_REPORT_TIMINGS") != "" {
		timings = stderr
	}
	// The detections test each capture's events during the tables' pass over it
	// (Detector.Observe); Finish reads the audit logs, and any capture no pass gave.
	det := report.NewDetector(ctx, ruleSet, report.DetectOptions{Captures: captures, Logs: logs, Keep: keep, Color: colors.Match})
	progress, finish := newProgress(stderr, captures, "reading")
	db, err := openInputs(ctx, progress, captures, "", false, rf.memory)
	if err != nil {
		finish()
		return nil, err
	}
	defer db.Close()
	if err := loadAudit(ctx, db, stderr, logs, nil); err != nil {
		finish()
		return nil, err
	}
	events := len(captures) > 0
	if where != "" && events {
		if err := db.SetFilter(ctx, where); err == nil {
			err = restrictSideTables(ctx, db)
		}
		if err != nil {
			finish()
			return nil, err
		}
	}
	sections, err := report.RunSections(ctx, db, report.Options{Events: events, Timings: timings, Observe: det.Observe})
	finish()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	detected, audited, err := det.Finish(info)
	if err != nil {
		return nil, err
	}
	if timings != nil {
		fmt.Fprintf(timings, "detections (what no pass gave): %.2f s\n", time.Since(start).Seconds())
	}
	if audited {
		cloud, err := report.RunSections(ctx, db, report.Options{Audit: true, Timings: timings})
		if err != nil {
			return nil, err
		}
		sections = append(sections, cloud...)
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	r := &report.Report{
		Title:     "scapql report: " + strings.Join(names, ", "),
		Generated: time.Now().UTC().Format(time.RFC3339),
		Inputs:    paths,
		Filter:    where,
		Sections:  sections,
		Rules:     *info,
		Detected:  detected,
	}
	if r.Detected == nil {
		r.Detected = []report.Detection{}
	}
	for _, c := range colors.Rules {
		r.Colors = append(r.Colors, report.ColorInfo{Name: c.Name, FG: c.FG.Hex(), BG: c.BG.Hex()})
	}
	return r, nil
}

func runReport(ctx context.Context, stdout, stderr io.Writer, rf reportFlags, args []string) error {
	format, err := reportFormat(rf)
	if err != nil {
		return err
	}
	if rf.out != "" {
		if info, err := os.Stat(rf.out); err == nil && info.IsDir() {
			return fmt.Errorf("-o %s is a directory", rf.out)
		}
	}
	r, err := buildReport(ctx, stderr, rf, args)
	if err != nil {
		return err
	}
	write := func(w io.Writer) error {
		switch format {
		case "html":
			return r.WriteHTML(w)
		case "json":
			return r.WriteJSON(w)
		}
		return r.WriteMarkdown(w)
	}
	if rf.out == "" || rf.out == "-" {
		bw := bufio.NewWriter(stdout)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	return writeWhole(rf.out, write)
}

// writeWhole writes a file completely or not at all: under convert's temporary name, synced,
// then renamed over out (keeping the permissions of a file it replaces).
func writeWhole(out string, write func(io.Writer) error) error {
	sweepLeftovers(out)
	tmp := tmpName(out)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := write(bw); err != nil {
		return fail(fmt.Errorf("write %s: %w", out, err))
	}
	if err := bw.Flush(); err != nil {
		return fail(fmt.Errorf("write %s: %w", out, err))
	}
	if err := f.Sync(); err != nil {
		return fail(fmt.Errorf("write %s: %w", out, err))
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := keepMode(out, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rename output: %w", err)
	}
	return nil
}
