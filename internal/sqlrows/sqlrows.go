// Package sqlrows is the shape of a query result read row by row, shared by the engine that
// streams results and the shell and commands that print them, and the database/sql driver's
// result in that shape.
package sqlrows

import "database/sql"

// Rows is a result read row by row.
type Rows interface {
	Columns() ([]string, error)
	// ColumnTypeNames are DuckDB's names of the columns' types, as the driver's
	// ColumnTypeDatabaseTypeName gives them.
	ColumnTypeNames() ([]string, error)
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Driver is a result of the database/sql driver as Rows.
type Driver struct{ *sql.Rows }

// ColumnTypeNames are the driver's database type names of the columns.
func (r Driver) ColumnTypeNames() ([]string, error) {
	cts, err := r.ColumnTypes()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(cts))
	for i, ct := range cts {
		names[i] = ct.DatabaseTypeName()
	}
	return names, nil
}
