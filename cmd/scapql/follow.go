package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/spf13/cobra"

	"github.com/scapql/scapql/follow"
	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/internal/sqlquote"
	"github.com/scapql/scapql/translate"
)

type followFlags struct {
	read     string
	event    uint64
	format   string
	dialect  string
	rules    []string
	maxBytes int64
}

func init() {
	var ff followFlags
	cmd := &cobra.Command{
		Use:   "follow -r FILE [--event N | FILTER] [--format text|hex|yaml|raw]",
		Short: "Print the data read and written on one fd, as Stratoshark's Follow File Descriptor Stream",
		Long: `Assemble the data a process read and wrote on one file descriptor, in order, as
Stratoshark's "Follow File Descriptor Stream" shows it. The stream is that of the first event
FILTER matches that has an fd (or of event --event N): every event of the same process
(proc.pid) on the same fd number (fd.num) while that fd stays the same open file (a close,
or the number given to another file, ends it), whose data buffer (evt.buffer) holds bytes;
evt.is_io_write tells a write from a read.

The layout is tshark's "-z follow": node 0 is what the process read, node 1 (indented by a
tab) what it wrote. --format text shows ASCII (other bytes as '.'), hex a hex dump, raw the
bytes in hex, yaml tshark's YAML with base64 data. A capture keeps the first bytes of each
buffer only (its snap length, 80 by default); chunks it cut are marked with the length the
call moved. The header's filter selects the same events (print, query --filter).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			filter := ""
			if len(args) == 1 {
				filter = args[0]
			}
			return runFollow(cmd.OutOrStdout(), ff, filter)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&ff.read, "read", "r", "", "capture file to read")
	f.Uint64Var(&ff.event, "event", 0, "follow the fd of this event number instead of the first the filter matches")
	f.StringVar(&ff.format, "format", "text", "output: text, hex, yaml or raw")
	f.StringVar(&ff.dialect, "dialect", "auto", "filter dialect: auto, falco or wireshark")
	f.StringArrayVar(&ff.rules, "rules", nil, "Falco rules file whose macros and lists filters may use (repeatable)")
	f.Int64Var(&ff.maxBytes, "max-bytes", follow.DefaultMaxBytes, "largest stream to assemble, in bytes kept")
	rootCmd.AddCommand(cmd)
}

func runFollow(stdout io.Writer, ff followFlags, filter string) error {
	if ff.read == "" {
		return fmt.Errorf("give a capture with -r")
	}
	if ff.read == "-" {
		return fmt.Errorf("follow reads the capture twice: give a file, not standard input")
	}
	if ff.event > 0 && filter != "" {
		return fmt.Errorf("give a FILTER or --event, not both")
	}
	if ff.maxBytes <= 0 {
		return fmt.Errorf("--max-bytes must be positive")
	}
	switch ff.format {
	case "text", "hex", "yaml", "raw":
	default:
		return fmt.Errorf("unknown --format %q (text, hex, yaml, raw)", ff.format)
	}
	match, err := compileFilter(filter, ff.dialect, ff.rules)
	if err != nil {
		return err
	}
	sel := follow.Select{Num: ff.event, Match: match}
	st, err := follow.Find(func() (*ingest.Source, error) { return ingest.Open(ff.read, ingest.Options{}) }, sel, true, true, ff.maxBytes)
	if err != nil {
		return err
	}
	scope, err := st.Origin.Filter(follow.FD)
	if err != nil {
		return err
	}
	return follow.Write(stdout, st, ff.format, scope)
}

// resolveScope finds the scope --scope names (KIND@[CAPTURE:]EVENT) among the captures and
// returns it as a display filter (scapql's Falco dialect) and the capture it is in. The event
// is looked up in the capture file (package follow), so the scope filter holds its values.
func resolveScope(stderr io.Writer, spec string, captures []string) (filter, capture string, err error) {
	kind, capture, num, err := follow.ParseSpec(spec)
	if err != nil {
		return "", "", err
	}
	switch {
	case capture != "":
		if !slices.Contains(captures, capture) {
			return "", "", fmt.Errorf("--scope %q: %s is not among the captures read", spec, capture)
		}
	case len(captures) == 1:
		capture = captures[0]
	case len(captures) == 0:
		return "", "", fmt.Errorf("--scope needs a capture file (-r)")
	default:
		return "", "", fmt.Errorf("--scope %q: several captures are read; name one: %s@CAPTURE:%d", spec, kind, num)
	}
	if capture == "-" {
		return "", "", fmt.Errorf("--scope reads the capture twice: give a file, not standard input")
	}
	filter, o, err := follow.Scope(func() (*ingest.Source, error) { return ingest.Open(capture, ingest.Options{}) }, kind, num)
	if err != nil {
		return "", "", fmt.Errorf("--scope %s: %w", spec, err)
	}
	fmt.Fprintf(stderr, "scope: %s (event %d): %s\n", o.Describe(kind), num, filter)
	return filter, capture, nil
}

// withScope narrows a matcher (nil: all events) to the scope --scope names in capture.
func withScope(stderr io.Writer, spec, capture string, match func(*state.Event) bool) (func(*state.Event) bool, error) {
	filter, _, err := resolveScope(stderr, spec, []string{capture})
	if err != nil {
		return nil, err
	}
	in, _, err := translate.Matcher(filter, translate.Options{Dialect: translate.Falco})
	if err != nil {
		return nil, fmt.Errorf("--scope: %w", err)
	}
	if match == nil {
		return in, nil
	}
	return func(ev *state.Event) bool { return in(ev) && match(ev) }, nil
}

// scopeSQL is the condition restricting the events table to the scope --scope names: the
// scope's filter as SQL, and its capture when several are read.
func scopeSQL(stderr io.Writer, spec string, captures []string) (string, error) {
	filter, capture, err := resolveScope(stderr, spec, captures)
	if err != nil {
		return "", err
	}
	where, err := translate.Translate(filter, translate.Options{Dialect: translate.Falco})
	if err != nil {
		return "", fmt.Errorf("--scope: %w", err)
	}
	if len(captures) > 1 {
		where = "capture = " + sqlquote.String(capture) + " AND (" + where + ")"
	}
	return where, nil
}
