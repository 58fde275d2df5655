//go:build !duckdb_arrow

package engine

import (
	"context"

	"github.com/scapql/scapql/internal/sqlrows"
)

// Stream runs sqlText and returns the last statement's result. Without the Arrow API the
// driver materializes the result before its first row; builds with it stream.
func (db *DB) Stream(ctx context.Context, sqlText string) (Rows, error) {
	rows, err := db.Query(ctx, sqlText)
	if err != nil {
		return nil, err
	}
	return sqlrows.Driver{Rows: rows}, nil
}
