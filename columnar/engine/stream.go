package engine

// Rows is a result read row by row (*sql.Rows is one): what Stream returns.
type Rows interface {
	Columns() ([]string, error)
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}
