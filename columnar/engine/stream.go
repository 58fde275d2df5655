package engine

import "github.com/scapql/scapql/internal/sqlrows"

// Rows is a result read row by row: what Stream returns.
type Rows = sqlrows.Rows
