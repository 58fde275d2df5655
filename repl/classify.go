package repl

import (
	"fmt"
	"strings"
	"unicode"
)

// kind is what an input is run as.
type kind int

const (
	kindSQL kind = iota
	kindFilter
	kindMeta
	kindError // input that was refused (its text is the reason)
)

func (k kind) String() string {
	return [...]string{"sql", "filter", "meta", "error"}[k]
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
	stmts, start, _ := scanSQL(text, sqlState{})
	rest = strings.TrimSpace(text[start:])
	if onlyComments(rest) {
		rest = ""
	}
	return stmts, rest
}

// sqlState is where a scan of SQL text stopped: outside everything, or inside a quote or a
// comment that the text left open, so that a scan of the text with more appended resumes
// there instead of at the start.
type sqlState struct {
	at   int    // where to resume
	open byte   // 0, or the construct left open: ' " - (line comment) * (block comment) $
	tag  string // the dollar-quote tag left open

	ended int // after the scan: just past the first semicolon that ended a statement, or 0
}

// scanSQL is splitSQL's scanner, resumable: it starts from st (the zero state for the start
// of text, or the state an earlier scan of a prefix of text returned). It returns the
// statements ending in the part scanned, where the unfinished rest starts (0 if no statement
// ended), and the state at the end of text.
func scanSQL(text string, st sqlState) (stmts []string, start int, end sqlState) {
	i := st.at
	first := 0
	// close finds where an open construct ends, from i; ok is false if text ends first.
	close := func(open byte, tag string, i int) (int, bool) {
		switch open {
		case '\'', '"':
			for i < len(text) {
				if text[i] == open {
					if i+1 < len(text) && text[i+1] == open { // doubled quote
						i += 2
						continue
					}
					if i+1 == len(text) {
						return i, false // a doubled quote may follow
					}
					return i + 1, true
				}
				i++
			}
			return i, false
		case '-':
			if j := strings.IndexByte(text[i:], '\n'); j >= 0 {
				return i + j + 1, true
			}
			return len(text), false
		case '*':
			if j := strings.Index(text[i:], "*/"); j >= 0 {
				return i + j + 2, true
			}
			return max(len(text)-1, i), false
		case '$':
			if j := strings.Index(text[i:], tag); j >= 0 {
				return i + j + len(tag), true
			}
			return max(len(text)-len(tag)+1, i), false
		}
		return i, true
	}
	if st.open != 0 {
		j, ok := close(st.open, st.tag, i)
		if !ok {
			return nil, 0, sqlState{at: j, open: st.open, tag: st.tag}
		}
		i = j
	}
	for i < len(text) {
		c := text[i]
		var open byte
		var tag string
		var from int
		switch {
		case c == '\'' || c == '"':
			open, from = c, i+1
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			open, from = '-', i+2
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			open, from = '*', i+2
		case c == '$':
			// $$...$$ or $tag$...$tag$ (but not $1, a parameter)
			j := i + 1
			for j < len(text) && (text[j] == '_' || isAlnum(text[j])) {
				j++
			}
			switch {
			case j < len(text) && text[j] == '$' && (j == i+1 || !isDigit(text[i+1])):
				open, tag, from = '$', text[i:j+1], j+1
			case j >= len(text):
				return stmts, start, sqlState{at: i, ended: first} // the tag may go on
			default:
				i = j
				continue
			}
		case c == ';':
			if s := strings.TrimSpace(text[start:i]); !onlyComments(s) {
				stmts = append(stmts, s)
			}
			i++
			start = i
			if first == 0 {
				first = i
			}
			continue
		default:
			i++
			continue
		}
		j, ok := close(open, tag, from)
		if !ok {
			return stmts, start, sqlState{at: j, open: open, tag: tag, ended: first}
		}
		i = j
	}
	return stmts, start, sqlState{at: len(text), ended: first}
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
// statement runs up to its semicolon, over as many lines as it takes. A line costs time in its
// own length: the unfinished statement is scanned once, resuming where the last line ended.
type accumulator struct {
	buf    strings.Builder // unfinished SQL
	resume sqlState        // where scanning buf resumes
	max    int             // longest statement (0: DefaultMaxStatement)

	skipping bool     // dropping the rest of a statement over the limit, up to its end
	skipped  sqlState // the scan state of what is dropped
}

// DefaultMaxStatement bounds an SQL statement (all its lines), a filter and a meta command.
const DefaultMaxStatement = 4 << 20

// pending reports whether an SQL statement is unfinished.
func (a *accumulator) pending() bool { return a.buf.Len() > 0 }

// reset drops an unfinished statement.
func (a *accumulator) reset() { a.buf.Reset(); a.resume = sqlState{}; a.skipping = false }

// errTooLong reports input over the statement limit.
type errTooLong struct{ limit int }

func (e errTooLong) Error() string {
	return fmt.Sprintf("statement longer than the limit of %d bytes, dropped (--max-statement raises the limit)", e.limit)
}

// feed adds a line and returns what is complete; an input over the limit is returned as an
// input of kindError.
func (a *accumulator) feed(line string) []input {
	limit := a.max
	if limit <= 0 {
		limit = DefaultMaxStatement
	}
	if a.skipping {
		text := line + "\n"
		_, _, st := scanSQL(text, sqlState{open: a.skipped.open, tag: a.skipped.tag})
		if st.ended == 0 {
			a.skipped = st
			return nil
		}
		a.skipping = false
		return a.feed(strings.TrimSuffix(text[st.ended:], "\n"))
	}
	if a.buf.Len()+len(line) >= limit {
		// Drop the statement; an SQL one up to its end, so that its lines are not run as
		// filters.
		sql := a.pending()
		if !sql {
			t := strings.TrimSpace(line)
			k, _ := classify(t)
			sql = k == kindSQL && t != "" && t[0] != '.'
		}
		a.reset()
		out := []input{{kindError, errTooLong{limit}.Error()}}
		if sql {
			a.skipping = true
			out = append(out, a.feed(line)...)
		}
		return out
	}
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
	text := a.buf.String()
	stmts, start, resume := scanSQL(text, a.resume)
	if len(stmts) == 0 && start == 0 {
		// Nothing ended: keep the text as it is, unless it is all comments by now.
		a.resume = resume
		if resume.open == 0 && (strings.HasPrefix(text, "--") || strings.HasPrefix(text, "/*")) && onlyComments(text) {
			a.reset()
		}
		return nil
	}
	// Statements ended on this line, so the rest is part of it: scan it afresh.
	rest := strings.TrimSpace(text[start:])
	a.reset()
	if rest != "" && !onlyComments(rest) {
		a.buf.WriteString(rest)
		a.buf.WriteByte('\n')
		_, _, a.resume = scanSQL(a.buf.String(), sqlState{})
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
