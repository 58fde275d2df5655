package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate"
	"github.com/scapql/scapql/translate/rules"
)

type printFlags struct {
	read       string
	format     string
	json       bool
	debug      bool
	verbose    bool
	refTable   bool
	maxBlock   int
	maxThreads int
	keepGoing  bool
	dialect    string
	rules      []string
}

func init() {
	var pf printFlags
	cmd := &cobra.Command{
		Use:   "print -r FILE [-p FORMAT] [-j] [FILTER]",
		Short: "Print a capture's events the way sysdig does",
		Long: `Print the events of a capture, one line each, in sysdig's default format or the
format given with -p (%field tokens; a leading * prints events even where a field has no
value, as <NA>). -j prints one JSON object per event. Internal events (procinfo, container
metadata) are numbered but hidden unless -D is given.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			filter := ""
			if len(args) == 1 {
				filter = args[0]
			}
			return runPrint(cmd.OutOrStdout(), cmd.ErrOrStderr(), pf, filter)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&pf.read, "read", "r", "", "capture file to read (- for standard input)")
	f.StringVarP(&pf.format, "print", "p", "", "output format, with %field tokens")
	f.BoolVarP(&pf.json, "json", "j", false, "print one JSON object per event")
	f.BoolVarP(&pf.debug, "debug", "D", false, "also print internal events")
	f.BoolVarP(&pf.verbose, "verbose", "v", false, "do not cut data buffers; report skipped blocks")
	f.BoolVar(&pf.refTable, "reference-numbering", false, "drop events newer than sysdig 0.29.3's event table, unnumbered, as it does")
	f.IntVar(&pf.maxBlock, "max-block", 0, "largest block to accept, in bytes (0 = default)")
	f.IntVar(&pf.maxThreads, "max-threads", 0, "largest thread table to keep (0 = default)")
	f.BoolVar(&pf.keepGoing, "keep-going", false, "skip damaged blocks and resynchronise on the next valid one")
	f.StringVar(&pf.dialect, "dialect", "auto", "filter dialect: auto, falco or wireshark")
	f.StringArrayVar(&pf.rules, "rules", nil, "Falco rules file whose macros and lists filters may use (repeatable)")
	_ = cmd.MarkFlagRequired("read")
	rootCmd.AddCommand(cmd)
}

func (pf printFlags) ingestOptions() ingest.Options {
	return ingest.Options{
		Reader: scap.Options{MaxBlock: pf.maxBlock, KeepGoing: pf.keepGoing},
		State:  state.Options{MaxThreads: pf.maxThreads, ReferenceTableOnly: pf.refTable},
	}
}

// compileFilter turns a display filter into a matcher over resolved events; "" matches all.
func compileFilter(filter, dialect string, rulesFiles []string) (func(*state.Event) bool, error) {
	if filter == "" {
		return nil, nil
	}
	d, err := translate.ParseDialect(dialect)
	if err != nil {
		return nil, err
	}
	opts := translate.Options{Dialect: d}
	if len(rulesFiles) > 0 {
		rs, err := rules.Load(rulesFiles...)
		if err != nil {
			return nil, err
		}
		opts.Resolver = rs
	}
	match, _, err := translate.Matcher(filter, opts)
	if err != nil {
		return nil, err
	}
	return match, nil
}

func runPrint(stdout, stderr io.Writer, pf printFlags, filter string) error {
	match, err := compileFilter(filter, pf.dialect, pf.rules)
	if err != nil {
		return err
	}
	formatText := pf.format
	if formatText == "" {
		formatText = fields.DefaultFormat
	}
	format, err := fields.ParseFormat(formatText)
	if err != nil {
		return err
	}
	defaultFormat := pf.format == ""
	// The default line always prints, with <NA> where a field has no value.
	format.All = format.All || defaultFormat
	src, err := ingest.Open(pf.read, pf.ingestOptions())
	if err != nil {
		return err
	}
	defer src.Close()
	w := bufio.NewWriterSize(stdout, 1<<16)
	defer w.Flush()
	var sb strings.Builder
	var line []byte
	for {
		ev, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			w.Flush()
			return fmt.Errorf("%s: %w", pf.read, err)
		}
		if ev.Initial || (ev.Hidden && !pf.debug) {
			continue
		}
		// The reference filters only the events it shows.
		if match != nil && (ev.Hidden || !match(ev)) {
			continue
		}
		if pf.json {
			sb.Reset()
			writeJSON(&sb, ev, format, defaultFormat)
			sb.WriteByte('\n')
			w.WriteString(sb.String())
			continue
		}
		var ok bool
		if line, ok = format.Append(line[:0], ev); !ok {
			continue
		}
		line = append(line, '\n')
		w.Write(line)
	}
	if d := src.Damaged(); len(d) > 0 {
		w.Flush()
		var skipped int64
		for _, r := range d {
			skipped += r.Bytes
		}
		return fmt.Errorf("%s: skipped %d damaged region(s), %d bytes, the first at offset %d", pf.read, len(d), skipped, d[0].Offset)
	}
	if pf.verbose {
		if md := src.Metadata(); md.UnknownBlocks > 0 {
			fmt.Fprintf(stderr, "skipped %d blocks of unknown types\n", md.UnknownBlocks)
		}
	}
	return nil
}

// writeJSON writes the event as sysdig's -j does: the format's fields as keys, sorted, with
// numbers as numbers and evt.outputtime as integer nanoseconds.
func writeJSON(sb *strings.Builder, ev *state.Event, format *fields.Format, defaultFormat bool) {
	type kv struct {
		k string
		v string
	}
	var kvs []kv
	if defaultFormat {
		kvs = []kv{
			{"evt.cpu", strconv.Itoa(int(ev.Raw.CPU))},
			{"evt.dir", jsonString(dir(ev))},
			{"evt.info", jsonString(fields.Args(ev, fields.RenderOptions{}))},
			{"evt.num", strconv.FormatUint(ev.Num, 10)},
			{"evt.outputtime", strconv.FormatUint(ev.Raw.TS, 10)},
			{"evt.type", jsonString(fields.EventType(ev))},
		}
		name := fields.Value{}
		tid := fields.Value{}
		if f, a, err := fields.Lookup("proc.name"); err == nil {
			name = f.Extract(ev, a)
		}
		if f, a, err := fields.Lookup("thread.tid"); err == nil {
			tid = f.Extract(ev, a)
		}
		kvs = append(kvs, kv{"proc.name", jsonValue(name)}, kv{"thread.tid", jsonValue(tid)})
	} else {
		vals := format.Values(ev)
		for i, name := range format.Fields {
			kvs = append(kvs, kv{name, jsonValue(vals[i])})
		}
	}
	sb.WriteByte('{')
	for i, p := range kvs {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(jsonString(p.k))
		sb.WriteByte(':')
		sb.WriteString(p.v)
	}
	sb.WriteByte('}')
}

func dir(ev *state.Event) string {
	if ev.Info.Enter {
		return ">"
	}
	return "<"
}

func jsonValue(v fields.Value) string {
	switch v.Kind {
	case fields.KindInt, fields.KindUint:
		return v.Text()
	case fields.KindBool:
		return v.Text()
	case fields.KindNone:
		return "null"
	}
	return jsonString(v.S)
}

func jsonString(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '\n':
			sb.WriteString(`\n`)
		case '\t':
			sb.WriteString(`\t`)
		case '\r':
			sb.WriteString(`\r`)
		default:
			if c < 0x20 {
				fmt.Fprintf(&sb, `\u%04x`, c)
			} else {
				sb.WriteByte(c)
			}
		}
	}
	sb.WriteByte('"')
	return sb.String()
}
