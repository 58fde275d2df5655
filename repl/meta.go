package repl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/scapql/scapql/internal/sqlquote"
	"github.com/scapql/scapql/report"
	"github.com/scapql/scapql/report/coloring"
	"github.com/scapql/scapql/translate"
)

// metaCommand is a dot command.
type metaCommand struct {
	name, args, help string
	run              func(s *Shell, ctx context.Context, arg string) error
}

var metaCommands []metaCommand

func init() {
	metaCommands = []metaCommand{
		{".help", "[COMMAND]", "show this help, or one command's", (*Shell).metaHelp},
		{".open", "FILE...", "load capture files or globs (added to what is loaded)", (*Shell).metaOpen},
		{".tables", "", "list the tables", (*Shell).metaTables},
		{".schema", "[TABLE]", "show the columns of a table (struct members one per line), or of all", (*Shell).metaSchema},
		{".fields", "[PATTERN]", "list filter fields; PATTERN is a substring or a glob (proc.*)", (*Shell).metaFields},
		{".translate", "FILTER", "show the SQL a display filter runs as", (*Shell).metaTranslate},
		{".dialect", "[auto|falco|wireshark]", "set or show the filter dialect", (*Shell).metaDialect},
		{".mode", "[table|csv|json|line|markdown]", "set or show the output mode", (*Shell).metaMode},
		{".columns", "[COL,...|default]", "set or show the columns of filter results (fields or SQL)", (*Shell).metaColumns},
		{".limit", "[N]", "print at most N rows per result (0: all); results are counted in full", (*Shell).metaLimit},
		{".timer", "[on|off]", "show how long each statement takes", (*Shell).metaTimer},
		{".output", "[FILE]", "send results to FILE, or back to standard output", (*Shell).metaOutput},
		{".export", "FILE [STATEMENT]", "write the last query's full result (or STATEMENT's) to FILE: .parquet, .csv or .json", (*Shell).metaExport},
		{".rules", "[FILE...|off]", "load Falco rules files whose macros and lists filters can use; show or drop them", (*Shell).metaRules},
		{".read", "FILE", "run the statements of a file", (*Shell).metaRead},
		{".capture", "DURATION [FILTER]", "record the machine's syscalls live for DURATION (10s, 1m; Ctrl-C ends early), keeping FILTER's events if given, then load the capture", (*Shell).metaCapture},
		{".color", "[auto|on|off|FILE]", "colour filter results by coloring rules (@NAME@FILTER@[FG][BG] lines; auto: on a terminal)", (*Shell).metaColor},
		{".scope", "[KIND [CAPTURE:]EVENT|off]", "narrow the following SQL and filters to a scope of an event, KIND: thread, process, tree (the process and its descendants), container, fd (during its lifetime); off lifts it", (*Shell).metaScope},
		{".follow", "[FORMAT] [CAPTURE:]EVENT|FILTER", "print (FORMAT: text, hex, yaml, raw) the data read and written on the fd of an event (or of the first event the filter matches that has one), as Stratoshark's Follow File Descriptor Stream", (*Shell).metaFollow},
		{".report", "[SECTION [TABLE]]", "print a section of scapql report (the same SQL); no SECTION lists them", (*Shell).metaReport},
		{".quit", "", "leave (also .exit or Ctrl-D)", (*Shell).metaQuit},
		{".exit", "", "leave", (*Shell).metaQuit},
	}
}

// helpText is the top of .help: the input rule.
const helpText = `Input:
  SQL             a statement that starts with an SQL keyword (SELECT, WITH, FROM, VALUES,
                  TABLE, DESCRIBE, SHOW, SUMMARIZE, PRAGMA, EXPLAIN, CREATE, INSERT, UPDATE,
                  DELETE, DROP, ALTER, COPY, SET, ATTACH, ... or "(SELECT"); it ends with ";"
                  and may span lines
  .command        a meta command (below); one line
  anything else   a display filter (Falco or Wireshark syntax, e.g. proc.name = curl and
                  evt.type in (connect, open)); one line, no ";" needed. It runs as
                  SELECT <.columns> FROM events WHERE NOT evt.hidden AND <filter as SQL>
                  ORDER BY capture, evt.num
                  (hidden events are the internal ones sysdig does not show either)
  :TEXT           forces SQL       ?TEXT or /TEXT   forces a display filter
Keys: Tab completes (commands, tables, fields, SQL words, event types after evt.type =);
Ctrl-R searches the history; Ctrl-C cancels the running query or the line; Ctrl-D leaves.

Commands:
`

func (s *Shell) meta(ctx context.Context, text string) error {
	name, arg, _ := strings.Cut(text, " ")
	arg = strings.TrimSpace(arg)
	for _, c := range metaCommands {
		if c.name == name {
			return c.run(s, ctx, arg)
		}
	}
	var close []string
	for _, c := range metaCommands {
		if strings.HasPrefix(c.name, name) {
			close = append(close, c.name)
		}
	}
	if len(close) > 0 {
		return fmt.Errorf("unknown command %s (did you mean %s?)", name, strings.Join(close, ", "))
	}
	return fmt.Errorf("unknown command %s (.help lists them)", name)
}

func (s *Shell) metaHelp(_ context.Context, arg string) error {
	if arg != "" {
		if !strings.HasPrefix(arg, ".") {
			arg = "." + arg
		}
		for _, c := range metaCommands {
			if c.name == arg {
				fmt.Fprintf(s.out, "%s %s\n    %s\n", c.name, c.args, c.help)
				return nil
			}
		}
		return fmt.Errorf("no command %s", arg)
	}
	var b strings.Builder
	b.WriteString(helpText)
	for _, c := range metaCommands {
		fmt.Fprintf(&b, "  %-38s %s\n", c.name+" "+c.args, c.help)
	}
	_, err := fmt.Fprint(s.out, b.String())
	return err
}

func (s *Shell) metaQuit(context.Context, string) error { s.quit = true; return nil }

// fields splits a command argument at blanks, honouring '...' and "..." quotes.
func fields(arg string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	have := false
	for _, r := range arg {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, have = r, true
		case r == ' ' || r == '\t':
			if have {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteRune(r)
			have = true
		}
	}
	if have {
		out = append(out, cur.String())
	}
	return out
}

// expandHome replaces a leading ~/ by the home directory.
func expandHome(p string) string {
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[2:])
		}
	}
	return p
}

func (s *Shell) metaOpen(ctx context.Context, arg string) error {
	paths := fields(arg)
	if len(paths) == 0 {
		return errors.New("usage: .open FILE...")
	}
	var files []string
	for _, p := range paths {
		p = expandHome(p)
		if strings.ContainsAny(p, "*?[") {
			m, err := filepath.Glob(p)
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			if len(m) == 0 {
				return fmt.Errorf("%s: no file matches", p)
			}
			files = append(files, m...)
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return err
		}
		files = append(files, p)
	}
	paths = files
	if err := s.b.Load(ctx, paths...); err != nil {
		return err
	}
	s.comp.invalidate()
	msg := "loaded " + strings.Join(paths, ", ")
	if conn, err := s.connection(); err == nil {
		var n int64
		const count = "SELECT count(*) FROM events"
		if _, err := s.prepare(ctx, count); err == nil && conn.QueryRowContext(ctx, count).Scan(&n) == nil {
			msg += fmt.Sprintf(" (events: %s rows)", thousands(n))
		}
	}
	fmt.Fprintln(s.stderr, msg)
	return nil
}

func (s *Shell) metaTables(_ context.Context, arg string) error {
	ts, err := s.tables()
	if err != nil {
		return err
	}
	sort.Strings(ts)
	for _, t := range ts {
		fmt.Fprintln(s.out, t)
	}
	return nil
}

func (s *Shell) metaSchema(ctx context.Context, arg string) error {
	conn, err := s.connection()
	if err != nil {
		return err
	}
	q := `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_catalog = current_database() AND table_schema = current_schema()`
	var args []any
	if arg != "" {
		q += " AND table_name = ?"
		args = append(args, strings.Trim(arg, `"`))
	}
	q += " ORDER BY table_name, ordinal_position"
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var recs [][]any
	for rows.Next() {
		var t, c, typ string
		if err := rows.Scan(&t, &c, &typ); err != nil {
			return err
		}
		if ms, ok := structMembers(typ); ok {
			for _, m := range ms {
				recs = append(recs, []any{t, sqlquote.Ident(c) + "." + sqlquote.Ident(m.name), m.typ})
			}
			continue
		}
		recs = append(recs, []any{t, sqlquote.Ident(c), typ})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(recs) == 0 {
		if arg != "" {
			return fmt.Errorf("no table %s", arg)
		}
		return errors.New("no tables")
	}
	cols := []column{{name: "table"}, {name: "column"}, {name: "type"}}
	if arg != "" {
		cols = cols[1:]
		for i := range recs {
			recs[i] = recs[i][1:]
		}
	}
	return s.printRecords(cols, recs)
}

// printRecords prints rows the shell made itself, in the current mode, without a limit.
func (s *Shell) printRecords(cols []column, recs [][]any) error {
	mode := s.mode
	snk := newSink(mode, s.out, s.width())
	if err := snk.header(cols); err != nil {
		return err
	}
	for _, r := range recs {
		if err := snk.row(r); err != nil {
			return err
		}
	}
	n := int64(len(recs))
	return snk.end(summary{shown: n, total: n}, s.stderr)
}

func (s *Shell) metaFields(_ context.Context, arg string) error {
	loadCatalogue()
	var recs [][]any
	for _, f := range catalogue.fields {
		if arg != "" {
			if strings.ContainsAny(arg, "*?[") {
				if ok, _ := path.Match(arg, f.Name); !ok {
					continue
				}
			} else if !strings.Contains(f.Name, arg) && !strings.Contains(strings.ToLower(f.Description), strings.ToLower(arg)) {
				continue
			}
		}
		sqlText := f.SQL
		if !f.Supported {
			sqlText = "(unsupported)"
		}
		recs = append(recs, []any{f.Name, f.Type, sqlText, f.Description})
	}
	if len(recs) == 0 {
		return fmt.Errorf("no field matches %q", arg)
	}
	return s.printRecords([]column{{name: "field"}, {name: "type"}, {name: "sql"}, {name: "description"}}, recs)
}

func (s *Shell) metaTranslate(_ context.Context, arg string) error {
	if arg == "" {
		return errors.New("usage: .translate FILTER")
	}
	if k, body := classify(arg); k == kindFilter {
		arg = body
	}
	r, err := s.translate(arg)
	if err != nil {
		return err
	}
	fmt.Fprintln(s.out, r.SQL)
	fmt.Fprintf(s.stderr, "(%s dialect)\n", r.Dialect)
	return nil
}

func (s *Shell) metaDialect(_ context.Context, arg string) error {
	if arg == "" {
		fmt.Fprintln(s.out, s.dialect)
		return nil
	}
	d, err := translate.ParseDialect(arg)
	if err != nil {
		return err
	}
	s.dialect = d
	return nil
}

func (s *Shell) metaMode(_ context.Context, arg string) error {
	if arg == "" {
		fmt.Fprintln(s.out, s.mode)
		return nil
	}
	for _, m := range modes {
		if m == arg {
			s.mode = m
			return nil
		}
	}
	return fmt.Errorf("unknown mode %q (want %s)", arg, strings.Join(modes, ", "))
}

func (s *Shell) metaColumns(_ context.Context, arg string) error {
	switch arg {
	case "":
		fmt.Fprintln(s.out, strings.Join(s.columns, ", "))
		return nil
	case "default":
		s.columns = append([]string(nil), DefaultColumns...)
		return nil
	}
	cols := splitColumns(arg)
	if len(cols) == 0 {
		return errors.New("usage: .columns COL,...")
	}
	s.columns = cols
	return nil
}

func (s *Shell) metaLimit(_ context.Context, arg string) error {
	if arg == "" {
		fmt.Fprintln(s.out, s.limit)
		return nil
	}
	n, err := strconv.Atoi(arg)
	if err != nil || n < 0 {
		return fmt.Errorf("usage: .limit N (N >= 0, 0 for no limit)")
	}
	s.limit = n
	return nil
}

func (s *Shell) metaTimer(_ context.Context, arg string) error {
	switch strings.ToLower(arg) {
	case "":
		fmt.Fprintln(s.out, map[bool]string{true: "on", false: "off"}[s.timer])
	case "on":
		s.timer = true
	case "off":
		s.timer = false
	default:
		return errors.New("usage: .timer on|off")
	}
	return nil
}

func (s *Shell) metaOutput(_ context.Context, arg string) error {
	names := fields(arg)
	if len(names) > 1 {
		return errors.New("usage: .output [FILE]")
	}
	if len(names) == 0 || names[0] == "stdout" || names[0] == "-" {
		return s.setOutput("")
	}
	return s.setOutput(expandHome(names[0]))
}

func (s *Shell) metaExport(ctx context.Context, arg string) error {
	file, stmt, _ := strings.Cut(arg, " ")
	file = expandHome(strings.Trim(file, `'"`))
	if file == "" {
		return errors.New("usage: .export FILE [STATEMENT]")
	}
	q := s.last
	if stmt = strings.TrimSpace(stmt); stmt != "" {
		k, body := classify(stmt)
		body = strings.TrimSpace(strings.TrimRight(body, "; \t\n"))
		if k == kindFilter {
			fq, _, err := s.filterQuery(body)
			if err != nil {
				return err
			}
			q = fq
		} else {
			q = body
		}
	}
	if q == "" {
		return errors.New("nothing to export: run a query or a filter first, or give a statement")
	}
	var format string
	switch strings.ToLower(filepath.Ext(file)) {
	case ".csv":
		format = "FORMAT csv, HEADER"
	case ".json", ".jsonl", ".ndjson":
		format = "FORMAT json"
	default:
		format = "FORMAT parquet"
	}
	conn, err := s.connection()
	if err != nil {
		return err
	}
	var n int64
	copyQ := fmt.Sprintf("COPY (%s) TO %s (%s)", strings.TrimRight(q, "; \t\n"), sqlquote.String(file), format)
	if _, err := s.prepare(ctx, copyQ); err != nil {
		return err
	}
	if err := conn.QueryRowContext(ctx, copyQ).Scan(&n); err != nil {
		return err
	}
	fmt.Fprintf(s.stderr, "wrote %s to %s\n", plural(n, "row"), file)
	return nil
}

func (s *Shell) metaRules(_ context.Context, arg string) error {
	files := fields(arg)
	switch {
	case len(files) == 0:
		if s.ruleset == nil {
			fmt.Fprintln(s.out, "no rules loaded")
			return nil
		}
		fmt.Fprintf(s.out, "%s: %s, %s, %s\n", strings.Join(s.ruleFiles, ", "), plural(int64(len(s.ruleset.Macros())), "macro"),
			plural(int64(len(s.ruleset.Lists())), "list"), plural(int64(len(s.ruleset.Rules())), "rule"))
		return nil
	case len(files) == 1 && files[0] == "off":
		s.ruleFiles, s.ruleset = nil, nil
		s.comp.invalidate()
		return nil
	}
	for i := range files {
		files[i] = expandHome(files[i])
	}
	if err := s.LoadRules(files...); err != nil {
		return err
	}
	s.comp.invalidate()
	fmt.Fprintf(s.stderr, "rules: %s, %s from %s\n", plural(int64(len(s.ruleset.Macros())), "macro"),
		plural(int64(len(s.ruleset.Lists())), "list"), strings.Join(s.ruleFiles, ", "))
	return nil
}

func (s *Shell) metaColor(_ context.Context, arg string) error {
	switch arg {
	case "":
		src := "scapql's rules"
		if s.colorRules != nil {
			src = plural(int64(len(s.colorRules)), "rule")
		}
		fmt.Fprintf(s.out, "%s (%s)\n", s.colorMode, src)
		return nil
	case "auto", "on", "off":
		s.colorMode = arg
		return nil
	}
	rules, err := coloring.Load(expandHome(arg))
	if err != nil {
		return err
	}
	if _, err := coloring.Compile(rules, s.resolver()); err != nil {
		return err
	}
	s.colorRules = rules
	if s.colorMode == "off" {
		s.colorMode = "on"
	}
	return nil
}

func (s *Shell) metaReport(ctx context.Context, arg string) error {
	args := fields(arg)
	if len(args) == 0 || len(args) > 2 {
		fmt.Fprintf(s.out, "sections: %s (.report SECTION [TABLE])\n", strings.Join(report.Names(), ", "))
		if len(args) > 2 {
			return errors.New("usage: .report SECTION [TABLE]")
		}
		return nil
	}
	tables, err := report.SQL(args[0])
	if err != nil {
		return err
	}
	found := false
	for _, t := range tables {
		if len(args) == 2 && t.Name != args[1] {
			continue
		}
		found = true
		fmt.Fprintf(s.out, "-- %s (%s %s)\n", t.Title, args[0], t.Name)
		if err := s.runSQL(ctx, t.SQL); err != nil {
			return fmt.Errorf("%s %s: %w", args[0], t.Name, err)
		}
	}
	if !found {
		var names []string
		for _, t := range tables {
			names = append(names, t.Name)
		}
		return fmt.Errorf("section %s has no table %q (%s)", args[0], args[1], strings.Join(names, ", "))
	}
	return nil
}

func (s *Shell) metaRead(ctx context.Context, arg string) error {
	names := fields(arg)
	if len(names) != 1 {
		return errors.New("usage: .read FILE")
	}
	if s.depth > 16 {
		return errors.New(".read nested too deeply")
	}
	f, err := os.Open(expandHome(names[0]))
	if err != nil {
		return err
	}
	defer f.Close()
	s.depth++
	defer func() { s.depth-- }()
	before := s.failed
	s.script(ctx, f, names[0])
	if ctx.Err() != nil {
		return errInterrupted
	}
	if n := s.failed - before; n > 0 {
		s.failed = before // counted once, as this .read
		return fmt.Errorf("%s: %s failed", names[0], plural(int64(n), "statement"))
	}
	return nil
}

// metaCapture records live for a while, then loads the capture like .open.
func (s *Shell) metaCapture(ctx context.Context, arg string) error {
	d, filter, _ := strings.Cut(arg, " ")
	if d == "" {
		return errors.New("usage: .capture DURATION [FILTER]")
	}
	dur, err := time.ParseDuration(d)
	if err != nil || dur <= 0 {
		return fmt.Errorf(".capture: %q is not a duration (10s, 1m30s)", d)
	}
	c, ok := s.b.(Capturer)
	if !ok {
		return errors.New(".capture: live capture is not available in this shell")
	}
	fmt.Fprintf(s.stderr, "capturing for %s (Ctrl-C ends early)\n", dur)
	path, err := c.Capture(ctx, dur, strings.TrimSpace(filter))
	if err != nil {
		return err
	}
	if strings.ContainsRune(path, '\'') {
		return fmt.Errorf(".capture: cannot load %s", path)
	}
	return s.metaOpen(ctx, "'"+path+"'")
}
