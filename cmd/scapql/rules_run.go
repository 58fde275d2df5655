package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate/rules"
)

// rulesRunFlags are the options of `rules run`.
type rulesRunFlags struct {
	rules       []string
	json        bool
	minPriority string
	first       bool       // Falco's rule_matching: first (one alert per event, the first rule's)
	pf          printFlags // reading options shared with print
}

// alertRule is a rule ready to run and its count of alerts.
type alertRule struct {
	*rules.Alerting
	matches int
}

// loadAlertRules loads the rules files and prepares the enabled rules of supported sources
// at or above the minimum priority. A rule whose priority, condition or output does not
// compile is an error naming it, as Falco refuses to load it.
func loadAlertRules(files []string, minPriority string, warn io.Writer) ([]*alertRule, int, error) {
	floor := rules.Debug
	if minPriority != "" {
		p, err := rules.ParsePriority(minPriority)
		if err != nil {
			return nil, 0, fmt.Errorf("--min-priority: %w", err)
		}
		floor = p
	}
	rs, err := rules.Load(files...)
	if err != nil {
		return nil, 0, err
	}
	for _, w := range rs.Warnings {
		fmt.Fprintln(warn, "warning:", w)
	}
	var out []*alertRule
	skipped := 0
	var errs []error
	for _, r := range rs.Rules() {
		if !r.Enabled {
			skipped++
			continue
		}
		p, err := rules.ParsePriority(strings.TrimSpace(r.Priority))
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %q (%s): %w", r.Name, r.Pos, err))
			continue
		}
		if p > floor {
			skipped++
			continue
		}
		if !rules.SupportedSource(r.Source) {
			fmt.Fprintf(warn, "warning: rule %q: source %s is not supported, skipped\n", r.Name, r.Source)
			skipped++
			continue
		}
		a, err := rules.Compile(r, rs)
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %q (%s): %s", r.Name, r.Pos, reason(err)))
			continue
		}
		out = append(out, &alertRule{Alerting: a})
	}
	if len(errs) > 0 {
		return nil, 0, errors.Join(errs...)
	}
	return out, skipped, nil
}

// alertWriter writes alerts in Falco's text or JSON format.
type alertWriter struct {
	w        *bufio.Writer
	json     bool
	hostname string
	line     []byte
	scratch  []byte
	vals     []fields.Value
	count    int
}

// write writes one alert of rule r for event ev.
func (aw *alertWriter) write(r *alertRule, ev *state.Event) error {
	// The text: "TIME: Priority output", with <NA> for absent fields.
	text := r.AppendAlert(aw.scratch[:0], ev)
	aw.scratch = text
	aw.count++
	r.matches++
	if !aw.json {
		aw.line = append(aw.line[:0], text...)
		aw.line = append(aw.line, '\n')
		_, err := aw.w.Write(aw.line)
		return err
	}
	// Falco's JSON alert: keys sorted, output_fields with the output's fields (typed, null
	// when absent) and evt.time as nanoseconds.
	ts := rules.EventTime(ev)
	b := append(aw.line[:0], `{"hostname":`...)
	b = appendJSONText(b, []byte(aw.hostname))
	b = append(b, `,"output":`...)
	b = appendJSONText(b, text)
	b = append(b, `,"output_fields":{`...)
	aw.vals = r.Output.AppendValues(aw.vals[:0], ev)
	type kv struct {
		k string
		v fields.Value
	}
	kvs := make([]kv, 0, len(aw.vals)+1)
	seen := map[string]bool{"evt.time": true}
	kvs = append(kvs, kv{"evt.time", fields.Value{Kind: fields.KindUint, I: int64(ts)}})
	for i, name := range r.Output.Fields {
		if !seen[name] {
			seen[name] = true
			kvs = append(kvs, kv{name, aw.vals[i]})
		}
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].k < kvs[j].k })
	rec := fields.Record(ev)
	for i, f := range kvs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONText(b, []byte(f.k))
		b = append(b, ':')
		if l, ok := auditList(rec, f.k); ok {
			b = appendJSONList(b, l)
			continue
		}
		b = appendJSONValue(b, f.v)
	}
	b = append(b, `},"priority":`...)
	b = appendJSONText(b, []byte(r.Priority.String()))
	b = append(b, `,"rule":`...)
	b = appendJSONText(b, []byte(r.Rule.Name))
	b = append(b, `,"source":`...)
	b = appendJSONText(b, []byte(r.Rule.Source))
	b = append(b, `,"tags":[`...)
	tags := append([]string(nil), r.Rule.Tags...)
	sort.Strings(tags) // Falco keeps them in a set
	for i, t := range tags {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONText(b, []byte(t))
	}
	b = append(b, `],"time":`...)
	b = appendJSONText(b, isoTime(ts))
	b = append(b, "}\n"...)
	aw.line = b
	_, err := aw.w.Write(b)
	return err
}

// auditList is the elements of a list field of an audit record (ok false for other fields):
// Falco writes a list field's value in output_fields as a JSON array (null when empty).
func auditList(rec *audit.Record, field string) (l []string, ok bool) {
	if rec == nil {
		return nil, false
	}
	name, arg, _ := audit.SplitArg(field)
	af, found := audit.Lookup(name)
	if !found || af.Type != audit.List {
		return nil, false
	}
	v := af.Extract(rec, arg)
	if !v.OK {
		return nil, true
	}
	return v.L, true
}

// appendJSONList appends l as a JSON array of strings, null if it is empty.
func appendJSONList(b []byte, l []string) []byte {
	if len(l) == 0 {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONText(b, []byte(s))
	}
	return append(b, ']')
}

// isoTime is ts in UTC as Falco writes an alert's time: 2006-01-02T15:04:05.000000000Z.
func isoTime(ts uint64) []byte {
	sec := int64(ts / 1e9)
	b := []byte(time.Unix(sec, 0).UTC().Format("2006-01-02T15:04:05"))
	b = append(b, '.')
	ns := strconv.FormatUint(ts%1e9, 10)
	for i := len(ns); i < 9; i++ {
		b = append(b, '0')
	}
	b = append(b, ns...)
	return append(b, 'Z')
}

// runRules runs the rules over the inputs, in input order, each event against every rule in
// the order the rules files define them.
func runRules(stdout, stderr io.Writer, rf rulesRunFlags, inputs []string) error {
	ars, skipped, err := loadAlertRules(rf.rules, rf.minPriority, stderr)
	if err != nil {
		return &exitError{err, 2}
	}
	var index rules.Index
	for i, r := range ars {
		index.Add(i, r.Alerting)
	}
	host, _ := os.Hostname()
	aw := &alertWriter{w: bufio.NewWriterSize(stdout, 1<<16), json: rf.json, hostname: host}
	defer aw.w.Flush()
	events := 0
	apply := func(ev *state.Event) error {
		events++
		for i := range index.Matching(ev) {
			if err := aw.write(ars[i], ev); err != nil {
				return err
			}
			if rf.first {
				break
			}
		}
		return nil
	}
	damaged := 0
	for _, in := range inputs {
		if ingest.IsAuditLog(in) {
			err := ingest.ReadAudit([]string{in}, audit.Options{}, state.Options{}, apply, func(err error) {
				damaged++
				aw.w.Flush()
				fmt.Fprintln(stderr, err)
			})
			if err != nil {
				return fmt.Errorf("%s: %w", in, err)
			}
			continue
		}
		src, err := ingest.Open(in, rf.pf.ingestOptions())
		if err != nil {
			return err
		}
		for {
			ev, err := src.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				src.Close()
				return fmt.Errorf("%s: %w", in, err)
			}
			// As print: rules see the events the reference shows.
			if ev.Initial || ev.Hidden {
				continue
			}
			if err := apply(ev); err != nil {
				src.Close()
				return err
			}
		}
		src.Close()
	}
	if err := aw.w.Flush(); err != nil {
		return err
	}
	firing := 0
	for _, r := range ars {
		if r.matches > 0 {
			firing++
		}
	}
	fmt.Fprintf(stderr, "%d alerts from %d of %d rules over %d events (%d rules disabled, below --min-priority or of other sources); conditions evaluated in process, one pass over each input\n",
		aw.count, firing, len(ars), events, skipped)
	if damaged > 0 {
		return fmt.Errorf("%d damaged or non-audit record(s) skipped", damaged)
	}
	return nil
}
