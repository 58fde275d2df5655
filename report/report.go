// Package report builds the forensic report of captures and audit logs: sections of tables,
// each the result of SQL kept in sql/*.sql (one file per section, plain DuckDB SQL over the
// events view and the side tables), plus the detections of Falco rules, rendered as HTML,
// Markdown or JSON.
package report

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/scapql/scapql/ingest/state"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

// Section is one part of the report: the statements of one SQL file.
type Section struct {
	Name   string  `json:"name"`  // the file's name without .sql (what .report takes)
	Title  string  `json:"title"` // from its "-- section:" line
	About  string  `json:"about,omitempty"`
	Tables []Table `json:"tables"`
	// Audit sections read the cloudtrail and k8saudit tables, the others events and the
	// side tables.
	Audit bool `json:"-"`
}

// Table is one statement of a section and, once run, its result.
type Table struct {
	Name    string   `json:"name"`
	Title   string   `json:"title"`
	SQL     string   `json:"sql"`
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
	Total   int      `json:"total"` // rows of the result; more than len(Rows) when cut at the limit
	all     bool     // keep every row ("| all" after the title): the chart's data
	// narrow marks a selective statement ("| narrow"): the shared preparation keeps for it
	// only the events its own WHERE can match, with only its members (the engine's
	// pushdown), instead of building its members for every event.
	narrow bool
}

// order is the order of the sections in a report; detections come between users and cloud.
var order = []string{"summary", "processes", "timeline", "network", "files", "failures", "performance", "users", "cloud"}

// Sections returns the SQL sections in report order, without results.
func Sections() ([]Section, error) {
	var out []Section
	for _, name := range order {
		s, err := LoadSection(name)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Names lists the section names .report takes.
func Names() []string { return append([]string(nil), order...) }

// LoadSection reads and splits one section's SQL file.
func LoadSection(name string) (Section, error) {
	data, err := sqlFiles.ReadFile("sql/" + name + ".sql")
	if err != nil {
		return Section{}, fmt.Errorf("no report section %q (sections: %s)", name, strings.Join(order, ", "))
	}
	s := Section{Name: name, Audit: name == "cloud"}
	var cur *Table
	var about []string
	flush := func() {
		if cur != nil {
			cur.SQL = strings.TrimSuffix(strings.TrimSpace(cur.SQL), ";")
			s.Tables = append(s.Tables, *cur)
		}
	}
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "-- section:"):
			s.Title = strings.TrimSpace(strings.TrimPrefix(line, "-- section:"))
		case strings.HasPrefix(line, "-- table:"):
			flush()
			spec := strings.TrimSpace(strings.TrimPrefix(line, "-- table:"))
			parts := strings.Split(spec, "|")
			cur = &Table{Name: strings.TrimSpace(parts[0])}
			if len(parts) > 1 {
				cur.Title = strings.TrimSpace(parts[1])
			}
			for _, flag := range parts[min(2, len(parts)):] {
				switch strings.TrimSpace(flag) {
				case "all":
					cur.all = true
				case "narrow":
					cur.narrow = true
				}
			}
		case cur == nil && strings.HasPrefix(line, "-- "):
			about = append(about, strings.TrimPrefix(line, "-- "))
		case cur != nil:
			cur.SQL += line + "\n"
		}
	}
	flush()
	s.About = strings.Join(about, " ")
	if s.Title == "" || len(s.Tables) == 0 {
		return Section{}, fmt.Errorf("report section %s: no title or no table", name)
	}
	return s, nil
}

// SQL is the text of a section's statements, each ending with ";", as .report runs them.
func SQL(name string) ([]Table, error) {
	s, err := LoadSection(name)
	if err != nil {
		return nil, err
	}
	return s.Tables, nil
}

// DB is what the report runs on: engine.DB (Prepare builds what a lazy database needs;
// PrepareShared builds what several statements need in one pass).
type DB interface {
	Prepare(ctx context.Context, query string) ([]string, error)
	PrepareShared(ctx context.Context, narrow, whole []string, observe func(path string, ev *state.Event) error) error
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// RowLimit bounds the rows kept of one table (all are counted); a table cut there says so.
const RowLimit = 1000

// Run fills a table from the database; at most limit rows are kept (0: RowLimit), all of
// them for a table marked "all" (the timeline's steps: at most 120 a category).
func (t *Table) Run(ctx context.Context, db DB, limit int) error {
	switch {
	case t.all:
		limit = -1
	case limit <= 0:
		limit = RowLimit
	}
	headers, err := db.Prepare(ctx, t.SQL)
	if err != nil {
		return fmt.Errorf("%s: %w", t.Name, err)
	}
	rows, err := db.Query(ctx, t.SQL)
	if err != nil {
		return fmt.Errorf("%s: %w", t.Name, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("%s: %w", t.Name, err)
	}
	for i := range cols {
		if i < len(headers) && headers[i] != "" {
			cols[i] = headers[i]
		}
	}
	t.Columns = cols
	t.Rows = [][]any{}
	t.Total = 0
	for rows.Next() {
		if len(t.Rows) == limit {
			// The rows past the limit are counted by DuckDB: read through database/sql,
			// each is converted whole (62,885 connections of the 4M-event capture took
			// 0.15 s to count so).
			rows.Close()
			return t.count(ctx, db)
		}
		t.Total++
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		for i, v := range vals {
			vals[i] = plain(v)
		}
		t.Rows = append(t.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", t.Name, err)
	}
	return nil
}

// count sets Total to the number of rows the table's statement gives.
func (t *Table) count(ctx context.Context, db DB) error {
	q := strings.TrimRight(strings.TrimSpace(t.SQL), ";")
	rows, err := db.Query(ctx, "SELECT count(*) FROM (\n"+q+"\n)")
	if err != nil {
		return fmt.Errorf("%s: count the rows: %w", t.Name, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return fmt.Errorf("%s: count the rows: %w", t.Name, errors.Join(rows.Err(), errors.New("no count")))
	}
	if err := rows.Scan(&t.Total); err != nil {
		return fmt.Errorf("%s: count the rows: %w", t.Name, err)
	}
	return rows.Err()
}

// plain turns a DuckDB value into one JSON and the renderers take as it is: numbers,
// strings, booleans, nil; times as UTC text with nanoseconds; lists and maps as text.
func plain(v any) any {
	switch x := v.(type) {
	case nil, bool, string, int64, float64:
		return x
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint64:
		return x
	case uint32:
		return int64(x)
	case float32:
		return float64(x)
	case *big.Int:
		return x.String()
	case time.Time:
		return TimeText(x)
	case []byte:
		return fmt.Sprintf("%q", x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Text(plain(e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	default:
		return fmt.Sprint(x)
	}
}

// TimeText is how the report writes a time: UTC, nanoseconds.
func TimeText(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000000000") }

// Text is a cell's text ("" for NULL).
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return fmt.Sprintf("%g", x)
	default:
		return fmt.Sprint(x)
	}
}

// Column returns a column's index, or -1.
func (t *Table) Column(name string) int {
	for i, c := range t.Columns {
		if c == name {
			return i
		}
	}
	return -1
}

// Find returns a section's table by name, or nil.
func (s *Section) Find(name string) *Table {
	for i := range s.Tables {
		if s.Tables[i].Name == name {
			return &s.Tables[i]
		}
	}
	return nil
}

// Report is a whole report.
type Report struct {
	Title     string      `json:"title"`
	Generated string      `json:"generated"`
	Inputs    []string    `json:"inputs"`
	Filter    string      `json:"filter,omitempty"` // the restriction applied to the events, as SQL
	Sections  []Section   `json:"sections"`
	Rules     RulesInfo   `json:"rules"`
	Detected  []Detection `json:"detections"`
	// Colors are the coloring rules' names and colours, indexed by Event.Color.
	Colors []ColorInfo `json:"colors,omitempty"`
}

// ColorInfo is one coloring rule as the report shows it.
type ColorInfo struct {
	Name string `json:"name"`
	FG   string `json:"fg,omitempty"`
	BG   string `json:"bg,omitempty"`
}

// Section returns a section by name, or nil.
func (r *Report) Section(name string) *Section {
	for i := range r.Sections {
		if r.Sections[i].Name == name {
			return &r.Sections[i]
		}
	}
	return nil
}

// Options say what to build.
type Options struct {
	Audit  bool // the inputs have audit records: the cloud section is built
	Events bool // the inputs have syscall events: the other sections are built
	// Timings, when set, receives how long the shared preparation and each statement took
	// (benchmarks/README.md's profiling).
	Timings io.Writer
	// Observe, when set, is given every event of the shared preparation's pass over each
	// capture (Detector.Observe: the detections need no pass of their own).
	Observe func(path string, ev *state.Event) error
}

// RunSections runs every section's statements.
func RunSections(ctx context.Context, db DB, opts Options) ([]Section, error) {
	all, err := Sections()
	if err != nil {
		return nil, err
	}
	var run []Section
	for _, s := range all {
		if s.Audit && !opts.Audit || !s.Audit && !opts.Events {
			continue
		}
		run = append(run, s)
	}
	start := time.Now()
	if err := prepareAll(ctx, db, run, opts.Observe); err != nil {
		return nil, err
	}
	if opts.Timings != nil {
		fmt.Fprintf(opts.Timings, "prepare: %.2f s\n", time.Since(start).Seconds())
	}
	var out []Section
	for _, s := range run {
		for i := range s.Tables {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			start := time.Now()
			if err := s.Tables[i].Run(ctx, db, 0); err != nil {
				return nil, fmt.Errorf("report section %s: %w", s.Name, err)
			}
			if opts.Timings != nil {
				fmt.Fprintf(opts.Timings, "%s.%s: %.2f s\n", s.Name, s.Tables[i].Name, time.Since(start).Seconds())
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// prepareAll makes ready what all the sections' statements read at once, in one pass over
// each capture rather than a pass per statement that names a new member: the narrow
// statements' own events, and the other statements' members for every event and their side
// tables. (Each statement is still prepared before it runs, which builds anything this
// missed.)
func prepareAll(ctx context.Context, db DB, ss []Section, observe func(string, *state.Event) error) error {
	var narrow, whole []string
	for _, s := range ss {
		for _, t := range s.Tables {
			if t.narrow {
				narrow = append(narrow, t.SQL)
			} else {
				whole = append(whole, t.SQL)
			}
		}
	}
	if err := db.PrepareShared(ctx, narrow, whole, observe); err != nil {
		return fmt.Errorf("report sections: %w", err)
	}
	return nil
}

// captures lists the distinct values of a table's capture column, sorted.
func (t *Table) captures() []string {
	i := t.Column("capture")
	if i < 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range t.Rows {
		c := Text(r[i])
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}
