package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/report/coloring"
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
	write      string
	compress   bool
	live       bool
	snapLen    uint32
	remote     remoteFlags
	color      string // auto, always, never
	colors     string // coloring rules file ("" for scapql's)
	scope      string // --scope KIND@EVENT
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
			if (pf.read == "") == !pf.live {
				return fmt.Errorf("give a capture with -r, or --live")
			}
			if len(pf.remote.hosts) > 0 && !pf.live {
				return fmt.Errorf("--ssh goes with --live")
			}
			if len(pf.remote.hosts) > 0 && !cmd.Flags().Changed("snaplen") {
				pf.snapLen = 0 // the remote command's default
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
	f.StringVarP(&pf.write, "write", "w", "", "write the matching events as a new capture to this file instead of printing them")
	f.BoolVarP(&pf.compress, "compress", "z", false, "with -w, gzip the new capture")
	f.BoolVar(&pf.live, "live", false, "capture the machine's syscalls with eBPF and print them as they come (root; Ctrl-C ends)")
	f.Uint32VarP(&pf.snapLen, "snaplen", "s", 80, "with --live, bytes of each I/O buffer to keep")
	pf.remote.register(f, false)
	f.StringVar(&pf.color, "color", "auto", "colour lines by the coloring rules: auto (on a terminal), always or never")
	f.StringVar(&pf.scope, "scope", "", "only the events of a conversation scope of an event: KIND@EVENT, KIND one of thread, process, tree, container, fd (process@1234)")
	f.StringVar(&pf.colors, "colors", "", "coloring rules file (@NAME@FILTER@[FG][BG] lines, Wireshark's colorfilters syntax; default: scapql's)")
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

// printColors compiles the coloring rules when print's lines are to be coloured: --color
// always, or auto with standard output a terminal and NO_COLOR not set; never for -j.
func printColors(stdout io.Writer, pf printFlags) (*coloring.Set, error) {
	f, isFile := stdout.(*os.File)
	on, err := coloring.Mode(pf.color, isFile && term.IsTerminal(int(f.Fd())) && os.Getenv("NO_COLOR") == "")
	if err != nil || !on || pf.json {
		return nil, err
	}
	colorRules, err := coloring.Load(pf.colors)
	if err != nil {
		return nil, fmt.Errorf("--colors: %w", err)
	}
	var resolver translate.Resolver
	if len(pf.rules) > 0 {
		rs, err := rules.Load(pf.rules...)
		if err != nil {
			return nil, err
		}
		resolver = rs
	}
	set, err := coloring.Compile(colorRules, resolver)
	if err != nil {
		return nil, fmt.Errorf("--colors: %w", err)
	}
	return set, nil
}

func runPrint(stdout, stderr io.Writer, pf printFlags, filter string) error {
	match, err := compileFilter(filter, pf.dialect, pf.rules)
	if err != nil {
		return err
	}
	if pf.scope != "" {
		if pf.live || ingest.IsAuditLog(pf.read) {
			return fmt.Errorf("--scope goes with a capture file")
		}
		if match, err = withScope(stderr, pf.scope, pf.read, match); err != nil {
			return err
		}
	}
	if ingest.IsAuditLog(pf.read) {
		return runPrintAudit(stdout, stderr, pf, match)
	}
	if pf.write != "" {
		src, err := ingest.Open(pf.read, pf.ingestOptions())
		if err != nil {
			return err
		}
		defer src.Close()
		kept, matched, err := exportCapture(src, match, pf.write, pf.compress)
		if err != nil {
			return fmt.Errorf("%s: %w", pf.read, err)
		}
		fmt.Fprintf(stderr, "%d events written to %s (%d matching, %d kept for state)\n", kept, pf.write, matched, kept-matched)
		return nil
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
	var src *ingest.Source
	if pf.live {
		var stop func() error
		pf.read = "live capture"
		if len(pf.remote.hosts) > 0 {
			src, stop, err = openRemoteLiveSource(stderr, pf.remote, pf.snapLen, pf.ingestOptions())
			pf.read = "live capture on " + strings.Join(pf.remote.hosts, ", ")
		} else {
			src, stop, err = openLiveSource(stderr, pf.snapLen, pf.ingestOptions())
		}
		if err != nil {
			return err
		}
		defer stop()
	} else if src, err = ingest.Open(pf.read, pf.ingestOptions()); err != nil {
		return err
	}
	defer src.Close()
	colors, err := printColors(stdout, pf)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(stdout, 1<<16)
	defer w.Flush()
	var line []byte
	var jw *jsonWriter
	if pf.json {
		jw = newJSONWriter(format, defaultFormat)
	}
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
		if jw != nil {
			var ok bool
			if line, ok = jw.append(line[:0], ev); ok {
				line = append(line, '\n')
				w.Write(line)
				if pf.live {
					w.Flush()
				}
			}
			continue
		}
		var ok bool
		if line, ok = format.Append(line[:0], ev); !ok {
			continue
		}
		if colors != nil {
			if c := colors.Match(ev); c >= 0 {
				line = append(append([]byte(colors.ANSI(c)), line...), coloring.Reset...)
			}
		}
		line = append(line, '\n')
		w.Write(line)
		if pf.live {
			w.Flush() // a person is watching
		}
	}
	if d := src.Damaged(); len(d) > 0 {
		w.Flush()
		var skipped int64
		for i, r := range d {
			skipped += r.Bytes
			if i < 20 {
				fmt.Fprintf(stderr, "skipped damaged bytes %d to %d (%d bytes)\n", r.Offset, r.Offset+r.Bytes, r.Bytes)
			} else if i == 20 {
				fmt.Fprintf(stderr, "(%d more damaged regions)\n", len(d)-20)
			}
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

// jsonWriter writes events as sysdig's -j does: one object per event, keys sorted, numbers
// as numbers, evt.outputtime as integer nanoseconds; with -p the format's fields are the keys
// and, as in text output, an event lacking a field is skipped unless the format starts with *.
type jsonWriter struct {
	format  *fields.Format
	dflt    bool
	order   []int // format field indexes in key order
	scratch []byte
	vals    []fields.Value
}

var (
	fieldProcName  = fields.MustLookup("proc.name")
	fieldThreadTid = fields.MustLookup("thread.tid")
)

func newJSONWriter(format *fields.Format, dflt bool) *jsonWriter {
	jw := &jsonWriter{format: format, dflt: dflt}
	for i := range format.Fields {
		jw.order = append(jw.order, i)
	}
	sort.SliceStable(jw.order, func(a, b int) bool { return format.Fields[jw.order[a]] < format.Fields[jw.order[b]] })
	return jw
}

// append appends the event's object; it reports false when the event is skipped.
func (jw *jsonWriter) append(b []byte, ev *state.Event) ([]byte, bool) {
	if jw.dflt {
		b = append(b, `{"evt.cpu":`...)
		b = strconv.AppendInt(b, int64(ev.Raw.CPU), 10)
		b = append(b, `,"evt.dir":"`...)
		b = append(b, dir(ev)...)
		b = append(b, `","evt.info":`...)
		jw.scratch = fields.AppendArgs(jw.scratch[:0], ev, fields.RenderOptions{})
		b = appendJSONText(b, jw.scratch)
		b = append(b, `,"evt.num":`...)
		b = strconv.AppendUint(b, ev.Num, 10)
		b = append(b, `,"evt.outputtime":`...)
		b = strconv.AppendUint(b, ev.Raw.TS, 10)
		b = append(b, `,"evt.type":`...)
		b = appendJSONText(b, []byte(fields.EventType(ev)))
		b = append(b, `,"proc.name":`...)
		b = appendJSONValue(b, fieldProcName.Extract(ev, ""))
		b = append(b, `,"thread.tid":`...)
		b = appendJSONValue(b, fieldThreadTid.Extract(ev, ""))
		return append(b, '}'), true
	}
	jw.vals = jw.format.AppendValues(jw.vals[:0], ev)
	if !jw.format.All {
		for _, v := range jw.vals {
			if !v.Valid() {
				return b, false
			}
		}
	}
	b = append(b, '{')
	for n, i := range jw.order {
		if n > 0 {
			b = append(b, ',')
		}
		b = appendJSONText(b, []byte(jw.format.Fields[i]))
		b = append(b, ':')
		b = appendJSONValue(b, jw.vals[i])
	}
	return append(b, '}'), true
}

func appendJSONValue(b []byte, v fields.Value) []byte {
	switch v.Kind {
	case fields.KindInt, fields.KindUint, fields.KindBool:
		return v.AppendText(b)
	case fields.KindNone:
		return append(b, "null"...)
	}
	return appendJSONText(b, []byte(v.S))
}

// appendJSONText appends s as a JSON string.
func appendJSONText(b []byte, s []byte) []byte {
	b = append(b, '"')
	for _, c := range s {
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			if c < 0x20 {
				b = append(b, fmt.Sprintf(`\u%04x`, c)...)
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}

func dir(ev *state.Event) string {
	if ev.Info.Enter {
		return ">"
	}
	return "<"
}
