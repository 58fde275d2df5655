package engine

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/internal/sqlquote"
)

// Planning a condition over the stored tables. A display filter's condition (the SQL the
// translator emits, possibly with a few terms of the caller's) names the events columns:
// proc.name, evt.type. Over the stored tables of a database (layout.go) the per-event members
// of proc, thread and fd are the _now structs' (proc.duration → proc_now.duration), the evt
// members with key columns are those columns (evt.type → evt_type, keys.go), and the thread
// and fd state tables need only be joined when the condition reads them. The plan is read
// from DuckDB's own parse of the condition (json_serialize_sql): every column reference, with
// the place where it starts in the text, which is where the renamed reference is written;
// literals, comments and quoted names are never mistaken for references.

// condPlan is what a condition over the events columns reads, and the condition over the
// stored tables.
type condPlan struct {
	// stored is the condition over the stored tables; "" when it names what they do not hold
	// as the events columns do (a whole mixed struct, a name that is no member, a reference
	// the parse gives no place for): the events view answers it then.
	stored       string
	threads, fds bool            // reads the thread states' or the fd states' members
	rows         map[string]bool // event_rows columns read: key columns, capture, evt, syscall, the _now structs
}

// viewOnly is the plan of a condition only the events view answers.
var viewOnly = &condPlan{threads: true, fds: true}

// condPrefix is the statement a condition is parsed in; the condition's references are
// placed relative to its end.
const condPrefix = "SELECT 1 WHERE (\n"

// plan returns the plan of where, a condition over the events columns; parses are kept for
// the session's next questions.
func (db *DB) plan(ctx context.Context, where string) *condPlan {
	db.planMu.Lock()
	p, ok := db.plans[where]
	db.planMu.Unlock()
	if ok {
		return p
	}
	p = viewOnly
	if doc, ok, err := serialize(ctx, db.conn, condPrefix+where+"\n)"); err == nil && ok {
		p = planFrom(doc, where)
	}
	db.planMu.Lock()
	if db.plans == nil || len(db.plans) >= 256 {
		db.plans = map[string]*condPlan{}
	}
	db.plans[where] = p
	db.planMu.Unlock()
	return p
}

// planFrom plans where from DuckDB's parse of condPrefix+where.
func planFrom(doc map[string]any, where string) *condPlan {
	stmts, _ := doc["statements"].([]any)
	if len(stmts) != 1 {
		return viewOnly
	}
	st, _ := stmts[0].(map[string]any)
	node, _ := st["node"].(map[string]any)
	var refs []colRef
	params := map[string]bool{}
	collectRefs(node["where_clause"], &refs, params)
	p := &condPlan{rows: map[string]bool{}}
	type edit struct {
		at, end int
		text    string
	}
	var edits []edit
	for _, r := range refs {
		if params[r.names[0]] {
			continue // a lambda's parameter
		}
		renamed, ok := p.read(r.names)
		if !ok {
			return viewOnly
		}
		if renamed == "" {
			continue
		}
		at := r.at - len(condPrefix)
		end := refEnd(where, at, r.names[:2])
		if at < 0 || end < 0 {
			return viewOnly
		}
		edits = append(edits, edit{at, end, renamed})
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].at < edits[j].at })
	var b strings.Builder
	last := 0
	for i, e := range edits {
		if i > 0 && e == edits[i-1] {
			continue // one reference the parser repeats (CASE x WHEN ...)
		}
		if e.at < last {
			return viewOnly
		}
		b.WriteString(where[last:e.at])
		b.WriteString(e.text)
		last = e.end
	}
	b.WriteString(where[last:])
	p.stored = b.String()
	return p
}

// read records that the condition reads the column reference names (lower case) and returns
// what the reference becomes over the stored tables ("": unchanged); ok is false for a name
// the stored tables cannot give.
func (p *condPlan) read(names []string) (renamed string, ok bool) {
	s := names[0]
	if s == "capture" && len(names) == 1 {
		p.rows[s] = true
		return "", true
	}
	parts, known := structParts()[s]
	if !known {
		return "", false
	}
	if len(names) == 1 {
		if parts[columnar.PartEvent] && s != "evt" && s != "syscall" {
			return "", false // a whole struct with per-event members is only the view's
		}
		p.readPart(parts, s)
		return "", true
	}
	c, ok := memberColumns()[s+"."+names[1]]
	if !ok {
		return "", false
	}
	switch part := columnar.PartOf(c); {
	case s == "evt" && contains(keyMembers, c.Member):
		p.rows[keyColumn(c.Member)] = true
		return keyColumn(c.Member), true
	case part == columnar.PartEvent:
		stored := columnar.StoredStruct(c)
		p.rows[stored] = true
		if stored != s {
			return sqlquote.QuotedIdent(stored) + "." + sqlquote.QuotedIdent(c.Member), true
		}
	default:
		p.readPart(map[columnar.Part]bool{part: true}, s)
	}
	return "", true
}

func (p *condPlan) readPart(parts map[columnar.Part]bool, s string) {
	p.threads = p.threads || parts[columnar.PartThread]
	p.fds = p.fds || parts[columnar.PartFD]
	if parts[columnar.PartEvent] {
		p.rows[s] = true
	}
}

// structParts are the parts of the compact layout that hold each events struct's members.
var structParts = sync.OnceValue(func() map[string]map[columnar.Part]bool {
	out := map[string]map[columnar.Part]bool{}
	for _, c := range columnar.EventColumns() {
		if out[c.Struct] == nil {
			out[c.Struct] = map[columnar.Part]bool{}
		}
		out[c.Struct][columnar.PartOf(&c)] = true
	}
	return out
})

// memberColumns are the events members by "struct.member".
var memberColumns = sync.OnceValue(func() map[string]*columnar.Column {
	cols := columnar.EventColumns()
	out := make(map[string]*columnar.Column, len(cols))
	for i := range cols {
		out[cols[i].Struct+"."+cols[i].Member] = &cols[i]
	}
	return out
})

// usesStates says whether SQL that reads a query's columns (a select list) may read the
// thread states' or the fd states' members, from DuckDB's parse of it (refs.go); a list it
// cannot read may read both.
func (db *DB) usesStates(ctx context.Context, uses string) (threads, fds bool) {
	r, err := parseRefs(ctx, db.conn, "SELECT "+uses+" FROM events")
	if err != nil || r.all {
		return true, true
	}
	for m := range r.members {
		s, mem, whole := strings.Cut(m, ".")
		parts := structParts()[s]
		if whole {
			if c, ok := memberColumns()[s+"."+mem]; ok {
				parts = map[columnar.Part]bool{columnar.PartOf(c): true}
			}
		}
		threads, fds = threads || parts[columnar.PartThread], fds || parts[columnar.PartFD]
	}
	return threads, fds
}

// colRef is a column reference of a parse tree: its names, lower case, and the byte offset
// where it starts in the parsed text (-1: not given).
type colRef struct {
	names []string
	at    int
}

// collectRefs lists the column references below n, and the names lambdas bind.
func collectRefs(n any, out *[]colRef, params map[string]bool) {
	switch n := n.(type) {
	case []any:
		for _, x := range n {
			collectRefs(x, out, params)
		}
	case map[string]any:
		switch n["class"] {
		case "COLUMN_REF":
			names, _ := n["column_names"].([]any)
			r := colRef{at: -1}
			for _, x := range names {
				s, _ := x.(string)
				r.names = append(r.names, strings.ToLower(s))
			}
			if loc, ok := n["query_location"].(json.Number); ok {
				if at, err := strconv.Atoi(loc.String()); err == nil && at >= 0 {
					r.at = at
				}
			}
			if len(r.names) > 0 {
				*out = append(*out, r)
			}
			return
		case "LAMBDA":
			var lhs []colRef
			collectRefs(n["lhs"], &lhs, params)
			for _, r := range lhs {
				params[r.names[0]] = true
			}
			collectRefs(n["expr"], out, params)
			return
		}
		for _, v := range n {
			collectRefs(v, out, params)
		}
	}
}

// refEnd returns the end of the column reference that starts at i in s with the given names
// (lower case) as its first parts, or -1 when the text there is not that reference.
func refEnd(s string, i int, names []string) int {
	if i < 0 {
		return -1
	}
	for k, name := range names {
		if k > 0 {
			i = skipSpace(s, i)
			if i >= len(s) || s[i] != '.' {
				return -1
			}
			i = skipSpace(s, i+1)
		}
		part, end := identAt(s, i)
		if end < 0 || strings.ToLower(part) != name {
			return -1
		}
		i = end
	}
	return i
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// identAt reads the identifier at i, bare or double-quoted; end is -1 if there is none.
func identAt(s string, i int) (name string, end int) {
	if i < len(s) && s[i] == '"' {
		var b strings.Builder
		for j := i + 1; j < len(s); j++ {
			if s[j] == '"' {
				if j+1 < len(s) && s[j+1] == '"' {
					b.WriteByte('"')
					j++
					continue
				}
				return b.String(), j + 1
			}
			b.WriteByte(s[j])
		}
		return "", -1
	}
	j := i
	for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || j > i && s[j] >= '0' && s[j] <= '9') {
		j++
	}
	if j == i {
		return "", -1
	}
	return s[i:j], j
}
