// Package rules loads Falco rules files (lists, macros, rules, exceptions, append and
// override) the way Falco's rule loader does, and translates each rule's condition to SQL.
//
//	rs, err := rules.Load("falco_rules.yaml", "custom.yaml")
//	for _, r := range rs.Check() { ... r.Rule.Name, r.SQL, r.Err ... }
//	sql, err := translate.Translate("spawned_process and shell_procs", translate.Options{Resolver: rs})
//
// Lists are substituted into conditions as text before parsing and macros are expanded as
// syntax trees, each macro seeing only the macros defined before it (rule_loader_compiler.cpp).
package rules

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	yast "github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/scapql/scapql/translate"
	"github.com/scapql/scapql/translate/ast"
	"github.com/scapql/scapql/translate/diag"
	"github.com/scapql/scapql/translate/falco"
)

// Ruleset is the merged content of one or more rules files.
type Ruleset struct {
	Limits Limits // zero fields mean DefaultLimits'

	lists    []*List
	macros   []*Macro
	rules    []*Rule
	byList   map[string]*List
	byMacro  map[string]*Macro
	byRule   map[string]*Rule
	index    uint32 // definition counter, for macro visibility
	items    int    // items read, against Limits.MaxItems
	compiled bool
	expanded []translate.List        // Lists(), while compiled
	expander *translate.ListExpander // over expanded, while compiled
	Warnings []string
	loading  []string       // warnings of Add, each once per cause
	warned   map[string]int // warning cause → index in loading
	repeats  []int          // per warning of Add, how many more times its cause occurred
}

// List is a Falco list.
type List struct {
	Name  string
	Items []string
	Pos   Pos
	index uint32
	vis   uint32
}

// Macro is a Falco macro.
type Macro struct {
	Name      string
	Condition string
	Pos       Pos
	index     uint32
	vis       uint32
	parsed    *translate.Macro // condition with lists substituted, parsed, or the error
}

// Rule is a Falco rule.
type Rule struct {
	Name       string
	Desc       string
	Condition  string // as written (appends included), without exceptions
	Output     string
	Priority   string
	Source     string // event source; syscall, aws_cloudtrail and k8s_audit rules translate
	Enabled    bool
	Tags       []string
	Exceptions []Exception
	Pos        Pos
}

// Exception is a rule exception: Fields (one field, or a list), Comps, and Values.
type Exception struct {
	Name         string
	Fields       []string
	FieldsIsList bool
	Comps        []string
	Values       []Value
}

// Value is an exception value: a string, or a list of values.
type Value struct {
	Item   string
	Items  []Value
	IsList bool
}

// Pos locates an item in a rules file.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Load reads rules files in order with DefaultLimits; later files may append to or override
// earlier items.
func Load(paths ...string) (*Ruleset, error) {
	return LoadWith(Limits{}, paths...)
}

// LoadWith is Load with limits (zero fields take DefaultLimits').
func LoadWith(limits Limits, paths ...string) (*Ruleset, error) {
	rs := &Ruleset{Limits: limits}
	for _, p := range paths {
		data, err := readLimited(p, rs.limits().MaxBytes)
		if err != nil {
			return nil, fmt.Errorf("rules: %w", err)
		}
		if err := rs.Add(p, data); err != nil {
			return nil, err
		}
	}
	rs.compile() // report broken macros as warnings now
	return rs, nil
}

// Add merges one rules file's content.
func (rs *Ruleset) Add(name string, data []byte) error {
	lim := rs.limits()
	if int64(len(data)) > lim.MaxBytes {
		return fmt.Errorf("rules: %s: %w", name, tooBig(int64(len(data)), lim.MaxBytes))
	}
	if err := prescan(data, lim, rs.items); err != nil {
		return fmt.Errorf("rules: %s:%w", name, err)
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return yamlError(name, err)
	}
	rs.compiled = false
	for _, doc := range f.Docs {
		if doc.Body == nil {
			continue
		}
		if aliases := yast.Filter(yast.AliasType, doc.Body); len(aliases) > 0 {
			return fmt.Errorf("rules: %s:%d: YAML aliases (*name) are not supported in rules files", name, line(aliases[0]))
		}
		seq, ok := doc.Body.(*yast.SequenceNode)
		if !ok {
			return fmt.Errorf("rules: %s:%d: the file must be a YAML sequence of items", name, line(doc.Body))
		}
		for _, n := range seq.Values {
			pos := Pos{File: name, Line: line(n)}
			if rs.items++; rs.items > lim.MaxItems {
				return fmt.Errorf("rules: %s: more than %d items (lists, macros and rules) in all; --rules-max-items raises the limit", pos, lim.MaxItems)
			}
			var item map[string]any
			if err := yaml.NodeToValue(n, &item); err != nil {
				return fmt.Errorf("rules: %s: %w", pos, err)
			}
			if item == nil {
				return fmt.Errorf("rules: %s: each item must be a mapping", pos)
			}
			if err := rs.addItem(item, pos); err != nil {
				return fmt.Errorf("rules: %s: %w", pos, err)
			}
		}
	}
	return nil
}

func line(n yast.Node) int {
	if t := n.GetToken(); t != nil && t.Position != nil {
		return t.Position.Line
	}
	return 0
}

func (rs *Ruleset) addItem(item map[string]any, pos Pos) error {
	switch {
	case has(item, "required_engine_version"):
		return checkEngineVersion(item)
	case has(item, "required_plugin_versions"):
		return nil
	case has(item, "list"):
		return rs.addList(item, pos)
	case has(item, "macro"):
		return rs.addMacro(item, pos)
	case has(item, "rule"):
		return rs.addRule(item, pos)
	}
	keys := make([]string, 0, len(item))
	for k := range item {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rs.warn(fmt.Sprintf("unknown item with keys %v, skipped", keys), pos)
	return nil
}

// warn records a warning of loading once per cause, counting its repeats.
func (rs *Ruleset) warn(cause string, pos Pos) {
	if i, ok := rs.warned[cause]; ok {
		rs.repeats[i]++
		return
	}
	if rs.warned == nil {
		rs.warned = map[string]int{}
	}
	rs.warned[cause] = len(rs.loading)
	rs.loading = append(rs.loading, pos.String()+": "+cause)
	rs.repeats = append(rs.repeats, 0)
	rs.Warnings = append(rs.Warnings, pos.String()+": "+cause)
}

func has(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

func str(m map[string]any, k string) (string, error) {
	v, ok := m[k]
	if !ok || v == nil {
		return "", nil
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(v), nil
	}
	return "", fmt.Errorf("%s must be a string", k)
}

func boolean(m map[string]any, k string, def bool) (bool, error) {
	v, ok := m[k]
	if !ok || v == nil {
		return def, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("%s must be true or false", k)
	}
	return b, nil
}

func strList(v any, what string) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	seq, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s must be a list", what)
	}
	out := make([]string, 0, len(seq))
	for _, x := range seq {
		switch x := x.(type) {
		case string:
			out = append(out, x)
		case int, int64, uint64, float64, bool:
			out = append(out, fmt.Sprint(x))
		default:
			return nil, fmt.Errorf("%s must hold strings", what)
		}
	}
	return out, nil
}

// overrides reads `override: {key: append|replace}`.
func overrides(item map[string]any, allowed ...string) (map[string]string, error) {
	v, ok := item["override"]
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("override must be a mapping")
	}
	out := map[string]string{}
	for k, x := range m {
		s, _ := x.(string)
		if s != "append" && s != "replace" {
			return nil, fmt.Errorf("override of %s must be append or replace", k)
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			return nil, fmt.Errorf("%s cannot be overridden", k)
		}
		if !has(item, k) {
			return nil, fmt.Errorf("an override for %q was specified but %q is not defined", k, k)
		}
		out[k] = s
	}
	return out, nil
}

func (rs *Ruleset) next() uint32 {
	i := rs.index
	rs.index++
	return i
}

func (rs *Ruleset) findList(name string) *List { return rs.byList[name] }

func (rs *Ruleset) findMacro(name string) *Macro { return rs.byMacro[name] }

// findRule returns the named rule.
func (rs *Ruleset) findRule(name string) *Rule { return rs.byRule[name] }

func (rs *Ruleset) addList(item map[string]any, pos Pos) error {
	name, err := str(item, "list")
	if err != nil {
		return err
	}
	items, err := strList(item["items"], "items")
	if err != nil {
		return fmt.Errorf("list %s: %w", name, err)
	}
	appendFlag, err := boolean(item, "append", false)
	if err != nil {
		return err
	}
	ov, err := overrides(item, "items")
	if err != nil {
		return fmt.Errorf("list %s: %w", name, err)
	}
	if appendFlag && ov != nil {
		return fmt.Errorf("list %s: append and override cannot be used together", name)
	}
	prev := rs.findList(name)
	if appendFlag || ov["items"] == "append" {
		if prev == nil {
			return fmt.Errorf("list %s: append to a list that is not defined", name)
		}
		prev.Items = append(prev.Items, items...)
		prev.vis = rs.next()
		return nil
	}
	id := rs.next()
	l := &List{Name: name, Items: items, Pos: pos, index: id, vis: id}
	if prev != nil {
		l.index = prev.index
		*prev = *l
		return nil
	}
	rs.lists = append(rs.lists, l)
	if rs.byList == nil {
		rs.byList = map[string]*List{}
	}
	rs.byList[name] = l
	return nil
}

func (rs *Ruleset) addMacro(item map[string]any, pos Pos) error {
	name, err := str(item, "macro")
	if err != nil {
		return err
	}
	cond, err := str(item, "condition")
	if err != nil {
		return fmt.Errorf("macro %s: %w", name, err)
	}
	if !has(item, "condition") {
		return fmt.Errorf("macro %s: condition is missing", name)
	}
	appendFlag, err := boolean(item, "append", false)
	if err != nil {
		return err
	}
	ov, err := overrides(item, "condition")
	if err != nil {
		return fmt.Errorf("macro %s: %w", name, err)
	}
	if appendFlag && ov != nil {
		return fmt.Errorf("macro %s: append and override cannot be used together", name)
	}
	prev := rs.findMacro(name)
	if appendFlag || ov["condition"] == "append" {
		if prev == nil {
			return fmt.Errorf("macro %s: append to a macro that is not defined", name)
		}
		prev.Condition += " " + cond
		prev.vis = rs.next()
		return nil
	}
	id := rs.next()
	m := &Macro{Name: name, Condition: cond, Pos: pos, index: id, vis: id}
	if prev != nil {
		m.index = prev.index
		*prev = *m
		return nil
	}
	rs.macros = append(rs.macros, m)
	if rs.byMacro == nil {
		rs.byMacro = map[string]*Macro{}
	}
	rs.byMacro[name] = m
	return nil
}

func (rs *Ruleset) addRule(item map[string]any, pos Pos) error {
	name, err := str(item, "rule")
	if err != nil {
		return err
	}
	appendFlag, err := boolean(item, "append", false)
	if err != nil {
		return err
	}
	ov, err := overrides(item, "condition", "output", "desc", "priority", "tags", "exceptions", "enabled",
		"warn_evttypes", "skip-if-unknown-filter")
	if err != nil {
		return fmt.Errorf("rule %s: %w", name, err)
	}
	if appendFlag && ov != nil {
		return fmt.Errorf("rule %s: append and override cannot be used together", name)
	}
	prev := rs.findRule(name)
	upd, err := decodeRule(item, name, pos)
	if err != nil {
		return err
	}
	switch {
	case ov != nil:
		if prev == nil {
			return fmt.Errorf("rule %s: override of a rule that is not defined", name)
		}
		for k, how := range ov {
			if how == "append" && (k == "priority" || k == "enabled" || k == "warn_evttypes" || k == "skip-if-unknown-filter") {
				return fmt.Errorf("rule %s: %s can only be replaced", name, k)
			}
			applyOverride(prev, upd, k, how)
		}
		rs.next()
	case appendFlag:
		if prev == nil {
			return fmt.Errorf("rule %s: append to a rule that is not defined", name)
		}
		if upd.Condition != "" {
			prev.Condition += " " + upd.Condition
		}
		prev.Exceptions = appendExceptions(prev.Exceptions, upd.Exceptions)
		rs.next()
	case !has(item, "condition") && !has(item, "output") && !has(item, "desc") && !has(item, "priority"):
		// An item with only `enabled` toggles an existing rule.
		if prev == nil {
			return fmt.Errorf("rule %s: has 'enabled' but no rule by that name exists", name)
		}
		prev.Enabled = upd.Enabled
	default:
		if !has(item, "condition") {
			return fmt.Errorf("rule %s: condition is missing", name)
		}
		rs.next()
		if prev != nil {
			*prev = *upd
			return nil
		}
		rs.rules = append(rs.rules, upd)
		if rs.byRule == nil {
			rs.byRule = map[string]*Rule{}
		}
		rs.byRule[name] = upd
	}
	return nil
}

func decodeRule(item map[string]any, name string, pos Pos) (*Rule, error) {
	r := &Rule{Name: name, Pos: pos, Source: "syscall"}
	var err error
	get := func(k string) string {
		if err != nil {
			return ""
		}
		var s string
		s, err = str(item, k)
		return s
	}
	r.Desc, r.Condition, r.Output, r.Priority = get("desc"), get("condition"), get("output"), get("priority")
	if s := get("source"); s != "" {
		r.Source = s
	}
	if err != nil {
		return nil, fmt.Errorf("rule %s: %w", name, err)
	}
	if r.Enabled, err = boolean(item, "enabled", true); err != nil {
		return nil, fmt.Errorf("rule %s: %w", name, err)
	}
	if r.Tags, err = strList(item["tags"], "tags"); err != nil {
		return nil, fmt.Errorf("rule %s: %w", name, err)
	}
	if r.Exceptions, err = decodeExceptions(item["exceptions"]); err != nil {
		return nil, fmt.Errorf("rule %s: %w", name, err)
	}
	return r, nil
}

func applyOverride(prev, upd *Rule, key, how string) {
	app := how == "append"
	switch key {
	case "condition":
		if app {
			prev.Condition += " " + upd.Condition
		} else {
			prev.Condition = upd.Condition
		}
	case "output":
		if app {
			prev.Output += " " + upd.Output
		} else {
			prev.Output = upd.Output
		}
	case "desc":
		if app {
			prev.Desc += " " + upd.Desc
		} else {
			prev.Desc = upd.Desc
		}
	case "tags":
		if app {
			prev.Tags = append(prev.Tags, upd.Tags...)
		} else {
			prev.Tags = upd.Tags
		}
	case "exceptions":
		if app {
			prev.Exceptions = appendExceptions(prev.Exceptions, upd.Exceptions)
		} else {
			prev.Exceptions = upd.Exceptions
		}
	case "priority":
		prev.Priority = upd.Priority
	case "enabled":
		prev.Enabled = upd.Enabled
	}
}

// appendExceptions adds new exceptions, and the values of ones with a known name.
func appendExceptions(prev, add []Exception) []Exception {
	for _, ex := range add {
		found := false
		for i := range prev {
			if prev[i].Name == ex.Name {
				prev[i].Values = append(prev[i].Values, ex.Values...)
				found = true
			}
		}
		if !found {
			prev = append(prev, ex)
		}
	}
	return prev
}

func decodeExceptions(v any) ([]Exception, error) {
	if v == nil {
		return nil, nil
	}
	seq, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("exceptions must be a sequence")
	}
	var out []Exception
	for _, x := range seq {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("each exception must be a mapping")
		}
		name, err := str(m, "name")
		if err != nil {
			return nil, err
		}
		ex := Exception{Name: name}
		switch f := m["fields"].(type) {
		case nil:
		case string:
			ex.Fields = []string{f}
		case []any:
			ex.FieldsIsList = true
			if ex.Fields, err = strList(f, "exception fields"); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("exception %s: fields must be a string or a list", name)
		}
		switch c := m["comps"].(type) {
		case nil:
			if ex.FieldsIsList {
				for range ex.Fields {
					ex.Comps = append(ex.Comps, "=")
				}
			} else {
				ex.Comps = []string{"in"}
			}
		case string:
			ex.Comps = []string{c}
		case []any:
			if ex.Comps, err = strList(c, "exception comps"); err != nil {
				return nil, err
			}
		}
		if ex.FieldsIsList && len(ex.Comps) != len(ex.Fields) {
			return nil, fmt.Errorf("exception %s: fields and comps lists must have equal length", name)
		}
		if !ex.FieldsIsList && (len(ex.Comps) == 0 || ex.Comps[0] != "in" && ex.Comps[0] != "pmatch" && ex.Comps[0] != "intersects") {
			return nil, fmt.Errorf("exception %s: when fields is a single value, comps must be one of in, pmatch, intersects", name)
		}
		if vals, ok := m["values"]; ok && vals != nil {
			list, ok := vals.([]any)
			if !ok {
				return nil, fmt.Errorf("exception %s: values must be a sequence", name)
			}
			for _, v := range list {
				ex.Values = append(ex.Values, decodeValue(v))
			}
		}
		out = append(out, ex)
	}
	return out, nil
}

func decodeValue(v any) Value {
	if seq, ok := v.([]any); ok {
		out := Value{IsList: true}
		for _, x := range seq {
			out.Items = append(out.Items, decodeValue(x))
		}
		return out
	}
	if v == nil {
		return Value{}
	}
	return Value{Item: fmt.Sprint(v)}
}

// quoteItem wraps an item with a space in double quotes, as Falco does (no other escaping).
func quoteItem(s string) string {
	if strings.Contains(s, " ") && s[0] != '"' && s[0] != '\'' {
		return `"` + s + `"`
	}
	return s
}

// FullCondition returns the rule's condition with its exceptions appended as Falco builds them
// (build_rule_exception_infos): (cond) and not ((f1 op v1 and f2 op v2) or ...).
func (r *Rule) FullCondition() string {
	if len(r.Exceptions) == 0 {
		return r.Condition
	}
	cond := "(" + r.Condition + ")"
	for _, ex := range r.Exceptions {
		if len(ex.Fields) == 0 || len(ex.Comps) < len(ex.Fields) {
			continue // an exception without fields (or comparisons for them) matches nothing
		}
		var icond string
		if !ex.FieldsIsList {
			for _, v := range ex.Values {
				if v.IsList {
					continue // Falco rejects this; the rule check reports the condition as is
				}
				if icond == "" {
					icond = "(" + ex.Fields[0] + " " + ex.Comps[0] + " ("
				} else {
					icond += ", "
				}
				icond += quoteItem(v.Item)
			}
			if icond != "" {
				icond += "))"
			}
		} else {
			icond = "("
			for _, vals := range ex.Values {
				if len(vals.Items) != len(ex.Fields) {
					continue
				}
				if icond != "(" {
					icond += " or "
				}
				icond += "("
				for k, field := range ex.Fields {
					if k > 0 {
						icond += " and "
					}
					var istr string
					if vals.Items[k].IsList {
						istr = "("
						for i, it := range vals.Items[k].Items {
							if i > 0 {
								istr += ", "
							}
							istr += quoteItem(it.Item)
						}
						istr += ")"
					} else {
						istr = vals.Items[k].Item
						if c := ex.Comps[k]; c == "in" || c == "intersects" || c == "pmatch" {
							if !strings.HasPrefix(istr, "(") {
								istr = "(" + istr + ")"
							}
						} else if istr != "" {
							istr = quoteItem(istr)
						}
					}
					icond += " " + field + " " + ex.Comps[k] + " " + istr
				}
				icond += ")"
			}
			icond += ")"
			if icond == "()" {
				icond = ""
			}
		}
		if icond != "" {
			cond += " and not " + icond
		}
	}
	return cond
}

// compile prepares lists (items naming an earlier list are replaced by its items) and
// parses macros, reporting macros that fail as warnings: one per cause, with the number of
// macros that fail because they use it. Each macro is validated once, from the results of the
// macros it uses, so a file loads in time linear in its size.
func (rs *Ruleset) compile() {
	if rs.compiled {
		return
	}
	rs.compiled = true
	rs.expanded = nil
	rs.expanded = rs.Lists()
	rs.expander = translate.NewListExpander(rs.expanded)
	for _, m := range rs.macros {
		cond := rs.expander.Expand(m.Condition)
		m.parsed = &translate.Macro{Name: m.Name, Condition: cond}
		e, err := falco.Parse(cond, translate.DefaultMaxDepth)
		if err != nil {
			m.parsed.Err = err
			continue
		}
		m.parsed.Expr = e
	}
	rs.Warnings = rs.Warnings[:0]
	for i, w := range rs.loading {
		if n := rs.repeats[i]; n > 0 {
			w += fmt.Sprintf(" (and %d more like it)", n)
		}
		rs.Warnings = append(rs.Warnings, w)
	}
	v := validator{rs: rs, state: make(map[*Macro]*macroState, len(rs.macros))}
	for _, m := range rs.macros {
		v.check(m)
	}
	// One warning per failing macro whose failure is its own, counting the macros that fail
	// only because they use it.
	uses := map[*Macro]int{}
	for _, m := range rs.macros {
		if st := v.state[m]; st.root != nil && st.root != m {
			uses[st.root]++
		}
	}
	for _, m := range rs.macros {
		st := v.state[m]
		if st.root != m {
			continue
		}
		w := fmt.Sprintf("%s: macro %s: %v", m.Pos, m.Name, m.parsed.Err)
		if n := uses[m]; n > 0 {
			w += fmt.Sprintf("\n  (%d more macros fail because they use %s)", n, m.Name)
		}
		rs.Warnings = append(rs.Warnings, w)
	}
}

// macroState is what validation found of one macro.
type macroState struct {
	busy, done bool
	depth      int    // longest chain of macro references below it
	nodes      int    // size once expanded
	root       *Macro // the macro whose own failure makes this one fail (itself, or one it uses)
}

type validator struct {
	rs    *Ruleset
	state map[*Macro]*macroState
}

// check validates m from the macros it uses (each validated once) and records the first
// failure in m.parsed.Err: unparsable, an undefined or later macro, a reference cycle, too
// deep a chain of macros, or too large once expanded.
func (v validator) check(m *Macro) *macroState {
	st := v.state[m]
	if st == nil {
		st = &macroState{}
		v.state[m] = st
	}
	if st.done || st.busy {
		return st
	}
	st.busy = true
	defer func() { st.busy, st.done = false, true }()
	if m.parsed.Err != nil {
		st.root = m
		return st
	}
	src := m.parsed.Condition
	fail := func(err error) *macroState {
		m.parsed.Err, st.root = err, m
		return st
	}
	var err error
	walkRefs(m.parsed.Expr, func(ref *ast.MacroRef) bool {
		u := v.rs.findMacro(ref.Name)
		if u == nil || u.index >= m.vis {
			err = diag.Errorf(src, ref.Pos(), ref.End(), "undefined macro %s", ref.Name)
			return false
		}
		if us := v.state[u]; us != nil && us.busy {
			err = diag.Errorf(src, ref.Pos(), ref.End(), "macro %s refers to itself", ref.Name)
			return false
		}
		us := v.check(u)
		if us.root != nil {
			st.root = us.root
			m.parsed.Err = fmt.Errorf("uses macro %s, which fails (%s: macro %s: %s)", u.Name, us.root.Pos, us.root.Name, oneLine(us.root.parsed.Err))
			return false
		}
		st.depth = max(st.depth, us.depth+1)
		st.nodes += us.nodes
		if st.depth > translate.DefaultMaxDepth {
			err = diag.Errorf(src, ref.Pos(), ref.End(), "macros nest deeper than the limit of %d", translate.DefaultMaxDepth)
			return false
		}
		if st.nodes > translate.MaxExpandedNodes {
			err = diag.Errorf(src, ref.Pos(), ref.End(), "macro expansion is larger than %d nodes", translate.MaxExpandedNodes)
			return false
		}
		return true
	}, &st.nodes)
	if err != nil {
		return fail(err)
	}
	return st
}

// yamlError is the YAML parser's error as one line, FILE:LINE:COLUMN: message. The parser's
// own text quotes the source around the error, at a cost quadratic in the length of a long
// line (seconds for a few hundred kilobytes).
func yamlError(name string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			return fmt.Errorf("rules: %s:%d:%d: %s", name, tk.Position.Line, tk.Position.Column, ye.GetMessage())
		}
		return fmt.Errorf("rules: %s: %s", name, ye.GetMessage())
	}
	return fmt.Errorf("rules: %s: %w", name, err)
}

// oneLine is an error's message without the caret rendering.
func oneLine(err error) string {
	var de *diag.Error
	if errors.As(err, &de) {
		return de.Msg
	}
	return err.Error()
}

// walkRefs calls f on each macro reference of e, in order, while f returns true, and counts
// the nodes it visits into *nodes.
func walkRefs(e ast.Expr, f func(*ast.MacroRef) bool, nodes *int) bool {
	*nodes++
	switch e := e.(type) {
	case *ast.Logical:
		for _, o := range e.Operands {
			if !walkRefs(o, f, nodes) {
				return false
			}
		}
	case *ast.Not:
		return walkRefs(e.X, f, nodes)
	case *ast.Paren:
		return walkRefs(e.X, f, nodes)
	case *ast.Macro:
		return walkRefs(e.Body, f, nodes)
	case *ast.MacroRef:
		return f(e)
	}
	return true
}

// Lists returns the lists in definition order, each item that names an earlier list replaced
// by that list's items (compile_list_infos).
func (rs *Ruleset) Lists() []translate.List {
	if rs.compiled && rs.expanded != nil {
		return rs.expanded
	}
	out := make([]translate.List, 0, len(rs.lists))
	for _, l := range rs.lists {
		var items []string
		for _, it := range l.Items {
			if ref := rs.findList(it); ref != nil && ref.index < l.vis {
				items = append(items, ref.Items...)
				continue
			}
			items = append(items, it)
		}
		out = append(out, translate.List{Name: l.Name, Items: items})
	}
	return out
}

// ExpandLists substitutes the lists into a condition (translate.ExpandLists, prepared once).
func (rs *Ruleset) ExpandLists(cond string) string {
	rs.compile()
	return rs.expander.Expand(cond)
}

// Macro resolves a macro for a rule condition (every macro is visible to rules).
func (rs *Ruleset) Macro(name string) (*translate.Macro, bool) {
	rs.compile()
	m := rs.findMacro(name)
	if m == nil {
		return nil, false
	}
	return m.parsed, true
}

// Rules returns the rules in definition order.
func (rs *Ruleset) Rules() []*Rule { return rs.rules }

// Macros returns the macros in definition order.
func (rs *Ruleset) Macros() []*Macro { return rs.macros }

// Result is the translation of one rule.
type Result struct {
	Rule      *Rule
	Condition string // the condition with exceptions, before list substitution
	SQL       string
	Err       error // why it does not translate
}

// Translate translates one rule's condition (with exceptions) to SQL.
func (rs *Ruleset) Translate(r *Rule) (string, error) {
	rs.compile()
	if !SupportedSource(r.Source) {
		return "", fmt.Errorf("rule %q: source %q is not supported (only syscall, aws_cloudtrail and k8s_audit rules)", r.Name, r.Source)
	}
	sql, err := translate.Translate(r.FullCondition(), translate.Options{Dialect: translate.Falco, Resolver: rs})
	if err != nil {
		return "", fmt.Errorf("rule %q: %w", r.Name, err)
	}
	return sql, nil
}

// SupportedSource reports whether rules of an event source translate: syscall rules run on
// the events table, aws_cloudtrail and k8s_audit rules on the cloudtrail and k8saudit tables.
func SupportedSource(source string) bool {
	switch source {
	case "syscall", "aws_cloudtrail", "k8s_audit":
		return true
	}
	return false
}

// Check translates every rule.
func (rs *Ruleset) Check() []Result {
	out := make([]Result, 0, len(rs.rules))
	for _, r := range rs.rules {
		sql, err := rs.Translate(r)
		out = append(out, Result{Rule: r, Condition: r.FullCondition(), SQL: sql, Err: err})
	}
	return out
}
