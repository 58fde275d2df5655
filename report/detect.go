package report

import (
	"bufio"
	"context"
	"embed"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate"
	"github.com/scapql/scapql/translate/rules"
)

//go:embed rules/*
var bundledFiles embed.FS

// BundledVersion says where the bundled rules come from.
const BundledVersion = "syscall rules: the conditions of falco_rules.yaml, falco-incubating_rules.yaml and " +
	"falco-sandbox_rules.yaml at falcosecurity/rules c72713ee (enabled ones), with the priority, output and tags " +
	"of each rule in " + metaVersion + "; aws_cloudtrail_rules.yaml and k8s_audit_rules.yaml at falcosecurity/plugins 0b3cbd8"

// EventsPerDetection bounds the matching events a detection lists (all are counted).
const EventsPerDetection = 100

// Rule is a rule the report runs.
type Rule struct {
	Name     string
	Priority string // as its file writes it
	Tags     []string
	Source   string // syscall, aws_cloudtrail, k8s_audit
	Origin   string // the file it comes from
	SQL      string // its condition as SQL over its table
	alert    *rules.Alerting
}

// RulesInfo tells which rules ran.
type RulesInfo struct {
	Bundled string   `json:"bundled"`
	Files   []string `json:"files,omitempty"`
	Run     int      `json:"run"`
	Failed  []string `json:"untranslated,omitempty"` // rules whose condition does not translate, with why
	// Unextracted lists the output fields scapql does not extract (of a newer libsinsp), per
	// rule: they print <NA>.
	Unextracted []string `json:"unextracted_output_fields,omitempty"`
}

// Detection is a rule with matching events.
type Detection struct {
	Rule     string   `json:"rule"`
	Priority string   `json:"priority"`
	Tags     []string `json:"tags,omitempty"`
	Source   string   `json:"source"`
	Origin   string   `json:"origin"`
	SQL      string   `json:"sql"` // the query of its matching events, to rerun in the shell
	Count    int      `json:"count"`
	Events   []Event  `json:"events"`
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

// BundledRules returns the bundled rules: the official syscall rules (enabled ones), and the
// official cloudtrail and k8saudit rules, the latter only when audit is true.
func BundledRules(syscalls, audit bool) ([]Rule, *RulesInfo, error) {
	info := &RulesInfo{Bundled: BundledVersion}
	var out []Rule
	if syscalls {
		rs, err := bundledSyscallRules()
		if err != nil {
			return nil, nil, err
		}
		for _, r := range rs {
			if !r.Enabled {
				continue
			}
			out = appendRule(out, r, nil, info)
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

// LoadRules loads rules files (--rules) and compiles their enabled rules.
func LoadRules(paths []string, info *RulesInfo) ([]Rule, error) {
	rs, err := rules.Load(paths...)
	if err != nil {
		return nil, err
	}
	info.Files = append(info.Files, paths...)
	return FromRuleset(rs, info), nil
}

// FromRuleset compiles a ruleset's enabled rules of the sources scapql reads; those that do
// not compile are listed in info.Failed.
func FromRuleset(rs *rules.Ruleset, info *RulesInfo) []Rule {
	var out []Rule
	for _, r := range rs.Rules() {
		if !r.Enabled || !rules.SupportedSource(r.Source) {
			continue
		}
		out = appendRule(out, r, rs, info)
	}
	return out
}

// appendRule compiles r (res resolves its macros and lists) and appends it, or notes why not.
func appendRule(out []Rule, r *rules.Rule, res translate.Resolver, info *RulesInfo) []Rule {
	a, unknown, err := rules.CompileLenient(r, res)
	if err != nil {
		info.Failed = append(info.Failed, r.Name+": "+err.Error())
		return out
	}
	if len(unknown) > 0 {
		info.Unextracted = append(info.Unextracted, r.Name+": "+strings.Join(unknown, ", "))
	}
	return append(out, Rule{Name: r.Name, Priority: r.Priority, Tags: r.Tags, Source: r.Source,
		Origin: r.Pos.File, SQL: a.SQL, alert: a})
}

// Query is the SQL a rule's matching events are found with: what the report shows under a
// detection, to rerun in the shell (the report itself evaluates the same checked condition
// in process).
func (r *Rule) Query() string {
	table := tableOf(r.Source)
	where := "(" + r.SQL + ")"
	if table == "events" {
		where = "NOT coalesce(evt.hidden, false) AND " + where
	}
	return "SELECT capture, evt.num, evt.time FROM " + table + " WHERE " + where + " ORDER BY capture, evt.num"
}

// Colorer gives an event's coloring rule index, -1 for none.
type Colorer func(*state.Event) int

// DetectOptions say what Detect reads and how.
type DetectOptions struct {
	Captures []string       // capture files, read with Ingest
	Logs     []string       // audit logs, read together (which numbers their records as the tables do)
	Ingest   ingest.Options // how captures are read
	// Keep, when set, restricts the syscall events (--filter, --from, --to); audit records
	// are all kept.
	Keep  func(*state.Event) bool
	Color Colorer // the coloring rules, for the listed events
}

// Detector runs the rules in process, as rules run does: every rule of the event's source is
// tested on every event the reference shows. Each matching rule gets its count and its first
// EventsPerDetection events, rendered as Falco prints the alert and coloured. Events come
// from another reader's pass over a capture (Observe: the report's tables) or from the
// Detector's own reading (Finish: audit logs, and captures nothing observed).
type Detector struct {
	ctx      context.Context
	rs       []Rule
	opts     DetectOptions
	ds       []Detection
	index    rules.Index
	line     []byte
	events   int
	audited  bool
	observed map[string]bool // capture paths given to Observe
	// path and name are the capture Observe was last given and its capture column, looked
	// up once per capture rather than per event.
	path, name string
}

// NewDetector prepares the rules rs for the inputs of opts.
func NewDetector(ctx context.Context, rs []Rule, opts DetectOptions) *Detector {
	d := &Detector{ctx: ctx, rs: rs, opts: opts, ds: make([]Detection, len(rs)), observed: map[string]bool{}}
	for i := range rs {
		r := &rs[i]
		d.ds[i] = Detection{Rule: r.Name, Priority: r.Priority, Tags: r.Tags, Source: r.Source, Origin: r.Origin, SQL: r.Query()}
		d.index.Add(i, r.alert)
	}
	return d
}

// Observe tests an event of the capture at path, read by another pass (see
// engine.DB.PrepareShared); it takes the events the reference shows.
func (d *Detector) Observe(path string, ev *state.Event) error {
	if path != d.path || d.name == "" {
		d.observed[path] = true
		d.path, d.name = path, columnar.CaptureName(path)
	}
	if !shown(ev, d.opts) {
		return nil
	}
	return d.apply(d.name, ev)
}

// shown tells the events of a capture the detections read: those the reference shows,
// within the restriction given.
func shown(ev *state.Event, opts DetectOptions) bool {
	if ev.Initial || ev.Hidden {
		return false
	}
	return opts.Keep == nil || rules.EventSource(ev) != "syscall" || opts.Keep(ev)
}

// apply tests every candidate rule on the event.
func (d *Detector) apply(capture string, ev *state.Event) error {
	if _, ok := ev.Plugin.(*audit.Record); ok {
		d.audited = true
	}
	if d.events++; d.events&0xfff == 0 {
		if err := d.ctx.Err(); err != nil {
			return err
		}
	}
	color := -2 // not looked up yet
	for i := range d.index.Matching(ev) {
		r := &d.rs[i]
		det := &d.ds[i]
		det.Count++
		if len(det.Events) == EventsPerDetection {
			continue
		}
		if color == -2 {
			color = -1
			if d.opts.Color != nil {
				color = d.opts.Color(ev)
			}
		}
		c := capture
		if rec, ok := ev.Plugin.(*audit.Record); ok && capture == "" {
			c = columnar.CaptureName(rec.File)
		}
		d.line = r.alert.AppendAlert(d.line[:0], ev)
		det.Events = append(det.Events, Event{Capture: c, Num: ev.Num,
			Time: TimeText(time.Unix(0, int64(rules.EventTime(ev)))), Output: string(d.line), Color: color})
	}
	return nil
}

// Finish reads what was not observed (the captures no pass gave, and the audit logs) and
// returns the detections, in rule order. Rules of a source the inputs have (syscall:
// captures given; audit sources: records seen) count as run; audit reports whether any
// audit record was seen, in the logs or among the captures' plugin events.
func (d *Detector) Finish(info *RulesInfo) (ds []Detection, audited bool, err error) {
	for _, path := range d.opts.Captures {
		if d.observed[path] {
			continue
		}
		if err := detectCapture(path, d.opts, d.apply); err != nil {
			return nil, false, err
		}
	}
	if len(d.opts.Logs) > 0 {
		err := ingest.ReadAudit(d.opts.Logs, audit.Options{}, state.Options{}, func(ev *state.Event) error {
			return d.apply("", ev)
		}, func(error) {}) // damaged records are reported when the tables are loaded
		if err != nil {
			return nil, false, err
		}
	}
	out := d.ds[:0]
	for i, det := range d.ds {
		if d.rs[i].Source == "syscall" && len(d.opts.Captures) > 0 || d.rs[i].Source != "syscall" && d.audited {
			info.Run++
		}
		if det.Count > 0 {
			out = append(out, det)
		}
	}
	return out, d.audited, nil
}

// detectCapture gives apply the events of one capture that the reference shows.
func detectCapture(path string, opts DetectOptions, apply func(string, *state.Event) error) error {
	src, err := ingest.Open(path, opts.Ingest)
	if err != nil {
		return err
	}
	defer src.Close()
	name := columnar.CaptureName(path)
	for {
		ev, err := src.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if !shown(ev, opts) {
			continue
		}
		if err := apply(name, ev); err != nil {
			return err
		}
	}
}

// priorityName is the priority as Falco prints it in an alert (Warning, Critical, ...); a
// name Falco does not know is kept as written.
func priorityName(p string) string {
	if pr, err := rules.ParsePriority(strings.TrimSpace(p)); err == nil {
		return pr.String()
	}
	return p
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

// metaVersion says where the priorities, outputs and tags of the bundled syscall rules come
// from (rules/falco_rules_meta.tsv's first line says the same).
const metaVersion = "the copies of falcosecurity/rules at hand: falco_rules.yaml f69f4339, falco-incubating_rules.yaml " +
	"ed27a95f and 0c8e178b, falco-sandbox_rules.yaml 18aa7004 (five incubating rules newer than those have none: " +
	"no priority, a generic output)"

// fallbackOutput is the output of a bundled rule whose official output is not at hand.
const fallbackOutput = "%evt.type by %proc.name (user=%user.name command=%proc.cmdline pid=%proc.pid " +
	"file=%fd.name parent=%proc.pname container_id=%container.id image=%container.image.repository)"

// bundledSyscallRules joins the bundled conditions (rules/falco_rules_conditions.tsv: file,
// rule, enabled, the condition with macros and lists expanded) with each rule's priority,
// tags and output (rules/falco_rules_meta.tsv: file, rule, priority, tags, output).
func bundledSyscallRules() ([]*rules.Rule, error) {
	type meta struct{ priority, tags, output string }
	metas := map[string]meta{}
	data, err := bundledFiles.ReadFile("rules/falco_rules_meta.tsv")
	if err != nil {
		return nil, err
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if i < 2 {
			continue // version, header
		}
		c := strings.Split(line, "\t")
		if len(c) != 5 {
			return nil, fmt.Errorf("bundled rules meta line %d: %d columns, want 5", i+1, len(c))
		}
		metas[c[0]+"\t"+c[1]] = meta{c[2], c[3], c[4]}
	}
	data, err = bundledFiles.ReadFile("rules/falco_rules_conditions.tsv")
	if err != nil {
		return nil, err
	}
	var out []*rules.Rule
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if i < 2 {
			continue // version, header
		}
		c := strings.Split(line, "\t")
		if len(c) != 4 {
			return nil, fmt.Errorf("bundled rules line %d: %d columns, want 4", i+1, len(c))
		}
		m, ok := metas[c[0]+"\t"+c[1]]
		if !ok {
			m.output = fallbackOutput
		}
		r := &rules.Rule{Name: c[1], Condition: c[3], Output: m.output, Priority: m.priority, Source: "syscall",
			Enabled: c[2] == "true", Pos: rules.Pos{File: c[0], Line: i + 1}}
		if m.tags != "" {
			r.Tags = strings.Split(m.tags, ",")
		}
		out = append(out, r)
	}
	return out, nil
}
