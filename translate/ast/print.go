package ast

import (
	"strconv"
	"strings"
)

// String renders e in a canonical Falco-like form with every group parenthesised, so the
// parse (precedence, grouping, negation) can be compared textually. Macros print as their
// name.
func String(e Expr) string {
	var b strings.Builder
	printExpr(&b, e)
	return b.String()
}

func printExpr(b *strings.Builder, e Expr) {
	switch e := e.(type) {
	case *Logical:
		b.WriteByte('(')
		for i, x := range e.Operands {
			if i > 0 {
				b.WriteString(" " + e.Op.String() + " ")
			}
			printExpr(b, x)
		}
		b.WriteByte(')')
	case *Not:
		b.WriteString("not ")
		printExpr(b, e.X)
	case *Paren:
		printExpr(b, e.X)
	case *MacroRef:
		b.WriteString(e.Name)
	case *Macro:
		b.WriteString(e.Name)
	case *Compare:
		printOperand(b, e.Left)
		if e.Implicit {
			b.WriteString(" exists")
			return
		}
		b.WriteString(" " + e.Op.String())
		if e.Mod != NoModifier {
			b.WriteString(" " + e.Mod.String())
		}
		if e.Right != nil {
			b.WriteByte(' ')
			printOperand(b, e.Right)
		}
	}
}

func printOperand(b *strings.Builder, o Operand) {
	switch o := o.(type) {
	case *Field:
		b.WriteString(o.Name)
		if o.HasArg {
			b.WriteString("[" + o.Arg + "]")
		}
	case *Word:
		if o.Dot {
			b.WriteByte('.')
		}
		b.WriteString(o.Text)
	case *Literal:
		switch o.Kind {
		case Bare:
			b.WriteString(o.Value)
		case CharConst:
			b.WriteString(o.Raw)
		default:
			b.WriteString(strconv.Quote(o.Value))
		}
	case *List:
		if o.Name != "" {
			b.WriteString(o.Name)
			return
		}
		b.WriteByte('(')
		for i, x := range o.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			printOperand(b, x)
		}
		b.WriteByte(')')
	case *Range:
		printOperand(b, o.Lo)
		b.WriteString("..")
		printOperand(b, o.Hi)
	case *Call:
		b.WriteString(o.Name + "(")
		for i, x := range o.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			printOperand(b, x)
		}
		b.WriteByte(')')
	case *Unary:
		b.WriteString("(" + string(o.Op))
		printOperand(b, o.X)
		b.WriteByte(')')
	case *Arith:
		b.WriteByte('(')
		printOperand(b, o.X)
		b.WriteString(" " + o.Op + " ")
		printOperand(b, o.Y)
		b.WriteByte(')')
	case *Slice:
		printOperand(b, o.X)
		b.WriteByte('[')
		for i, r := range o.Ranges {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(r.Text)
		}
		b.WriteByte(']')
	}
}
