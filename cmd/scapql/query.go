package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/internal/sqlquote"
	"github.com/scapql/scapql/internal/sqlrows"
	"github.com/scapql/scapql/translate"
)

type queryFlags struct {
	reads  []string
	db     string
	filter string
	scope  string
	format string
	reload bool
	memory string
	live   bool
	liveD  time.Duration
}

// defaultQuery lists the events the way print's default line does.
const defaultQuery = `SELECT evt.num, evt.time, evt.cpu, proc.name, thread.tid, evt.dir, evt.type, evt.args
FROM events WHERE NOT evt.hidden ORDER BY capture, evt.num`

func init() {
	var qf queryFlags
	cmd := &cobra.Command{
		Use:   "query [-r FILE]... [--db FILE] [--filter FILTER] [--format FORMAT] [SQL]",
		Short: "Run SQL over captures loaded into DuckDB",
		Long: `Load captures into DuckDB — the events table and its side tables (processes, syscalls,
connections, files, procinfo, users, groups, interfaces, containers, captures; see
docs/schema.md) — and run SQL over them:

  scapql query -r trace.scap "SELECT proc.name, count(*) FROM events GROUP BY ALL ORDER BY 2 DESC"
  scapql query -r 'traces/*.scap' --db traces.duckdb "SELECT capture, count(*) FROM events GROUP BY ALL"
  scapql query --db traces.duckdb --filter "evt.type = connect and fd.sport = 443" --format csv

-r may be given several times and may be a glob. The database is in memory unless --db names
a file; a database file keeps the tables, and captures it already holds are not read again.
--filter restricts the events table, for the whole query, to the events a display filter
(Falco/sysdig or Wireshark syntax, as scapql translate reads it) matches among those print
shows. Without SQL the (filtered) events are listed. Several statements may be given; the
result of the last one is printed.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if qf.live {
				if qf.liveD <= 0 {
					return fmt.Errorf("--live needs --duration (how long to capture before querying)")
				}
				path, err := liveCaptureFile(cmd.Context(), cmd.ErrOrStderr(), qf.liveD, "")
				if err != nil {
					return err
				}
				defer os.Remove(path)
				qf.reads = append(qf.reads, path)
			}
			return untilInterrupted(cmd.Context(), func(ctx context.Context) error {
				return runQuery(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), qf, strings.Join(args, " "))
			}, nil)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&qf.reads, "read", "r", nil, "capture file or glob to load (repeatable; - for standard input)")
	f.StringVar(&qf.db, "db", "", "DuckDB database file to load into and query (default: in memory)")
	f.StringVar(&qf.filter, "filter", "", "restrict the events table to the events this display filter matches")
	f.StringVar(&qf.scope, "scope", "", "restrict the events table to a conversation scope of an event: KIND@EVENT or KIND@CAPTURE:EVENT, KIND one of thread, process, tree, container, fd")
	f.StringVar(&qf.format, "format", "table", "output format: table, csv, tsv, json, jsonl or markdown")
	f.BoolVar(&qf.reload, "reload", false, "read the captures again even if the database holds them")
	f.StringVar(&qf.memory, "memory-limit", engine.DefaultMemoryLimit, "memory DuckDB keeps what questions built in (captures read without --db); past it, it spills to disk")
	f.BoolVar(&qf.live, "live", false, "first capture the machine's syscalls with eBPF (root) for --duration, then query them")
	f.DurationVar(&qf.liveD, "duration", 0, "with --live, how long to capture (Ctrl-C ends it early)")
	rootCmd.AddCommand(cmd)
}

// interrupted is the error of a command stopped by SIGINT or SIGTERM: exit status 130.
type interrupted struct{}

func (interrupted) Error() string { return "interrupted" }
func (interrupted) ExitCode() int { return 130 }

// untilInterrupted runs fn with a context that SIGINT and SIGTERM cancel. fn checks the
// context between batches, but a read of standard input can block for ever, so on a signal
// untilInterrupted gives fn a moment to stop, runs cleanup, and returns without it.
func untilInterrupted(parent context.Context, fn func(ctx context.Context) error, cleanup func()) error {
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- fn(ctx) }()
	select {
	case err := <-errc:
		if ctx.Err() != nil && parent.Err() == nil {
			if cleanup != nil {
				cleanup()
			}
			return interrupted{}
		}
		return err
	case <-ctx.Done():
	}
	select {
	case <-errc:
	case <-time.After(2 * time.Second):
	}
	if cleanup != nil {
		cleanup()
	}
	if parent.Err() != nil {
		return parent.Err()
	}
	return interrupted{}
}

// filterSQL turns the --filter display filter into the SQL boolean expression the events
// table is restricted by.
func filterSQL(filter string) (string, error) {
	where, err := translate.Translate(filter, translate.Options{})
	if err != nil {
		return "", err
	}
	return eventsWhere(where), nil
}

// eventsWhere restricts the events to a filter's condition: the reference filters only the
// events it shows.
func eventsWhere(where string) string { return "NOT coalesce(evt.hidden, false) AND " + where }

// filterTables is what --filter restricts, table by table: the events for a filter of
// capture fields, the audit tables whose records have its fields for a filter of audit fields.
func filterTables(filter string) (map[string]string, error) {
	res, err := translate.Compile(filter, translate.Options{})
	if err != nil {
		return nil, err
	}
	srcs := res.Sources()
	if srcs == nil {
		srcs = []string{"syscall"} // no field: a constant condition over the events
	}
	if len(srcs) == 0 {
		return nil, fmt.Errorf("the filter reads capture fields and audit fields together: a filter restricts one kind of input")
	}
	out := map[string]string{}
	for _, s := range srcs {
		switch s {
		case "syscall":
			out["events"] = eventsWhere(res.SQL)
		case "aws_cloudtrail":
			out["cloudtrail"] = res.SQL
		case "k8s_audit":
			out["k8saudit"] = res.SQL
		}
	}
	return out, nil
}

// expandCaptures expands globs among capture arguments ("-" and plain paths pass as is).
func expandCaptures(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		// Parquet globs go to DuckDB as they are: it knows ** for partitioned directories.
		if a == "-" || !strings.ContainsAny(a, "*?[") || strings.HasSuffix(strings.ToLower(a), ".parquet") {
			out = append(out, a)
			continue
		}
		m, err := filepath.Glob(a)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("%s: no file matches", a)
		}
		out = append(out, m...)
	}
	return out, nil
}

// newProgress returns a progress callback drawing a bar on stderr when it is a terminal, and
// a function that finishes it.
func newProgress(stderr io.Writer, paths []string, what string) (func(path string, read, size int64), func()) {
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, func() {}
	}
	var total int64
	for _, p := range paths {
		if info, err := os.Stat(p); err == nil && p != "-" {
			total += info.Size()
		}
	}
	if total == 0 {
		return nil, func() {}
	}
	bar := progressbar.NewOptions64(total, progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(what), progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(true))
	done := map[string]int64{}
	var base int64
	cur := ""
	return func(path string, read, size int64) {
			if path != cur {
				base += done[cur]
				cur = path
			}
			done[path] = read
			bar.Set64(base + read)
		}, func() {
			bar.Finish()
			bar.Close()
		}
}

func runQuery(ctx context.Context, stdout, stderr io.Writer, qf queryFlags, query string) error {
	switch qf.format {
	case "table", "csv", "tsv", "json", "jsonl", "markdown":
	default:
		return fmt.Errorf("unknown format %q (table, csv, tsv, json, jsonl, markdown)", qf.format)
	}
	paths, err := expandCaptures(qf.reads)
	if err != nil {
		return err
	}
	logs, paths := splitAuditLogs(paths)
	if strings.TrimSpace(query) == "" {
		switch {
		case len(paths) > 0 || qf.db != "":
			query = defaultQuery
		case len(logs) > 0:
			query = defaultAuditQuery
		default:
			return errors.New("nothing to query: give captures or audit logs with -r, a database with --db, or SQL")
		}
	}
	progress, finish := newProgress(stderr, paths, "reading")
	db, err := openInputs(ctx, progress, paths, qf.db, qf.reload, qf.memory)
	if err != nil {
		finish()
		return err
	}
	defer db.Close()
	// Plugin events of lazily read captures fill the audit tables when a question reads them.
	captures := paths
	if db.Lazy() {
		captures = nil
	}
	if err := loadAudit(ctx, db, stderr, logs, captures); err != nil {
		finish()
		return err
	}
	var conds []string
	if qf.filter != "" {
		tables, err := filterTables(qf.filter)
		if err != nil {
			return fmt.Errorf("--filter: %w", err)
		}
		for table, where := range tables {
			if table == "events" {
				conds = append(conds, where)
				continue
			}
			// An audit filter restricts the audit table its fields belong to.
			q := `CREATE OR REPLACE TEMP VIEW ` + sqlquote.Ident(table) + ` AS SELECT * FROM ` + db.Table(table) + ` WHERE (` + where + `)`
			if _, err := db.Exec(ctx, q); err != nil {
				return fmt.Errorf("--filter: %w", err)
			}
		}
	}
	if qf.scope != "" {
		if !db.Lazy() && len(paths) > 1 {
			// The stored tables hold capture in two of them: a bare capture is ambiguous there.
			return fmt.Errorf("--scope among several captures of a database file is not supported: query one capture at a time")
		}
		where, err := scopeSQL(stderr, qf.scope, paths)
		if err != nil {
			return err
		}
		conds = append(conds, where)
	}
	if len(conds) > 0 {
		if err := db.SetFilter(ctx, "("+strings.Join(conds, ") AND (")+")"); err != nil {
			return err
		}
	}
	headers, err := db.Prepare(ctx, query)
	finish()
	if err != nil {
		return duckdbResourceError(err, qf.memory)
	}
	rows, err := db.Stream(ctx, query)
	if err != nil {
		return duckdbResourceError(err, qf.memory)
	}
	defer rows.Close()
	w := bufio.NewWriterSize(stdout, 1<<16)
	if err := writeRows(w, rows, headers, qf.format); err != nil {
		return duckdbResourceError(err, qf.memory)
	}
	return w.Flush()
}

// openInputs opens what a question runs over: a database file (dbPath) the captures are
// loaded into, or else a lazy in-memory database that reads the captures as questions need
// them.
func openInputs(ctx context.Context, progress func(path string, read, size int64), paths []string, dbPath string, reload bool,
	memoryLimit string) (*engine.DB, error) {
	if dbPath == "" && len(paths) == 1 && strings.HasSuffix(strings.ToLower(paths[0]), ".duckdb") {
		dbPath, paths = paths[0], nil // a database convert wrote
	}
	if dbPath != "" {
		db, err := engine.Open(ctx, dbPath)
		if err != nil {
			return nil, err
		}
		if len(paths) > 0 {
			if _, err := db.Load(ctx, paths, engine.LoadOptions{Progress: progress, Reload: reload}); err != nil {
				db.Close()
				return nil, err
			}
		}
		return db, nil
	}
	db, err := engine.OpenLazy(ctx)
	if err != nil {
		return nil, err
	}
	if memoryLimit != "" {
		if err := db.SetMemoryLimit(ctx, memoryLimit); err != nil {
			db.Close()
			return nil, err
		}
	}
	db.SetProgress(progress)
	if err := db.AddInputs(ctx, paths); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// writeRows prints a result in one of the output formats, its columns headed by headers
// where they name one (see engine.DB.Prepare).
func writeRows(w io.Writer, rows sqlrows.Rows, headers []string, format string) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	for i, h := range headers {
		if h != "" && i < len(cols) {
			cols[i] = h
		}
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	next := func() (bool, error) {
		if !rows.Next() {
			return false, rows.Err()
		}
		return true, rows.Scan(ptrs...)
	}
	switch format {
	case "csv", "tsv":
		cw := csv.NewWriter(w)
		if format == "tsv" {
			cw.Comma = '\t'
		}
		if err := cw.Write(cols); err != nil {
			return err
		}
		rec := make([]string, len(cols))
		for {
			ok, err := next()
			if err != nil || !ok {
				cw.Flush()
				if err == nil {
					err = cw.Error()
				}
				return err
			}
			for i, v := range vals {
				rec[i] = cellText(v, "")
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	case "json", "jsonl":
		keys := make([][]byte, len(cols)) // `"name":`, quoted once
		for i, c := range cols {
			keys[i] = append(appendJSONString(nil, c), ':')
		}
		first := true
		var b []byte
		if format == "json" {
			io.WriteString(w, "[")
		}
		for {
			ok, err := next()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			b = b[:0]
			switch {
			case format == "jsonl":
			case first:
				b = append(b, '\n')
			default:
				b = append(b, ",\n"...)
			}
			b = append(b, '{')
			for i, v := range vals {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, keys[i]...)
				b = appendJSON(b, v)
			}
			b = append(b, '}')
			if format == "jsonl" {
				b = append(b, '\n')
			}
			first = false
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		if format == "json" {
			io.WriteString(w, "\n]\n")
		}
		return nil
	case "markdown":
		esc := func(s string) string {
			s = strings.ReplaceAll(s, "|", `\|`)
			return strings.ReplaceAll(s, "\n", "<br>")
		}
		line := func(cells []string) {
			io.WriteString(w, "|")
			for _, c := range cells {
				io.WriteString(w, " "+esc(c)+" |")
			}
			io.WriteString(w, "\n")
		}
		line(cols)
		sep := make([]string, len(cols))
		for i := range sep {
			sep[i] = "---"
		}
		line(sep)
		rec := make([]string, len(cols))
		for {
			ok, err := next()
			if err != nil || !ok {
				return err
			}
			for i, v := range vals {
				rec[i] = cellText(v, "NULL")
			}
			line(rec)
		}
	}
	wrote := false
	// table: laid out a block of rows at a time, so a long result streams in bounded memory;
	// a result that fits one block is one table.
	var table [][]string
	for {
		ok, err := next()
		if err != nil {
			return err
		}
		if ok {
			rec := make([]string, len(cols))
			for i, v := range vals {
				rec[i] = cellText(v, "NULL")
			}
			table = append(table, rec)
		}
		if !ok || len(table) == tableBlockRows {
			if len(table) > 0 || !ok && !wrote {
				if err := renderTable(w, cols, table); err != nil {
					return err
				}
			}
			if !ok {
				return nil
			}
			table, wrote = table[:0], true
		}
	}
}

// tableBlockRows is how many rows of a table result are laid out together: more than a
// screen, few enough that a result of any length prints in bounded memory.
const tableBlockRows = 1000

// renderTable prints a table result: the fast layout when every cell is plain ASCII, else
// the library's, which measures and wraps any text.
func renderTable(w io.Writer, header []string, rows [][]string) error {
	if ok, err := asciiTable(w, header, rows); ok || err != nil {
		return err
	}
	t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off), tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone), tablewriter.WithTrimSpace(tw.Off))
	hdr := make([]any, len(header))
	for i, c := range header {
		hdr[i] = c
	}
	t.Header(hdr...)
	for _, r := range rows {
		rec := make([]any, len(r))
		for i, c := range r {
			rec[i] = c
		}
		if err := t.Append(rec...); err != nil {
			return err
		}
	}
	return t.Render()
}

// cellText renders a value for the text formats; null is what NULL prints as. Nested values
// print as JSON.
func cellText(v any, null string) string {
	switch v := v.(type) {
	case nil:
		return null
	case string:
		return v
	case []byte:
		return blobText(v)
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case int16:
		return strconv.FormatInt(int64(v), 10)
	case int8:
		return strconv.FormatInt(int64(v), 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case uint32, uint16, uint8, int:
		return fmt.Sprint(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32)
	case time.Time:
		return timeText(v)
	case *big.Int:
		return v.String()
	case map[string]any, []any, duckdb.OrderedMap:
		return string(appendJSON(nil, v))
	}
	return fmt.Sprint(v)
}

// timeText prints a timestamp as DuckDB does, with the fractional digits it has.
func timeText(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.999999999") }

// blobText escapes bytes as DuckDB prints a BLOB: printable ASCII as is, others as \xNN.
func blobText(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c >= 0x20 && c < 0x7f && c != '\\' {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, `\x%02X`, c)
		}
	}
	return sb.String()
}

// appendJSON renders a value as JSON: structs as objects (members sorted: the driver gives
// them as Go maps), MAPs as objects in their order, lists as arrays, blobs and timestamps as
// strings.
func appendJSON(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendJSONString(b, v)
	case []byte:
		return appendJSONString(b, blobText(v))
	case bool, int64, int32, int16, int8, uint64, uint32, uint16, uint8, int:
		return append(b, cellText(v, "")...)
	case float64:
		if v != v || v > 1.7976931348623157e308 || v < -1.7976931348623157e308 {
			return appendJSONString(b, strconv.FormatFloat(v, 'g', -1, 64))
		}
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	case time.Time:
		return appendJSONString(b, timeText(v))
	case *big.Int:
		return append(b, v.String()...)
	case []any:
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, x)
		}
		return append(b, ']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSON(b, v[k])
		}
		return append(b, '}')
	case duckdb.OrderedMap:
		// A MAP, in its key order.
		keys, vals := v.Keys(), v.Values()
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, cellText(k, "null"))
			b = append(b, ':')
			b = appendJSON(b, vals[i])
		}
		return append(b, '}')
	}
	return appendJSONString(b, fmt.Sprint(v))
}

// appendJSONString quotes s for JSON (without json.Marshal's HTML escaping).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	if plainJSON(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			b = append(b, '\\', 'u', hex[r>>12&0xF], hex[r>>8&0xF], hex[r>>4&0xF], hex[r&0xF])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// plainJSON tells whether s is printable ASCII with nothing to escape in a JSON string: most
// texts are, and they are copied as they are.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
