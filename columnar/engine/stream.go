package engine

import "database/sql"

// Rows is a result read row by row: what Stream returns.
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

// driverRows is a result of the database/sql driver as Rows.
type driverRows struct{ *sql.Rows }

func (r driverRows) ColumnTypeNames() ([]string, error) {
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
