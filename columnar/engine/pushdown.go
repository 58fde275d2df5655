package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/scapql/scapql/columnar"
	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/state"
)

// Pushing a question's WHERE into the pass. Inserting rows into DuckDB costs more than
// reading and building them, so a question that keeps few events ("... WHERE evt.type =
// 'connect'") is answered fastest by inserting only the events that can match. A statement
// qualifies when DuckDB's parse tree shows one SELECT reading the table events once, as its
// only table; the conjuncts of its WHERE (and of the filter set with SetFilter) that compare
// members with constants become a row condition (rowCond) the pass applies to each built
// batch. Conjuncts it cannot evaluate are left out, which only keeps more rows: the statement
// still runs its whole WHERE, so the answer is the same.

// tri is a three-valued truth value, as SQL's: a row is kept when its condition is triTrue.
type tri int8

const (
	triFalse tri = iota
	triTrue
	triNull
)

// rowCond is a condition over a flattened batch's member columns (named "struct.member").
type rowCond interface {
	// eval sets out[i] to the condition's value on row i of b.
	eval(b arrow.RecordBatch, out []tri) error
	// key is a canonical text of the condition, to find a table built under it again.
	key() string
	// members adds the members the condition reads.
	members(m map[string]bool)
}

// pushable returns the row condition of a statement's parse tree (serialize's document), and
// whether the statement qualifies: a single SELECT whose only table, named once, is events.
func pushable(doc map[string]any) (rowCond, bool) {
	node := onlySelect(doc)
	if node == nil {
		return nil, false
	}
	if cte, _ := node["cte_map"].(map[string]any); cte != nil {
		if m, _ := cte["map"].([]any); len(m) > 0 {
			return nil, false
		}
	}
	from, _ := node["from_table"].(map[string]any)
	if from == nil || from["type"] != "BASE_TABLE" || from["sample"] != nil ||
		!strings.EqualFold(str(from["table_name"]), "events") || str(from["schema_name"]) != "" || str(from["catalog_name"]) != "" {
		return nil, false
	}
	if aliases, _ := from["column_name_alias"].([]any); len(aliases) > 0 || from["at_clause"] != nil || countTables(node) != 1 {
		return nil, false // renamed columns, time travel, or another table
	}
	alias := str(from["alias"])
	if alias == "" {
		alias = "events"
	}
	c := conjuncts(node["where_clause"], alias)
	return c, c != nil
}

// filterCond is the row condition of the filter set with SetFilter, given as the parse tree
// of "SELECT 1 FROM events WHERE filter" (nil: none).
func filterCond(doc map[string]any) rowCond {
	node := onlySelect(doc)
	if node == nil {
		return nil
	}
	return conjuncts(node["where_clause"], "events")
}

// onlySelect is the SELECT node of a parse tree of one SELECT statement, nil otherwise.
func onlySelect(doc map[string]any) map[string]any {
	stmts, _ := doc["statements"].([]any)
	if len(stmts) != 1 {
		return nil
	}
	st, _ := stmts[0].(map[string]any)
	node, _ := st["node"].(map[string]any)
	if node == nil || node["type"] != "SELECT_NODE" {
		return nil
	}
	return node
}

// countTables counts the table references below a node (base tables and table functions).
func countTables(n any) int {
	switch n := n.(type) {
	case []any:
		k := 0
		for _, x := range n {
			k += countTables(x)
		}
		return k
	case map[string]any:
		k := 0
		if n["type"] == "BASE_TABLE" || n["type"] == "TABLE_FUNCTION" {
			k++
		}
		for _, v := range n {
			k += countTables(v)
		}
		return k
	}
	return 0
}

// conjuncts is the condition of the conjuncts of where that can be evaluated (nil: none).
func conjuncts(where any, alias string) rowCond {
	w, _ := where.(map[string]any)
	if w == nil {
		return nil
	}
	var parts []any
	if w["type"] == "CONJUNCTION_AND" {
		parts, _ = w["children"].([]any)
	} else {
		parts = []any{w}
	}
	var keep []rowCond
	for _, p := range parts {
		if c := condOf(p, alias); c != nil {
			keep = append(keep, c)
		}
	}
	return andOf(keep)
}

// andOf is the conjunction of conds (nil for none).
func andOf(conds []rowCond) rowCond {
	switch len(conds) {
	case 0:
		return nil
	case 1:
		return conds[0]
	}
	return &junction{and: true, kids: conds}
}

// condOf turns a boolean expression of the parse tree into a row condition; nil when any
// part of it is beyond what the pass can evaluate.
func condOf(x any, alias string) rowCond {
	n, _ := x.(map[string]any)
	if n == nil {
		return nil
	}
	children, _ := n["children"].([]any)
	switch n["type"] {
	case "CONJUNCTION_AND", "CONJUNCTION_OR":
		j := &junction{and: n["type"] == "CONJUNCTION_AND"}
		for _, k := range children {
			c := condOf(k, alias)
			if c == nil {
				return nil
			}
			j.kids = append(j.kids, c)
		}
		if len(j.kids) == 0 {
			return nil
		}
		return j
	case "OPERATOR_NOT":
		if len(children) != 1 {
			return nil
		}
		if c := condOf(children[0], alias); c != nil {
			return &negation{c}
		}
		return nil
	case "OPERATOR_IS_NULL", "OPERATOR_IS_NOT_NULL":
		if len(children) != 1 {
			return nil
		}
		if m := memberOf(children[0], alias); m != nil {
			return &isNull{col: m, not: n["type"] == "OPERATOR_IS_NOT_NULL"}
		}
		return nil
	case "COLUMN_REF":
		if m := memberOf(n, alias); m != nil && m.Type == columnar.Bool {
			return &compare{col: m, op: "=", val: true}
		}
		return nil
	case "OPERATOR_CAST":
		// A cast to BOOLEAN of a condition (what "x IS TRUE" parses into) changes nothing.
		if typeID(n["cast_type"]) == "BOOLEAN" && n["try_cast"] != true {
			return condOf(n["child"], alias)
		}
		return nil
	case "COMPARE_IN", "COMPARE_NOT_IN":
		if len(children) < 2 {
			return nil
		}
		m := memberOf(children[0], alias)
		if m == nil {
			return nil
		}
		in := &inList{col: m, not: n["type"] == "COMPARE_NOT_IN"}
		for _, k := range children[1:] {
			v, ok := constantFor(k, m)
			if !ok {
				return nil
			}
			in.vals = append(in.vals, v)
		}
		return in
	case "FUNCTION":
		return function(n, children, alias)
	}
	if _, ok := compareOps[str(n["type"])]; ok {
		return comparison(n, alias)
	}
	return nil
}

// compareOps are DuckDB's comparisons, as compare's operators.
var compareOps = map[string]string{
	"COMPARE_EQUAL": "=", "COMPARE_NOTEQUAL": "<>", "COMPARE_LESSTHAN": "<", "COMPARE_GREATERTHAN": ">",
	"COMPARE_LESSTHANOREQUALTO": "<=", "COMPARE_GREATERTHANOREQUALTO": ">=",
	"COMPARE_DISTINCT_FROM": "distinct", "COMPARE_NOT_DISTINCT_FROM": "not distinct",
}

// mirrored is the operators that change when a comparison's sides are swapped.
var mirrored = map[string]string{"<": ">", ">": "<", "<=": ">=", ">=": "<="}

// comparison is a comparison of a member with a constant, either way round, or of a
// condition with TRUE or FALSE by IS [NOT] DISTINCT FROM.
func comparison(n map[string]any, alias string) rowCond {
	op := compareOps[str(n["type"])]
	left, right := n["left"], n["right"]
	if memberOf(left, alias) == nil && memberOf(right, alias) != nil {
		left, right = right, left
		if m, ok := mirrored[op]; ok {
			op = m
		}
	}
	if m := memberOf(left, alias); m != nil {
		v, ok := constantFor(right, m)
		if !ok {
			return nil
		}
		return &compare{col: m, op: op, val: v}
	}
	if op != "distinct" && op != "not distinct" {
		return nil
	}
	b, ok := boolConstant(right)
	if !ok {
		return nil
	}
	c := condOf(left, alias)
	if c == nil {
		return nil
	}
	return &distinct{c: c, val: b, not: op == "not distinct"}
}

// function is one of DuckDB's string tests of a text member against a constant.
func function(n map[string]any, children []any, alias string) rowCond {
	if str(n["schema"]) != "" || n["distinct"] == true || n["filter"] != nil || len(children) != 2 {
		return nil
	}
	if o, _ := n["order_bys"].(map[string]any); o != nil {
		if l, _ := o["orders"].([]any); len(l) > 0 {
			return nil
		}
	}
	kind := map[string]string{"starts_with": "prefix", "prefix": "prefix", "ends_with": "suffix",
		"suffix": "suffix", "contains": "contains", "~~": "like", "!~~": "not like"}[strings.ToLower(str(n["function_name"]))]
	if kind == "" {
		return nil
	}
	m := memberOf(children[0], alias)
	if m == nil || m.Type != columnar.String {
		return nil
	}
	v, ok := constantFor(children[1], m)
	if !ok {
		return nil
	}
	return &textTest{col: m, kind: kind, s: v.(string)}
}

// memberOf is the events member a column reference names (struct.member, or the table's
// name or alias before it), nil for anything else.
func memberOf(x any, alias string) *columnar.Column {
	n, _ := x.(map[string]any)
	if n == nil || n["class"] != "COLUMN_REF" {
		return nil
	}
	names, _ := n["column_names"].([]any)
	if len(names) == 3 && strings.EqualFold(str(names[0]), alias) {
		names = names[1:]
	}
	if len(names) != 2 {
		return nil
	}
	s, m := strings.ToLower(str(names[0])), strings.ToLower(str(names[1]))
	if !structNames[s] {
		return nil
	}
	cols, err := columnar.SelectColumns([]string{s + "." + m})
	if err != nil {
		return nil
	}
	for i := range cols {
		if cols[i].Struct == s && cols[i].Member == m && !cols[i].Null {
			switch cols[i].Type {
			case columnar.String, columnar.Int64, columnar.Int32, columnar.Int16, columnar.Bool:
				return &cols[i]
			}
		}
	}
	return nil
}

// constantFor is a constant of the parse tree as a value comparable with member m's: a
// string for a text member, an int64 for an integer one, a bool for a boolean one. Other
// pairs (which DuckDB would cast) are not evaluated here.
func constantFor(x any, m *columnar.Column) (any, bool) {
	switch m.Type {
	case columnar.Bool:
		return boolConstant(x)
	}
	n, _ := x.(map[string]any)
	if n == nil || n["class"] != "CONSTANT" {
		return nil, false
	}
	v, _ := n["value"].(map[string]any)
	if v == nil || v["is_null"] != false {
		return nil, false
	}
	id := typeID(v["type"])
	switch m.Type {
	case columnar.String:
		s, ok := v["value"].(string)
		return s, ok && id == "VARCHAR"
	default:
		switch id {
		case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT":
			num, _ := v["value"].(json.Number)
			i, err := strconv.ParseInt(num.String(), 10, 64)
			return i, err == nil
		}
	}
	return nil, false
}

// boolConstant is a constant TRUE or FALSE, written as such or as a text cast to BOOLEAN.
func boolConstant(x any) (bool, bool) {
	n, _ := x.(map[string]any)
	if n == nil {
		return false, false
	}
	if n["class"] == "CAST" && typeID(n["cast_type"]) == "BOOLEAN" {
		c, _ := n["child"].(map[string]any)
		if c == nil || c["class"] != "CONSTANT" {
			return false, false
		}
		v, _ := c["value"].(map[string]any)
		s, _ := v["value"].(string)
		if v == nil || v["is_null"] != false || typeID(v["type"]) != "VARCHAR" {
			return false, false
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "t", "true", "1", "y", "yes", "on":
			return true, true
		case "f", "false", "0", "n", "no", "off":
			return false, true
		}
		return false, false
	}
	if n["class"] != "CONSTANT" {
		return false, false
	}
	v, _ := n["value"].(map[string]any)
	if v == nil || v["is_null"] != false || typeID(v["type"]) != "BOOLEAN" {
		return false, false
	}
	b, ok := v["value"].(bool)
	return b, ok
}

func typeID(t any) string {
	m, _ := t.(map[string]any)
	return str(m["id"])
}

func str(x any) string {
	s, _ := x.(string)
	return s
}

// The conditions.

// junction is AND or OR of conditions.
type junction struct {
	and  bool
	kids []rowCond
}

func (j *junction) eval(b arrow.RecordBatch, out []tri) error {
	if err := j.kids[0].eval(b, out); err != nil {
		return err
	}
	tmp := make([]tri, len(out))
	for _, k := range j.kids[1:] {
		if err := k.eval(b, tmp); err != nil {
			return err
		}
		for i, v := range tmp {
			out[i] = combine(j.and, out[i], v)
		}
	}
	return nil
}

// combine is SQL's AND (and true) or OR of two truth values.
func combine(and bool, a, b tri) tri {
	if and {
		switch {
		case a == triFalse || b == triFalse:
			return triFalse
		case a == triNull || b == triNull:
			return triNull
		}
		return triTrue
	}
	switch {
	case a == triTrue || b == triTrue:
		return triTrue
	case a == triNull || b == triNull:
		return triNull
	}
	return triFalse
}

func (j *junction) key() string {
	ks := make([]string, len(j.kids))
	for i, k := range j.kids {
		ks[i] = k.key()
	}
	sort.Strings(ks)
	op := " OR "
	if j.and {
		op = " AND "
	}
	return "(" + strings.Join(ks, op) + ")"
}

func (j *junction) members(m map[string]bool) {
	for _, k := range j.kids {
		k.members(m)
	}
}

// negation is NOT of a condition.
type negation struct{ c rowCond }

func (n *negation) eval(b arrow.RecordBatch, out []tri) error {
	if err := n.c.eval(b, out); err != nil {
		return err
	}
	negate(out)
	return nil
}

func (n *negation) key() string               { return "NOT " + n.c.key() }
func (n *negation) members(m map[string]bool) { n.c.members(m) }

// negate is SQL's NOT, in place (NULL stays NULL).
func negate(out []tri) {
	for i, v := range out {
		switch v {
		case triTrue:
			out[i] = triFalse
		case triFalse:
			out[i] = triTrue
		}
	}
}

// distinct is "c IS [NOT] DISTINCT FROM val" for a condition c and a constant TRUE or FALSE.
type distinct struct {
	c   rowCond
	val bool
	not bool
}

func (d *distinct) eval(b arrow.RecordBatch, out []tri) error {
	if err := d.c.eval(b, out); err != nil {
		return err
	}
	want := truth(d.val)
	for i, v := range out {
		out[i] = truth((v == want) == d.not)
	}
	return nil
}

func (d *distinct) key() string               { return fmt.Sprintf("%s DISTINCT %v %v", d.c.key(), d.not, d.val) }
func (d *distinct) members(m map[string]bool) { d.c.members(m) }

// compare is "member op constant"; op is one of = <> < > <= >= "distinct" "not distinct".
type compare struct {
	col *columnar.Column
	op  string
	val any
}

func (c *compare) eval(b arrow.RecordBatch, out []tri) error {
	a, err := column(b, c.col)
	if err != nil {
		return err
	}
	var test func(cmp int) bool
	switch c.op {
	case "=", "not distinct":
		test = func(cmp int) bool { return cmp == 0 }
	case "<>", "distinct":
		test = func(cmp int) bool { return cmp != 0 }
	case "<":
		test = func(cmp int) bool { return cmp < 0 }
	case ">":
		test = func(cmp int) bool { return cmp > 0 }
	case "<=":
		test = func(cmp int) bool { return cmp <= 0 }
	default:
		test = func(cmp int) bool { return cmp >= 0 }
	}
	if err := each(a, c.val, out, test); err != nil {
		return err
	}
	if c.op == "distinct" || c.op == "not distinct" {
		for i := range out {
			if a.IsNull(i) {
				out[i] = truth(c.op == "distinct")
			}
		}
	}
	return nil
}

func (c *compare) key() string               { return fmt.Sprintf("%s %s %#v", c.col.Field, c.op, c.val) }
func (c *compare) members(m map[string]bool) { m[c.col.Field] = true }

// inList is "member [NOT] IN (constants)".
type inList struct {
	col  *columnar.Column
	vals []any
	not  bool
}

func (c *inList) eval(b arrow.RecordBatch, out []tri) error {
	a, err := column(b, c.col)
	if err != nil {
		return err
	}
	for i := range out {
		out[i] = triFalse
	}
	hit := make([]tri, len(out))
	for _, v := range c.vals {
		if err := each(a, v, hit, func(cmp int) bool { return cmp == 0 }); err != nil {
			return err
		}
		for i, h := range hit {
			out[i] = combine(false, out[i], h)
		}
	}
	if c.not {
		negate(out)
	}
	return nil
}

func (c *inList) key() string               { return fmt.Sprintf("%s IN %v %#v", c.col.Field, c.not, c.vals) }
func (c *inList) members(m map[string]bool) { m[c.col.Field] = true }

// isNull is "member IS [NOT] NULL".
type isNull struct {
	col *columnar.Column
	not bool
}

func (c *isNull) eval(b arrow.RecordBatch, out []tri) error {
	a, err := column(b, c.col)
	if err != nil {
		return err
	}
	for i := range out {
		out[i] = truth(a.IsNull(i) != c.not)
	}
	return nil
}

func (c *isNull) key() string               { return fmt.Sprintf("%s NULL %v", c.col.Field, c.not) }
func (c *isNull) members(m map[string]bool) { m[c.col.Field] = true }

// textTest is starts_with, ends_with, contains, LIKE or NOT LIKE of a text member and a
// constant.
type textTest struct {
	col  *columnar.Column
	kind string
	s    string
}

func (c *textTest) eval(b arrow.RecordBatch, out []tri) error {
	a, err := column(b, c.col)
	if err != nil {
		return err
	}
	f := map[string]func(string, string) bool{"prefix": strings.HasPrefix, "suffix": strings.HasSuffix,
		"contains": strings.Contains, "like": like,
		"not like": func(s, p string) bool { return !like(s, p) }}[c.kind]
	return eachString(a, out, func(s string) bool { return f(s, c.s) })
}

func (c *textTest) key() string               { return fmt.Sprintf("%s %s %q", c.col.Field, c.kind, c.s) }
func (c *textTest) members(m map[string]bool) { m[c.col.Field] = true }

// like is DuckDB's LIKE without ESCAPE: '%' matches any run of characters, '_' one character
// (not byte), everything else itself, case and backslash included.
func like(s, pattern string) bool {
	str, pat := []rune(s), []rune(pattern)
	i, j := 0, 0
	star, mark := -1, 0 // the last '%' seen in pat, and where in str it began to match
	for i < len(str) {
		switch {
		case j < len(pat) && (pat[j] == '_' || pat[j] != '%' && pat[j] == str[i]):
			i, j = i+1, j+1
		case j < len(pat) && pat[j] == '%':
			star, mark = j, i
			j++
		case star >= 0:
			mark++
			i, j = mark, star+1
		default:
			return false
		}
	}
	for j < len(pat) && pat[j] == '%' {
		j++
	}
	return j == len(pat)
}

func truth(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// column is the array of a member in a flattened batch.
func column(b arrow.RecordBatch, c *columnar.Column) (arrow.Array, error) {
	name := c.Struct + "." + c.Member
	for i, f := range b.Schema().Fields() {
		if f.Name == name {
			return b.Column(i), nil
		}
	}
	return nil, fmt.Errorf("pushed condition: member %s was not built", name)
}

// each sets out[i] to test(comparison of row i's value with v), NULL for NULL values.
func each(a arrow.Array, v any, out []tri, test func(cmp int) bool) error {
	switch v := v.(type) {
	case string:
		return eachString(a, out, func(s string) bool { return test(strings.Compare(s, v)) })
	case int64:
		var at func(i int) int64
		switch a := a.(type) {
		case *array.Int64:
			at = a.Value
		case *array.Int32:
			at = func(i int) int64 { return int64(a.Value(i)) }
		case *array.Int16:
			at = func(i int) int64 { return int64(a.Value(i)) }
		default:
			return fmt.Errorf("pushed condition: integer compared with %s", a.DataType())
		}
		for i := range out {
			if a.IsNull(i) {
				out[i] = triNull
				continue
			}
			x := at(i)
			out[i] = truth(test(cmpInt(x, v)))
		}
		return nil
	case bool:
		bs, ok := a.(*array.Boolean)
		if !ok {
			return fmt.Errorf("pushed condition: boolean compared with %s", a.DataType())
		}
		for i := range out {
			if a.IsNull(i) {
				out[i] = triNull
				continue
			}
			out[i] = truth(test(cmpInt(boolInt(bs.Value(i)), boolInt(v))))
		}
		return nil
	}
	return fmt.Errorf("pushed condition: constant of type %T", v)
}

func cmpInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// eachString sets out[i] to test of row i's text, NULL for NULL; a dictionary's texts are
// tested once each.
func eachString(a arrow.Array, out []tri, test func(string) bool) error {
	switch a := a.(type) {
	case *array.String:
		for i := range out {
			if a.IsNull(i) {
				out[i] = triNull
			} else {
				out[i] = truth(test(a.Value(i)))
			}
		}
		return nil
	case *array.Dictionary:
		dict, ok := a.Dictionary().(*array.String)
		if !ok {
			break
		}
		memo := make([]tri, dict.Len())
		done := make([]bool, dict.Len())
		for i := range out {
			if a.IsNull(i) {
				out[i] = triNull
				continue
			}
			k := a.GetValueIndex(i)
			if !done[k] {
				memo[k], done[k] = truth(test(dict.Value(k))), true
			}
			out[i] = memo[k]
		}
		return nil
	}
	return fmt.Errorf("pushed condition: text test on %s", a.DataType())
}

// eventTypes is the set of evt.type values outside which cond cannot be true, nil when it
// does not restrict evt.type (a conjunct evt.type = 'x' or evt.type IN (...) does).
func eventTypes(cond rowCond) map[string]bool {
	switch c := cond.(type) {
	case *junction:
		if !c.and {
			// Any kid may match: the union of their types, when each has some.
			out := map[string]bool{}
			for _, k := range c.kids {
				ts := eventTypes(k)
				if ts == nil {
					return nil
				}
				for t := range ts {
					out[t] = true
				}
			}
			return out
		}
		var out map[string]bool
		for _, k := range c.kids {
			ts := eventTypes(k)
			if ts == nil {
				continue
			}
			if out == nil {
				out = ts
				continue
			}
			for t := range out {
				if !ts[t] {
					delete(out, t)
				}
			}
		}
		return out
	case *compare:
		if s, ok := c.val.(string); ok && c.col.Field == "evt.type" && (c.op == "=" || c.op == "not distinct") {
			return map[string]bool{s: true}
		}
		if f, ok := typeFlags[c.col.Field]; ok && c.val == true && (c.op == "=" || c.op == "not distinct") {
			return flaggedTypes(f)
		}
	case *inList:
		if c.col.Field == "evt.type" && !c.not {
			out := map[string]bool{}
			for _, v := range c.vals {
				out[v.(string)] = true
			}
			return out
		}
	case *distinct:
		if c.val && c.not { // (x) IS TRUE
			return eventTypes(c.c)
		}
	}
	return nil
}

// beyondPick is what is left to test of cond on the rows picked by set's types and
// direction (typeIndex.rows): the conjuncts those make true, evt.type = or IN types that
// include every type of the set, and evt.dir = '<' for a set of exit events, are dropped
// (nil: nothing is left).
func beyondPick(cond rowCond, set columnar.EventSet) rowCond {
	made := func(k rowCond) bool {
		switch c := k.(type) {
		case *compare:
			if c.op != "=" && c.op != "not distinct" {
				return false
			}
			if c.col.Field == "evt.dir" {
				return set.Exit && c.val == "<"
			}
			if c.col.Field != "evt.type" {
				return false // evt.is_io and the like: a generic event's flags are not its type's
			}
		case *inList:
			if c.not {
				return false
			}
		default:
			return false
		}
		ts := eventTypes(k)
		if set.Types == nil || ts == nil {
			return false
		}
		for t := range set.Types {
			if !ts[t] {
				return false
			}
		}
		return true
	}
	j, ok := cond.(*junction)
	if !ok || !j.and {
		if cond == nil || made(cond) {
			return nil
		}
		return cond
	}
	var rest []rowCond
	for _, k := range j.kids {
		if !made(k) {
			rest = append(rest, k)
		}
	}
	return andOf(rest)
}

// onlyFailed reports whether cond can be true only for failed calls (it requires evt.failed).
func onlyFailed(cond rowCond) bool {
	return requires(cond, func(c *compare) bool { return c.col.Field == "evt.failed" && c.val == true })
}

// onlyExit reports whether cond can be true only for exit events (it requires evt.dir = '<').
func onlyExit(cond rowCond) bool {
	return requires(cond, func(c *compare) bool { return c.col.Field == "evt.dir" && c.val == "<" })
}

// requires reports whether cond can be true only where an equality test is: cond is it, or
// a conjunction with it among its parts, or a disjunction of parts that each require it.
func requires(cond rowCond, test func(c *compare) bool) bool {
	switch c := cond.(type) {
	case *junction:
		for _, k := range c.kids {
			if requires(k, test) == c.and {
				return c.and // AND: one kid requires it; OR: one kid does not
			}
		}
		return !c.and && len(c.kids) > 0
	case *compare:
		return (c.op == "=" || c.op == "not distinct") && test(c)
	case *distinct:
		return c.val && c.not && requires(c.c, test) // (x) IS TRUE
	}
	return false
}

// typeFlags are the boolean members that are their event type's flags (evt.is_io is true
// for the events of the types that read or write an fd): true, they allow those types only.
var typeFlags = map[string]et.Flag{
	"evt.is_io":       et.EF_READS_FROM_FD | et.EF_WRITES_TO_FD,
	"evt.is_io_read":  et.EF_READS_FROM_FD,
	"evt.is_io_write": et.EF_WRITES_TO_FD,
}

// flaggedTypes is the names of the event types with any of the flags f.
func flaggedTypes(f et.Flag) map[string]bool {
	out := map[string]bool{}
	for i := range et.Events {
		if et.Events[i].Flags&f != 0 {
			out[et.Events[i].Name] = true
		}
	}
	return out
}

// maxPushedSets bounds the tables kept from passes under pushed conditions.
const maxPushedSets = 3

// pushPlan is what a pass under a pushed condition needs for a statement: the condition
// (with the filter's, if any) and the members to build; ok is false when the statement does
// not qualify (see pushable).
func (db *DB) pushPlan(r *refs, filterDoc map[string]any) (cond rowCond, want []string, ok bool) {
	if !r.reads("events") || r.all || r.doc == nil || len(db.lazy.files) > 0 {
		return nil, nil, false
	}
	cond, ok = pushable(r.doc)
	if !ok {
		return nil, nil, false
	}
	if filterDoc != nil {
		if f := filterCond(filterDoc); f != nil {
			cond = &junction{and: true, kids: []rowCond{cond, f}}
		}
	}
	cols, err := columnar.SelectColumns(r.memberList())
	if err != nil {
		return nil, nil, false
	}
	for _, c := range cols {
		if !c.Null && (c.Field != "evt.num" || r.members["evt.num"]) {
			want = append(want, c.Field)
		}
	}
	return cond, want, true
}

// lacking lists the captures that lack a member of want (see lacksAny).
func (db *DB) lacking(want []string) []*lazyCapture {
	var out []*lazyCapture
	for _, c := range db.lazy.captures {
		if c.lacksAny(want) {
			out = append(out, c)
		}
	}
	return out
}

// lacksAny reports whether the capture (not staged whole) has not built every member of want.
func (c *lazyCapture) lacksAny(want []string) bool {
	if c.staged != "" {
		return false
	}
	for _, m := range want {
		if !c.built[m] {
			return true
		}
	}
	return false
}

// pushDown prepares a statement that qualifies (see pushable) by a pass that keeps only the
// events that can match, or by such a pass's tables kept from before (its own or a shared
// one, PrepareShared), and makes the name events read them. It reports false, having done
// nothing, when the statement does not qualify, when every member it reads is built already,
// or when a pass under another condition built the same members before: then the members are
// built whole once, so that every later question on them answers from memory.
func (db *DB) pushDown(ctx context.Context, r *refs, filterDoc map[string]any) (bool, error) {
	lz := db.lazy
	cond, want, ok := db.pushPlan(r, filterDoc)
	if !ok {
		return false, nil
	}
	lacking := db.lacking(want)
	if len(lacking) == 0 {
		return false, nil
	}
	key := cond.key()
	var set *pushedSet
	for i, s := range lz.pushed {
		if s.key == key && hasAll(s.members, want) {
			set = s
			lz.pushed = append(append(lz.pushed[:i:i], lz.pushed[i+1:]...), s) // most recent last
			break
		}
	}
	if set == nil {
		for _, m := range want {
			if lz.pushedMembers[m] {
				return false, nil
			}
		}
		set = newPushedSet(key, want)
		db.addPushed(set)
		db.evictPushed(ctx)
	}
	if err := db.fillPushed(ctx, set, lacking, cond); err != nil {
		return false, err
	}
	narrow := map[*lazyCapture]memberTable{}
	for _, c := range lacking {
		narrow[c] = set.tables[c]
	}
	q, err := db.eventsQuery(ctx, narrow)
	if err != nil {
		return false, err
	}
	if db.filter != "" {
		q = `SELECT * FROM (` + q + `) WHERE (` + db.filter + `)`
	}
	if _, err := db.conn.ExecContext(ctx, `CREATE OR REPLACE TEMP VIEW events AS `+q); err != nil {
		return false, fmt.Errorf("events view: %w", err)
	}
	lz.narrowed = true
	return true, nil
}

// newPushedSet is an empty pushed set of the statements under the condition key, building
// the members want.
func newPushedSet(key string, want []string) *pushedSet {
	set := &pushedSet{key: key, members: map[string]bool{}, tables: map[*lazyCapture]memberTable{}}
	for _, m := range want {
		set.members[m] = true
	}
	return set
}

// addPushed keeps a pushed set, most recent last, and notes its members as pushed.
func (db *DB) addPushed(set *pushedSet) {
	lz := db.lazy
	if lz.pushedMembers == nil {
		lz.pushedMembers = map[string]bool{}
	}
	for m := range set.members {
		lz.pushedMembers[m] = true
	}
	lz.pushed = append(lz.pushed, set)
}

// evictPushed drops the oldest pushed sets past maxPushedSets (a question's own pass; the
// sets PrepareShared adds stay until the next one).
func (db *DB) evictPushed(ctx context.Context) {
	lz := db.lazy
	if len(lz.pushed) > maxPushedSets {
		for _, s := range lz.pushed[:len(lz.pushed)-maxPushedSets] {
			db.dropPushed(ctx, s)
		}
		lz.pushed = slices.Clone(lz.pushed[len(lz.pushed)-maxPushedSets:])
	}
}

// fillPushed makes the set's table of each capture listed that has none yet (captures added
// since the set was built) by a pass keeping the events for which cond can be true.
func (db *DB) fillPushed(ctx context.Context, set *pushedSet, captures []*lazyCapture, cond rowCond) error {
	for _, c := range captures {
		if _, ok := set.tables[c]; ok {
			continue
		}
		out, err := db.newOutput(ctx, slices.Sorted(maps.Keys(set.members)), cond)
		if err != nil {
			return err
		}
		if err := db.passInto(ctx, c, nil, []*passOutput{out}, nil); err != nil {
			return err
		}
		set.tables[c] = out.table
	}
	return nil
}

// PrepareShared makes ready, by one pass over each capture, what several statements read:
// each of narrow that qualifies for pushing down (see pushable) gets a table of its own
// members for the events its condition can match, which its Prepare then finds; whole's
// (and the other narrow statements') members are built for every event, and their side
// tables filled. A report's statements so cost one pass instead of one each. Give narrow
// only selective statements: rows kept are stored once per statement that keeps them.
// Prepare is still needed before each statement runs, and builds whatever this did not.
// observe, when set, is given every event of each capture read (the report's detections, so
// that they need no pass of their own); a capture this does not read (one staged whole) is
// not observed.
func (db *DB) PrepareShared(ctx context.Context, narrow, whole []string, observe func(path string, ev *state.Event) error) error {
	lz := db.lazy
	if lz == nil {
		return nil
	}
	var filter *refs
	if db.filter != "" {
		var err error
		if filter, err = parseRefs(ctx, db.conn, "SELECT 1 FROM events WHERE "+db.filter); err != nil {
			return err
		}
	}
	parse := func(q string) (*refs, error) {
		r, err := parseRefs(ctx, db.conn, q)
		if err != nil || filter == nil || !r.reads("events") {
			return r, err
		}
		for m := range filter.members {
			r.members[m] = true
		}
		r.all = r.all || filter.all
		return r, nil
	}
	all := newRefs() // what the statements read of every event
	merge := func(r *refs) {
		if r.reads("events") {
			for m := range r.members {
				all.members[m] = true
			}
			all.all = all.all || r.all
		}
		for t := range r.tables {
			all.tables[t] = true
		}
	}
	type pushedPlan struct {
		set  *pushedSet
		cond rowCond
	}
	var filterDoc map[string]any
	if filter != nil {
		filterDoc = filter.doc
	}
	var plans []pushedPlan
	for _, q := range narrow {
		r, err := parse(q)
		if err != nil {
			return err
		}
		cond, want, ok := db.pushPlan(r, filterDoc)
		if !ok {
			merge(r)
			continue
		}
		for t := range r.tables {
			if t != "events" {
				all.tables[t] = true
			}
		}
		plans = append(plans, pushedPlan{set: newPushedSet(cond.key(), want), cond: cond})
	}
	for _, q := range whole {
		r, err := parse(q)
		if err != nil {
			return err
		}
		merge(r)
	}
	var wholeCols []string
	if !all.all { // every member takes the staging path of Prepare, apart
		wholeCols = wholeMembers(all)
	}
	rebuilt := false
	for _, c := range lz.captures {
		if c.staged != "" {
			continue
		}
		members, tables := c.lacks(all, wholeCols)
		var outs []*passOutput
		var pushedOuts []*pushedPlan
		for i := range plans {
			p := &plans[i]
			want := slices.Sorted(maps.Keys(p.set.members))
			if !c.lacksAny(want) {
				continue // built for every event already
			}
			out, err := db.newOutput(ctx, want, p.cond)
			if err != nil {
				return err
			}
			outs = append(outs, out)
			pushedOuts = append(pushedOuts, p)
		}
		if len(members) == 0 && len(outs) == 0 && len(tables) == 0 && observe == nil {
			continue
		}
		if err := db.pass(ctx, c, tables, members, outs, observe); err != nil {
			return err
		}
		rebuilt = rebuilt || len(members) > 0
		for i, p := range pushedOuts {
			p.set.tables[c] = outs[i].table
		}
	}
	for _, p := range plans {
		if len(p.set.tables) > 0 {
			db.addPushed(p.set)
		}
	}
	if rebuilt {
		return db.createEventsView(ctx)
	}
	return nil
}

// widen makes the name events read the whole events view again after a pushed statement:
// the filter's view, or none.
func (db *DB) widen(ctx context.Context) error {
	if !db.lazy.narrowed {
		return nil
	}
	db.lazy.narrowed = false
	return db.SetFilter(ctx, db.filter)
}

// dropPushed drops the tables of a pushed set.
func (db *DB) dropPushed(ctx context.Context, s *pushedSet) {
	for _, t := range s.tables {
		db.conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS `+db.qualified(internalSchema+"."+t.name))
	}
}

func hasAll(set map[string]bool, want []string) bool {
	for _, m := range want {
		if !set[m] {
			return false
		}
	}
	return true
}

// keepMask marks the rows of rec (among those mask marks; nil: all) for which test's
// condition is true, reading its members of those rows only (nil: none is).
func keepMask(ctx context.Context, rec arrow.RecordBatch, test rowTest, mask []bool) ([]bool, error) {
	b := project(rec, test.cols)
	defer b.Release()
	if mask != nil {
		part, err := pick(ctx, b, func(i int) bool { return mask[i] })
		if err != nil || part == nil {
			return nil, err
		}
		defer part.Release()
		b = part
	}
	out := make([]tri, b.NumRows())
	if err := test.cond.eval(b, out); err != nil {
		return nil, err
	}
	kept := make([]bool, rec.NumRows())
	some := false
	for i, j := 0, 0; i < len(kept); i++ {
		if mask == nil || mask[i] {
			kept[i] = out[j] == triTrue
			some = some || kept[i]
			j++
		}
	}
	if !some {
		return nil, nil
	}
	return kept, nil
}

// pick is the rows i of rec for which keep(i): rec itself (retained) when all are, nil when
// none is.
func pick(ctx context.Context, rec arrow.RecordBatch, keep func(i int) bool) (arrow.RecordBatch, error) {
	n := int(rec.NumRows())
	mb := array.NewBooleanBuilder(memory.DefaultAllocator)
	defer mb.Release()
	mb.Reserve(n)
	kept := 0
	for i := 0; i < n; i++ {
		k := keep(i)
		if k {
			kept++
		}
		mb.UnsafeAppend(k)
	}
	switch kept {
	case 0:
		return nil, nil
	case n:
		rec.Retain()
		return rec, nil
	}
	mask := mb.NewArray()
	defer mask.Release()
	res, err := compute.FilterRecordBatch(ctx, rec, mask, compute.DefaultFilterOptions())
	if err != nil {
		return nil, fmt.Errorf("pushed condition: %w", err)
	}
	return res, nil
}
