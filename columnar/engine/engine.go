// Package engine loads captures into DuckDB — the events table and its side tables, see
// docs/schema.md — and runs SQL over them. Batches stream from the reader into the tables as
// they are built, so a capture is never held twice; a database file (Open with a path) keeps
// the tables, and captures already in it are not read again.
package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	_ "github.com/duckdb/duckdb-go/v2" // the duckdb database/sql driver

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/internal/sqlquote"
)

// DB is a DuckDB database holding captures. It uses one connection, so temporary views (the
// filtered events view) and settings apply to every query made through it.
type DB struct {
	db      *sql.DB
	conn    *sql.Conn
	path    string
	catalog string // the database's catalog name, to reach tables a temporary view shadows
	spill   string // temporary directory of an in-memory database, removed on Close
	stored  []string
	lazy    *lazySet // captures read as questions need them (OpenLazy), or nil
	filter  string   // SetFilter's condition

	planMu sync.Mutex
	plans  map[string]*condPlan // conditions planned over the stored tables (plan.go)
}

// ErrSchema reports a database whose tables were built with another layout.
var ErrSchema = errors.New("the database was built by a scapql with another table layout; load the captures into a new database")

// Open opens (or creates) a database; path "" is an in-memory database, which spills to a
// temporary directory rather than fail when a capture outgrows DuckDB's memory limit.
func Open(ctx context.Context, path string) (*DB, error) {
	db, err := open(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := db.ensureSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// open opens the database and its one connection, with a spill directory when in memory.
func open(ctx context.Context, path string) (*DB, error) {
	sdb, conn, err := openDuckDB(ctx, path) // config.go: offline settings, literal paths
	if err != nil {
		return nil, err
	}
	db := &DB{db: sdb, conn: conn, path: path, stored: loadTables()}
	for _, s := range summaries {
		db.stored = append(db.stored, s.table)
	}
	if err := conn.QueryRowContext(ctx, `SELECT current_database()`).Scan(&db.catalog); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if path == "" {
		dir, err := os.MkdirTemp("", "scapql-duckdb-")
		if err == nil {
			db.spill = dir
			_, err = conn.ExecContext(ctx, `SET temp_directory = `+sqlquote.String(dir))
		}
		if err == nil {
			// An in-memory database checkpoints itself on a commit past 16 MiB appended: it
			// rewrites and compresses every row group appended since (VacuumTask), which cost
			// more than half of building members for every event (30 s of 4M events, 25
			// members, against 12 s without). Past the memory limit, DuckDB spills instead.
			_, err = conn.ExecContext(ctx, `SET checkpoint_threshold = '1000TB'`)
		}
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("in-memory database: %w", err)
		}
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	err := errors.Join(db.conn.Close(), db.db.Close())
	if db.spill != "" {
		os.RemoveAll(db.spill)
	}
	db.lazy.removeSpool()
	return err
}

// Conn is the connection every query of the DB runs on.
func (db *DB) Conn() *sql.Conn { return db.conn }

// Query runs a query on the DB's connection.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.conn.QueryContext(ctx, query, args...)
}

// Table returns the fully qualified name of a table, which a temporary view cannot shadow.
func (db *DB) Table(name string) string {
	return sqlquote.QuotedIdent(db.catalog) + ".main." + sqlquote.QuotedIdent(name)
}

// Exec runs a statement on the DB's connection.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.conn.ExecContext(ctx, query, args...)
}

func (db *DB) ensureSchema(ctx context.Context) error {
	version, err := schemaVersion()
	if err != nil {
		return err
	}
	var have string
	err = db.conn.QueryRowContext(ctx, `SELECT value FROM scapql_meta WHERE key = 'schema'`).Scan(&have)
	if err == nil {
		if have != version {
			return fmt.Errorf("%s: %w", db.path, ErrSchema)
		}
		return nil
	}
	// No meta table yet: a new database.
	var n int
	if err := db.conn.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main'`).Scan(&n); err != nil {
		return fmt.Errorf("inspect database: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%s: not a scapql database (it has tables but no scapql_meta)", db.path)
	}
	stmts := []string{`CREATE TABLE scapql_meta (key VARCHAR PRIMARY KEY, value VARCHAR)`}
	for _, t := range storedTables() {
		ddl, err := createTable(t)
		if err != nil {
			return err
		}
		stmts = append(stmts, ddl)
	}
	for _, s := range summaries {
		stmts = append(stmts, s.ddl())
	}
	stmts = append(stmts, eventsViewDDL())
	if _, err := db.conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	for _, s := range stmts {
		if _, err := db.conn.ExecContext(ctx, s); err != nil {
			db.conn.ExecContext(ctx, "ROLLBACK")
			return fmt.Errorf("create tables: %w", err)
		}
	}
	if _, err := db.conn.ExecContext(ctx, `INSERT INTO scapql_meta VALUES ('schema', ?)`, version); err != nil {
		db.conn.ExecContext(ctx, "ROLLBACK")
		return fmt.Errorf("create tables: %w", err)
	}
	_, err = db.conn.ExecContext(ctx, "COMMIT")
	return err
}

// LoadOptions tune Load.
type LoadOptions struct {
	// Tables to fill (nil: all); the captures table is always filled.
	Tables []string
	// Progress, when set, is called with each capture's path, the bytes read so far and its size
	// (0 for standard input).
	Progress func(path string, read, size int64)
	// Reload reads captures again even when the database has them.
	Reload bool
}

// LoadResult tells what Load did with one capture.
type LoadResult struct {
	Path    string
	Capture string // the capture column value
	Skipped bool   // already in the database
	Stats   *columnar.CaptureStats
}

// Load reads captures into the tables. A capture the database already holds (same absolute
// path, size and modification time) is skipped; one that changed is replaced. Each capture
// loads in one transaction: an interrupted load leaves no part of it.
func (db *DB) Load(ctx context.Context, paths []string, opts LoadOptions) ([]LoadResult, error) {
	var out []LoadResult
	for _, p := range paths {
		r, err := db.loadOne(ctx, p, opts)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (db *DB) loadOne(ctx context.Context, path string, opts LoadOptions) (LoadResult, error) {
	name := columnar.CaptureName(path)
	res := LoadResult{Path: path, Capture: name}
	var size int64
	if path != "-" {
		info, err := os.Stat(path)
		if err != nil {
			return res, err
		}
		size = info.Size()
		if !opts.Reload {
			abs, _ := filepath.Abs(path)
			var have string
			err := db.conn.QueryRowContext(ctx, `SELECT capture FROM `+db.Table("captures")+` WHERE path = ? AND size = ? AND mtime = make_timestamp_ns(?)`,
				abs, size, info.ModTime().UnixNano()).Scan(&have)
			if err == nil {
				res.Capture, res.Skipped = have, true
				return res, nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return res, fmt.Errorf("look up capture: %w", err)
			}
		}
	}
	tables := opts.Tables
	if tables == nil {
		tables = loadTables()
	}
	if !contains(tables, "captures") {
		tables = append(append([]string{}, tables...), "captures")
	}
	if contains(tables, "events") {
		// events is a view over the compact layout
		tables = append(tables, columnar.RowsTable, columnar.ThreadStatesTable, columnar.FDStatesTable)
		tables = remove(tables, "events")
	}
	if _, err := db.conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return res, err
	}
	committed := false
	defer func() {
		if !committed {
			// The context may be done; the rollback must still run.
			db.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	for _, t := range db.stored {
		if _, err := db.conn.ExecContext(ctx, `DELETE FROM `+db.Table(t)+` WHERE capture = ?`, name); err != nil {
			return res, fmt.Errorf("replace capture %s: %w", name, err)
		}
	}
	var firstID int64
	if err := db.conn.QueryRowContext(ctx, `SELECT coalesce(greatest((SELECT max(id) FROM `+db.Table(columnar.ThreadStatesTable)+
		`), (SELECT max(id) FROM `+db.Table(columnar.FDStatesTable)+`)), 0) + 1`).Scan(&firstID); err != nil {
		return res, fmt.Errorf("state ids: %w", err)
	}
	ins, err := newInserter(ctx, db)
	if err != nil {
		return res, err
	}
	defer ins.close()
	async := columnar.NewAsyncSink(columnar.SinkFunc(func(table string, rec arrow.RecordBatch) error {
		return ins.insert(ctx, table, rec)
	}), 1)
	ropts := columnar.ReadOptions{Capture: name, Tables: tables, FirstStateID: firstID}
	if opts.Progress != nil {
		ropts.Progress = func(read int64) { opts.Progress(path, read, size) }
	}
	st, err := columnar.ReadCapture(ctx, path, async, ropts)
	if cerr := async.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, err
	}
	if contains(tables, columnar.RowsTable) {
		for _, s := range summaries {
			if _, err := db.conn.ExecContext(ctx, s.fill(db.Table), name); err != nil {
				return res, fmt.Errorf("summary %s: %w", s.table, err)
			}
		}
	}
	if _, err := db.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return res, fmt.Errorf("commit capture %s: %w", name, err)
	}
	committed = true
	res.Stats = st
	return res, nil
}

func remove(xs []string, s string) []string {
	var out []string
	for _, x := range xs {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// Captures lists the capture names the database holds.
func (db *DB) Captures(ctx context.Context) ([]string, error) {
	rows, err := db.conn.QueryContext(ctx, `SELECT capture FROM `+db.Table("captures")+` ORDER BY capture`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SetFilter restricts what the name events means on this DB's connection to the events
// matching where (a SQL boolean expression over the events columns), through a temporary
// view that shadows the view events; "" removes the restriction. The whole events stay
// reachable by their qualified name (Table("events"), e.g. memory.main.events).
func (db *DB) SetFilter(ctx context.Context, where string) error {
	db.filter = strings.TrimSpace(where)
	if db.filter == "" {
		_, err := db.conn.ExecContext(ctx, `DROP VIEW IF EXISTS temp.events`)
		return err
	}
	q := `SELECT * FROM ` + db.Table("events") + ` WHERE (` + where + `)`
	if !db.projected() {
		if p := db.plan(ctx, where); p.stored != "" {
			q = filteredEvents(db.Table, p)
		}
	}
	if _, err := db.conn.ExecContext(ctx, `CREATE OR REPLACE TEMP VIEW events AS `+q); err != nil {
		return fmt.Errorf("filter: %w", err)
	}
	return nil
}

// FilteredEvents is a query for the events columns of the events that match where (a
// condition over them), in no order: the same rows as the events view with that WHERE,
// read from the stored tables, which is much faster (see layout.go). Given uses, the SQL
// that will read the result (a select list), it leaves out the structs that neither uses
// nor where names, and the joins they would need.
func (db *DB) FilteredEvents(where string, uses ...string) string {
	ctx := context.Background()
	if db.projected() {
		return `SELECT * FROM ` + db.Table("events") + ` WHERE (` + where + `)`
	}
	p := db.plan(ctx, where)
	switch {
	case p.stored == "":
		return `SELECT * FROM ` + db.Table("events") + ` WHERE (` + where + `)`
	case len(uses) > 0:
		threads, fds := db.usesStates(ctx, strings.Join(uses, ", "))
		return filteredEventsFor(db.Table, p, threads, fds)
	}
	return filteredEvents(db.Table, p)
}

// FirstMatches counts the events that match where and returns a query for the first k of
// them (in capture, evt.num order), like FilteredEvents(where, uses...) but reading only the
// few row groups where they lie, where it can: its rows are those k and maybe more matches
// after them, so a listing orders them and takes k.
//
// A condition a summary can answer (keys.go) is counted there, which also gives its first
// and last match and where its k-th group starts; the first k lie before that, or are looked
// for in growing evt.num windows from the first match.
// Any other condition takes one pass over the filter's columns (key columns where it can)
// that counts and keeps the k least evt.num.
func (db *DB) FirstMatches(ctx context.Context, where string, k int, uses ...string) (first string, total int64, err error) {
	if db.lazy != nil && len(db.lazy.files) == 0 && k > 0 {
		return db.lazyFirstMatches(ctx, where, k, strings.Join(uses, ", "))
	}
	if db.projected() || k <= 0 {
		return db.FilteredEvents(where, uses...), -1, nil
	}
	p := db.plan(ctx, where)
	if p.stored == "" {
		return db.FilteredEvents(where, uses...), -1, nil
	}
	var m span
	if s := summaryFor(p); s != nil {
		m, err = db.summarySpan(ctx, s, p, k)
	} else {
		m, err = db.scanSpan(ctx, p, k)
	}
	switch {
	case err != nil:
		return "", 0, fmt.Errorf("filter: %w", err)
	case m.total == 0:
		return db.FilteredEvents("false", uses...), 0, nil
	case m.capture == "":
		return db.FilteredEvents(where, uses...), m.total, nil
	}
	if first, err = db.numRange(ctx, p, uses, m.capture, m.lo, m.hi, k); err != nil {
		return "", 0, fmt.Errorf("filter: %w", err)
	}
	return first, m.total, nil
}

// span is where the first k matches of a filter lie: the events lo to hi of a capture
// (capture "": not narrowed), with the count of all matches.
type span struct {
	total   int64
	capture string
	lo, hi  int64
}

// summarySpan finds the span of the first k matches of a condition (its plan) from the
// summary s.
func (db *DB) summarySpan(ctx context.Context, s *summary, p *condPlan, k int) (span, error) {
	cond := p.stored
	from := boundedJoins(db.Table, s.table, p.threads, p.fds, nil)
	var m span
	var c1, c2 sql.NullString
	var lo, hi, kth sql.NullInt64
	// kth: the k-th least first match of a group. k groups have a match by then, so the
	// first k matches lie in lo..kth.
	q := `SELECT coalesce(sum(r.events), 0), min(r.capture), max(r.capture), min(r.first_num), max(r.last_num), (min(r.first_num, ` +
		fmt.Sprint(k) + `))[` + fmt.Sprint(k) + `] ` + from + ` WHERE (` + cond + `)`
	if err := db.conn.QueryRowContext(ctx, q).Scan(&m.total, &c1, &c2, &lo, &hi, &kth); err != nil {
		return m, err
	}
	if m.total == 0 || !c1.Valid || !lo.Valid || !hi.Valid {
		return span{total: m.total}, nil
	}
	// A window that holds about 2k matches, were they spread evenly. The k-th group's first
	// match may end a wider range when the listing finds its rows on the filter's own
	// columns first (a condition on the states, see firstEvents), up to a few row groups.
	window := max(minWindow, int64(2*k)*(hi.Int64-lo.Int64+1)/m.total)
	reach := window
	if s.threads && p.threads || s.fds && p.fds {
		reach = max(reach, kthReach)
	}
	if c1 == c2 && kth.Valid && kth.Int64-lo.Int64 < reach && kthShortcut {
		m.capture, m.lo, m.hi = c1.String, lo.Int64, kth.Int64
		return m, nil
	}
	if c1 != c2 {
		// Matches in several captures: the first are in the least name.
		q := `SELECT min(r.first_num), max(r.last_num) ` + from + ` WHERE r.capture = ? AND (` + cond + `)`
		if err := db.conn.QueryRowContext(ctx, q, c1.String).Scan(&lo, &hi); err != nil {
			return m, err
		}
	}
	last, err := db.firstInWindows(ctx, p, c1.String, lo.Int64, hi.Int64, k, window)
	if err != nil {
		return m, err
	}
	m.capture, m.lo, m.hi = c1.String, lo.Int64, last
	return m, nil
}

// scanSpan finds the span of the first k matches of a condition (its plan) in one pass over
// the columns it reads: min(x, k) keeps the k least evt.num, the first k matches when they
// lie in one capture (the usual case), and the count comes with them.
func (db *DB) scanSpan(ctx context.Context, p *condPlan, k int) (span, error) {
	cond := p.stored
	from := storedFromFor(db.Table, p)
	least := func(capture string) (n int64, lo, hi sql.NullInt64, c1, c2 sql.NullString, err error) {
		where := ""
		var args []any
		if capture != "" {
			where, args = "r.capture = ? AND ", []any{capture}
		}
		q := `WITH m AS (SELECT count(*) AS total, min(r.capture) AS c1, max(r.capture) AS c2, min(r.evt_num, ` + fmt.Sprint(k) +
			`) AS first ` + from + ` WHERE ` + where + `(` + cond + `)) SELECT total, c1, c2, first[1], first[-1] FROM m`
		err = db.conn.QueryRowContext(ctx, q, args...).Scan(&n, &c1, &c2, &lo, &hi)
		return
	}
	var m span
	total, lo, hi, c1, c2, err := least("")
	m.total = total
	if err != nil || total == 0 || !c1.Valid || !lo.Valid || !hi.Valid {
		return m, err
	}
	if c1 != c2 {
		// Matches in several captures: the first k are those of the first capture, if it
		// has k of them.
		n, l, h, _, _, err := least(c1.String)
		if err != nil || n < int64(k) || !l.Valid || !h.Valid {
			return m, err
		}
		lo, hi = l, h
	}
	m.capture, m.lo, m.hi = c1.String, lo.Int64, hi.Int64
	return m, nil
}

// numRange is FirstMatches' query for the first k matches among a capture's events lo to
// hi, the state tables cut to those events' state ids.
func (db *DB) numRange(ctx context.Context, p *condPlan, uses []string, capture string, lo, hi int64, k int) (string, error) {
	b, err := db.stateBounds(ctx, capture, lo, hi)
	if err != nil {
		return "", err
	}
	threads, fds := true, true
	if len(uses) > 0 {
		threads, fds = db.usesStates(ctx, strings.Join(uses, ", "))
	}
	return firstEvents(db.Table, p, threads, fds, capture, lo, hi, k, b), nil
}

// minWindow is the least evt.num span of firstInWindows' first window; kthShortcut lets a
// summary's k-th group end the listing's range when it lies within that window (tests turn
// it off, and make windows tiny, to take every path).
var (
	minWindow   int64 = 1 << 12
	kthShortcut       = true
)

// kthReach is how far a k-th group's first match may end the range of a listing that finds
// its rows first on the filter's columns (8 row groups).
const kthReach = 1 << 20

// firstInWindows returns the evt.num of the k-th match of a condition (its plan) in a capture whose matches lie
// from lo to hi (or hi if it has fewer), reading windows of evt.num from lo, the first one
// span wide and each next 8 times wider: the key column evt_num lets DuckDB skip the row
// groups outside each window.
func (db *DB) firstInWindows(ctx context.Context, p *condPlan, capture string, lo, hi int64, k int, span int64) (int64, error) {
	cond, threads, fds := p.stored, p.threads, p.fds
	found, last := 0, hi
	for start := lo; start <= hi && found < k; start, span = start+span, span*8 {
		end := min(start+span-1, hi)
		var b *stateBounds
		if threads || fds {
			var err error
			if b, err = db.stateBounds(ctx, capture, start, end); err != nil {
				return 0, err
			}
		}
		var n int
		var m sql.NullInt64
		q := `SELECT count(*), max(n) FROM (SELECT r.evt_num AS n ` + boundedJoins(db.Table, columnar.RowsTable, threads, fds, b) +
			` WHERE r.capture = ? AND r.evt_num BETWEEN ? AND ? AND (` + cond + `) ORDER BY r.evt_num LIMIT ` + fmt.Sprint(k-found) + `)`
		if err := db.conn.QueryRowContext(ctx, q, capture, start, end).Scan(&n, &m); err != nil {
			return 0, err
		}
		found += n
		if m.Valid {
			last = m.Int64
		}
	}
	return last, nil
}

// stateBounds returns the bounds of the state ids of a capture's events lo to hi.
func (db *DB) stateBounds(ctx context.Context, capture string, lo, hi int64) (*stateBounds, error) {
	var b stateBounds
	err := db.conn.QueryRowContext(ctx, `SELECT min(r.thread_state), max(r.thread_state), min(r.fd_state), max(r.fd_state) FROM `+
		db.Table(columnar.RowsTable)+` r WHERE r.capture = ? AND r.evt_num BETWEEN ? AND ?`, capture, lo, hi).Scan(
		&b.threadLo, &b.threadHi, &b.fdLo, &b.fdHi)
	if err != nil {
		return nil, fmt.Errorf("state ids of events %d to %d: %w", lo, hi, err)
	}
	return &b, nil
}

// projected reports a database whose events are a table of some members (openProjected).
func (db *DB) projected() bool { return db.lazy != nil }

// MatchingEventNums returns, in order, the evt.num of the events of a capture file that
// match where ("" matches all), hidden events included. The capture is loaded if the database
// does not hold it yet.
func (db *DB) MatchingEventNums(ctx context.Context, captureFile, where string) ([]uint64, error) {
	if strings.TrimSpace(where) == "" {
		where = "true"
	}
	name := columnar.CaptureName(captureFile)
	q := `SELECT evt.num FROM ` + db.Table("events") + ` WHERE capture = ? AND (` + where + `) ORDER BY evt.num`
	if db.lazy != nil {
		if !contains(db.LazyCaptures(), name) {
			if err := db.AddInputs(ctx, []string{captureFile}); err != nil {
				return nil, err
			}
		}
		if _, err := db.Prepare(ctx, q); err != nil {
			return nil, err
		}
	} else {
		res, err := db.Load(ctx, []string{captureFile}, LoadOptions{})
		if err != nil {
			return nil, err
		}
		name = res[0].Capture
		if p := db.plan(ctx, where); p.stored != "" {
			q = `SELECT r.evt.num ` + storedFromFor(db.Table, p) + ` WHERE r.capture = ? AND (` + p.stored + `) ORDER BY r.evt.num`
		}
	}
	rows, err := db.conn.QueryContext(ctx, q, name)
	if err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	defer rows.Close()
	var out []uint64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, uint64(n))
	}
	return out, rows.Err()
}

// MatchingEventNums returns the evt.num of the events of a capture file that match where,
// in order, from a lazy database made for the purpose: only the members where reads are
// built.
func MatchingEventNums(ctx context.Context, captureFile, where string) ([]uint64, error) {
	db, err := OpenLazy(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return db.MatchingEventNums(ctx, captureFile, where)
}

// IsInternal reports whether a table of the database is the engine's own storage (the compact
// layout, summaries, bookkeeping) rather than one of the tables of docs/schema.md.
func IsInternal(table string) bool {
	if table == "scapql_meta" || columnar.IsCompact(table) {
		return true
	}
	for _, s := range summaries {
		if s.table == table {
			return true
		}
	}
	return false
}

// Checkpoint writes the WAL into the database file.
func (db *DB) Checkpoint(ctx context.Context) error {
	_, err := db.conn.ExecContext(ctx, "CHECKPOINT")
	return err
}

// Tables lists the tables of the database with their row counts.
func (db *DB) Tables(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	names := columnar.TableNames()
	sort.Strings(names)
	for _, t := range names {
		var n int64
		if err := db.conn.QueryRowContext(ctx, `SELECT count(*) FROM `+db.Table(t)).Scan(&n); err != nil {
			return nil, err
		}
		out[t] = n
	}
	return out, nil
}

// DescendantsSQL lists a process and all its descendants, with their depth below it
// ($1: capture, $2: processes.id of the root). docs/schema.md shows it.
const DescendantsSQL = `WITH RECURSIVE tree(id, depth) AS (
	SELECT id, 0 FROM processes WHERE capture = $1 AND id = $2
	UNION ALL
	SELECT p.id, tree.depth + 1 FROM processes p JOIN tree ON p.parent_id = tree.id
	WHERE p.capture = $1)
SELECT id, depth FROM tree ORDER BY depth, id`
