package scapwrite

import "github.com/scapql/scapql/ingest/scap"

// WriteDropRecord writes the drop record of one CPU (scap.DropRecord): lost events were lost
// on cpu. tid -1: the record belongs to no thread.
func (w *Writer) WriteDropRecord(ts uint64, cpu uint16, lost uint64) error {
	return w.Begin(ts, -1, cpu, scap.DropRecordType).U32(scap.DropRecordMarker).U64(lost).End()
}
