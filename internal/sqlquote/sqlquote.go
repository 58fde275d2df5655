// Package sqlquote is the quoting of the SQL text scapql writes: identifiers (Ident), string
// literals (String) and the naming rule of the events table's members (Member).
package sqlquote

import (
	"strconv"
	"strings"
)

// String renders s as a DuckDB string literal: the one quoting of text in the SQL scapql
// writes (filter literals, paths, settings). The single quote is doubled, control characters
// (NUL included, which a SQL parser may treat as the end of the query) are spliced in with
// chr(), and nothing else is special inside a standard SQL string, so no text can change the
// structure of the statement. DuckDB strings are UTF-8: bytes that are not (a path, say) are
// kept, and DuckDB refuses the statement; filter literals are checked before (Emit).
func String(s string) string {
	var parts []string
	var run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			parts = append(parts, "'"+strings.ReplaceAll(run.String(), "'", "''")+"'")
			run.Reset()
		}
	}
	for i := 0; i < len(s); i++ { // bytes: control characters are single bytes in UTF-8
		if c := s[i]; c < 0x20 || c == 0x7f {
			flush()
			parts = append(parts, "chr("+strconv.Itoa(int(c))+")")
			continue
		}
		run.WriteByte(s[i])
	}
	flush()
	switch len(parts) {
	case 0:
		return "''"
	case 1:
		return parts[0]
	}
	return "(" + strings.Join(parts, " || ") + ")"
}

// ValidString is String of s with every byte that is not UTF-8 replaced by U+FFFD: for
// names and paths read from the system, which DuckDB (UTF-8 text only) would otherwise refuse
// with the whole statement; the name then reads as not found.
func ValidString(s string) string { return String(strings.ToValidUTF8(s, "\uFFFD")) }

// Ident quotes a SQL identifier when it needs it (keywords such as group, odd characters):
// the one quoting of names in the SQL scapql writes.
func Ident(s string) string {
	if s != "" && !sqlKeywords[strings.ToLower(s)] {
		plain := true
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !(c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' && i > 0) {
				plain = false
				break
			}
		}
		if plain {
			return s
		}
	}
	return QuotedIdent(s)
}

// QuotedIdent always quotes an identifier: for names DuckDB reads in places where even a
// column_name keyword is not a name (struct_pack's arguments, table definitions).
func QuotedIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// sqlKeywords are DuckDB's keywords that cannot name a column bare (its reserved and
// type_function keywords; TestIdentQuotesDuckDBKeywords holds the list to DuckDB's own).
var sqlKeywords = map[string]bool{
	"all": true, "analyse": true, "analyze": true, "and": true, "anti": true, "any": true,
	"array": true, "as": true, "asc": true, "asof": true, "asymmetric": true, "at": true,
	"authorization": true, "binary": true, "both": true, "by": true, "case": true, "cast": true,
	"check": true, "collate": true, "collation": true, "column": true, "columns": true,
	"concurrently": true, "constraint": true, "create": true, "cross": true, "default": true,
	"deferrable": true, "desc": true, "describe": true, "distinct": true, "do": true,
	"else": true, "end": true, "except": true, "false": true, "fetch": true, "for": true,
	"foreign": true, "freeze": true, "from": true, "full": true, "generated": true, "glob": true,
	"group": true, "having": true, "ilike": true, "in": true, "initially": true, "inner": true,
	"intersect": true, "into": true, "is": true, "isnull": true, "join": true, "lambda": true,
	"lateral": true, "leading": true, "left": true, "like": true, "limit": true, "map": true,
	"natural": true, "not": true, "notnull": true, "null": true, "offset": true, "on": true,
	"only": true, "or": true, "order": true, "outer": true, "overlaps": true, "pivot": true,
	"pivot_longer": true, "pivot_wider": true, "placing": true, "positional": true,
	"primary": true, "qualify": true, "references": true, "returning": true, "right": true,
	"select": true, "semi": true, "show": true, "similar": true, "some": true, "struct": true,
	"summarize": true, "symmetric": true, "table": true, "tablesample": true, "then": true,
	"to": true, "trailing": true, "true": true, "try_cast": true, "union": true, "unique": true,
	"unpack": true, "unpivot": true, "using": true, "variadic": true, "verbose": true,
	"when": true, "where": true, "window": true, "with": true,
}

// Member applies the naming rule of docs/schema.md: field class.a.b is member a_b of the
// struct column class; ok is false for a name without a class.
func Member(field string) (class, member string, ok bool) {
	class, rest, ok := strings.Cut(field, ".")
	if !ok {
		return "", "", false
	}
	return class, strings.ReplaceAll(rest, ".", "_"), true
}

// MemberRef is field's member as a SQL column reference (class.a_b, quoted where needed); a
// name without a class is quoted as it is.
func MemberRef(field string) string {
	class, member, ok := Member(field)
	if !ok {
		return Ident(field)
	}
	return Ident(class) + "." + Ident(member)
}
