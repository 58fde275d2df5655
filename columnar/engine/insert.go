package engine

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
)

// inserter copies batches into the database's tables.
type inserter interface {
	insert(ctx context.Context, table string, rec arrow.RecordBatch) error
	close() error
}
