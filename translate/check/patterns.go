package check

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// globRegex translates an fnmatch(3) pattern (flags 0: '*' also matches '/', a leading '.' is
// not special, backslash escapes) into an RE2 pattern for a full match. In component mode
// (pmatch) wildcards do not cross '/'. A run of '*' is one '*' (what it matches is the same),
// so that a hostile "***…" pattern does not become a regular expression as long: matching
// costs time in the text times the pattern.
func globRegex(p string, component bool) string {
	var b strings.Builder
	any := "."
	if component {
		any = "[^/]"
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch c {
		case '*':
			for i+1 < len(p) && p[i+1] == '*' {
				i++
			}
			b.WriteString(any + "*")
		case '?':
			b.WriteString(any)
		case '\\':
			if i+1 < len(p) {
				i++
				b.WriteString(quoteRune(p, &i))
			} else {
				b.WriteString(`\\`)
			}
		case '[':
			if class, n, ok := bracket(p[i:], component); ok {
				b.WriteString(class)
				i += n - 1
			} else {
				b.WriteString(`\[`)
			}
		default:
			b.WriteString(quoteRune(p, &i))
		}
	}
	return b.String()
}

// quoteRune quotes the UTF-8 character starting at *i and leaves *i on its last byte.
func quoteRune(p string, i *int) string {
	j := *i + 1
	for j < len(p) && p[j]&0xC0 == 0x80 {
		j++
	}
	s := p[*i:j]
	*i = j - 1
	return regexp.QuoteMeta(s)
}

// bracket translates an fnmatch bracket expression at the start of p. It reports the RE2
// class, the number of bytes consumed, and false if the bracket is not closed (then '[' is
// literal, as in fnmatch). A range whose end sorts before its start matches nothing.
func bracket(p string, component bool) (string, int, bool) {
	i := 1
	negate := i < len(p) && (p[i] == '!' || p[i] == '^')
	if negate {
		i++
	}
	var items []string
	first := true
	for i < len(p) {
		if p[i] == ']' && !first {
			return renderClass(items, negate, component), i + 1, true
		}
		first = false
		if p[i] == '[' && i+1 < len(p) && p[i+1] == ':' {
			end := strings.Index(p[i+2:], ":]")
			if end < 0 || !posixClasses[p[i+2:i+2+end]] {
				return "", 0, false
			}
			items = append(items, "[:"+p[i+2:i+2+end]+":]")
			i += end + 4
			continue
		}
		lo, n := classChar(p, i)
		i += n
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			hi, m := classChar(p, i+1)
			i += 1 + m
			if hi >= lo {
				items = append(items, classRune(lo)+"-"+classRune(hi))
			}
			continue
		}
		items = append(items, classRune(lo))
	}
	return "", 0, false
}

// renderClass builds the RE2 class; an empty set matches nothing (or, negated, anything).
func renderClass(items []string, negate, component bool) string {
	switch {
	case len(items) == 0 && !negate:
		return `[^\x00-\x{10FFFF}]`
	case negate && component:
		return "[^/" + strings.Join(items, "") + "]"
	case len(items) == 0:
		return "(?s:.)"
	case negate:
		return "[^" + strings.Join(items, "") + "]"
	}
	return "[" + strings.Join(items, "") + "]"
}

// classChar reads one (possibly backslash-escaped) character of a bracket expression.
func classChar(p string, i int) (rune, int) {
	if p[i] == '\\' && i+1 < len(p) {
		r, n := utf8.DecodeRuneInString(p[i+1:])
		return r, n + 1
	}
	return utf8.DecodeRuneInString(p[i:])
}

// classRune renders a character for inside an RE2 class.
func classRune(r rune) string {
	if r < 0x80 && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
		return string(r)
	}
	return fmt.Sprintf(`\x{%X}`, r)
}

var posixClasses = map[string]bool{"alnum": true, "alpha": true, "blank": true, "cntrl": true, "digit": true,
	"graph": true, "lower": true, "print": true, "punct": true, "space": true, "upper": true, "xdigit": true}

// pmatchRegex builds one full-match pattern for libsinsp's path-prefix match over patterns:
// paths are split into '/'-separated components (empty ones ignored), and a path matches if
// a pattern's components are a prefix of its components. "/" matches every path.
func pmatchRegex(patterns []string) string {
	var alts []string
	for _, p := range patterns {
		var comps []string
		for _, c := range strings.Split(p, "/") {
			if c != "" {
				comps = append(comps, componentRegex(c))
			}
		}
		if len(comps) == 0 {
			return "(?s).*"
		}
		alts = append(alts, strings.Join(comps, "/+"))
	}
	return "(?s)/*(?:" + strings.Join(alts, "|") + ")(?:/.*)?"
}

// componentRegex matches one path component; glob characters are wildcards within it.
func componentRegex(c string) string {
	if strings.ContainsAny(c, "?*[") {
		return "(?:" + globRegex(c, true) + ")"
	}
	return regexp.QuoteMeta(c)
}

// checkRegex verifies that DuckDB's RE2 can compile the pattern. Go's regexp/syntax follows
// RE2's syntax, so what it rejects (back-references, look-around) RE2 rejects too.
func checkRegex(p string) error {
	if _, err := syntax.Parse(p, syntax.Perl); err != nil {
		msg := err.Error()
		if e, ok := err.(*syntax.Error); ok {
			msg = fmt.Sprintf("%s: %s", e.Code, e.Expr)
		}
		return fmt.Errorf("regular expression not supported by RE2 (DuckDB): %s", msg)
	}
	return nil
}
