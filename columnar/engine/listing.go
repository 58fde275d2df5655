package engine

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/internal/sqlquote"
)

// A filter typed in the shell lists its first matches with display members (evt.args,
// evt.time, ...) that are costly to build for every event. On a lazy database the filter's
// own members are built for all events — they find and count the matches — and the display
// members only for the first k matches, in a pass that keeps just those rows, into the
// internal table listing (replaced by the next listing).

const listingTable = internalSchema + ".listing"

// lazyFirstMatches is FirstMatches on a lazy database of captures.
func (db *DB) lazyFirstMatches(ctx context.Context, where string, k int, uses string) (string, int64, error) {
	match := `FROM events WHERE (` + where + `)`
	if _, err := db.Prepare(ctx, `SELECT capture, evt.num `+match); err != nil {
		return "", 0, err
	}
	var total int64
	if err := db.conn.QueryRowContext(ctx, `SELECT count(*) `+match).Scan(&total); err != nil {
		return "", 0, fmt.Errorf("filter: %w", err)
	}
	rows, err := db.conn.QueryContext(ctx, `SELECT capture, evt.num `+match+` ORDER BY capture, evt.num LIMIT `+fmt.Sprint(k))
	if err != nil {
		return "", 0, fmt.Errorf("filter: %w", err)
	}
	nums := map[string]map[uint64]bool{}
	for rows.Next() {
		var c string
		var n int64
		if err := rows.Scan(&c, &n); err != nil {
			rows.Close()
			return "", 0, err
		}
		if nums[c] == nil {
			nums[c] = map[uint64]bool{}
		}
		nums[c][uint64(n)] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", 0, fmt.Errorf("filter: %w", err)
	}
	r, err := parseRefs(ctx, db.conn, `SELECT `+uses+` FROM events`)
	if err != nil {
		return "", 0, err
	}
	cols, err := columnar.SelectColumns(r.memberList())
	if err != nil || r.all {
		cols = columnar.EventColumns()
	}
	if err := db.buildListing(ctx, cols, nums); err != nil {
		return "", 0, err
	}
	refs := map[string]string{}
	for _, c := range cols {
		refs[c.Field] = sqlquote.QuotedIdent(c.Struct + "." + c.Member)
	}
	return eventsOf("capture", refs, "FROM "+db.qualified(listingTable)), total, nil
}

// buildListing fills the listing table with the members cols of the events nums names.
func (db *DB) buildListing(ctx context.Context, cols []columnar.Column, nums map[string]map[uint64]bool) error {
	schema := columnar.SchemaOf(cols)
	flat := flatSchema(schema)
	fields := append([]arrow.Field{{Name: "capture", Type: arrow.BinaryTypes.String, Nullable: true}}, flat.Fields()...)
	ddl, err := createTableNamed(db.qualified(listingTable), arrow.NewSchema(fields, nil))
	if err != nil {
		return err
	}
	if _, err := db.conn.ExecContext(ctx, `DROP TABLE IF EXISTS `+db.qualified(listingTable)+`; `+ddl); err != nil {
		return fmt.Errorf("listing: %w", err)
	}
	ins, err := newInserter(ctx, db)
	if err != nil {
		return err
	}
	defer ins.close()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Field
	}
	for _, c := range db.lazy.captures {
		keep := nums[c.name]
		if len(keep) == 0 {
			continue
		}
		sink := columnar.SinkFunc(func(table string, rec arrow.RecordBatch) error {
			f := project(rec, cols)
			defer f.Release()
			arrays := append([]arrow.Array{rec.Column(0)}, f.Columns()...)
			out := array.NewRecordBatch(arrow.NewSchema(append([]arrow.Field{fields[0]}, f.Schema().Fields()...), nil), arrays, rec.NumRows())
			defer out.Release()
			return ins.insert(ctx, listingTable, out)
		})
		opts := db.readOptions(c)
		opts.Tables, opts.Members = []string{"events"}, names
		opts.Keep = func(ev *state.Event) bool { return keep[ev.Num] }
		if _, err := columnar.ReadCapture(ctx, c.path, sink, opts); err != nil {
			return err
		}
	}
	return nil
}
