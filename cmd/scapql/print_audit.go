package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/state"
)

// auditSummary is the default line's description of a record: the cloudtrail plugin's
// ct.info, or who did what to which object for Kubernetes.
func auditSummary(r *audit.Record) string {
	get := func(name string) string {
		f, _ := audit.Lookup(name)
		return f.Extract(r, "").Text()
	}
	if r.Kind == audit.CloudTrail {
		return get("ct.info")
	}
	return get("ka.user.name") + " " + get("ka.verb") + " " + get("ka.target.resource") + "/" +
		get("ka.target.name") + " ns=" + get("ka.target.namespace") + " code=" + get("ka.response.code")
}

// runPrintAudit prints audit log records: by default one line each (number, time, source,
// summary), with -p a format of %field tokens, with -j JSON objects. Damaged records are
// reported on stderr and skipped; the command fails at the end if there were any.
func runPrintAudit(stdout, stderr io.Writer, pf printFlags, match func(*state.Event) bool) error {
	w := bufio.NewWriterSize(stdout, 1<<16)
	defer w.Flush()
	var format *fields.Format
	var jw *jsonWriter
	if pf.format != "" {
		f, err := fields.ParseFormat(pf.format)
		if err != nil {
			return err
		}
		format = f
		if pf.json {
			jw = newJSONWriter(format, false)
		}
	}
	var line []byte
	damaged := 0
	err := ingest.ReadAudit([]string{pf.read}, audit.Options{}, state.Options{}, func(ev *state.Event) error {
		if match != nil && !match(ev) {
			return nil
		}
		r := fields.Record(ev)
		line = line[:0]
		switch {
		case jw != nil:
			var ok bool
			if line, ok = jw.append(line, ev); !ok {
				return nil
			}
		case format != nil:
			var ok bool
			if line, ok = format.Append(line, ev); !ok {
				return nil
			}
		case pf.json:
			line = append(line, `{"evt.num":`...)
			line = strconv.AppendUint(line, ev.Num, 10)
			line = append(line, `,"evt.outputtime":`...)
			line = strconv.AppendInt(line, r.Time, 10)
			line = append(line, `,"evt.source":`...)
			line = appendJSONText(line, []byte(r.Kind.Source()))
			line = append(line, `,"evt.info":`...)
			line = appendJSONText(line, []byte(auditSummary(r)))
			line = append(line, '}')
		default:
			line = strconv.AppendUint(line, ev.Num, 10)
			line = append(line, ' ')
			line = fields.AppendTime(line, uint64(r.Time))
			line = append(line, ' ')
			line = append(line, r.Kind.Source()...)
			line = append(line, ' ')
			line = append(line, auditSummary(r)...)
		}
		line = append(line, '\n')
		_, err := w.Write(line)
		return err
	}, func(err error) {
		damaged++
		w.Flush()
		fmt.Fprintln(stderr, err)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", pf.read, err)
	}
	if damaged > 0 {
		return fmt.Errorf("%s: %d damaged or non-audit record(s) skipped", pf.read, damaged)
	}
	return nil
}
