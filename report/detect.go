package report

import (
	"bufio"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate"
	"github.com/scapql/scapql/translate/rules"
)

//go:embed rules/*
var bundledFiles embed.FS

// BundledVersion says where the bundled rules come from.
const BundledVersion = "syscall rules: the conditions of falco_rules.yaml, falco-incubating_rules.yaml and " +
	"falco-sandbox_rules.yaml at falcosecurity/rules c72713ee (enabled ones); aws_cloudtrail_rules.yaml and " +
	"k8s_audit_rules.yaml at falcosecurity/plugins 0b3cbd8"

// bundledOutput is the output of the bundled syscall rules, whose files give only conditions.
const bundledOutput = "%evt.type by %proc.name (user=%user.name command=%proc.cmdline pid=%proc.pid " +
	"file=%fd.name parent=%proc.pname container_id=%container.id image=%container.image.repository)"

// EventsPerDetection bounds the matching events a detection lists (all are counted).
const EventsPerDetection = 100

// Rule is a rule the report runs.
type Rule struct {
	Name     string
	Priority string // "" when its file does not say (the bundled syscall conditions)
	Output   string // a format of %field tokens with a leading "*" (rules.Rule.OutputFormat)
	Source   string // syscall, aws_cloudtrail, k8s_audit
	Origin   string // the file it comes from
	SQL      string // its condition as SQL over its table
}

// RulesInfo tells which rules ran.
type RulesInfo struct {
	Bundled string   `json:"bundled"`
	Files   []string `json:"files,omitempty"`
	Run     int      `json:"run"`
	Failed  []string `json:"untranslated,omitempty"` // rules whose condition does not translate, with why
}

// Detection is a rule with matching events.
type Detection struct {
	Rule     string  `json:"rule"`
	Priority string  `json:"priority"`
	Source   string  `json:"source"`
	Origin   string  `json:"origin"`
	SQL      string  `json:"sql"`
	Count    int     `json:"count"`
	Events   []Event `json:"events"`
	format   *fields.Format
}

// Event is one matching event.
type Event struct {
	Capture string `json:"capture"`
	Num     uint64 `json:"evt_num"`
	Time    string `json:"time"`
	Output  string `json:"output"` // as Falco prints the alert: time, priority, rendered output
	Color   int    `json:"color"`  // index of the first matching coloring rule, -1 for none
}

// tableOf is the table a rule source's events are in.
func tableOf(source string) string {
	switch source {
	case "aws_cloudtrail":
		return "cloudtrail"
	case "k8s_audit":
		return "k8saudit"
	}
	return "events"
}

// BundledRules returns the bundled rules: the official syscall conditions (enabled ones),
// and the official cloudtrail and k8saudit rules, the latter only when audit is true.
func BundledRules(syscalls, audit bool) ([]Rule, *RulesInfo, error) {
	info := &RulesInfo{Bundled: BundledVersion}
	var out []Rule
	if syscalls {
		data, err := bundledFiles.ReadFile("rules/falco_rules_conditions.tsv")
		if err != nil {
			return nil, nil, err
		}
		for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			if i < 2 {
				continue // version, header
			}
			c := strings.Split(line, "\t")
			if len(c) != 4 {
				return nil, nil, fmt.Errorf("bundled rules line %d: %d columns, want 4", i+1, len(c))
			}
			if c[2] != "true" {
				continue
			}
			where, err := translate.Translate(c[3], translate.Options{Dialect: translate.Falco})
			if err != nil {
				info.Failed = append(info.Failed, c[1]+": "+err.Error())
				continue
			}
			out = append(out, Rule{Name: c[1], Output: "*" + bundledOutput, Source: "syscall", Origin: c[0], SQL: where})
		}
	}
	if audit {
		rs := &rules.Ruleset{}
		for _, f := range []string{"aws_cloudtrail_rules.yaml", "k8s_audit_rules.yaml"} {
			data, err := bundledFiles.ReadFile("rules/" + f)
			if err != nil {
				return nil, nil, err
			}
			if err := rs.Add(f, data); err != nil {
				return nil, nil, fmt.Errorf("bundled %s: %w", f, err)
			}
		}
		out = append(out, FromRuleset(rs, info)...)
	}
	return out, info, nil
}

// LoadRules loads rules files (--rules) and translates their enabled rules.
func LoadRules(paths []string, info *RulesInfo) ([]Rule, error) {
	rs, err := rules.Load(paths...)
	if err != nil {
		return nil, err
	}
	info.Files = append(info.Files, paths...)
	return FromRuleset(rs, info), nil
}

// FromRuleset translates a ruleset's enabled rules of the sources scapql reads.
func FromRuleset(rs *rules.Ruleset, info *RulesInfo) []Rule {
	var out []Rule
	for _, r := range rs.Check() {
		if !r.Rule.Enabled || !rules.SupportedSource(r.Rule.Source) {
			continue
		}
		if r.Err != nil {
			info.Failed = append(info.Failed, r.Rule.Name+": "+r.Err.Error())
			continue
		}
		out = append(out, Rule{Name: r.Rule.Name, Priority: r.Rule.Priority, Output: r.Rule.OutputFormat(),
			Source: r.Rule.Source, Origin: r.Rule.Pos.File, SQL: r.SQL})
	}
	return out
}

// Query is the SQL a rule's matching events are found with.
func (r *Rule) Query() string {
	table := tableOf(r.Source)
	where := "(" + r.SQL + ")"
	if table == "events" {
		where = "NOT coalesce(evt.hidden, false) AND " + where
	}
	return "SELECT capture, evt.num, evt.time FROM " + table + " WHERE " + where + " ORDER BY capture, evt.num"
}

// Detect runs the rules whose tables the inputs fill and returns those that match.
func Detect(ctx context.Context, db DB, rs []Rule, info *RulesInfo, events, auditTables bool) ([]Detection, error) {
	// One statement naming every rule's columns builds them in one pass over each capture,
	// rather than a pass per rule that names a new one.
	conds := map[string][]string{}
	for _, r := range rs {
		t := tableOf(r.Source)
		conds[t] = append(conds[t], "("+r.SQL+")")
	}
	for t, c := range conds {
		if t == "events" && !events || t != "events" && !auditTables {
			continue
		}
		if _, err := db.Prepare(ctx, "SELECT capture, evt.num, evt.time FROM "+t+" WHERE "+strings.Join(c, " OR ")); err != nil {
			return nil, fmt.Errorf("rules over %s: %w", t, err)
		}
	}
	var out []Detection
	for _, r := range rs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if tableOf(r.Source) == "events" && !events || tableOf(r.Source) != "events" && !auditTables {
			continue
		}
		info.Run++
		d := Detection{Rule: r.Name, Priority: r.Priority, Source: r.Source, Origin: r.Origin, SQL: r.Query()}
		if _, err := db.Prepare(ctx, d.SQL); err != nil {
			return nil, fmt.Errorf("rule %q: %w", r.Name, err)
		}
		rows, err := db.Query(ctx, d.SQL)
		if err != nil {
			return nil, fmt.Errorf("rule %q: %w", r.Name, err)
		}
		for rows.Next() {
			var ev Event
			var t any
			if err := rows.Scan(&ev.Capture, &ev.Num, &t); err != nil {
				rows.Close()
				return nil, fmt.Errorf("rule %q: %w", r.Name, err)
			}
			d.Count++
			if len(d.Events) < EventsPerDetection {
				ev.Time = Text(plain(t))
				ev.Color = -1
				d.Events = append(d.Events, ev)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("rule %q: %w", r.Name, err)
		}
		if d.Count == 0 {
			continue
		}
		// Falco's alert: time, priority, output (Rule.Output is already a format with a
		// leading "*"). The bundled conditions have no priority: the rule's name stands there.
		head := priorityName(r.Priority)
		if r.Priority == "" {
			head = strings.ReplaceAll(r.Name, "%", "") + ":"
		}
		f, err := fields.ParseFormat("*%evt.time: " + head + " " + strings.TrimPrefix(r.Output, "*"))
		if err != nil {
			// A field scapql does not know: the output is shown unrendered.
			info.Failed = append(info.Failed, fmt.Sprintf("%s: output not rendered: %v", r.Name, err))
		}
		d.format = f
		out = append(out, d)
	}
	return out, nil
}

// priorityName is the priority as Falco prints it in an alert (Warning, Critical, ...); a
// name Falco does not know is kept as written.
func priorityName(p string) string {
	if pr, err := rules.ParsePriority(strings.TrimSpace(p)); err == nil {
		return pr.String()
	}
	return p
}

// Colorer gives an event's coloring rule index, -1 for none.
type Colorer func(*state.Event) int

// Render fills the detections' outputs (and colours) in one pass over each input that has
// matching events: captures through ingest.Open, audit logs (in the order they were loaded,
// which numbers their records) through ingest.ReadAudit.
func Render(ctx context.Context, ds []Detection, captures, logs []string, opts ingest.Options, color Colorer) error {
	type ref struct{ d, e int }
	byCapture := map[string]map[uint64][]ref{}
	audits := map[uint64][]ref{}
	for i := range ds {
		for j, ev := range ds[i].Events {
			if ds[i].Source != "syscall" {
				audits[ev.Num] = append(audits[ev.Num], ref{i, j})
				continue
			}
			m := byCapture[ev.Capture]
			if m == nil {
				m = map[uint64][]ref{}
				byCapture[ev.Capture] = m
			}
			m[ev.Num] = append(m[ev.Num], ref{i, j})
		}
	}
	var line []byte
	fill := func(ev *state.Event, refs []ref) {
		c := -1
		if color != nil {
			c = color(ev)
		}
		for _, r := range refs {
			d := &ds[r.d]
			e := &d.Events[r.e]
			e.Color = c
			if d.format != nil {
				line, _ = d.format.Append(line[:0], ev)
				e.Output = string(line)
			}
		}
	}
	for _, path := range captures {
		want := byCapture[path]
		if len(want) == 0 {
			continue
		}
		src, err := ingest.Open(path, opts)
		if err != nil {
			return err
		}
		left := len(want)
		for left > 0 {
			if err := ctx.Err(); err != nil {
				src.Close()
				return err
			}
			ev, err := src.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				src.Close()
				return fmt.Errorf("%s: %w", path, err)
			}
			if refs, ok := want[ev.Num]; ok && !ev.Initial {
				fill(ev, refs)
				left--
			}
		}
		src.Close()
	}
	if len(audits) > 0 && len(logs) > 0 {
		errStop := errors.New("stop")
		left := len(audits)
		err := ingest.ReadAudit(logs, audit.Options{}, state.Options{}, func(ev *state.Event) error {
			if refs, ok := audits[ev.Num]; ok {
				fill(ev, refs)
				left--
				if left == 0 {
					return errStop
				}
			}
			return ctx.Err()
		}, func(error) {})
		if err != nil && err != errStop {
			return err
		}
	}
	for i := range ds {
		for j := range ds[i].Events {
			if e := &ds[i].Events[j]; e.Output == "" {
				e.Output = e.Time + ": " + priorityName(ds[i].Priority) + " " + ds[i].Rule
			}
		}
	}
	return nil
}

// errWriter is a helper of the text renderers: a writer that remembers its first error.
type errWriter struct {
	w   *bufio.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

func (e *errWriter) str(s string) {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}
