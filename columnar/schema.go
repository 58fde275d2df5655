// Package columnar turns the resolved events of captures into Arrow record batches: the
// `events` table, whose struct columns are named after the filter field classes (see
// docs/schema.md), and the side tables derived while reading (processes, syscalls,
// connections, files, procinfo, users, groups, interfaces, containers, captures).
//
// The events schema is data: every field of the reference's field catalogue (fields.CatalogTSV,
// the one copy in package fields) that package fields can extract becomes a struct
// member, typed from the catalogue, plus a few members that have no single filter field
// (argument maps, ancestor lists, the process id). A field gains its column as soon as
// package fields learns to extract it.
package columnar

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/internal/sqlquote"
)

// catalogTSV is the field catalogue the schema is built from.
var catalogTSV = fields.CatalogTSV

// Type is the SQL-level type of a column.
type Type uint8

// Column types. Unsigned catalogue types are stored signed (BIGINT) so that SQL arithmetic and
// comparisons behave; no field value exceeds 2^63.
const (
	Int64      Type = iota // BIGINT
	Int32                  // INTEGER (ports)
	Int16                  // SMALLINT (evt.cpu)
	Bool                   // BOOLEAN
	String                 // VARCHAR
	Binary                 // BLOB
	Timestamp              // TIMESTAMP_NS
	Float64                // DOUBLE
	StringList             // VARCHAR[]
	Int64List              // BIGINT[]
	StringMap              // MAP(VARCHAR, VARCHAR)
)

// SQL returns the DuckDB spelling of the type.
func (t Type) SQL() string {
	return [...]string{"BIGINT", "INTEGER", "SMALLINT", "BOOLEAN", "VARCHAR", "BLOB", "TIMESTAMP_NS",
		"DOUBLE", "VARCHAR[]", "BIGINT[]", "MAP(VARCHAR, VARCHAR)"}[t]
}

// Arrow returns the Arrow type the column is built with.
func (t Type) Arrow() arrow.DataType {
	switch t {
	case Int64:
		return arrow.PrimitiveTypes.Int64
	case Int32:
		return arrow.PrimitiveTypes.Int32
	case Int16:
		return arrow.PrimitiveTypes.Int16
	case Bool:
		return arrow.FixedWidthTypes.Boolean
	case String:
		return arrow.BinaryTypes.String
	case Binary:
		return arrow.BinaryTypes.Binary
	case Timestamp:
		return tsNS // no time zone: DuckDB maps a zoned timestamp to TIMESTAMPTZ, in microseconds
	case Float64:
		return arrow.PrimitiveTypes.Float64
	case StringList:
		return arrow.ListOf(arrow.BinaryTypes.String)
	case Int64List:
		return arrow.ListOf(arrow.PrimitiveTypes.Int64)
	case StringMap:
		return arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.String)
	}
	panic(fmt.Sprintf("columnar: unknown type %d", t))
}

// catalogType maps a catalogue type to a column type.
func catalogType(t string) (Type, bool) {
	switch t {
	case "UINT64", "UINT32", "INT64", "INT32", "ABSTIME", "RELTIME":
		return Int64, true
	case "INT16":
		return Int16, true
	case "PORT":
		return Int32, true
	case "BOOL":
		return Bool, true
	case "CHARBUF", "IPADDR", "IPNET":
		return String, true
	case "BYTEBUF":
		return Binary, true
	case "DOUBLE":
		return Float64, true
	}
	return 0, false
}

// CatalogField is one entry of the field catalogue.
type CatalogField struct {
	Name, Type, Class, Description string
}

// Catalog returns the field catalogue in its order.
var Catalog = sync.OnceValue(func() []CatalogField {
	var out []CatalogField
	for i, line := range strings.Split(catalogTSV, "\n") {
		if i == 0 || line == "" {
			continue
		}
		c := strings.SplitN(line, "\t", 4)
		if len(c) != 4 {
			panic(fmt.Sprintf("columnar: catalog.tsv line %d: want 4 columns", i+1))
		}
		out = append(out, CatalogField{Name: c[0], Type: c[1], Class: c[2], Description: c[3]})
	}
	return out
})

// Structs are the struct columns of the events table, in order; each holds the fields of the
// filter field class of the same name.
var Structs = []string{"evt", "syscall", "proc", "thread", "fd", "user", "group", "container", "k8s"}

// Column is one member of a struct column of the events table.
type Column struct {
	// Field is the filter field the member holds ("evt.rawtime.s"); for members with no
	// single field it names the member ("evt.arglist").
	Field  string
	Struct string // the struct column: evt, proc, ...
	Member string // the member: rawtime_s
	Type   Type
	// Extra marks members that are not a catalogue field (lists, maps, ids).
	Extra bool
	// Null marks promised members whose field cannot be extracted yet: always NULL.
	Null bool
	Doc  string
}

// SQL returns the member as a SQL expression over the events table.
func (c *Column) SQL() string { return sqlquote.Ident(c.Struct) + "." + c.Member }

// skipFields are catalogue fields that are not members: fields that need an argument are
// stored as lists and maps (the extras below), evt.around is a filter-only construct, and the
// fields derived from other members are computed by the filter checker instead of stored
// (evt.info is evt.args; the .s/.ns splits, the count fields and evt.latency.human come from
// the whole values) — they would double the width of the table for nothing.
var skipFields = map[string]bool{
	"evt.info": true, "evt.time.s": true, "evt.time.iso8601": true, "evt.datetime.s": true,
	"evt.rawtime.s": true, "evt.rawtime.ns": true, "evt.reltime.s": true, "evt.reltime.ns": true,
	"evt.latency.s": true, "evt.latency.ns": true, "evt.latency.human": true,
	"evt.deltatime.s": true, "evt.deltatime.ns": true,
	"evt.count": true, "evt.count.error": true, "evt.count.error.file": true, "evt.count.error.net": true,
	"evt.count.error.memory": true, "evt.count.error.other": true, "evt.count.exit": true,
	"evt.arg": true, "evt.rawarg": true, "evt.type.is": true, "evt.around": true,
	"proc.aname": true, "proc.apid": true, "thread.cgroup": true,
	"container.mount": true, "container.mount.source": true, "container.mount.dest": true,
	"container.mount.mode": true, "container.mount.rdwr": true, "container.mount.propagation": true,
}

// typeOverrides give a few fields a SQL type better than their catalogue text type.
var typeOverrides = map[string]Type{
	"evt.time": Timestamp, // sysdig's text is derived from it; SQL wants a timestamp
}

// extras are members with no single catalogue field, appended to their struct.
var extras = []Column{
	{Field: "evt.hidden", Type: Bool, Doc: "not shown by `scapql print` without -D (internal or state-only events)"},
	{Field: "evt.arg", Type: StringMap, Doc: "parameter name → resolved text (filter evt.arg.NAME)"},
	{Field: "evt.arglist", Type: StringList, Doc: "parameter texts in order (filter evt.arg[N] is evt.arglist[N+1])"},
	{Field: "evt.rawarg", Type: StringMap, Doc: "parameter name → raw value as text (filter evt.rawarg.NAME)"},
	{Field: "proc.id", Type: Int64, Doc: "unique id of the process lifetime (survives pid reuse); processes.id"},
	{Field: "proc.parent_id", Type: Int64, Doc: "proc.id of the parent process"},
	{Field: "proc.arglist", Type: StringList, Doc: "the arguments, one element each"},
	{Field: "proc.envmap", Type: StringMap, Doc: "environment NAME → value (filter proc.env[NAME])"},
	{Field: "proc.aname0", Type: String, Doc: "the name of the process's main thread (filter proc.aname[0]; proc.name is the thread's own name)"},
	{Field: "proc.anames", Type: StringList, Doc: "ancestor names, parent first (filter proc.aname[N] is proc.anames[N])"},
	{Field: "proc.apids", Type: Int64List, Doc: "ancestor pids, parent first (filter proc.apid[N] is proc.apids[N])"},
	{Field: "proc.aexes", Type: StringList, Doc: "proc.exe of the process, then of its ancestors, parent first (filter proc.aexe[N] is proc.aexes[N+1]; proc.aexe without an index matches any of proc.aexes[2:], the ancestors)"},
	{Field: "fd.ino", Type: Int64, Doc: "inode number of the fd's file"},
	{Field: "fd.pair_cip", Type: String, Doc: "the client end fd.ip and fd.net compare, whatever the socket's role"},
	{Field: "fd.pair_sip", Type: String, Doc: "the server end fd.ip and fd.net compare (a server socket's address), whatever the socket's role"},
	{Field: "fd.pair_cport", Type: Int32, Doc: "the client port fd.port compares, whatever the socket's role"},
	{Field: "fd.pair_sport", Type: Int32, Doc: "the server port fd.port compares (a server socket's port), whatever the socket's role"},
}

// contract are the members docs/schema.md promises (fields.SchemaMembers, which the filter
// translator emits SQL against). A contract member whose field package fields cannot extract
// yet is still a column, NULL on every row, so that translated filters bind.
var contract = fields.SchemaMembers

func inContract(field string) bool {
	class, m, _ := sqlquote.Member(field)
	for _, c := range contract[class] {
		if c == m {
			return true
		}
	}
	return false
}

// registered reports whether package fields extracts the field.
func registered(name string) bool {
	_, _, err := fields.Lookup(name)
	return err == nil
}

// EventColumns returns the members of the events table in order.
var EventColumns = sync.OnceValue(func() []Column {
	byStruct := map[string][]Column{}
	for _, f := range Catalog() {
		if skipFields[f.Name] || !registered(f.Name) && !inContract(f.Name) {
			continue
		}
		class, member, _ := sqlquote.Member(f.Name)
		t, ok := typeOverrides[f.Name]
		if !ok {
			t, ok = catalogType(f.Type)
		}
		if !ok {
			continue // DYNAMIC: only evt.rawarg, stored as a map
		}
		byStruct[class] = append(byStruct[class], Column{Field: f.Name, Struct: class,
			Member: member, Type: t, Doc: f.Description, Null: !registered(f.Name)})
	}
	for _, x := range extras {
		x.Struct, x.Member, _ = sqlquote.Member(x.Field)
		x.Extra = true
		class := x.Struct
		byStruct[class] = append(byStruct[class], x)
	}
	var out []Column
	for _, s := range Structs {
		out = append(out, byStruct[s]...)
	}
	return out
})

// NotExtracted lists catalogue fields of the struct classes that package fields cannot
// extract yet: the promised ones are NULL members, the others have no member.
func NotExtracted() []string {
	var out []string
	for _, f := range Catalog() {
		if skipFields[f.Name] || registered(f.Name) {
			continue
		}
		class, _, _ := strings.Cut(f.Name, ".")
		for _, s := range Structs {
			if s == class {
				out = append(out, f.Name)
			}
		}
	}
	return out
}

// EventSchema is the Arrow schema of the events table: `capture` then one struct per class.
var EventSchema = sync.OnceValue(func() *arrow.Schema { return schemaOf(EventColumns()) })

// schemaOf is the events schema holding cols: capture, then the structs that have members.
func schemaOf(cols []Column) *arrow.Schema {
	return schemaWith(cols, func(c *Column) arrow.DataType { return c.Type.Arrow() })
}

// schemaWith is schemaOf with the members' Arrow types given by typeOf.
func schemaWith(cols []Column, typeOf func(*Column) arrow.DataType) *arrow.Schema {
	fieldsOf := map[string][]arrow.Field{}
	for i := range cols {
		c := &cols[i]
		fieldsOf[c.Struct] = append(fieldsOf[c.Struct], arrow.Field{Name: c.Member, Type: typeOf(c), Nullable: true})
	}
	fs := []arrow.Field{{Name: "capture", Type: arrow.BinaryTypes.String}}
	for _, s := range structOrder(cols) {
		fs = append(fs, arrow.Field{Name: s, Type: arrow.StructOf(fieldsOf[s]...)})
	}
	return arrow.NewSchema(fs, nil)
}

// structOrder lists the structs of cols (whose members come grouped by struct) in order.
func structOrder(cols []Column) []string {
	var out []string
	for i, c := range cols {
		if i == 0 || c.Struct != cols[i-1].Struct {
			out = append(out, c.Struct)
		}
	}
	return out
}

// SelectColumns picks members of the events table: each name is a member ("evt.type",
// "proc.anames", "group.gid"), a filter field with its member's name ("evt.rawtime.s"), or a
// struct ("proc", all its members). evt.num is always included. Members keep their table
// order. A projection makes reading far cheaper when few members are needed.
func SelectColumns(names []string) ([]Column, error) {
	all := EventColumns()
	want := map[int]bool{}
	for i, c := range all {
		if c.Field == "evt.num" {
			want[i] = true
		}
	}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		found := false
		for i, c := range all {
			if n == c.Struct || n == c.Field || n == c.Struct+"."+c.Member {
				want[i], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("the events table has no member or struct %q", n)
		}
	}
	var out []Column
	for i, c := range all {
		if want[i] {
			out = append(out, c)
		}
	}
	return out, nil
}

// SchemaOf is the events schema of a projection (see SelectColumns).
func SchemaOf(cols []Column) *arrow.Schema {
	if len(cols) == len(EventColumns()) {
		return EventSchema()
	}
	return schemaOf(cols)
}

// tsNS is TIMESTAMP_NS: nanoseconds since the epoch, read as UTC.
var tsNS = &arrow.TimestampType{Unit: arrow.Nanosecond}
