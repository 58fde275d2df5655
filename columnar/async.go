package columnar

import (
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
)

// AsyncSink hands batches to another sink on its own goroutine, so writing (encoding,
// compression, database inserts) overlaps with extraction. At most depth batches wait, which
// bounds memory. The first error of the inner sink is returned by the following Write and by
// Close.
type AsyncSink struct {
	inner Sink
	ch    chan queued
	done  chan struct{}
	mu    sync.Mutex
	err   error
}

type queued struct {
	table string
	rec   arrow.RecordBatch
}

// NewAsyncSink starts the writing goroutine; depth < 1 means 1.
func NewAsyncSink(inner Sink, depth int) *AsyncSink {
	if depth < 1 {
		depth = 1
	}
	a := &AsyncSink{inner: inner, ch: make(chan queued, depth), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		for q := range a.ch {
			if a.failed() == nil {
				if err := inner.Write(q.table, q.rec); err != nil {
					a.mu.Lock()
					a.err = err
					a.mu.Unlock()
				}
			}
			q.rec.Release()
		}
	}()
	return a
}

func (a *AsyncSink) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// Write queues a batch (retaining it).
func (a *AsyncSink) Write(table string, rec arrow.RecordBatch) error {
	if err := a.failed(); err != nil {
		return err
	}
	rec.Retain()
	a.ch <- queued{table, rec}
	return nil
}

// Close waits for the queued batches to be written and returns the first error.
func (a *AsyncSink) Close() error {
	close(a.ch)
	<-a.done
	return a.failed()
}
