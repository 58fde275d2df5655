package check

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/internal/sqlquote"
	"github.com/scapql/scapql/translate/catalog"
	"github.com/scapql/scapql/translate/ir"
)

// Audit fields (package audit) are columns of the cloudtrail and k8saudit tables: the
// field class.a.b is the member a_b of the struct column class (ct, s3, ec2, ecr, iam, ka),
// list fields are VARCHAR[] members, and raw holds the record's JSON, which the
// json.value[/pointer] and jevt.value[/pointer] fields read.

// isAudit reports whether a field name is an audit field.
func isAudit(name string) bool { return audit.IsAuditField(name) }

// auditStored reports whether the audit tables hold a field without argument (or with an
// index): a member under the naming rule, or a column the emitter computes.
func auditStored(name string) bool {
	switch name {
	case "json.rawtime", "jevt.rawtime", "json.obj", "jevt.obj":
		return true
	case "json.value", "jevt.value":
		return false
	}
	_, _, ok := sqlquote.Member(name)
	return ok
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// AuditColumn binds an audit field with its argument (hasArg) to its column of the
// cloudtrail and k8saudit tables (sqlgen.ColumnSQL renders it).
func AuditColumn(name, arg string, hasArg bool) (*ir.Column, error) {
	f, ok := catalog.Lookup(name)
	if !ok || !isAudit(name) {
		return nil, fmt.Errorf("%s is not an audit field", name)
	}
	r, err, _ := bindAudit(f, name, arg, hasArg)
	if err != nil {
		return nil, err
	}
	return r.cols[0].(*ir.Column), nil
}

// checkAudit checks an audit field's argument, and that the audit tables hold the field.
func checkAudit(af *audit.Field, arg string, hasArg bool) *fieldError {
	fail := func(format string, a ...any) *fieldError {
		return &fieldError{msg: fmt.Sprintf(format, a...), arg: hasArg}
	}
	switch af.Arg {
	case audit.NoArg:
		if hasArg {
			return fail("field %s takes no [argument]", af.Name)
		}
	case audit.IndexArg:
		if hasArg {
			if _, err := strconv.ParseUint(arg, 10, 31); err != nil {
				return fail("%s[%s]: the index must be a number >= 0", af.Name, arg)
			}
		}
	case audit.KeyArg, audit.PointerArg:
		if !hasArg {
			return &fieldError{msg: fmt.Sprintf("field %s needs an argument, e.g. %s", af.Name, auditArgExample(af.Name))}
		}
		switch af.Name {
		case "json.value", "jevt.value":
			if arg != "" && arg[0] != '/' {
				return fail("%s[%s]: the argument is a JSON pointer such as /user/username", af.Name, arg)
			}
			return nil
		case "ka.uri.param":
			if !plainKey.MatchString(arg) {
				return fail("ka.uri.param[%s]: the key must be letters, digits, '_', '.' or '-'", arg)
			}
			return nil
		case "ka.req.volume.hostpath", "ka.req.binding.subject.has_name":
			return nil
		}
		return fail("field %s[%s] is not stored in the audit tables", af.Name, arg)
	}
	if !auditStored(af.Name) {
		return &fieldError{msg: fmt.Sprintf("field %s is not supported: it is not stored in the audit tables", af.Name)}
	}
	return nil
}

// bindAudit binds an audit field and its argument; ok is false for other fields.
func bindAudit(f catalog.Field, written, arg string, hasArg bool) (*fieldRef, *fieldError, bool) {
	af, ok := audit.Lookup(f.Name)
	if !ok {
		return nil, nil, false
	}
	r := &fieldRef{name: written, field: f, kind: kindOf(f.Type)}
	if hasArg {
		r.name = f.Name + "[" + arg + "]"
	}
	if err := checkAudit(af, arg, hasArg); err != nil {
		if !err.arg {
			err.msg = strings.Replace(err.msg, "field "+af.Name+" is not supported", "field "+written+" is not supported", 1)
		}
		return nil, err, true
	}
	col := &ir.Column{K: r.kind, Field: f.Name, Arg: arg, HasArg: hasArg, Index: af.Arg == audit.IndexArg && hasArg}
	if af.Type == audit.List {
		col.List = true
		r.list = true
	}
	r.cols = []ir.Value{col}
	return r, nil, true
}

func auditArgExample(name string) string {
	switch name {
	case "json.value", "jevt.value":
		return name + "[/user/username]"
	case "ka.uri.param":
		return "ka.uri.param[command]"
	}
	return name + "[key]"
}

// isAuditList reports whether an operand is an audit list field.
func isAuditList(o *opnd) bool {
	return o.ref != nil && o.ref.list && isAudit(o.ref.field.Name)
}

// subset turns "any element is in the set" into Falco's `in` on a list field: the list is
// present and every element is in the set.
func subset(x ir.Expr) ir.Expr {
	a, ok := x.(*ir.AnyElem)
	if !ok {
		return x
	}
	return &ir.And{Xs: []ir.Expr{&ir.Exists{X: a.List}, &ir.Not{X: &ir.AnyElem{List: a.List, Body: &ir.Not{X: a.Body}}}}}
}
