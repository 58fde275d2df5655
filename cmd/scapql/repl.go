package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/repl"
	"github.com/scapql/scapql/report/coloring"
	"github.com/scapql/scapql/translate"
)

// replFlags are the options of the shell.
type replFlags struct {
	db       string
	rules    []string
	dialect  string
	history  string
	mode     string
	limit    int
	commands []string
	memory   string
	color    string
}

func init() {
	var rf replFlags
	cmd := &cobra.Command{
		Use:   "repl [FILE...]",
		Short: "Interactive shell: SQL and display filters over captures",
		Long: `Load captures (globs allowed) into DuckDB and open a shell where SQL and display filters
run side by side:

  scapql> proc.name = curl and evt.type = connect
  scapql> SELECT proc.name, count(*) FROM events GROUP BY ALL ORDER BY 2 DESC;

Input that starts with an SQL keyword (SELECT, WITH, FROM, DESCRIBE, SHOW, PRAGMA, CREATE, ...)
is SQL and ends with ";"; a line starting with "." is a meta command (.help lists them);
anything else is a display filter, Falco or Wireshark syntax, which lists the matching events.
A leading ":" forces SQL, a leading "?" or "/" forces a filter.

On a terminal: Tab completes, Ctrl-R searches the history (~/.scapql_history, or
$SCAPQL_HISTORY), Ctrl-C cancels the running query, Ctrl-D leaves. With standard input not a
terminal, or with -c, the statements are run as a script and their results printed; the exit
status is 1 if one failed.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRepl(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args, rf)
		},
	}
	f := cmd.Flags()
	f.StringVar(&rf.db, "db", "", "DuckDB database file to load into and query (default: in memory)")
	f.StringArrayVar(&rf.rules, "rules", nil, "Falco rules file whose macros and lists filters may use (repeatable)")
	f.StringVar(&rf.dialect, "dialect", "auto", "display filter dialect: auto, falco or wireshark")
	f.StringVar(&rf.history, "history", "", "history file (default $SCAPQL_HISTORY or ~/.scapql_history; - for none)")
	f.StringVar(&rf.mode, "mode", "table", "output mode: table, csv, json, line or markdown")
	f.IntVar(&rf.limit, "limit", 0, "rows printed per result (default 100 on a terminal, all in scripts; -1 all)")
	f.StringVar(&rf.memory, "memory-limit", engine.DefaultMemoryLimit, "memory DuckDB keeps what questions built in (without --db); past it, it spills to disk")
	f.StringVar(&rf.color, "color", "auto", "colour filter results and SQL rows that carry evt.num by the coloring rules: auto (on a terminal, unless NO_COLOR is set), always or never")
	f.StringArrayVarP(&rf.commands, "command", "c", nil, "run this statement (SQL, filter or .command) and exit (repeatable)")
	rootCmd.AddCommand(cmd)
}

// runRepl opens the captures and runs the shell on them.
func runRepl(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, paths []string, rf replFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	dialect, err := translate.ParseDialect(rf.dialect)
	if err != nil {
		return err
	}
	if _, err := coloring.Mode(rf.color, false); err != nil {
		return err
	}
	switch rf.mode {
	case "", "table", "csv", "json", "line", "markdown":
	default:
		return fmt.Errorf("unknown mode %q (table, csv, json, line, markdown)", rf.mode)
	}
	// Ctrl-C stops the loading; once the shell runs, it cancels the running statement instead.
	loadCtx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	b, err := openBackend(loadCtx, paths, rf.db, rf.memory, stderr)
	interruptedLoad := loadCtx.Err() != nil && ctx.Err() == nil
	stop()
	if interruptedLoad {
		if err == nil {
			b.Close()
		}
		return interrupted{}
	}
	if err != nil {
		return err
	}
	defer b.Close()

	s := repl.New(b, repl.Options{
		Stdin: stdin, Stdout: stdout, Stderr: stderr,
		HistoryFile: rf.history, Dialect: dialect, Limit: rf.limit, Mode: rf.mode,
		Color:   rf.color,
		MaxLine: inputLimits.maxLine, MaxStatement: inputLimits.maxStatement,
	})
	defer s.Close()
	if len(rf.rules) > 0 {
		if err := s.LoadRules(rf.rules...); err != nil {
			return err
		}
	}
	if len(rf.commands) > 0 {
		return s.RunScript(ctx, strings.NewReader(strings.Join(rf.commands, "\n")+"\n"))
	}
	return s.Run(ctx)
}

// engineBackend is the shell's view of a capture database: a lazy in-memory one, which reads
// the captures as questions need them (lazyBackend adds nothing to it), or a database file,
// whose stored tables have faster ways to list a filter's events (fileBackend).
type engineBackend struct {
	db     *engine.DB
	stderr io.Writer
	live   []string // captures .capture recorded, removed on Close
}

// shellBackend is a backend the command closes.
type shellBackend interface {
	repl.Backend
	Close() error
}

// fileBackend is the shell on a database file.
type fileBackend struct{ *engineBackend }

// openBackend opens the database (lazy and in memory unless dbPath is set) and adds the
// captures.
func openBackend(ctx context.Context, paths []string, dbPath, memoryLimit string, stderr io.Writer) (shellBackend, error) {
	paths, err := expandCaptures(paths)
	if err != nil {
		return nil, err
	}
	var db *engine.DB
	if dbPath != "" {
		db, err = engine.Open(ctx, dbPath)
	} else if db, err = engine.OpenLazy(ctx); err == nil && memoryLimit != "" {
		if err = db.SetMemoryLimit(ctx, memoryLimit); err != nil {
			db.Close()
		}
	}
	if err != nil {
		return nil, err
	}
	b := &engineBackend{db: db, stderr: stderr}
	if len(paths) > 0 {
		if err := b.Load(ctx, paths...); err != nil {
			b.Close()
			return nil, err
		}
	}
	if dbPath != "" {
		return fileBackend{b}, nil
	}
	return b, nil
}

// Conn is the engine's one connection.
func (b *engineBackend) Conn() *sql.Conn { return b.db.Conn() }

// Stream reads a result as DuckDB produces it (engine.DB.Stream).
func (b *engineBackend) Stream(ctx context.Context, query string) (repl.Rows, error) {
	return b.db.Stream(ctx, query)
}

// Prepare builds what a statement reads (see engine.DB.Prepare).
func (b *engineBackend) Prepare(ctx context.Context, query string) ([]string, error) {
	progress, finish := newProgress(b.stderr, b.db.LazyCaptures(), "reading")
	defer finish()
	b.db.SetProgress(progress)
	return b.db.Prepare(ctx, query)
}

// Load adds captures: a lazy database reads them when a question needs them; a database file
// loads them now, with a progress bar (on a terminal) and a line per capture.
func (b *engineBackend) Load(ctx context.Context, paths ...string) error {
	paths, err := expandCaptures(paths)
	if err != nil {
		return err
	}
	logs, paths := splitAuditLogs(paths)
	if b.db.Lazy() {
		if err := b.db.AddInputs(ctx, paths); err != nil {
			return err
		}
		return loadAudit(ctx, b.db, b.stderr, logs, nil)
	}
	var res []engine.LoadResult
	if len(paths) > 0 {
		progress, finish := newProgress(b.stderr, paths, "loading")
		res, err = b.db.Load(ctx, paths, engine.LoadOptions{Progress: progress})
		finish()
	}
	if err == nil {
		err = loadAudit(ctx, b.db, b.stderr, logs, paths)
	}
	if f, ok := b.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		for _, r := range res {
			switch {
			case r.Skipped:
				fmt.Fprintf(b.stderr, "%s: already in the database\n", r.Path)
			case r.Stats != nil:
				fmt.Fprintf(b.stderr, "%s: %d events\n", r.Path, r.Stats.Events)
			}
		}
	}
	return err
}

// Tables lists the tables and views, less the engine's own storage.
func (b *engineBackend) Tables() ([]string, error) {
	ts, err := repl.ListTables(context.Background(), b.db.Conn())
	if err != nil {
		return nil, err
	}
	out := ts[:0]
	for _, t := range ts {
		if !engine.IsInternal(t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// Close closes the database and removes the captures .capture recorded.
func (b *engineBackend) Close() error {
	err := b.db.Close()
	for _, p := range b.live {
		os.Remove(p)
	}
	return err
}

// Capture records the machine live into a temporary capture (see repl.Capturer).
func (b *engineBackend) Capture(ctx context.Context, d time.Duration, filter string) (string, error) {
	path, err := liveCaptureFile(ctx, b.stderr, d, filter)
	if err != nil {
		return "", err
	}
	b.live = append(b.live, path)
	return path, nil
}

// FirstMatches counts a filter's events and narrows the listing of the first k (see
// repl.FirstMatcher): on a lazy database, only those k rows get the listed members built.
func (b *engineBackend) FirstMatches(ctx context.Context, where string, k int, uses string) (string, int64, error) {
	return b.db.FirstMatches(ctx, where, k, uses)
}

// CaptureFiles lists the capture files the events come from (repl.CaptureFiles): .follow and
// .scope read them again.
func (b *engineBackend) CaptureFiles() []string {
	if b.db.Lazy() {
		return b.db.LazyCaptures()
	}
	var out []string
	rows, err := b.db.Conn().QueryContext(context.Background(), "SELECT DISTINCT capture FROM captures ORDER BY 1")
	if err != nil {
		return nil
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		if rows.Scan(&c) == nil {
			if info, err := os.Stat(c); err == nil && info.Mode().IsRegular() {
				out = append(out, c)
			}
		}
	}
	return out
}

// SetScope restricts the events table to a scope (repl.Scoper), as query --filter does.
func (b *engineBackend) SetScope(ctx context.Context, where string) error {
	return b.db.SetFilter(ctx, where)
}

// FilteredEvents reads the matching events from the stored tables (see repl.EventFilterer).
func (b fileBackend) FilteredEvents(where string, uses ...string) string {
	return b.db.FilteredEvents(where, uses...)
}
