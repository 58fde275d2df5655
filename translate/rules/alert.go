package rules

import (
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate"
	"github.com/scapql/scapql/translate/eval"
)

// Alerting is a rule ready to run in process, as `rules run` and the report run rules: its
// condition compiled by translate.Matcher (the checked form its SQL is emitted from) and its
// output by the -p format parser, so that an alert is rendered as Falco prints it.
type Alerting struct {
	Rule     *Rule
	Priority Priority
	Match    func(*state.Event) bool
	SQL      string         // the condition as SQL over the rule's table
	Output   *fields.Format // OutputFormat(): absent fields print <NA>
	// Types are the event types the rule can match (translate.Result.EventTypes), nil for
	// any: a pass tests the rule only on events of those types, as Falco does.
	Types []string
	cond  *translate.Result // what Index compiles its shared matcher from
}

// NoPriority is the priority of a rule whose file gives none (a rule Falco would refuse, which
// rules run refuses too; the report's bundled conditions whose official metadata is not at
// hand): its alerts name the rule where the priority goes.
const NoPriority Priority = -1

// alertPrefix is what Falco writes before an alert's priority.
var alertPrefix = mustFormat("*%evt.time: ")

func mustFormat(s string) *fields.Format {
	f, err := fields.ParseFormat(s)
	if err != nil {
		panic(err)
	}
	return f
}

// Compile prepares rule r to run: res resolves its macros and lists (nil when its condition
// names none). Its condition and output must compile, and its priority be known or empty
// (NoPriority); the error says which did not.
func Compile(r *Rule, res translate.Resolver) (*Alerting, error) {
	a, _, err := compile(r, res, false)
	return a, err
}

// CompileLenient is Compile, except that output fields package fields does not know (those
// of a newer libsinsp) print <NA>; unknown lists them.
func CompileLenient(r *Rule, res translate.Resolver) (a *Alerting, unknown []string, err error) {
	return compile(r, res, true)
}

func compile(r *Rule, res translate.Resolver, lenient bool) (*Alerting, []string, error) {
	p := NoPriority
	if text := strings.TrimSpace(r.Priority); text != "" {
		var err error
		if p, err = ParsePriority(text); err != nil {
			return nil, nil, err
		}
	}
	if !SupportedSource(r.Source) {
		return nil, nil, fmt.Errorf("source %q is not supported (only syscall, aws_cloudtrail and k8s_audit rules)", r.Source)
	}
	opts := translate.Options{Dialect: translate.Falco}
	if res != nil {
		opts.Resolver = res
	}
	match, tr, err := translate.Matcher(r.FullCondition(), opts)
	if err != nil {
		return nil, nil, err
	}
	var out *fields.Format
	var unknown []string
	if lenient {
		out, unknown = fields.ParseFormatLenient(r.OutputFormat())
	} else if out, err = fields.ParseFormat(r.OutputFormat()); err != nil {
		return nil, nil, fmt.Errorf("output: %w", err)
	}
	return &Alerting{Rule: r, Priority: p, Match: match, SQL: tr.SQL, Output: out, Types: tr.EventTypes(), cond: tr}, unknown, nil
}

// AppendAlert appends the alert's text for ev as Falco prints it: "TIME: Priority output".
func (a *Alerting) AppendAlert(b []byte, ev *state.Event) []byte {
	b, _ = alertPrefix.Append(b, ev)
	if a.Priority == NoPriority {
		b = append(b, a.Rule.Name...)
		b = append(b, ':')
	} else {
		b = append(b, a.Priority.String()...)
	}
	b = append(b, ' ')
	b, _ = a.Output.Append(b, ev)
	return b
}

// EventSource is the Falco event source of an event: an audit record's kind, else syscall;
// "" for plugin events of a plugin scapql does not decode.
func EventSource(ev *state.Event) string {
	if rec, ok := ev.Plugin.(*audit.Record); ok {
		return rec.Kind.Source()
	}
	if ev.Raw != nil && ev.Raw.Type == state.PluginEventType {
		return ""
	}
	return "syscall"
}

// EventTime is an event's time in nanoseconds since the epoch: an audit record's own time,
// else the event's timestamp.
func EventTime(ev *state.Event) uint64 {
	if r := fields.Record(ev); r != nil {
		return uint64(r.Time)
	}
	return ev.Raw.TS
}

// Index finds the rules an event matches: it tests those of the event's source whose event
// types (Alerting.Types) include the event's, and those that can match any type, in the
// order they were added, as Falco indexes rules by source and event type. The conditions
// share their common sub-expressions per event (eval.Memo), so an Index serves one goroutine.
type Index struct {
	sources map[string]*typeIndex
	memo    *eval.Memo
	match   []func(*state.Event) bool // by position
}

type typeIndex struct {
	byType map[string][]int
	any    []int
	merged map[string][]int // by type: byType's rules and any's, in order (made on first use)
}

// Add adds rule a under its position n (positions grow as rules are added).
func (x *Index) Add(n int, a *Alerting) {
	if x.sources == nil {
		x.sources = map[string]*typeIndex{}
		x.memo = eval.NewMemo()
	}
	match := a.Match
	if a.cond != nil {
		// The same checked condition compiled once already (a.Match), so the shared
		// compilation cannot fail; a.Match stays as the fallback all the same.
		if m, err := a.cond.Matcher(x.memo); err == nil {
			match = m
		}
	}
	for len(x.match) <= n {
		x.match = append(x.match, nil)
	}
	x.match[n] = match
	t := x.sources[a.Rule.Source]
	if t == nil {
		t = &typeIndex{byType: map[string][]int{}}
		x.sources[a.Rule.Source] = t
	}
	t.merged = nil
	if a.Types == nil {
		t.any = append(t.any, n)
		return
	}
	for _, ty := range a.Types {
		t.byType[ty] = append(t.byType[ty], n)
	}
}

// Matching yields, in order, the positions of the rules whose condition ev meets.
func (x *Index) Matching(ev *state.Event) iter.Seq[int] {
	return func(yield func(int) bool) {
		if x.memo == nil {
			return
		}
		x.memo.Next()
		for _, n := range x.candidates(ev) {
			if x.match[n](ev) && !yield(n) {
				return
			}
		}
	}
}

// candidates returns the positions of the rules to test on ev, in order (a slice the index
// keeps: the caller does not change it).
func (x *Index) candidates(ev *state.Event) []int {
	t := x.sources[EventSource(ev)]
	if t == nil {
		return nil
	}
	ty := fields.EventType(ev)
	if m, ok := t.merged[ty]; ok {
		return m
	}
	m := t.any
	if typed := t.byType[ty]; len(t.any) == 0 {
		m = typed
	} else if len(typed) > 0 {
		m = slices.Concat(t.any, typed)
		slices.Sort(m)
	}
	if t.merged == nil {
		t.merged = map[string][]int{} // one entry per event type at most
	}
	t.merged[ty] = m
	return m
}
