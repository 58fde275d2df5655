package repl

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/scapql/scapql/internal/sqlquote"
	"github.com/scapql/scapql/report/coloring"
)

// rowColorer colours the rows of an SQL result that name their event: the result's evt.num
// column (and its capture column, needed when several captures are loaded) are looked up in
// the events table once the result is read, and each row takes the colours of the first
// coloring rule its event matches, as a filter's rows do.
type rowColorer struct {
	set          *coloring.Set
	ts           *tableSink
	numAt, capAt int
	keys         []rowKey
}

type rowKey struct {
	capture string
	num     uint64
	ok      bool
}

// newRowColorer returns nil when the result is not to be coloured: colours off, no evt.num
// column, or several captures and no capture column.
func (s *Shell) newRowColorer(cols []column, ts *tableSink) (*rowColorer, error) {
	numAt, capAt := -1, -1
	for i, c := range cols {
		switch c.name {
		case "evt.num":
			if numAt < 0 {
				numAt = i
			}
		case "capture":
			if capAt < 0 {
				capAt = i
			}
		}
	}
	if numAt < 0 {
		return nil, nil
	}
	// Whether several captures are loaded is asked once the result is read (paint): the
	// connection runs one statement at a time.
	set, err := s.colorSet()
	if set == nil || err != nil {
		return nil, err
	}
	return &rowColorer{set: set, ts: ts, numAt: numAt, capAt: capAt}, nil
}

// add notes the event of a row given to the table.
func (rc *rowColorer) add(row []any) {
	if rc == nil {
		return
	}
	var k rowKey
	k.num, k.ok = asEventNum(row[rc.numAt])
	if rc.capAt >= 0 {
		c, isString := row[rc.capAt].(string)
		k.capture, k.ok = c, k.ok && isString
	}
	rc.keys = append(rc.keys, k)
}

func asEventNum(v any) (uint64, bool) {
	switch n := v.(type) {
	case uint64:
		return n, true
	case int64:
		return uint64(n), n >= 0
	case int32:
		return uint64(n), n >= 0
	case uint32:
		return uint64(n), true
	case string:
		u, err := strconv.ParseUint(n, 10, 64)
		return u, err == nil
	}
	return 0, false
}

// paint looks the rows' events up and sets the table's row colours.
func (rc *rowColorer) paint(ctx context.Context, s *Shell, conn *sql.Conn) error {
	nums := map[uint64]bool{}
	caps := map[string]bool{}
	for _, k := range rc.keys {
		if k.ok {
			nums[k.num] = true
			caps[k.capture] = true
		}
	}
	if len(nums) == 0 {
		return nil
	}
	if rc.capAt < 0 {
		if cf, ok := s.b.(CaptureFiles); ok && len(cf.CaptureFiles()) > 1 {
			return nil // the number alone does not name an event
		}
	}
	var in []string
	for n := range nums {
		in = append(in, strconv.FormatUint(n, 10))
	}
	q := "SELECT capture, evt.num, (" + rc.set.SQL() + ") FROM events WHERE evt.num IN (" + strings.Join(in, ", ") + ")"
	if rc.capAt >= 0 {
		var cs []string
		for c := range caps {
			cs = append(cs, sqlquote.String(c))
		}
		q += " AND capture IN (" + strings.Join(cs, ", ") + ")"
	}
	if _, err := s.prepare(ctx, q); err != nil {
		return fmt.Errorf("colouring the rows: %w", err)
	}
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("colouring the rows: %w", err)
	}
	defer rows.Close()
	rule := map[rowKey]int{}
	for rows.Next() {
		var capture string
		var num uint64
		var idx sql.NullInt64
		if err := rows.Scan(&capture, &num, &idx); err != nil {
			return fmt.Errorf("colouring the rows: %w", err)
		}
		if !idx.Valid {
			continue
		}
		k := rowKey{num: num, ok: true}
		if rc.capAt >= 0 {
			k.capture = capture
		}
		rule[k] = int(idx.Int64)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("colouring the rows: %w", err)
	}
	paints := make([]string, len(rc.ts.rows))
	first := len(rc.ts.rows) - len(rc.keys) // the rows before were the table's already
	for i, k := range rc.keys {
		if r, ok := rule[k]; ok && k.ok && first+i >= 0 {
			paints[first+i] = rc.set.ANSI(r)
		}
	}
	rc.ts.paints = paints
	return nil
}
