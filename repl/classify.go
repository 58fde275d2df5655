package repl

import (
	"strings"
	"unicode"
)

// kind is what an input is run as.
type kind int

const (
	kindSQL kind = iota
	kindFilter
	kindMeta
)

func (k kind) String() string {
	return [...]string{"sql", "filter", "meta"}[k]
}

// The prefixes that force a mode. `!` is not one of them: it is Wireshark's "not", so
// `!evt.failed` must stay a filter.
const (
	filterPrefixes = "?/"
	sqlPrefix      = ':'
)

// sqlStarts are the words that start an SQL statement. Input whose first word is one of these
// (case-insensitively, followed by a space, "(", ";" or the end) is SQL; display filters start
// with a field (evt.type), a macro, "not", "(" or "!", never with one of these words.
var sqlStarts = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`SELECT WITH FROM VALUES TABLE DESCRIBE DESC SHOW SUMMARIZE
		PRAGMA CREATE INSERT UPDATE DELETE DROP ALTER EXPLAIN COPY EXPORT IMPORT ATTACH DETACH USE
		SET RESET LOAD INSTALL FORCE CALL BEGIN START COMMIT ROLLBACK ABORT CHECKPOINT VACUUM ANALYZE
		PREPARE EXECUTE DEALLOCATE PIVOT UNPIVOT TRUNCATE COMMENT MERGE UPSERT REPLACE`) {
		sqlStarts[w] = true
	}
}

// classify tells SQL from a display filter (see the help text):
//   - a leading ":" forces SQL, a leading "?" or "/" forces a filter (the prefix is removed);
//   - text starting with an SQL comment (-- or /*) is SQL;
//   - text whose first word is an SQL statement keyword (SELECT, WITH, FROM, ...) is SQL, as is
//     "(" followed by SELECT, WITH, FROM, VALUES or TABLE;
//   - anything else is a display filter.
func classify(text string) (kind, string) {
	t := strings.TrimSpace(text)
	if t == "" {
		return kindSQL, t
	}
	switch {
	case t[0] == sqlPrefix:
		return kindSQL, strings.TrimSpace(t[1:])
	case strings.IndexByte(filterPrefixes, t[0]) >= 0:
		return kindFilter, strings.TrimSpace(t[1:])
	case strings.HasPrefix(t, "--") || strings.HasPrefix(t, "/*"):
		return kindSQL, t
	}
	if sqlStarts[strings.ToUpper(firstWord(t))] {
		return kindSQL, t
	}
	if t[0] == '(' {
		inner := strings.TrimLeft(t, "( \t\r\n")
		switch strings.ToUpper(firstWord(inner)) {
		case "SELECT", "WITH", "FROM", "VALUES", "TABLE":
			return kindSQL, t
		}
	}
	return kindFilter, t
}

// firstWord is the leading run of letters and underscores of s if a space, "(", ";" or the end
// follows it, and "" otherwise (so "evt.type" has no first word).
func firstWord(s string) string {
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] < 0x80 && unicode.IsLetter(rune(s[i]))) {
		i++
	}
	if i == 0 {
		return ""
	}
	if i < len(s) && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '(' || s[i] == ';') {
		return ""
	}
	return s[:i]
}

// splitSQL cuts text at the semicolons that end statements (outside quotes, comments and
// dollar-quoted strings). It returns the complete statements, without their semicolons, and
// the unfinished rest ("" if there is nothing but space and comments).
func splitSQL(text string) (stmts []string, rest string) {
	start := 0
	i := 0
	for i < len(text) {
		c := text[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(text) {
				if text[j] == c {
					if j+1 < len(text) && text[j+1] == c { // doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			i = j + 1
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			j := strings.IndexByte(text[i:], '\n')
			if j < 0 {
				i = len(text)
			} else {
				i += j + 1
			}
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			j := strings.Index(text[i+2:], "*/")
			if j < 0 {
				i = len(text)
			} else {
				i += j + 4
			}
		case c == '$':
			// $$...$$ or $tag$...$tag$ (but not $1, a parameter)
			j := i + 1
			for j < len(text) && (text[j] == '_' || isAlnum(text[j])) {
				j++
			}
			if j < len(text) && text[j] == '$' && (j == i+1 || !isDigit(text[i+1])) {
				tag := text[i : j+1]
				k := strings.Index(text[j+1:], tag)
				if k < 0 {
					i = len(text)
				} else {
					i = j + 1 + k + len(tag)
				}
			} else {
				i = j
			}
		case c == ';':
			if s := strings.TrimSpace(text[start:i]); !onlyComments(s) {
				stmts = append(stmts, s)
			}
			i++
			start = i
		default:
			i++
		}
	}
	rest = strings.TrimSpace(text[start:])
	if onlyComments(rest) {
		rest = ""
	}
	return stmts, rest
}

// onlyComments reports whether s has nothing but space and SQL comments (an unterminated
// block comment counts as unfinished, not empty).
func onlyComments(s string) bool {
	for {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			return true
		case strings.HasPrefix(s, "--"):
			j := strings.IndexByte(s, '\n')
			if j < 0 {
				return true
			}
			s = s[j+1:]
		case strings.HasPrefix(s, "/*"):
			j := strings.Index(s[2:], "*/")
			if j < 0 {
				return false
			}
			s = s[j+4:]
		default:
			return false
		}
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// input is one thing to run.
type input struct {
	kind kind
	text string // without the mode prefix and the final semicolon
}

// accumulator turns lines into inputs: a meta command or a filter is one line; an SQL
// statement runs up to its semicolon, over as many lines as it takes.
type accumulator struct {
	buf strings.Builder // unfinished SQL
}

// pending reports whether an SQL statement is unfinished.
func (a *accumulator) pending() bool { return a.buf.Len() > 0 }

// reset drops an unfinished statement.
func (a *accumulator) reset() { a.buf.Reset() }

// feed adds a line and returns what is complete.
func (a *accumulator) feed(line string) []input {
	if !a.pending() {
		t := strings.TrimSpace(line)
		if t == "" || onlyComments(t) {
			return nil
		}
		if t[0] == '.' {
			return []input{{kindMeta, strings.TrimSpace(strings.TrimSuffix(t, ";"))}}
		}
		k, body := classify(t)
		if k == kindFilter {
			body = strings.TrimSpace(strings.TrimRight(body, "; \t"))
			if body == "" {
				return nil
			}
			return []input{{kindFilter, body}}
		}
		line = body
	}
	a.buf.WriteString(line)
	a.buf.WriteByte('\n')
	stmts, rest := splitSQL(a.buf.String())
	a.buf.Reset()
	if rest != "" {
		a.buf.WriteString(rest)
		a.buf.WriteByte('\n')
	}
	out := make([]input, 0, len(stmts))
	for _, s := range stmts {
		out = append(out, input{kindSQL, s})
	}
	return out
}

// flush returns the unfinished statement, if any, as complete (at the end of a script).
func (a *accumulator) flush() []input {
	s := strings.TrimSpace(a.buf.String())
	a.buf.Reset()
	if s == "" {
		return nil
	}
	return []input{{kindSQL, s}}
}
