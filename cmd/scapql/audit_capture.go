package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/ingest/scapwrite"
)

// writeAuditCapture writes the records of the audit logs at paths (files or
// directories, as query -r takes them) to out as an uncompressed capture of
// plugin events, in record order, as Falco and falcodump record the
// cloudtrail and k8saudit plugins: a section header, this machine's info,
// then one pluginevent per record. With kind other than audit.Unknown, a
// record of another kind is an error. Damaged records go to report and are
// skipped. It stops between records when ctx ends, the capture complete up
// to there, and returns the number of records written.
func writeAuditCapture(ctx context.Context, out io.Writer, paths []string, kind audit.Kind, report func(error)) (int, error) {
	w := scapwrite.NewWriter(out, scapwrite.Options{BufferSize: 64 << 10})
	host, _ := os.Hostname()
	w.WriteMachineInfo(scapwrite.MachineInfo{NumCPUs: uint32(runtime.NumCPU()), Hostname: host})
	n := 0
	err := audit.Read(paths, audit.Options{}, func(r *audit.Record) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if kind != audit.Unknown && r.Kind != kind {
			return fmt.Errorf("%s: record %d (byte %d) is a %s record, not %s", r.File, r.Index, r.Offset, r.Kind.PluginName(), kind.PluginName())
		}
		n++
		return w.WritePluginEvent(uint64(r.Time), r.Kind.PluginID(), r.Raw)
	}, report)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	if cerr := w.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("audit capture: %w", err)
	}
	return n, nil
}
