package eval

import (
	"math"
	"net/netip"
	"strings"

	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate/ir"
)

// compare orders two values of kind k: negative, zero or positive.
func compare(k ir.Kind, a, b val) int {
	switch k {
	case ir.Int, ir.Bool:
		return cmpInt(a, b)
	case ir.Double:
		return cmpFloat(a.f, b.f)
	}
	return strings.Compare(a.s, b.s)
}

func cmpInt(a, b val) int {
	if a.b != nil || b.b != nil {
		return bigOf(a).Cmp(bigOf(b))
	}
	switch {
	case a.u && b.u:
		x, y := uint64(a.i), uint64(b.i)
		if x < y {
			return -1
		}
		if x > y {
			return 1
		}
		return 0
	case a.u:
		return 1
	case b.u:
		return -1
	case a.i < b.i:
		return -1
	case a.i > b.i:
		return 1
	}
	return 0
}

// cmpFloat orders doubles as DuckDB does: NaN equals NaN and sorts above everything.
func cmpFloat(x, y float64) int {
	xn, yn := math.IsNaN(x), math.IsNaN(y)
	switch {
	case xn && yn:
		return 0
	case xn:
		return 1
	case yn:
		return -1
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// equal is SQL = on two present values of kind k.
func equal(k ir.Kind, a, b val) bool {
	switch k {
	case ir.Int, ir.Bool:
		if a.b != nil || b.b != nil {
			return cmpInt(a, b) == 0
		}
		return a.i == b.i && a.u == b.u
	case ir.Double:
		return cmpFloat(a.f, b.f) == 0
	}
	return a.s == b.s
}

// ordered turns a comparison result into the truth of op.
func ordered(op ir.Op) func(c int) bool {
	switch op {
	case ir.Eq:
		return func(c int) bool { return c == 0 }
	case ir.Ne:
		return func(c int) bool { return c != 0 }
	case ir.Lt:
		return func(c int) bool { return c < 0 }
	case ir.Le:
		return func(c int) bool { return c <= 0 }
	case ir.Gt:
		return func(c int) bool { return c > 0 }
	case ir.Ge:
		return func(c int) bool { return c >= 0 }
	}
	return nil
}

// compileCmp compiles x op y; an absent side makes it false.
func compileCmp(c *ir.Cmp) pred {
	k := c.X.Type()
	if c.Y.Type() != k {
		fail("comparison of a %s with a %s", k, c.Y.Type())
	}
	switch c.Op {
	case ir.Contains, ir.StartsWith, ir.EndsWith:
		return compileSearch(c, k)
	}
	test := ordered(c.Op)
	if test == nil {
		fail("unknown comparison %d", c.Op)
	}
	if lit, ok := constant(c.Y); ok && k == ir.String && (c.Op == ir.Eq || c.Op == ir.Ne) && isLowered(lit.s) {
		// tolower(x) = "const": compare folding x, without building its lowered copy.
		if f, ok := c.X.(*ir.Func); ok && f.Name == ir.FnLower && len(f.Args) == 1 {
			inner, s, want := compileValue(f.Args[0]), lit.s, c.Op == ir.Eq
			return func(ev *state.Event, el elem) bool {
				v := inner(ev, el)
				return v.ok && (len(v.s) == len(s) && hasLowerPrefix(v.s, s)) == want
			}
		}
	}
	x := compileValue(c.X)
	if lit, ok := constant(c.Y); ok {
		// The common case: a field against a constant.
		switch {
		case c.Op == ir.Eq && (k == ir.String || k == ir.IP || k == ir.Bytes):
			s := lit.s
			return func(ev *state.Event, el elem) bool {
				v := x(ev, el)
				return v.ok && v.s == s
			}
		case c.Op == ir.Ne && (k == ir.String || k == ir.IP || k == ir.Bytes):
			s := lit.s
			return func(ev *state.Event, el elem) bool {
				v := x(ev, el)
				return v.ok && v.s != s
			}
		case c.Op == ir.Eq:
			return func(ev *state.Event, el elem) bool {
				v := x(ev, el)
				return v.ok && equal(k, v, lit)
			}
		case c.Op == ir.Ne:
			return func(ev *state.Event, el elem) bool {
				v := x(ev, el)
				return v.ok && !equal(k, v, lit)
			}
		}
		return func(ev *state.Event, el elem) bool {
			v := x(ev, el)
			return v.ok && test(compare(k, v, lit))
		}
	}
	y := compileValue(c.Y)
	return func(ev *state.Event, el elem) bool {
		a := x(ev, el)
		if !a.ok {
			return false
		}
		b := y(ev, el)
		return b.ok && test(compare(k, a, b))
	}
}

// compileSearch compiles contains / startswith / endswith on strings, and on bytes (where
// the SQL searches the hex text at byte boundaries: the same as a byte search).
func compileSearch(c *ir.Cmp, k ir.Kind) pred {
	if k != ir.String && k != ir.IP && k != ir.Bytes {
		fail("%v on a %s", c.Op, k)
	}
	var fn func(s, needle string) bool
	switch c.Op {
	case ir.Contains:
		fn = strings.Contains
	case ir.StartsWith:
		fn = strings.HasPrefix
	default:
		fn = strings.HasSuffix
	}
	lit, isConst := constant(c.Y)
	if k == ir.Bytes && !isConst {
		fail("byte search needs a constant needle")
	}
	if isConst {
		needle := lit.s
		// icontains: lower(x) contains a lowered constant, without lowering x.
		if f, ok := c.X.(*ir.Func); ok && f.Name == ir.FnLower && len(f.Args) == 1 && isLowered(needle) {
			inner := compileValue(f.Args[0])
			var folded func(s string) bool
			switch c.Op {
			case ir.Contains:
				folded = func(s string) bool { return indexLower(s, needle) }
			case ir.StartsWith:
				folded = func(s string) bool { return hasLowerPrefix(s, needle) }
			default:
				folded = func(s string) bool {
					return len(s) >= len(needle) && hasLowerPrefix(s[len(s)-len(needle):], needle)
				}
			}
			return func(ev *state.Event, el elem) bool {
				v := inner(ev, el)
				return v.ok && folded(v.s)
			}
		}
		x := compileValue(c.X)
		return func(ev *state.Event, el elem) bool {
			v := x(ev, el)
			return v.ok && fn(v.s, needle)
		}
	}
	x, y := compileValue(c.X), compileValue(c.Y)
	return func(ev *state.Event, el elem) bool {
		a := x(ev, el)
		if !a.ok {
			return false
		}
		b := y(ev, el)
		return b.ok && fn(a.s, b.s)
	}
}

// compileIn compiles x IN (items): true if x equals a present item.
func compileIn(e *ir.In) pred {
	if len(e.Items) == 0 {
		return func(*state.Event, elem) bool { return false }
	}
	k := e.X.Type()
	x := compileValue(e.X)
	var consts []val
	var others []getter
	for _, it := range e.Items {
		if it.Type() != k {
			fail("in: a %s among %s values", it.Type(), k)
		}
		if v, ok := constant(it); ok {
			consts = append(consts, v)
		} else {
			others = append(others, compileValue(it))
		}
	}
	member := constSet(k, consts)
	if len(others) == 0 {
		return func(ev *state.Event, el elem) bool {
			v := x(ev, el)
			return v.ok && member(v)
		}
	}
	return func(ev *state.Event, el elem) bool {
		v := x(ev, el)
		if !v.ok {
			return false
		}
		if member(v) {
			return true
		}
		for _, o := range others {
			if w := o(ev, el); w.ok && equal(k, v, w) {
				return true
			}
		}
		return false
	}
}

// constSet returns a membership test for constants of kind k: a scan for a few, a map for
// more.
func constSet(k ir.Kind, vs []val) func(v val) bool {
	if len(vs) == 0 {
		return func(val) bool { return false }
	}
	switch k {
	case ir.String, ir.IP, ir.Bytes:
		if len(vs) <= 8 {
			ss := make([]string, len(vs))
			for i, v := range vs {
				ss[i] = v.s
			}
			return func(v val) bool {
				for _, s := range ss {
					if v.s == s {
						return true
					}
				}
				return false
			}
		}
		set := make(map[string]struct{}, len(vs))
		for _, v := range vs {
			set[v.s] = struct{}{}
		}
		return func(v val) bool {
			_, ok := set[v.s]
			return ok
		}
	case ir.Int, ir.Bool:
		type key struct {
			i int64
			u bool
		}
		set := make(map[key]struct{}, len(vs))
		for _, v := range vs {
			set[key{v.i, v.u}] = struct{}{}
		}
		// Constants are 64-bit; a wider value (v.b) equals none of them.
		if len(vs) <= 8 {
			return func(v val) bool {
				for _, w := range vs {
					if v.i == w.i && v.u == w.u && v.b == nil {
						return true
					}
				}
				return false
			}
		}
		return func(v val) bool {
			_, ok := set[key{v.i, v.u}]
			return ok && v.b == nil
		}
	}
	return func(v val) bool {
		for _, w := range vs {
			if equal(k, v, w) {
				return true
			}
		}
		return false
	}
}

// compileCIDR compiles "the address text x lies in the prefix", as the SQL does on the text:
// an IPv4 prefix takes dotted quads only, an IPv6 prefix only texts with a ':'.
func compileCIDR(e *ir.CIDR) pred {
	p := e.Prefix.Masked()
	if !p.IsValid() {
		fail("invalid prefix %v", e.Prefix)
	}
	x := compileValue(e.X)
	bits := p.Bits()
	if p.Addr().Is4() {
		a := p.Addr().As4()
		net := int64(a[0])<<24 | int64(a[1])<<16 | int64(a[2])<<8 | int64(a[3])
		shift := uint(32 - bits)
		net >>= shift
		return func(ev *state.Event, el elem) bool {
			v := x(ev, el)
			if !v.ok {
				return false
			}
			n, ok := dottedQuad(v.s)
			return ok && (bits == 0 || n>>shift == net)
		}
	}
	want := p.Addr().As16()
	return func(ev *state.Event, el elem) bool {
		v := x(ev, el)
		if !v.ok || strings.IndexByte(v.s, ':') < 0 {
			return false
		}
		a, err := netip.ParseAddr(v.s)
		if err != nil || a.Zone() != "" {
			return false
		}
		return prefixEqual(a.As16(), want, bits)
	}
}

// prefixEqual compares the first bits bits of two addresses.
func prefixEqual(a, b [16]byte, bits int) bool {
	i := 0
	for ; bits >= 8; bits -= 8 {
		if a[i] != b[i] {
			return false
		}
		i++
	}
	if bits == 0 {
		return true
	}
	mask := byte(0xff << (8 - bits))
	return a[i]&mask == b[i]&mask
}

// dottedQuad reads a.b.c.d with 1 to 3 digits each, as the SQL's
// regexp_full_match('[0-9]{1,3}(\.[0-9]{1,3}){3}') and sum of shifted parts.
func dottedQuad(s string) (int64, bool) {
	var n int64
	part, digits, parts := int64(0), 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 {
				return 0, false
			}
			parts++
			if parts > 4 {
				return 0, false
			}
			n += part << (8 * uint(4-parts))
			part, digits = 0, 0
			continue
		}
		c := s[i]
		if c < '0' || c > '9' || digits == 3 {
			return 0, false
		}
		part = part*10 + int64(c-'0')
		digits++
	}
	return n, parts == 4
}
