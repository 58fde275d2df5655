//go:build !duckdb_arrow

package engine

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/compress"

	"github.com/scapql/scapql/columnar"
)

// InsertPath names how batches reach DuckDB in this build.
const InsertPath = "parquet"

// parquetInserter is the path of builds without the duckdb_arrow tag (whose Arrow interface
// DuckDB's Go driver only compiles with that tag): each batch is written to a temporary,
// uncompressed Parquet file that DuckDB reads into its table.
type parquetInserter struct {
	conn  *sql.Conn
	dir   string
	table func(string) string
}

func newInserter(ctx context.Context, db *DB) (inserter, error) {
	return newInserterOn(ctx, db, db.conn)
}

// newInserterOn is an inserter through the connection c of the database.
func newInserterOn(ctx context.Context, db *DB, c *sql.Conn) (inserter, error) {
	dir, err := os.MkdirTemp("", "scapql-load-")
	if err != nil {
		return nil, err
	}
	return &parquetInserter{conn: c, dir: dir, table: db.qualified}, nil
}

// newPassInserter is an inserter for a pass: with this path, an inserter for any use.
func newPassInserter(ctx context.Context, db *DB, c *sql.Conn) (inserter, error) {
	return newInserterOn(ctx, db, c)
}

func (p *parquetInserter) insert(ctx context.Context, table string, rec arrow.RecordBatch) error {
	f, err := os.CreateTemp(p.dir, table+"-*.parquet")
	if err != nil {
		return err
	}
	name := f.Name()
	defer os.Remove(name)
	none := compress.Codecs.Uncompressed
	w, err := columnar.NewParquetWriter(f, rec.Schema(), columnar.ParquetOptions{Codec: &none, Scratch: true})
	if err == nil {
		err = w.Write(rec)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	} else {
		f.Close()
	}
	if err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	if _, err := p.conn.ExecContext(ctx, `INSERT INTO `+p.table(table)+` SELECT `+insertSelect(table)+` FROM read_parquet(?)`, name); err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	return nil
}

func (p *parquetInserter) close() error { return os.RemoveAll(p.dir) }
