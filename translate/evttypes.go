package translate

import (
	"sort"

	"github.com/scapql/scapql/translate/ir"
)

// EventTypes returns the event types (evt.type values) an event must have for the filter to
// match it, sorted, as Falco indexes rules by event type; nil when the filter can match
// events of any type. It is derived from the checked form the SQL and the matcher come from:
// an evt.type equality or list narrows a conjunction, a disjunction takes the union of its
// operands, and anything else (a negation included) leaves every type possible.
func (r *Result) EventTypes() []string {
	set, all := eventTypes(r.ir)
	if all {
		return nil
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// eventTypes is the set of event types e can be true for; all reports every type.
func eventTypes(e ir.Expr) (set map[string]bool, all bool) {
	switch x := e.(type) {
	case *ir.And:
		all = true
		for _, k := range x.Xs {
			s, a := eventTypes(k)
			if a {
				continue
			}
			if all {
				set, all = s, false
				continue
			}
			for t := range set {
				if !s[t] {
					delete(set, t)
				}
			}
		}
		return set, all
	case *ir.Or:
		set = map[string]bool{}
		for _, k := range x.Xs {
			s, a := eventTypes(k)
			if a {
				return nil, true
			}
			for t := range s {
				set[t] = true
			}
		}
		return set, false
	case *ir.Const:
		if !x.V {
			return map[string]bool{}, false
		}
	case *ir.Cmp:
		if x.Op == ir.Eq {
			if t, ok := typeLiteral(x.X, x.Y); ok {
				return map[string]bool{t: true}, false
			}
			if t, ok := typeLiteral(x.Y, x.X); ok {
				return map[string]bool{t: true}, false
			}
		}
	case *ir.In:
		if c, ok := x.X.(*ir.Column); ok && isEventType(c) {
			set = map[string]bool{}
			for _, it := range x.Items {
				l, ok := it.(*ir.Lit)
				if !ok || l.K != ir.String {
					return nil, true
				}
				set[l.Str] = true
			}
			return set, false
		}
	}
	return nil, true
}

// typeLiteral reports the literal of col = lit when col is evt.type.
func typeLiteral(col, lit ir.Value) (string, bool) {
	c, ok := col.(*ir.Column)
	if !ok || !isEventType(c) {
		return "", false
	}
	l, ok := lit.(*ir.Lit)
	if !ok || l.K != ir.String {
		return "", false
	}
	return l.Str, true
}

func isEventType(c *ir.Column) bool { return c.Field == "evt.type" && c.Arg == "" }
