// Package eval evaluates a checked filter (translate/ir) directly on resolved events, for
// `scapql print` and other streaming readers that do not go through DuckDB. The IR is the
// one translate/sqlgen turns into SQL, so both paths share parsing, checking and semantics;
// this package mirrors, node by node, what the emitted SQL means over the events table
// (docs/schema.md), reading each column's value with the field extractors of
// ingest/fields, the same ones the events table is built with.
//
// Compile turns the IR into closures once: regular expressions, literals, CIDR prefixes and
// lowered strings are prepared at compile time, and evaluating an event neither parses nor
// reflects, and does not allocate in the common paths (comparisons, in, contains,
// icontains, startswith, ancestors).
//
// Semantics, as in the SQL (and libsinsp):
//
//   - A value an event lacks is absent (SQL NULL); every predicate on it is false, including
//     != and in, and Not negates the result.
//   - Strings and IP addresses compare as bytes; integers as 64-bit numbers, where unsigned
//     field values and literals above 2^63-1 keep their value; Bool and Double as such;
//     Bytes (evt.buffer) as bytes, and regular expressions on Bytes run on the upper-case
//     hex text.
//   - Lists (proc.aname, proc.apid, proc.aexe without an index) hold the ancestors, parent first.
//   - Regular expressions are RE2 (Go's regexp, the same syntax and semantics as DuckDB's
//     RE2 with its default options); a full match is anchored at both ends.
//   - Integer arithmetic is exact: where DuckDB would raise an overflow error the matcher
//     keeps the exact value (DuckDB itself does when its optimizer moves a constant across
//     a comparison, as in x - C < 0). Division by zero gives an absent value (the SQL
//     divides by nullif(y, 0)).
package eval

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate/ir"
)

// Compile compiles a checked filter into a function that reports whether an event matches.
// The function keeps no state between calls and may be used from several goroutines at
// once (on different events). Errors name what cannot be evaluated (an IR the emitter would
// reject too, or a field package fields does not extract).
func Compile(e ir.Expr) (m func(ev *state.Event) bool, err error) {
	return compileWith(e, compileExpr)
}

// compileWith compiles e with compile, turning its failures into errors.
func compileWith(e ir.Expr, compile func(ir.Expr) pred) (m func(ev *state.Event) bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(failure)
			if !ok {
				panic(r)
			}
			m, err = nil, fmt.Errorf("eval: %s", string(f))
		}
	}()
	if e == nil {
		return nil, fmt.Errorf("eval: no expression")
	}
	p := compile(e)
	return func(ev *state.Event) bool { return p(ev, elem{}) }, nil
}

// failure is a compile error, raised with panic and returned by Compile.
type failure string

func fail(format string, args ...any) { panic(failure(fmt.Sprintf(format, args...))) }

// elem is the current list element inside AnyElem (a name or a pid).
type elem struct {
	s string
	n int64
}

// pred is a compiled boolean expression.
type pred func(ev *state.Event, el elem) bool

func compileExpr(e ir.Expr) pred {
	switch e := e.(type) {
	case *ir.And:
		return and(compileAll(e.Xs))
	case *ir.Or:
		return or(compileAll(e.Xs))
	case *ir.Not:
		x := compileExpr(e.X)
		return func(ev *state.Event, el elem) bool { return !x(ev, el) }
	case *ir.Xor:
		x, y := compileExpr(e.X), compileExpr(e.Y)
		return func(ev *state.Event, el elem) bool { return x(ev, el) != y(ev, el) }
	case *ir.Const:
		v := e.V
		return func(*state.Event, elem) bool { return v }
	case *ir.Exists:
		return compileExists(e)
	case *ir.Cmp:
		return compileCmp(e)
	case *ir.In:
		return compileIn(e)
	case *ir.Match:
		return compileMatch(e)
	case *ir.CIDR:
		return compileCIDR(e)
	case *ir.AnyElem:
		return compileAnyElem(e)
	case nil:
		fail("missing expression")
	}
	fail("unknown expression %T", e)
	return nil
}

func compileAll(xs []ir.Expr) []pred {
	ps := make([]pred, len(xs))
	for i, x := range xs {
		ps[i] = compileExpr(x)
	}
	return ps
}

func and(ps []pred) pred {
	switch len(ps) {
	case 0:
		return func(*state.Event, elem) bool { return true }
	case 1:
		return ps[0]
	case 2:
		a, b := ps[0], ps[1]
		return func(ev *state.Event, el elem) bool { return a(ev, el) && b(ev, el) }
	}
	return func(ev *state.Event, el elem) bool {
		for _, p := range ps {
			if !p(ev, el) {
				return false
			}
		}
		return true
	}
}

func or(ps []pred) pred {
	switch len(ps) {
	case 0:
		return func(*state.Event, elem) bool { return false }
	case 1:
		return ps[0]
	case 2:
		a, b := ps[0], ps[1]
		return func(ev *state.Event, el elem) bool { return a(ev, el) || b(ev, el) }
	}
	return func(ev *state.Event, el elem) bool {
		for _, p := range ps {
			if p(ev, el) {
				return true
			}
		}
		return false
	}
}

func compileExists(e *ir.Exists) pred {
	if l, ok := listOf(e.X); ok {
		return func(ev *state.Event, _ elem) bool { return l.first(ev) != nil }
	}
	if c, ok := e.X.(*ir.Column); ok && c.NeverNull {
		return func(*state.Event, elem) bool { return true }
	}
	x := compileValue(e.X)
	return func(ev *state.Event, el elem) bool { return x(ev, el).ok }
}

func compileAnyElem(e *ir.AnyElem) pred {
	if p, ok := auditAnyElem(e); ok {
		return p
	}
	l, ok := listOf(e.List)
	if !ok {
		fail("AnyElem over %T, not a list column", e.List)
	}
	body := compileExpr(e.Body)
	return func(ev *state.Event, _ elem) bool {
		for a, i := l.first(ev), 0; a != nil && i < maxAncestors; a, i = l.next(ev, a), i+1 {
			if body(ev, l.elem(a)) {
				return true
			}
		}
		return false
	}
}

// compileMatch: regexp_matches / regexp_full_match, on hex(x) for Bytes.
func compileMatch(e *ir.Match) pred {
	if e.Glob != "" && e.X.Type() != ir.Bytes {
		x := compileValue(e.X)
		g := compileGlob(e.Glob)
		return func(ev *state.Event, el elem) bool {
			v := x(ev, el)
			return v.ok && g.match(v.s)
		}
	}
	pat := e.Pattern
	if e.Full {
		pat = `\A(?:` + pat + `)\z`
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		fail("regular expression %q: %v", e.Pattern, err)
	}
	x := compileValue(e.X)
	if e.X.Type() == ir.Bytes {
		return func(ev *state.Event, el elem) bool {
			v := x(ev, el)
			return v.ok && re.MatchString(upperHex(v.s))
		}
	}
	return func(ev *state.Event, el elem) bool {
		v := x(ev, el)
		return v.ok && re.MatchString(v.s)
	}
}

func upperHex(s string) string {
	const digits = "0123456789ABCDEF"
	b := make([]byte, 2*len(s))
	for i := 0; i < len(s); i++ {
		b[2*i], b[2*i+1] = digits[s[i]>>4], digits[s[i]&15]
	}
	return string(b)
}

// asciiLower lowers ASCII letters only, as the SQL translate() does.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// asciiUpper raises ASCII letters only.
func asciiUpper(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'a' && c <= 'z' {
					b[j] = c - ('a' - 'A')
				}
			}
			return string(b)
		}
	}
	return s
}

// lowerByte folds an ASCII upper-case letter.
func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// hasLowerPrefix reports whether asciiLower(s) starts with the lower-case needle.
func hasLowerPrefix(s, needle string) bool {
	if len(s) < len(needle) {
		return false
	}
	for i := 0; i < len(needle); i++ {
		if lowerByte(s[i]) != needle[i] {
			return false
		}
	}
	return true
}

// indexLower is strings.Index(asciiLower(s), needle) >= 0 for a needle already lowered,
// without building the lowered copy.
func indexLower(s, needle string) bool {
	if needle == "" {
		return true
	}
	first := needle[0]
	upper := first
	if first >= 'a' && first <= 'z' {
		upper = first - ('a' - 'A')
	}
	for i := 0; i+len(needle) <= len(s); i++ {
		if c := s[i]; c != first && c != upper {
			continue
		}
		if hasLowerPrefix(s[i:], needle) {
			return true
		}
	}
	return false
}

// isLowered reports whether s has no ASCII upper-case letters.
func isLowered(s string) bool { return !strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") }
