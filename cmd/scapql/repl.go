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

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/repl"
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
	switch rf.mode {
	case "", "table", "csv", "json", "line", "markdown":
	default:
		return fmt.Errorf("unknown mode %q (table, csv, json, line, markdown)", rf.mode)
	}
	// Ctrl-C stops the loading; once the shell runs, it cancels the running statement instead.
	loadCtx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	b, err := openBackend(loadCtx, paths, rf.db, stderr)
	interruptedLoad := loadCtx.Err() != nil && ctx.Err() == nil
	stop()
	if interruptedLoad {
		if b != nil {
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

// engineBackend is the shell's view of a capture database.
type engineBackend struct {
	db     *engine.DB
	stderr io.Writer
}

// openBackend opens the database (in memory unless dbPath is set) and loads the captures.
func openBackend(ctx context.Context, paths []string, dbPath string, stderr io.Writer) (*engineBackend, error) {
	paths, err := expandCaptures(paths)
	if err != nil {
		return nil, err
	}
	db, err := engine.Open(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	b := &engineBackend{db: db, stderr: stderr}
	if len(paths) > 0 {
		if err := b.Load(ctx, paths...); err != nil {
			return b, err
		}
	}
	return b, nil
}

// Conn is the engine's one connection.
func (b *engineBackend) Conn() *sql.Conn { return b.db.Conn() }

// Load loads captures with a progress bar (on a terminal) and a line per capture.
func (b *engineBackend) Load(ctx context.Context, paths ...string) error {
	paths, err := expandCaptures(paths)
	if err != nil {
		return err
	}
	progress, finish := newProgress(b.stderr, paths, "loading")
	res, err := b.db.Load(ctx, paths, engine.LoadOptions{Progress: progress})
	finish()
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

// Tables lists the tables and views, less the engine's bookkeeping.
func (b *engineBackend) Tables() ([]string, error) {
	ts, err := repl.ListTables(context.Background(), b.db.Conn())
	if err != nil {
		return nil, err
	}
	out := ts[:0]
	for _, t := range ts {
		if t != "scapql_meta" {
			out = append(out, t)
		}
	}
	return out, nil
}

// Close closes the database.
func (b *engineBackend) Close() error { return b.db.Close() }

// FirstMatches counts a filter's events and narrows the listing of the first k (see
// repl.FirstMatcher).
func (b *engineBackend) FirstMatches(ctx context.Context, where string, k int, uses string) (string, int64, error) {
	return b.db.FirstMatches(ctx, where, k, uses)
}

// FilteredEvents reads the matching events from the stored tables (see repl.EventFilterer).
func (b *engineBackend) FilteredEvents(where string, uses ...string) string {
	return b.db.FilteredEvents(where, uses...)
}
