package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/internal/sqlquote"
)

// refs is what a SQL text reads of the capture tables, as DuckDB's own parser sees it
// (json_serialize_sql): the events members it names, whether it needs them all (a star, a
// whole struct of unknown extent), and the tables it names. It only ever widens: a name it
// cannot place makes it ask for more, never less.
type refs struct {
	members map[string]bool // "proc.name", or a whole struct "proc"
	all     bool            // every member of events
	tables  map[string]bool // lower-case table names
	// headers are the last statement's result column names where a bare member reference
	// ("proc.name") would otherwise be headed by its last part ("name"); "" keeps DuckDB's.
	headers []string
	doc     map[string]any // DuckDB's parse tree, when it serialised the text
	// others are the names (aliases, else table names) of the statement's tables other than
	// events: "p.user" with processes p is the column user of p, not the struct user.
	others map[string]bool
}

// otherTables adds to out the names of the base tables below n other than events.
func otherTables(n any, out map[string]bool) {
	switch n := n.(type) {
	case []any:
		for _, x := range n {
			otherTables(x, out)
		}
	case map[string]any:
		if n["type"] == "BASE_TABLE" {
			t, _ := n["table_name"].(string)
			if !strings.EqualFold(t, "events") {
				name, _ := n["alias"].(string)
				if name == "" {
					name = t
				}
				out[strings.ToLower(name)] = true
			}
		}
		for _, v := range n {
			otherTables(v, out)
		}
	}
}

func newRefs() *refs { return &refs{members: map[string]bool{}, tables: map[string]bool{}} }

// reads reports whether the SQL names table t.
func (r *refs) reads(t string) bool { return r.tables[t] }

// memberList is the members to build for the events table (nil: all of them).
func (r *refs) memberList() []string {
	if r.all {
		return nil
	}
	out := make([]string, 0, len(r.members))
	for m := range r.members {
		out = append(out, m)
	}
	return out
}

// structNames are the events struct columns, the first part of every member reference.
var structNames = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range columnar.Structs {
		m[s] = true
	}
	return m
}()

// parseRefs asks DuckDB's parser what sqlText reads. A text the parser serialises (SELECT
// statements, DESCRIBE, SUMMARIZE) is read exactly; any other statement (CREATE TABLE AS,
// COPY, EXPLAIN, INSERT) is read through the query inside it when there is one, and
// otherwise by the names it mentions, which asks for every member of events.
func parseRefs(ctx context.Context, q *sql.Conn, sqlText string) (*refs, error) {
	r := newRefs()
	doc, ok, err := serialize(ctx, q, sqlText)
	if err != nil {
		return nil, err
	}
	if ok {
		r.doc = doc
		stmts, _ := doc["statements"].([]any)
		r.others = map[string]bool{}
		otherTables(stmts, r.others)
		for i, s := range stmts {
			node, _ := s.(map[string]any)
			r.walk(node["node"])
			if i == len(stmts)-1 {
				r.headers = selectHeaders(node["node"])
			}
		}
		return r, nil
	}
	if inner := innerQuery(sqlText); inner != "" {
		if in, err := parseRefs(ctx, q, inner); err == nil {
			in.headers = nil
			return in, nil
		}
	}
	for _, w := range identifiers(sqlText) {
		r.tables[w] = true
	}
	r.all = r.tables["events"]
	return r, nil
}

// serialize returns DuckDB's JSON parse tree of sqlText; ok is false when DuckDB cannot
// serialise it (statements other than queries) or it does not parse.
func serialize(ctx context.Context, q *sql.Conn, sqlText string) (doc map[string]any, ok bool, err error) {
	if !utf8.ValidString(sqlText) {
		return nil, false, errors.New("the statement is not valid UTF-8")
	}
	var text string
	if err := q.QueryRowContext(ctx, `SELECT json_serialize_sql(`+sqlquote.String(sqlText)+`)::VARCHAR`).Scan(&text); err != nil {
		return nil, false, fmt.Errorf("read the statement: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber() // integer constants stay exact
	if err := dec.Decode(&doc); err != nil {
		return nil, false, fmt.Errorf("read the statement: %w", err)
	}
	if failed, _ := doc["error"].(bool); failed {
		return nil, false, nil
	}
	return doc, true, nil
}

// walk collects the references of a parse tree node and everything below it.
func (r *refs) walk(n any) {
	switch n := n.(type) {
	case []any:
		for _, x := range n {
			r.walk(x)
		}
	case map[string]any:
		switch {
		case n["class"] == "COLUMN_REF":
			r.column(n["column_names"])
		case n["class"] == "STAR":
			r.all = true
		case n["type"] == "BASE_TABLE":
			if t, ok := n["table_name"].(string); ok {
				r.tables[strings.ToLower(t)] = true
				if a, _ := n["column_name_alias"].([]any); len(a) > 0 && strings.EqualFold(t, "events") {
					r.all = true // columns renamed: their references no longer name the structs
				}
			}
		case n["type"] == "SHOW_REF" && n["show_type"] == "DESCRIBE":
			return // DESCRIBE reads the schema, not the rows
		case n["type"] == "ORDER_MODIFIER":
			// ORDER BY ALL parses as a star over the result's columns, which reads nothing more.
			orders, _ := n["orders"].([]any)
			for _, o := range orders {
				if e, _ := o.(map[string]any); e != nil && !orderByAll(e["expression"]) {
					r.walk(e["expression"])
				}
			}
			return
		}
		for _, v := range n {
			r.walk(v)
		}
	}
}

// orderByAll reports whether an ORDER BY expression is ALL.
func orderByAll(x any) bool {
	e, _ := x.(map[string]any)
	return e != nil && e["class"] == "STAR" && e["columns"] == true && e["expr"] == nil && e["relation_name"] == ""
}

// column records a column reference: the first of its names that is an events struct, with
// the member after it, or the whole struct when it has none or an unknown one.
func (r *refs) column(v any) {
	names, _ := v.([]any)
	if len(names) >= 2 {
		if t, _ := names[0].(string); r.others[strings.ToLower(t)] {
			return // a column of another table
		}
	}
	for i, x := range names {
		s, _ := x.(string)
		s = strings.ToLower(s)
		if !structNames[s] {
			continue
		}
		if i+1 < len(names) {
			m, _ := names[i+1].(string)
			name := s + "." + strings.ToLower(m)
			if _, err := columnar.SelectColumns([]string{name}); err == nil {
				r.members[name] = true
				return
			}
		}
		r.members[s] = true
		return
	}
}

// selectHeaders names a SELECT's result columns that are bare member references by their
// dotted member name; nil when the list has a star (its width is not known here).
func selectHeaders(node any) []string {
	n, _ := node.(map[string]any)
	if n == nil || n["type"] != "SELECT_NODE" {
		return nil
	}
	list, _ := n["select_list"].([]any)
	out := make([]string, len(list))
	dotted := false
	for i, x := range list {
		e, _ := x.(map[string]any)
		if e["class"] == "STAR" {
			return nil
		}
		if alias, _ := e["alias"].(string); alias != "" || e["class"] != "COLUMN_REF" {
			continue
		}
		names, _ := e["column_names"].([]any)
		for j, y := range names {
			if s, _ := y.(string); structNames[strings.ToLower(s)] && j+1 < len(names) {
				parts := make([]string, 0, len(names)-j)
				for _, z := range names[j:] {
					p, _ := z.(string)
					parts = append(parts, p)
				}
				out[i], dotted = strings.Join(parts, "."), true
				break
			}
		}
	}
	if !dotted {
		return nil
	}
	return out
}

// innerQuery is the query inside a statement DuckDB does not serialise: EXPLAIN [ANALYZE] q,
// COPY (q) TO ..., CREATE [OR REPLACE] [TEMP] TABLE|VIEW name AS q, INSERT INTO t q; "" for
// any other.
func innerQuery(s string) string {
	words := wordsAt(s)
	if len(words) == 0 {
		return ""
	}
	switch strings.ToUpper(words[0].text) {
	case "EXPLAIN":
		if len(words) > 1 && strings.EqualFold(words[1].text, "ANALYZE") {
			return s[words[1].end:]
		}
		return s[words[0].end:]
	case "COPY":
		open := strings.IndexByte(s[words[0].end:], '(')
		if open < 0 || strings.TrimSpace(s[words[0].end:words[0].end+open]) != "" {
			return ""
		}
		start := words[0].end + open
		if end := closingParen(s, start); end > 0 {
			return s[start+1 : end]
		}
	case "CREATE", "INSERT":
		for _, w := range words[1:] {
			if w.depth != 0 {
				continue
			}
			switch strings.ToUpper(w.text) {
			case "AS":
				if strings.EqualFold(words[0].text, "CREATE") {
					return s[w.end:]
				}
			case "SELECT", "WITH", "FROM", "VALUES":
				if strings.EqualFold(words[0].text, "INSERT") {
					return s[w.start:]
				}
			}
		}
	}
	return ""
}

// word is an identifier-like word of a SQL text, outside quotes, with its parenthesis depth.
type word struct {
	text       string
	start, end int
	depth      int
}

// wordsAt splits a SQL text into words, skipping string literals, quoted identifiers and
// comments.
func wordsAt(s string) []word {
	var out []word
	depth := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(s) {
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			i = j + 1
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '(':
			depth++
			i++
		case c == ')':
			depth--
			i++
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			out = append(out, word{text: s[i:j], start: i, end: j, depth: depth})
			i = j
		default:
			i++
		}
	}
	return out
}

// identifiers lists the lower-case words of a SQL text.
func identifiers(s string) []string {
	var out []string
	for _, w := range wordsAt(s) {
		out = append(out, strings.ToLower(w.text))
	}
	return out
}

// closingParen returns the index of the parenthesis closing the one at open, or -1.
func closingParen(s string, open int) int {
	d := 0
	inQuote := byte(0)
	for i := open; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote != 0:
			if c == inQuote {
				inQuote = 0
			}
		case c == '\'' || c == '"':
			inQuote = c
		case c == '(':
			d++
		case c == ')':
			d--
			if d == 0 {
				return i
			}
		}
	}
	return -1
}
