//go:build duckdb_arrow

package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
)

// InsertPath names how batches reach DuckDB in this build.
const InsertPath = "arrow"

// arrowInserter hands each batch to DuckDB through the Arrow C stream interface: the batch is
// registered as a view and copied into its table, then released.
type arrowInserter struct {
	conn  *sql.Conn
	ar    *duckdb.Arrow
	table func(string) string
}

func newInserter(ctx context.Context, conn *sql.Conn, table func(string) string) (inserter, error) {
	var ar *duckdb.Arrow
	err := conn.Raw(func(dc any) error {
		var err error
		ar, err = duckdb.NewArrowFromConn(dc.(driver.Conn))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("duckdb arrow: %w", err)
	}
	return &arrowInserter{conn: conn, ar: ar, table: table}, nil
}

func (a *arrowInserter) insert(ctx context.Context, table string, rec arrow.RecordBatch) error {
	rdr, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	if err != nil {
		return err
	}
	defer rdr.Release()
	release, err := a.ar.RegisterView(rdr, "scapql_batch")
	if err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	defer release()
	if _, err := a.conn.ExecContext(ctx, `INSERT INTO `+a.table(table)+` SELECT `+insertSelect(table)+` FROM scapql_batch`); err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	return nil
}

func (a *arrowInserter) close() error {
	_, err := a.conn.ExecContext(context.Background(), `DROP VIEW IF EXISTS scapql_batch`)
	return err
}
