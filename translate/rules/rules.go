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
	"fmt"
	"os"
	"strings"

	"github.com/goccy/go-yaml"
	yast "github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/scapql/scapql/translate"
	"github.com/scapql/scapql/translate/falco"
)

// Ruleset is the merged content of one or more rules files.
type Ruleset struct {
	lists    []*List
	macros   []*Macro
	rules    []*Rule
	index    uint32 // definition counter, for macro visibility
	compiled bool
	Warnings []string
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

// Load reads rules files in order; later files may append to or override earlier items.
func Load(paths ...string) (*Ruleset, error) {
	rs := &Ruleset{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
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
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return fmt.Errorf("rules: %s: %w", name, err)
	}
	rs.compiled = false
	for _, doc := range f.Docs {
		if doc.Body == nil {
			continue
		}
		seq, ok := doc.Body.(*yast.SequenceNode)
		if !ok {
			return fmt.Errorf("rules: %s:%d: the file must be a YAML sequence of items", name, line(doc.Body))
		}
		for _, n := range seq.Values {
			pos := Pos{File: name, Line: line(n)}
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
	case has(item, "required_engine_version"), has(item, "required_plugin_versions"):
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
	rs.Warnings = append(rs.Warnings, fmt.Sprintf("%s: unknown item with keys %v, skipped", pos, keys))
	return nil
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

func (rs *Ruleset) findList(name string) *List {
	for _, l := range rs.lists {
		if l.Name == name {
			return l
		}
	}
	return nil
}

func (rs *Ruleset) findMacro(name string) *Macro {
	for _, m := range rs.macros {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// findRule returns the named rule.
func (rs *Ruleset) findRule(name string) *Rule {
	for _, r := range rs.rules {
		if r.Name == name {
			return r
		}
	}
	return nil
}

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
// parses macros, reporting macros that fail as warnings.
func (rs *Ruleset) compile() {
	if rs.compiled {
		return
	}
	rs.compiled = true
	for _, m := range rs.macros {
		cond := translate.ExpandLists(m.Condition, rs.Lists())
		m.parsed = &translate.Macro{Name: m.Name, Condition: cond}
		e, err := falco.Parse(cond, translate.DefaultMaxDepth)
		if err != nil {
			m.parsed.Err = err
			rs.Warnings = append(rs.Warnings, fmt.Sprintf("%s: macro %s: %v", m.Pos, m.Name, err))
			continue
		}
		m.parsed.Expr = e
	}
	// A macro may only use the macros defined before it.
	for _, m := range rs.macros {
		if m.parsed.Err != nil {
			continue
		}
		if _, err := translate.ExpandMacros(m.parsed.Expr, m.parsed.Condition, visible{rs, m.vis}, translate.DefaultMaxDepth); err != nil {
			m.parsed.Err = err
			rs.Warnings = append(rs.Warnings, fmt.Sprintf("%s: macro %s: %v", m.Pos, m.Name, err))
		}
	}
}

// Lists returns the lists in definition order, each item that names an earlier list replaced
// by that list's items (compile_list_infos).
func (rs *Ruleset) Lists() []translate.List {
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

// Macro resolves a macro for a rule condition (every macro is visible to rules).
func (rs *Ruleset) Macro(name string) (*translate.Macro, bool) {
	rs.compile()
	m := rs.findMacro(name)
	if m == nil {
		return nil, false
	}
	return m.parsed, true
}

// visible resolves macros with a definition index below a macro's visibility.
type visible struct {
	rs  *Ruleset
	vis uint32
}

func (v visible) Lists() []translate.List { return v.rs.Lists() }

func (v visible) Macro(name string) (*translate.Macro, bool) {
	m := v.rs.findMacro(name)
	if m == nil || m.index >= v.vis {
		return nil, false
	}
	// Validated macros are checked separately; here the raw parse is enough.
	return &translate.Macro{Name: m.Name, Condition: m.parsed.Condition, Expr: m.parsed.Expr, Err: parseErr(m)}, true
}

func parseErr(m *Macro) error {
	if m.parsed.Expr == nil {
		return m.parsed.Err
	}
	return nil
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
