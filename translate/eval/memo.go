package eval

import (
	"fmt"
	"strings"

	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate/ir"
)

// Memo shares, among the filters compiled through it, the value of each sub-expression they
// have in common, for one event at a time: Falco's rules repeat their macros (open_write,
// spawned_process, ...), and a macro many rules open with is then evaluated once per event
// rather than once per rule, as libsinsp's filter cache does for the rules Falco loads.
//
// Next starts each event. The functions Compile returns share m's values, so they must be
// called from one goroutine, on the event of the latest Next.
type Memo struct {
	gen   uint64
	slots map[string]*memoSlot
	nodes int // compiled, shared or not
}

// memoSlot is a sub-expression's value, valid while gen is the Memo's; id names the slot in
// the texts of the nodes above.
type memoSlot struct {
	gen uint64
	v   bool
	id  string
}

// NewMemo returns an empty Memo, ready for its first event.
func NewMemo() *Memo { return &Memo{gen: 1, slots: map[string]*memoSlot{}} }

// Next forgets the values of the previous event.
func (m *Memo) Next() { m.gen++ }

// Compile is Compile, sharing sub-expressions through m (see Memo).
func (m *Memo) Compile(e ir.Expr) (match func(ev *state.Event) bool, err error) {
	return compileWith(e, func(e ir.Expr) pred {
		p, _ := m.compile(e)
		return p
	})
}

// compile compiles e as compileExpr does, with each node's value kept in the slot of the
// node's text (in which And, Or and Not name their operands' slots, so that the texts stay
// as short as the filter). Only nodes outside AnyElem bodies are shared: inside, a value
// depends on the list element as well as on the event.
func (m *Memo) compile(e ir.Expr) (pred, string) {
	var p pred
	var b strings.Builder
	switch x := e.(type) {
	case *ir.And:
		p = and(m.compileOperands(&b, "and", x.Xs))
	case *ir.Or:
		p = or(m.compileOperands(&b, "or", x.Xs))
	case *ir.Not:
		y, id := m.compile(x.X)
		p = func(ev *state.Event, el elem) bool { return !y(ev, el) }
		b.WriteString("(not " + id + ")")
	default:
		p = compileExpr(e)
		writeExpr(&b, e)
	}
	m.nodes++
	s := m.slots[b.String()]
	if s == nil {
		s = &memoSlot{id: fmt.Sprintf("#%d", len(m.slots))}
		m.slots[b.String()] = s
	}
	return func(ev *state.Event, el elem) bool {
		if s.gen != m.gen {
			s.v, s.gen = p(ev, el), m.gen
		}
		return s.v
	}, s.id
}

// compileOperands compiles the operands of an And or Or (op) and writes the node's text to
// b, naming each operand by its slot.
func (m *Memo) compileOperands(b *strings.Builder, op string, xs []ir.Expr) []pred {
	ps := make([]pred, len(xs))
	b.WriteString("(" + op)
	for i, x := range xs {
		var id string
		ps[i], id = m.compile(x)
		b.WriteString(" " + id)
	}
	b.WriteByte(')')
	return ps
}

// writeExpr writes a text of e that two expressions share exactly when they mean the same.
func writeExpr(b *strings.Builder, e ir.Expr) {
	switch x := e.(type) {
	case *ir.And:
		writeList(b, "and", x.Xs)
	case *ir.Or:
		writeList(b, "or", x.Xs)
	case *ir.Not:
		b.WriteString("(not ")
		writeExpr(b, x.X)
		b.WriteByte(')')
	case *ir.Xor:
		writeList(b, "xor", []ir.Expr{x.X, x.Y})
	case *ir.Const:
		fmt.Fprintf(b, "(const %t)", x.V)
	case *ir.Exists:
		b.WriteString("(exists ")
		writeValue(b, x.X)
		b.WriteByte(')')
	case *ir.Cmp:
		fmt.Fprintf(b, "(cmp %d ", x.Op)
		writeValue(b, x.X)
		b.WriteByte(' ')
		writeValue(b, x.Y)
		b.WriteByte(')')
	case *ir.In:
		b.WriteString("(in ")
		writeValue(b, x.X)
		for _, v := range x.Items {
			b.WriteByte(' ')
			writeValue(b, v)
		}
		b.WriteByte(')')
	case *ir.Match:
		fmt.Fprintf(b, "(match %q %t %q ", x.Pattern, x.Full, x.Glob)
		writeValue(b, x.X)
		b.WriteByte(')')
	case *ir.CIDR:
		fmt.Fprintf(b, "(cidr %s ", x.Prefix)
		writeValue(b, x.X)
		b.WriteByte(')')
	case *ir.AnyElem:
		b.WriteString("(any ")
		writeValue(b, x.List)
		b.WriteByte(' ')
		writeExpr(b, x.Body)
		b.WriteByte(')')
	default:
		fmt.Fprintf(b, "(%T)", e) // compileExpr refuses it
	}
}

func writeList(b *strings.Builder, op string, xs []ir.Expr) {
	b.WriteString("(" + op)
	for _, x := range xs {
		b.WriteByte(' ')
		writeExpr(b, x)
	}
	b.WriteByte(')')
}

func writeValue(b *strings.Builder, v ir.Value) {
	switch x := v.(type) {
	case *ir.Column:
		fmt.Fprintf(b, "[%d %t %t %q %q %t %t %q]", x.K, x.List, x.NeverNull, x.Field, x.Arg, x.HasArg, x.Index, x.Glob)
	case *ir.Elem:
		fmt.Fprintf(b, "[elem %d]", x.K)
	case *ir.Lit:
		fmt.Fprintf(b, "[lit %d %q %q %t %q %v]", x.K, x.Str, x.Int, x.Bool, x.Bytes, x.Float)
	case *ir.Func:
		fmt.Fprintf(b, "[%s %d", x.Name, x.K)
		for _, a := range x.Args {
			b.WriteByte(' ')
			writeValue(b, a)
		}
		b.WriteByte(']')
	default:
		fmt.Fprintf(b, "[%T]", v)
	}
}
