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

// AuditColumn is the SQL column of an audit field without argument, "" if not stored.
func AuditColumn(name string) string {
	switch name {
	case "json.rawtime", "jevt.rawtime":
		return "evt.rawtime"
	case "json.obj", "jevt.obj":
		return "json_obj(raw)" // the SQL function the engine registers (package audit renders it)
	case "json.value", "jevt.value":
		return ""
	}
	class, member, ok := sqlquote.Member(name)
	if !ok {
		return ""
	}
	return class + "." + member
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// AuditSQL is the SQL of an audit field with its argument (hasArg), over the cloudtrail and
// k8saudit tables.
func AuditSQL(name, arg string, hasArg bool) (string, error) {
	af, ok := audit.Lookup(name)
	if !ok {
		return "", fmt.Errorf("%s is not an audit field", name)
	}
	sql, err := auditSQL(af, arg, hasArg)
	if err != nil {
		return "", err
	}
	return sql, nil
}

func auditSQL(af *audit.Field, arg string, hasArg bool) (string, *fieldError) {
	fail := func(format string, a ...any) (string, *fieldError) {
		return "", &fieldError{msg: fmt.Sprintf(format, a...), arg: hasArg}
	}
	base := AuditColumn(af.Name)
	sql := ""
	switch af.Arg {
	case audit.NoArg:
		if hasArg {
			return fail("field %s takes no [argument]", af.Name)
		}
		sql = base
	case audit.IndexArg:
		sql = base
		if hasArg {
			n, err := strconv.ParseUint(arg, 10, 31)
			if err != nil {
				return fail("%s[%s]: the index must be a number >= 0", af.Name, arg)
			}
			// the element at the index, as a one-element list
			sql = fmt.Sprintf("CASE WHEN len(%s) > %d THEN [%s[%d]] END", base, n, base, n+1)
		}
	case audit.KeyArg, audit.PointerArg:
		if !hasArg {
			return "", &fieldError{msg: fmt.Sprintf("field %s needs an argument, e.g. %s", af.Name, auditArgExample(af.Name))}
		}
		switch af.Name {
		case "json.value", "jevt.value":
			if arg != "" && arg[0] != '/' {
				return fail("%s[%s]: the argument is a JSON pointer such as /user/username", af.Name, arg)
			}
			sql = "json_extract_string(raw, " + sqlquote.String(arg) + ")"
		case "ka.uri.param":
			if !plainKey.MatchString(arg) {
				return fail("ka.uri.param[%s]: the key must be letters, digits, '_', '.' or '-'", arg)
			}
			re := sqlquote.String(`[?&]` + regexp.QuoteMeta(arg) + `=([^&#]*)`)
			sql = "CASE WHEN regexp_matches(ka.uri, " + re + ") THEN url_decode(regexp_extract(ka.uri, " + re + ", 1)) END"
		case "ka.req.volume.hostpath":
			prefix, isPrefix := strings.CutSuffix(arg, "*")
			cond := "x = " + sqlquote.String(arg)
			if isPrefix {
				cond += " OR starts_with(x, " + sqlquote.String(prefix) + ")"
			}
			sql = "CASE WHEN ka.req_pod_volumes_hostpath IS NULL THEN NULL WHEN len(list_filter(ka.req_pod_volumes_hostpath, lambda x: " + cond + ")) > 0 THEN 'true' ELSE 'false' END"
		case "ka.req.binding.subject.has_name":
			sql = "CASE WHEN ka.auditid IS NOT NULL THEN 'true' END"
		default:
			return fail("field %s[%s] is not stored in the audit tables", af.Name, arg)
		}
	}
	if sql == "" {
		return "", &fieldError{msg: fmt.Sprintf("field %s is not supported: it is not stored in the audit tables", af.Name)}
	}
	return sql, nil
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
	sql, err := auditSQL(af, arg, hasArg)
	if err != nil {
		if !err.arg {
			err.msg = strings.Replace(err.msg, "field "+af.Name+" is not supported", "field "+written+" is not supported", 1)
		}
		return nil, err, true
	}
	col := &ir.Column{SQL: sql, K: r.kind, Field: f.Name, Arg: arg, Index: af.Arg == audit.IndexArg && hasArg}
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
