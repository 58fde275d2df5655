package translate

import (
	"sort"
	"strings"

	"github.com/scapql/scapql/translate/ir"
)

// Sources returns the Falco event sources whose events have every field the filter reads,
// sorted: "syscall" for the capture fields, aws_cloudtrail and k8s_audit for the audit fields
// (a field both plugins extract belongs to both). It is empty when the fields belong to no
// one source (capture and audit fields mixed), and nil when the filter reads no field.
func (r *Result) Sources() []string {
	var set map[string]bool
	var value func(v ir.Value)
	var expr func(e ir.Expr)
	value = func(v ir.Value) {
		switch v := v.(type) {
		case *ir.Column:
			own := map[string]bool{}
			for _, s := range strings.Split(FieldSource(v.Field), ",") {
				own[s] = true
			}
			if set == nil {
				set = own
				return
			}
			for s := range set {
				if !own[s] {
					delete(set, s)
				}
			}
		case *ir.Func:
			for _, a := range v.Args {
				value(a)
			}
		}
	}
	expr = func(e ir.Expr) {
		switch e := e.(type) {
		case *ir.And:
			for _, x := range e.Xs {
				expr(x)
			}
		case *ir.Or:
			for _, x := range e.Xs {
				expr(x)
			}
		case *ir.Not:
			expr(e.X)
		case *ir.Xor:
			expr(e.X)
			expr(e.Y)
		case *ir.Exists:
			value(e.X)
		case *ir.Cmp:
			value(e.X)
			value(e.Y)
		case *ir.In:
			value(e.X)
			for _, x := range e.Items {
				value(x)
			}
		case *ir.Match:
			value(e.X)
		case *ir.CIDR:
			value(e.X)
		case *ir.AnyElem:
			value(e.List)
			expr(e.Body)
		}
	}
	expr(r.ir)
	if set == nil {
		return nil
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
