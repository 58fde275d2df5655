// Package repl is scapql's interactive shell: SQL and display filters side by side over the
// loaded captures, with completion, history and the meta commands of .help.
//
// Input is told apart by a simple rule (see classify and the help text): a line that starts
// with an SQL statement keyword (SELECT, WITH, FROM, DESCRIBE, SHOW, PRAGMA, CREATE, ...) is
// SQL and runs up to its ";", over several lines if need be; a line that starts with "." is a
// meta command; anything else is a display filter (Falco or Wireshark dialect), run as
//
//	SELECT <.columns> FROM events WHERE NOT evt.hidden AND <translated filter>
//	ORDER BY capture, evt.num
//
// A leading ":" forces SQL and a leading "?" or "/" forces a filter.
//
// On a terminal the shell reads lines with Emacs key bindings, completion and a history file;
// Ctrl-C cancels the running query (or the line being typed) and Ctrl-D leaves. Without a
// terminal it reads statements from standard input and prints their results, for scripts.
package repl

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chzyer/readline"
	"golang.org/x/term"

	"github.com/scapql/scapql/internal/sqlquote"
	"github.com/scapql/scapql/internal/sqlrows"
	"github.com/scapql/scapql/report/coloring"
	"github.com/scapql/scapql/translate"
	"github.com/scapql/scapql/translate/rules"
)

// Backend is the database the shell works on: the loaded captures.
type Backend interface {
	// Conn is the DuckDB connection, to the database with the events table and its side
	// tables, that every statement of the session runs on (one connection, so that SET,
	// temporary tables and views last). The backend owns and closes it.
	Conn() *sql.Conn
	// Load reads capture files into the tables, adding them to what is loaded.
	Load(ctx context.Context, paths ...string) error
}

// TableLister is implemented by a Backend that chooses the tables .tables and completion
// offer; otherwise they are the tables and views of the database's main schema.
type TableLister interface {
	Tables() ([]string, error)
}

// EventFilterer is implemented by a Backend that has a faster way than the events table's
// WHERE to select the events matching a condition: FilteredEvents returns a query with the
// events table's columns and just those rows; given uses, the SQL that reads its result, it
// may leave out the columns uses does not name.
type EventFilterer interface {
	FilteredEvents(where string, uses ...string) string
}

// FirstMatcher is implemented by a Backend that can count a filter's events and give a
// query for the first k that is cheaper to read than all of them (see
// engine.DB.FirstMatches): its rows are the first k matches and maybe more after them, with
// the columns uses (the SQL that reads them) names.
type FirstMatcher interface {
	FirstMatches(ctx context.Context, where string, k int, uses string) (first string, total int64, err error)
}

// Capturer is implemented by a Backend that can record the machine live: Capture records
// for d (or until ctx ends), keeping the events filter matches (all for ""), and returns
// the capture file, which the backend keeps until it closes.
type Capturer interface {
	Capture(ctx context.Context, d time.Duration, filter string) (path string, err error)
}

// Preparer is implemented by a Backend that makes ready what a statement reads before it
// runs (a lazy database builds the events members the statement names): Prepare returns
// the names the result's columns are shown under ("" or nil keeps DuckDB's).
type Preparer interface {
	Prepare(ctx context.Context, query string) ([]string, error)
}

// Streamer is implemented by a Backend that reads a result as DuckDB produces it, a chunk at
// a time, instead of whole (the database/sql driver's way): a long result then prints, or is
// counted past the shell's .limit, in bounded memory.
type Streamer interface {
	Stream(ctx context.Context, query string) (Rows, error)
}

// Rows is a result read row by row (sqlrows.Rows).
type Rows = sqlrows.Rows

// result runs q and returns its result, streamed where the backend can.
func (s *Shell) result(ctx context.Context, conn *sql.Conn, q string) (Rows, error) {
	if st, ok := s.b.(Streamer); ok {
		return st.Stream(ctx, q)
	}
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return sqlrows.Driver{Rows: rows}, nil
}

// prepare makes ready what q reads, where the backend needs that, and returns its headers.
func (s *Shell) prepare(ctx context.Context, q string) ([]string, error) {
	if p, ok := s.b.(Preparer); ok {
		return p.Prepare(ctx, q)
	}
	return nil, nil
}

// HistoryEnv names the environment variable that overrides the default history file.
const HistoryEnv = "SCAPQL_HISTORY"

// Options configure a Shell. The zero value reads os.Stdin and writes os.Stdout/os.Stderr.
type Options struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	// HistoryFile keeps the interactive history: "" means $SCAPQL_HISTORY if set and
	// ~/.scapql_history otherwise; "-" keeps no history.
	HistoryFile string

	// Dialect of display filters (default: detect).
	Dialect translate.Dialect
	// Limit caps the rows printed per result: 0 means the default (100 on a terminal, no cap
	// for scripts), a negative value means no cap.
	Limit int
	// Timer shows how long each statement took (always on a terminal).
	Timer bool
	// Mode is the initial output mode (table, csv, json, line, markdown); default table.
	Mode string
	// Color is the initial .color mode: auto (on a terminal, unless NO_COLOR is set),
	// always or never (on and off as .color takes them also do).
	Color string
	// MaxLine bounds a line of a script or of .read (0: DefaultMaxLine); MaxStatement an SQL
	// statement over all its lines (0: DefaultMaxStatement).
	MaxLine, MaxStatement int
}

// Shell is one session.
type Shell struct {
	b      Backend
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	hist   string

	out     io.Writer // results: stdout, or the file of .output
	outFile *os.File
	outName string

	mode     string
	columns  []string
	limit    int
	limitSet bool
	timer    bool
	timerSet bool
	dialect  translate.Dialect

	ruleFiles []string
	ruleset   *rules.Ruleset

	colorMode  string          // .color: auto (on a terminal), on, off
	colorRules []coloring.Rule // .color FILE, else the defaults
	colors     *coloring.Set   // while a filter's coloured rows are printed

	scope *shellScope // .scope, nil when off

	last string // the last query that returned rows, for .export

	mu     sync.Mutex
	cancel context.CancelFunc // of the running statement

	tty    bool // interactive, on a terminal
	quit   bool
	failed int
	depth  int // .read nesting

	maxLine, maxStatement int

	comp completionCache
}

// New returns a shell over b.
func New(b Backend, o Options) *Shell {
	s := &Shell{b: b, stdin: o.Stdin, stdout: o.Stdout, stderr: o.Stderr, dialect: o.Dialect, mode: modeTable, colorMode: "auto"}
	if s.stdin == nil {
		s.stdin = os.Stdin
	}
	if s.stdout == nil {
		s.stdout = os.Stdout
	}
	if s.stderr == nil {
		s.stderr = os.Stderr
	}
	s.out = s.stdout
	s.hist = o.HistoryFile
	if s.hist == "" {
		s.hist = os.Getenv(HistoryEnv)
	}
	if s.hist == "" {
		if home, err := os.UserHomeDir(); err == nil {
			s.hist = filepath.Join(home, ".scapql_history")
		}
	}
	if s.hist == "-" {
		s.hist = ""
	}
	if o.Limit != 0 {
		s.limit, s.limitSet = max(o.Limit, 0), true
	}
	if o.Timer {
		s.timer, s.timerSet = true, true
	}
	if o.Mode != "" {
		s.mode = o.Mode
	}
	switch o.Color {
	case "always", "on":
		s.colorMode = "on"
	case "never", "off":
		s.colorMode = "off"
	}
	s.columns = append([]string(nil), DefaultColumns...)
	s.maxLine, s.maxStatement = o.MaxLine, o.MaxStatement
	return s
}

// LoadRules reads Falco rules files whose macros and lists filters may use (as .rules does).
func (s *Shell) LoadRules(paths ...string) error {
	all := append(append([]string(nil), s.ruleFiles...), paths...)
	rs, err := rules.Load(all...)
	if err != nil {
		return err
	}
	s.ruleFiles, s.ruleset = all, rs
	for _, w := range rs.Warnings {
		fmt.Fprintln(s.stderr, "warning:", w)
	}
	return nil
}

// Close closes an .output file (the backend's connection stays open).
func (s *Shell) Close() error {
	return s.setOutput("")
}

// Run runs the session: interactively when standard input is a terminal, otherwise as a
// script. It returns when input ends or on .quit; a script returns an error if a statement
// failed.
func (s *Shell) Run(ctx context.Context) error {
	if f, ok := s.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return s.interactive(ctx, f)
	}
	return s.RunScript(ctx, s.stdin)
}

// RunScript runs the statements read from r and prints their results. Errors are printed to
// the error output and the script goes on; the result is an error if any statement failed.
func (s *Shell) RunScript(ctx context.Context, r io.Reader) error {
	if !s.limitSet {
		s.limit = 0
	}
	s.failed = 0
	s.script(ctx, r, "standard input")
	if s.failed > 0 {
		return fmt.Errorf("%s failed", plural(int64(s.failed), "statement"))
	}
	return nil
}

// script runs the statements of r, named name in errors. A line longer than the line limit,
// or holding a NUL byte or invalid UTF-8, ends the script with an error: such input is no
// script (a device, a binary file) and reading on could take unbounded time.
func (s *Shell) script(ctx context.Context, r io.Reader, name string) {
	lr := newLineReader(r, s.maxLine)
	acc := accumulator{max: s.maxStatement}
	for !s.quit && ctx.Err() == nil {
		line, err := lr.next()
		if err == nil {
			for _, in := range acc.feed(line) {
				s.run(ctx, in)
				if s.quit {
					return
				}
			}
			continue
		}
		if err != io.EOF {
			s.failed++
			s.report(fmt.Errorf("%s: %w", name, err))
		}
		break
	}
	for _, in := range acc.flush() {
		if !s.quit {
			s.run(ctx, in)
		}
	}
}

const (
	prompt     = "scapql> "
	contPrompt = "   ...> "
)

func (s *Shell) interactive(ctx context.Context, stdin *os.File) error {
	s.tty = true
	defer func() { s.tty = false }()
	if !s.limitSet {
		s.limit = 100
	}
	if !s.timerSet {
		s.timer = true
	}
	cfg := &readline.Config{
		Prompt:                 prompt,
		HistoryFile:            s.hist,
		DisableAutoSaveHistory: true,
		HistorySearchFold:      true,
		AutoComplete:           &completer{s: s},
		InterruptPrompt:        "^C",
		EOFPrompt:              "\n",
		Stdout:                 s.stdout,
		Stderr:                 s.stderr,
	}
	if stdin != os.Stdin {
		cfg.Stdin = stdin
	}
	rl, err := readline.NewEx(cfg)
	if err != nil {
		return err
	}
	defer rl.Close()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-sigs:
				s.interrupt()
			case <-done:
				return
			}
		}
	}()

	fmt.Fprintln(s.stdout, `scapql shell: SQL ends with ";", other input is a display filter. ".help" for help, Ctrl-D to leave.`)
	acc := accumulator{max: s.maxStatement}
	var entry []string // the lines of the statement being typed, for the history
	for !s.quit && ctx.Err() == nil {
		line, err := rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			acc.reset()
			entry = entry[:0]
			rl.SetPrompt(prompt)
			continue
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		}
		entry = append(entry, strings.TrimSpace(line))
		inputs := acc.feed(line)
		if acc.pending() {
			rl.SetPrompt(contPrompt)
		} else {
			rl.SetPrompt(prompt)
			if h := strings.TrimSpace(strings.Join(entry, " ")); h != "" {
				_ = rl.SaveHistory(h)
			}
			entry = entry[:0]
		}
		for _, in := range inputs {
			s.run(ctx, in)
			if s.quit {
				break
			}
		}
	}
	return nil
}

// interrupt cancels the running statement, if any.
func (s *Shell) interrupt() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		s.cancel()
	}
}

// errInterrupted is reported when Ctrl-C cancelled a statement.
var errInterrupted = errors.New("interrupted")

// run runs one input and prints its error, if any.
func (s *Shell) run(ctx context.Context, in input) {
	ctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	outer := s.cancel == nil // not a statement of a .read: Ctrl-C stops the whole .read
	if outer {
		s.cancel = cancel
	}
	s.mu.Unlock()
	defer func() {
		if outer {
			s.mu.Lock()
			s.cancel = nil
			s.mu.Unlock()
		}
		cancel()
	}()
	var err error
	switch in.kind {
	case kindError:
		err = errors.New(in.text)
	case kindMeta:
		err = s.meta(ctx, in.text)
	case kindFilter:
		err = s.runFilter(ctx, in.text)
	default:
		err = s.runSQL(ctx, in.text)
	}
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, errInterrupted) {
			err = errInterrupted
		}
		s.failed++
		s.report(err)
		if in.kind == kindFilter && translate.IsError(err) {
			if hint := filterHint(in.text); hint != "" {
				fmt.Fprintln(s.stderr, hint)
			}
		}
	}
}

// report prints an error.
func (s *Shell) report(err error) {
	var fe *translate.Error
	switch {
	case errors.Is(err, errInterrupted):
		if s.tty {
			fmt.Fprint(s.stderr, "\r") // over the ^C the terminal echoed
		}
		fmt.Fprintln(s.stderr, "Interrupted.")
	case errors.As(err, &fe):
		fmt.Fprintln(s.stderr, "Filter error: "+err.Error())
	default:
		msg := err.Error()
		if !strings.Contains(msg, "Error") && !strings.Contains(msg, "error") {
			msg = "Error: " + msg
		}
		fmt.Fprintln(s.stderr, msg)
	}
}

// filterHint explains, for a filter that did not parse, that it was read as a filter.
func filterHint(text string) string {
	w := text
	if i := strings.IndexAny(w, " \t(=!<>"); i >= 0 {
		w = w[:i]
	}
	if _, ok := lookupField(w); ok || strings.Contains(w, ".") {
		return ""
	}
	return "(read as a display filter: SQL starts with SELECT, WITH, FROM, ... and ends with ';'; a leading ':' forces SQL)"
}

// resolver is the Falco macros and lists of .rules, or nil.
func (s *Shell) resolver() translate.Resolver {
	if s.ruleset == nil {
		return nil
	}
	return s.ruleset
}

// translate turns a display filter into an SQL condition.
func (s *Shell) translate(filter string) (*translate.Result, error) {
	return translate.Compile(filter, translate.Options{Dialect: s.dialect, Resolver: s.resolver()})
}

// filterQuery is the query a filter runs as, and its WHERE condition.
func (s *Shell) filterQuery(filter string) (query, where string, err error) {
	r, err := s.translate(filter)
	if err != nil {
		return "", "", err
	}
	where = visibleEvents + " AND " + r.SQL
	if s.scope != nil {
		// The stored tables a filter's listing reads skip the scoped events view.
		where += " AND (" + s.scope.sql + ")"
	}
	return "SELECT " + s.selectList() + " FROM " + s.eventsWhere(where) + " ORDER BY capture, evt.num", where, nil
}

// eventsWhere is a FROM item holding the events that match where.
func (s *Shell) eventsWhere(where string) string {
	if f, ok := s.b.(EventFilterer); ok {
		return "(" + f.FilteredEvents(where, s.selectList()) + ") AS events"
	}
	return "events WHERE " + where
}

// visibleEvents leaves out, from a filter's result, the events sysdig does not show either
// (internal and state-only events, flagged evt.hidden); SQL sees them all.
const visibleEvents = "NOT coalesce(evt.hidden, false)"

// selectList is the select list of a filter's query.
func (s *Shell) selectList() string {
	parts := make([]string, len(s.columns))
	for i, c := range s.columns {
		if c == colorColumn && s.colors != nil {
			parts[i] = "(" + s.colors.SQL() + `) AS "` + colorColumn + `"`
			continue
		}
		parts[i] = columnExpr(c) + " AS " + sqlquote.QuotedIdent(c)
	}
	return strings.Join(parts, ", ")
}

// colorColumn heads the column a filter's query adds for the coloring rules.
const colorColumn = "__color"

// colorSet returns the compiled coloring rules when a filter's rows are to be coloured: in
// table mode, with .color on, or auto and the results going to the terminal (and NO_COLOR
// not set).
func (s *Shell) colorSet() (*coloring.Set, error) {
	if s.mode != modeTable || s.colorMode == "off" || s.colorMode == "auto" && (!s.tty || s.outFile != nil || os.Getenv("NO_COLOR") != "") {
		return nil, nil
	}
	rules := s.colorRules
	if rules == nil {
		rules = coloring.Defaults()
	}
	return coloring.Compile(rules, s.resolver())
}

func (s *Shell) runFilter(ctx context.Context, filter string) error {
	q, where, err := s.filterQuery(filter)
	if err != nil {
		return err
	}
	colors, err := s.colorSet()
	if err != nil {
		return err
	}
	if colors != nil {
		// The first matching coloring rule of each row, as one more column the table
		// sink takes off and paints the row with.
		saved := s.columns
		s.columns = append(append([]string(nil), saved...), colorColumn)
		defer func() { s.columns = saved }()
		s.colors = colors
		defer func() { s.colors = nil }()
		if q, where, err = s.filterQuery(filter); err != nil {
			return err
		}
	}
	s.last = q
	if s.limit > 0 {
		if fm, ok := s.b.(FirstMatcher); ok {
			// Count the matches, and read the listed members of the first rows only.
			start := time.Now()
			first, total, err := fm.FirstMatches(ctx, where, s.limit+1, s.selectList())
			if err != nil {
				return err
			}
			lq := "SELECT " + s.selectList() + " FROM (" + first + ") AS events ORDER BY capture, evt.num"
			return s.queryTotal(ctx, fmt.Sprintf("%s LIMIT %d", lq, s.limit+1), "", total, start)
		}
		// Only the rows shown are sorted and fetched; the total is counted apart.
		return s.query(ctx, fmt.Sprintf("%s LIMIT %d", q, s.limit+1), "SELECT count(*) FROM "+s.eventsWhere(where))
	}
	return s.query(ctx, q, "")
}

func (s *Shell) runSQL(ctx context.Context, q string) error {
	err := s.query(ctx, q, "")
	if err == nil && isQuery(q) {
		s.last = q
	}
	if err == nil {
		s.comp.invalidate() // the statement may have made or dropped tables
	}
	return err
}

// isQuery reports whether an SQL statement is a query that COPY can export.
func isQuery(q string) bool {
	t := strings.TrimLeft(q, "( \t\r\n")
	switch strings.ToUpper(firstWord(t)) {
	case "SELECT", "WITH", "FROM", "VALUES", "TABLE", "PIVOT", "UNPIVOT":
		return true
	}
	return false
}

// connection returns the session's connection.
func (s *Shell) connection() (*sql.Conn, error) {
	c := s.b.Conn()
	if c == nil {
		return nil, errors.New("no database is open")
	}
	return c, nil
}

// tables lists the tables a user can query.
func (s *Shell) tables() ([]string, error) {
	if tl, ok := s.b.(TableLister); ok {
		return tl.Tables()
	}
	conn, err := s.connection()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return ListTables(ctx, conn)
}

// ListTables lists the tables and views of the main schema (temporary ones included), sorted:
// what the shell offers when the Backend is no TableLister.
func ListTables(ctx context.Context, conn *sql.Conn) ([]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT DISTINCT table_name FROM information_schema.tables
		WHERE table_schema = 'main' AND table_catalog IN (current_database(), 'temp') ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// query runs q and prints its result. When countQuery is set and q returned more rows than
// the limit, countQuery gives the total for the footer.
func (s *Shell) query(ctx context.Context, q, countQuery string) error {
	return s.queryTotal(ctx, q, countQuery, -1, time.Now())
}

// queryTotal is query with the total row count known beforehand (knownTotal ≥ 0), for the
// footer of a limited listing, and the time the question started, for the timer.
func (s *Shell) queryTotal(ctx context.Context, q, countQuery string, knownTotal int64, start time.Time) error {
	conn, err := s.connection()
	if err != nil {
		return err
	}
	headers, err := s.prepare(ctx, q)
	if err != nil {
		return err
	}
	if countQuery != "" {
		if _, err := s.prepare(ctx, countQuery); err != nil {
			return err
		}
	}
	rows, err := s.result(ctx, conn, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return err
	}
	types, err := rows.ColumnTypeNames()
	if err != nil {
		return err
	}
	if len(names) == 0 {
		fmt.Fprintln(s.out, "OK")
		return rows.Err()
	}
	cols := make([]column, len(names))
	for i := range names {
		cols[i] = column{name: names[i], typ: types[i]}
		if i < len(headers) && headers[i] != "" {
			cols[i].name = headers[i]
		}
		cols[i].numeric = isNumeric(cols[i].typ)
	}
	colorAt := -1
	if n := len(cols); n > 1 && cols[n-1].name == colorColumn && s.colors != nil {
		colorAt = n - 1
	}
	snk := newSink(s.mode, s.out, s.width())
	hcols := cols
	if colorAt >= 0 {
		hcols = cols[:colorAt]
	}
	if err := snk.header(hcols); err != nil {
		return err
	}
	// An SQL result that carries evt.num (and capture, when several captures are loaded)
	// is coloured like a filter's: each row by its event's first matching coloring rule.
	var rc *rowColorer
	if ts, ok := snk.(*tableSink); ok && colorAt < 0 {
		if rc, err = s.newRowColorer(cols, ts); err != nil {
			return err
		}
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var shown, total int64
	for rows.Next() {
		total++
		if s.limit > 0 && total > int64(s.limit) {
			if countQuery != "" {
				break
			}
			continue // count the rest
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		row := vals
		if colorAt >= 0 {
			if ts, ok := snk.(*tableSink); ok {
				i, _ := vals[colorAt].(int32)
				ts.paint = s.colors.ANSI(int(i))
				if vals[colorAt] == nil {
					ts.paint = ""
				}
			}
			row = vals[:colorAt]
		}
		if err := snk.row(row); err != nil {
			return err
		}
		rc.add(row)
		shown++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return errInterrupted
	}
	if rc != nil {
		rows.Close() // the connection answers one statement at a time
		if err := rc.paint(ctx, s, conn); err != nil {
			return err
		}
	}
	if countQuery != "" && total > shown {
		rows.Close()
		if err := conn.QueryRowContext(ctx, countQuery).Scan(&total); err != nil {
			return err
		}
	}
	if knownTotal >= 0 {
		total = knownTotal
	}
	sum := summary{shown: shown, total: total, limit: s.limit, elapsed: time.Since(start), timer: s.timer}
	return snk.end(sum, s.stderr)
}

// width is the terminal width results must fit, or 0 when they go to a file or a pipe.
func (s *Shell) width() int {
	if s.outFile != nil {
		return 0
	}
	f, ok := s.out.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}

// setOutput sends results to a file ("" for standard output).
func (s *Shell) setOutput(name string) error {
	var f *os.File
	if name != "" {
		var err error
		f, err = os.Create(name)
		if err != nil {
			return err
		}
	}
	if s.outFile != nil {
		s.outFile.Close()
	}
	s.outFile, s.outName, s.out = nil, "", s.stdout
	if f != nil {
		s.outFile, s.outName, s.out = f, name, f
	}
	return nil
}
