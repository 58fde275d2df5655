package sqlgen

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/internal/sqlquote"
	"github.com/scapql/scapql/translate/ir"
)

// The SQL of the columns the checker binds fields to (ir.Column: the field, its argument),
// over the events table (docs/schema.md) and the audit tables. The checker has validated the
// field and its argument; what is left here is how each reads in SQL.

// ColumnSQL is the SQL expression of a column, for callers outside a filter (tests holding the
// audit columns to the plugins' values).
func ColumnSQL(c *ir.Column) (sql string, err error) {
	defer catch(&sql, &err)
	return column(c), nil
}

// DerivedFields are the catalogue fields whose column is computed from stored members.
func DerivedFields() []string {
	out := make([]string, 0, len(derived))
	for f := range derived {
		out = append(out, f)
	}
	return out
}

// derived is the SQL of the catalogue fields computed from stored members.
var derived = map[string]string{
	"evt.info":       "evt.args",
	"evt.time":       "substr(evt.datetime, 12)",
	"evt.time.s":     "substr(evt.datetime, 12, 8)",
	"evt.datetime.s": "substr(evt.datetime, 1, 19)",
	"evt.rawtime.s":  "(evt.rawtime // 1000000000)",
	"evt.rawtime.ns": "(evt.rawtime % 1000000000)",
	"evt.reltime.s":  "(evt.reltime // 1000000000)",
	"evt.reltime.ns": "(evt.reltime % 1000000000)",
	"evt.latency.s":  "(evt.latency // 1000000000)",
	"evt.latency.ns": "(evt.latency % 1000000000)",
	// The count fields are 1 or absent (libsinsp extract_error_count and friends).
	"evt.count":              "1",
	"evt.count.exit":         "CASE WHEN evt.dir = '<' THEN 1 END",
	"evt.count.error":        "CASE WHEN evt.failed THEN 1 END",
	"evt.count.error.file":   "CASE WHEN evt.failed AND evt.category = 'file' THEN 1 END",
	"evt.count.error.net":    "CASE WHEN evt.failed AND evt.category = 'net' THEN 1 END",
	"evt.count.error.memory": "CASE WHEN evt.failed AND evt.category = 'memory' THEN 1 END",
	"evt.count.error.other":  "CASE WHEN evt.failed AND evt.category NOT IN ('file', 'net', 'memory') THEN 1 END",
}

// mountPart is the part of a container.mounts item (source:dest:mode:rdwr:propagation) each
// container.mount field reads, 1-based.
var mountPart = map[string]int{"container.mount": 0, "container.mount.source": 1, "container.mount.dest": 2,
	"container.mount.mode": 3, "container.mount.rdwr": 4, "container.mount.propagation": 5}

// column renders a column.
func column(c *ir.Column) string {
	if af, ok := audit.Lookup(c.Field); ok {
		return auditColumn(af, c)
	}
	index := func(what string) uint64 {
		n, err := strconv.ParseUint(c.Arg, 10, 31)
		if err != nil {
			panic(invariant(fmt.Sprintf("%s: index %q", what, c.Arg)))
		}
		return n
	}
	switch c.Field {
	case "evt.arg":
		if c.Index {
			return fmt.Sprintf("evt.arglist[%d]", index("evt.arg")+1)
		}
		return "evt.arg[" + sqlquote.String(c.Arg) + "]"
	case "evt.rawarg":
		// The raw value is stored as text; libsinsp types it by the parameter's type.
		sql := "evt.rawarg[" + sqlquote.String(c.Arg) + "]"
		switch c.K {
		case ir.Int:
			return "TRY_CAST(" + sql + " AS HUGEINT)"
		case ir.Bool:
			return "TRY_CAST(" + sql + " AS BOOLEAN)"
		case ir.Double:
			return "TRY_CAST(" + sql + " AS DOUBLE)"
		}
		return sql
	case "evt.type.is":
		return "CAST(evt.type = " + sqlquote.String(c.Arg) + " AS INTEGER)"
	case "thread.cgroup":
		re := sqlquote.String("(?:^| )" + c.Arg + "=([^ ]*)")
		return "CASE WHEN regexp_matches(thread.cgroups, " + re + ") THEN regexp_extract(thread.cgroups, " + re + ", 1) END"
	case "proc.aname", "proc.apid":
		// aname[0] is the main thread's name, which differs from proc.name for threads that
		// renamed themselves; without an index, the list of the ancestors, parent first.
		list, scalar := "proc.anames", "proc.aname0"
		if c.Field == "proc.apid" {
			list, scalar = "proc.apids", "proc.pid"
		}
		if c.List {
			return list
		}
		if n := index(c.Field); n > 0 {
			return fmt.Sprintf("%s[%d]", list, n)
		}
		return scalar
	case "proc.aexe":
		// proc.aexes lists the process's own proc.exe, then its ancestors', parent first.
		if c.List {
			return "proc.aexes[2:]"
		}
		return fmt.Sprintf("proc.aexes[%d]", index(c.Field)+1)
	case "container.mount", "container.mount.source", "container.mount.dest", "container.mount.mode",
		"container.mount.rdwr", "container.mount.propagation":
		// From container.mounts: the mount by index, or the first whose source matches the
		// glob pattern (Glob: as a regular expression).
		item := ""
		if c.Glob == "" {
			item = fmt.Sprintf("string_split(container.mounts, ',')[%d]", index(c.Field)+1)
		} else {
			item = "list_filter(string_split(container.mounts, ','), m -> regexp_full_match(split_part(m, ':', 1), " +
				sqlquote.String(c.Glob) + "))[1]"
		}
		if k := mountPart[c.Field]; k > 0 {
			item = fmt.Sprintf("split_part(%s, ':', %d)", item, k)
		}
		return "CASE WHEN container.mounts <> '' THEN " + item + " END"
	case "proc.env":
		if c.HasArg {
			return "proc.envmap[" + sqlquote.String(c.Arg) + "]"
		}
	}
	if sql, ok := derived[c.Field]; ok {
		return sql
	}
	if _, _, ok := sqlquote.Member(c.Field); !ok {
		panic(invariant(fmt.Sprintf("column of field %q", c.Field)))
	}
	return sqlquote.MemberRef(c.Field)
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// auditColumn renders an audit field's column over the cloudtrail and k8saudit tables: the
// field class.a.b is the member a_b of the struct column class (ct, s3, ec2, ecr, iam, ka),
// list fields are VARCHAR[] members, and raw holds the record's JSON, which the
// json.value[/pointer] and jevt.value[/pointer] fields read.
func auditColumn(af *audit.Field, c *ir.Column) string {
	base := ""
	switch af.Name {
	case "json.rawtime", "jevt.rawtime":
		base = "evt.rawtime"
	case "json.obj", "jevt.obj":
		base = "json_obj(raw)" // the SQL function the engine registers (package audit renders it)
	case "json.value", "jevt.value":
		return "json_extract_string(raw, " + sqlquote.String(c.Arg) + ")"
	case "ka.uri.param":
		if !plainKey.MatchString(c.Arg) {
			panic(invariant("ka.uri.param key " + c.Arg))
		}
		re := sqlquote.String(`[?&]` + regexp.QuoteMeta(c.Arg) + `=([^&#]*)`)
		return "CASE WHEN regexp_matches(ka.uri, " + re + ") THEN url_decode(regexp_extract(ka.uri, " + re + ", 1)) END"
	case "ka.req.volume.hostpath":
		prefix, isPrefix := strings.CutSuffix(c.Arg, "*")
		cond := "x = " + sqlquote.String(c.Arg)
		if isPrefix {
			cond += " OR starts_with(x, " + sqlquote.String(prefix) + ")"
		}
		return "CASE WHEN ka.req_pod_volumes_hostpath IS NULL THEN NULL WHEN len(list_filter(ka.req_pod_volumes_hostpath, lambda x: " + cond + ")) > 0 THEN 'true' ELSE 'false' END"
	case "ka.req.binding.subject.has_name":
		return "CASE WHEN ka.auditid IS NOT NULL THEN 'true' END"
	default:
		class, member, ok := sqlquote.Member(af.Name)
		if !ok {
			panic(invariant(fmt.Sprintf("audit field %q", af.Name)))
		}
		base = class + "." + member
	}
	if af.Arg == audit.IndexArg && c.HasArg {
		n, err := strconv.ParseUint(c.Arg, 10, 31)
		if err != nil {
			panic(invariant(fmt.Sprintf("%s: index %q", af.Name, c.Arg)))
		}
		// the element at the index, as a one-element list
		return fmt.Sprintf("CASE WHEN len(%s) > %d THEN [%s[%d]] END", base, n, base, n+1)
	}
	return base
}
