package eval

import (
	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate/ir"
)

// auditAnyElem is AnyElem over an audit list field (ka.user.groups, ...): the elements of
// the field's value in the record the event carries. ok is false for other lists.
func auditAnyElem(e *ir.AnyElem) (pred, bool) {
	c, ok := e.List.(*ir.Column)
	if !ok || !c.List {
		return nil, false
	}
	af, ok := audit.Lookup(c.Field)
	if !ok {
		return nil, false
	}
	body := compileExpr(e.Body)
	arg := c.Arg
	return func(ev *state.Event, _ elem) bool {
		v := af.Extract(fields.Record(ev), arg)
		for _, s := range v.L {
			if body(ev, elem{s: s}) {
				return true
			}
		}
		return false
	}, true
}

// isAuditList reports whether a list column holds an audit field.
func isAuditList(c *ir.Column) bool { return audit.IsAuditField(c.Field) }
