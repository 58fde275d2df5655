package translate

import (
	"container/heap"
	"strings"

	"github.com/scapql/scapql/translate/ast"
	"github.com/scapql/scapql/translate/diag"
	"github.com/scapql/scapql/translate/falco"
)

// ExpandLists substitutes Falco lists into a condition as Falco's rule loader does
// (resolve_list in rule_loader_compiler.cpp): wherever a list name stands alone between
// blanks, '(', ')', ',' or '=' it is replaced by its items joined with ", ", an item containing
// a space being wrapped in double quotes; an empty list also drops one neighbouring comma.
// Lists are applied in order, so a later list's name inside an earlier list's items is not
// expanded again unless it comes later.
func ExpandLists(cond string, lists []List) string {
	return NewListExpander(lists).Expand(cond)
}

// ListExpander substitutes a fixed set of lists into conditions (ExpandLists); it is prepared
// once so that each condition costs time in its own length and the lists it names, not in the
// number of lists. A Resolver that has one can offer it through ExpandLists(cond).
type ListExpander struct {
	lists  []List
	byName map[string][]int // list positions by name
	always []int            // lists whose names hold a delimiter: tried on every condition
}

const listBlanks = " \t\n\r"
const listDelims = listBlanks + "(),="

// NewListExpander prepares lists for Expand.
func NewListExpander(lists []List) *ListExpander {
	x := &ListExpander{lists: lists, byName: make(map[string][]int, len(lists))}
	for i, l := range lists {
		switch {
		case l.Name == "":
		case strings.ContainsAny(l.Name, listDelims):
			x.always = append(x.always, i)
		default:
			x.byName[l.Name] = append(x.byName[l.Name], i)
		}
	}
	return x
}

// Expand is ExpandLists(cond, lists). A list name matches only a whole word between
// delimiters, so only the lists named by a word of the condition (or of the items substituted
// so far, for later lists) are applied, in list order.
func (x *ListExpander) Expand(cond string) string {
	if len(x.lists) == 0 {
		return cond
	}
	pending := &intHeap{} // list positions to apply, smallest first
	queued := map[int]bool{}
	words := func(s string, after int) {
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(listDelims, r) }) {
			for _, i := range x.byName[w] {
				if i > after && !queued[i] {
					queued[i] = true
					heap.Push(pending, i)
				}
			}
		}
	}
	for _, i := range x.always {
		queued[i] = true
		heap.Push(pending, i)
	}
	words(cond, -1)
	for pending.Len() > 0 {
		i := heap.Pop(pending).(int)
		cond = resolveList(cond, x.lists[i])
		for _, it := range x.lists[i].Items {
			words(it, i)
		}
	}
	return cond
}

type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// expandLists substitutes r's lists into cond, through r's prepared expander if it has one.
func expandLists(cond string, r Resolver) string {
	if e, ok := r.(interface{ ExpandLists(string) string }); ok {
		return e.ExpandLists(cond)
	}
	return ExpandLists(cond, r.Lists())
}

func resolveList(cnd string, l List) string {
	const blanks, delims = listBlanks, listDelims
	if l.Name == "" {
		return cnd
	}
	start := strings.Index(cnd, l.Name)
	for start >= 0 {
		end := start + len(l.Name)
		if (start == 0 || strings.IndexByte(delims, cnd[start-1]) >= 0) &&
			(end >= len(cnd) || strings.IndexByte(delims, cnd[end]) >= 0) {
			for start > 0 && strings.IndexByte(blanks, cnd[start-1]) >= 0 {
				start--
			}
			for end < len(cnd) && strings.IndexByte(blanks, cnd[end]) >= 0 {
				end++
			}
			var sub strings.Builder
			for _, it := range l.Items {
				if sub.Len() > 0 {
					sub.WriteString(", ")
				}
				if strings.Contains(it, " ") && it[0] != '"' && it[0] != '\'' {
					it = `"` + it + `"`
				}
				sub.WriteString(it)
			}
			if sub.Len() == 0 {
				if start > 0 && cnd[start-1] == ',' {
					start--
				} else if end < len(cnd) && cnd[end] == ',' {
					end++
				}
			}
			var b strings.Builder
			if start > 0 {
				b.WriteString(cnd[:start])
				b.WriteByte(' ')
			}
			b.WriteString(sub.String())
			b.WriteByte(' ')
			b.WriteString(cnd[end:])
			cnd = b.String()
			start += sub.Len() + 1
		}
		next := strings.Index(cnd[min(start+1, len(cnd)):], l.Name)
		if next < 0 {
			break
		}
		start = min(start+1, len(cnd)) + next
	}
	return cnd
}

// ExpandMacros replaces every macro reference in e (parsed from src) by the macro's
// condition, recursively, as Falco's filter_macro_resolver does. An unknown macro or a macro
// that refers to itself is an error.
func ExpandMacros(e ast.Expr, src string, r Resolver, maxDepth int) (ast.Expr, error) {
	x := &expander{r: r, maxDepth: maxDepth}
	out, err := x.expand(e, src, nil)
	if err != nil {
		return nil, err
	}
	return out, nil
}

type expander struct {
	r        Resolver
	maxDepth int
	parsed   map[string]ast.Expr
	nodes    int // expanded size so far, against macros that double at every level
}

// MaxExpandedNodes bounds the size of a filter after macro expansion.
const MaxExpandedNodes = 1 << 20

func (x *expander) expand(e ast.Expr, src string, stack []string) (ast.Expr, error) {
	if x.nodes++; x.nodes > MaxExpandedNodes {
		return nil, diag.Errorf(src, e.Pos(), e.End(), "macro expansion is larger than %d nodes", MaxExpandedNodes)
	}
	switch e := e.(type) {
	case *ast.Logical:
		out := &ast.Logical{Op: e.Op, Operands: make([]ast.Expr, len(e.Operands))}
		for i, o := range e.Operands {
			v, err := x.expand(o, src, stack)
			if err != nil {
				return nil, err
			}
			out.Operands[i] = v
		}
		return out, nil
	case *ast.Not:
		v, err := x.expand(e.X, src, stack)
		if err != nil {
			return nil, err
		}
		return &ast.Not{NotPos: e.NotPos, X: v}, nil
	case *ast.Paren:
		v, err := x.expand(e.X, src, stack)
		if err != nil {
			return nil, err
		}
		return &ast.Paren{Lparen: e.Lparen, Rparen: e.Rparen, X: v}, nil
	case *ast.Macro:
		v, err := x.expand(e.Body, e.Source, append(stack, e.Name))
		if err != nil {
			return nil, err
		}
		return &ast.Macro{Name: e.Name, NamePos: e.NamePos, Source: e.Source, Body: v}, nil
	case *ast.MacroRef:
		return x.macro(e, src, stack)
	}
	return e, nil
}

func (x *expander) macro(ref *ast.MacroRef, src string, stack []string) (ast.Expr, error) {
	within := func(err *diag.Error) error {
		for i := len(stack) - 1; i >= 0; i-- {
			err.Within("in macro " + stack[i])
		}
		return err
	}
	for _, s := range stack {
		if s == ref.Name {
			return nil, within(diag.Errorf(src, ref.Pos(), ref.End(), "macro %s refers to itself", ref.Name))
		}
	}
	if len(stack) >= x.maxDepth {
		return nil, within(diag.Errorf(src, ref.Pos(), ref.End(), "macros nest deeper than the limit of %d", x.maxDepth))
	}
	m, ok := x.r.Macro(ref.Name)
	if !ok {
		return nil, within(diag.Errorf(src, ref.Pos(), ref.End(), "undefined macro %s", ref.Name))
	}
	if m.Err != nil {
		if de, ok := m.Err.(*diag.Error); ok {
			cp := *de
			cp.Context = append(append([]string(nil), de.Context...), "in macro "+m.Name)
			return nil, within(&cp)
		}
		return nil, within(diag.Errorf(src, ref.Pos(), ref.End(), "macro %s: %v", m.Name, m.Err))
	}
	body := m.Expr
	cond := m.Condition
	if body == nil {
		if x.parsed == nil {
			x.parsed = map[string]ast.Expr{}
		}
		if body = x.parsed[m.Name]; body == nil {
			cond = expandLists(m.Condition, x.r)
			var err error
			body, err = falco.Parse(cond, x.maxDepth)
			if err != nil {
				return nil, within(err.(*diag.Error).Within("in macro " + m.Name))
			}
			x.parsed[m.Name] = body
		}
	}
	v, err := x.expand(body, cond, append(stack, m.Name))
	if err != nil {
		return nil, err
	}
	return &ast.Macro{Name: m.Name, NamePos: ref.NamePos, Source: cond, Body: v}, nil
}

// checkDepth enforces the nesting limit on the (expanded) tree, so that what the checker and
// the emitter recurse over, and the SQL DuckDB parses, stay bounded.
func checkDepth(e ast.Expr, src string, limit int) error {
	var deepest ast.Node
	var walk func(n ast.Expr, src string, d int) (string, bool)
	walk = func(n ast.Expr, src string, d int) (string, bool) {
		if d > limit {
			deepest = n
			return src, false
		}
		switch n := n.(type) {
		case *ast.Logical:
			for _, o := range n.Operands {
				if s, ok := walk(o, src, d+1); !ok {
					return s, false
				}
			}
		case *ast.Not:
			return walk(n.X, src, d+1)
		case *ast.Paren:
			return walk(n.X, src, d+1)
		case *ast.Macro:
			return walk(n.Body, n.Source, d+1)
		}
		return src, true
	}
	if s, ok := walk(e, src, 0); !ok {
		return diag.Errorf(s, deepest.Pos(), deepest.End(), "filter nests deeper than the limit of %d (after macro expansion)", limit)
	}
	return nil
}
