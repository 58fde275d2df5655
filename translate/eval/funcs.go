package eval

import (
	"encoding/base64"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate/ir"
)

// compileFunc compiles a function application with the meaning sqlgen gives it.
func compileFunc(f *ir.Func) getter {
	nargs := map[string]int{
		ir.FnLower: 1, ir.FnUpper: 1, ir.FnB64: 1, ir.FnBasename: 1, ir.FnStrLen: 1, ir.FnByteLen: 1,
		ir.FnListLen: 1, ir.FnNeg: 1, ir.FnAdd: 2, ir.FnSub: 2, ir.FnMul: 2, ir.FnDiv: 2, ir.FnMod: 2,
		ir.FnBitAnd: 2, ir.FnAbs: 1, ir.FnToString: 1, ir.FnToDouble: 1, ir.FnCount: 1, ir.FnSubstr: 3,
		ir.FnSubstrEnd: 2, ir.FnIPFamily4: 1, ir.FnIPFamily6: 1,
	}
	if n, ok := nargs[f.Name]; ok && len(f.Args) != n {
		fail("%s takes %d arguments, not %d", f.Name, n, len(f.Args))
	}
	if f.Name == ir.FnListLen {
		l, ok := listOf(f.Args[0])
		if !ok {
			fail("listlen of %T, not a list column", f.Args[0])
		}
		return func(ev *state.Event, _ elem) val {
			if ev.Thread == nil {
				return none // the list column is NULL for events without a thread
			}
			n := 0
			for a := l.first(ev); a != nil && n < maxAncestors; a = l.next(ev, a) {
				n++
			}
			return intVal(int64(n))
		}
	}
	switch f.Name {
	case ir.FnSubstr, ir.FnSubstrEnd:
		return compileSubstr(f)
	case ir.FnConcat, ir.FnMin, ir.FnMax:
		if len(f.Args) == 0 {
			fail("%s needs arguments", f.Name)
		}
	}
	args := make([]getter, len(f.Args))
	for i, a := range f.Args {
		args[i] = compileValue(a)
	}
	var x getter
	if len(args) > 0 {
		x = args[0]
	}
	str := func(fn func(s string) val) getter {
		return func(ev *state.Event, el elem) val {
			v := x(ev, el)
			if !v.ok {
				return none
			}
			return fn(v.s)
		}
	}
	double := f.K == ir.Double
	switch f.Name {
	case ir.FnLower:
		return str(func(s string) val { return strVal(asciiLower(s)) })
	case ir.FnUpper:
		return str(func(s string) val { return strVal(asciiUpper(s)) })
	case ir.FnB64:
		return str(b64)
	case ir.FnBasename:
		return str(func(s string) val { return strVal(s[strings.LastIndexByte(s, '/')+1:]) })
	case ir.FnStrLen, ir.FnByteLen:
		return str(func(s string) val { return intVal(int64(len(s))) })
	case ir.FnIPFamily4:
		return str(func(s string) val {
			if strings.IndexByte(s, ':') >= 0 {
				return none
			}
			return strVal(s)
		})
	case ir.FnIPFamily6:
		return str(func(s string) val {
			if strings.IndexByte(s, ':') < 0 {
				return none
			}
			return strVal(s)
		})
	case ir.FnConcat:
		return func(ev *state.Event, el elem) val {
			var b strings.Builder
			for _, a := range args {
				v := a(ev, el)
				if !v.ok {
					return none
				}
				b.WriteString(v.s)
			}
			return strVal(b.String())
		}
	case ir.FnCount:
		return func(ev *state.Event, el elem) val {
			if x(ev, el).ok {
				return intVal(1)
			}
			return none
		}
	case ir.FnToString:
		k := f.Args[0].Type()
		return func(ev *state.Event, el elem) val {
			v := x(ev, el)
			if !v.ok {
				return none
			}
			switch k {
			case ir.Int:
				if v.b != nil {
					return strVal(v.b.String())
				}
				if v.u {
					return strVal(strconv.FormatUint(uint64(v.i), 10))
				}
				return strVal(strconv.FormatInt(v.i, 10))
			case ir.Double:
				return strVal(doubleText(v.f))
			case ir.Bool:
				if v.i != 0 {
					return strVal("true")
				}
				return strVal("false")
			}
			return v
		}
	case ir.FnToDouble:
		if f.Args[0].Type() == ir.Double {
			return x
		}
		return func(ev *state.Event, el elem) val {
			v := x(ev, el)
			if !v.ok {
				return none
			}
			return floatVal(toFloat(v))
		}
	case ir.FnNeg:
		if double {
			return unaryF(x, func(a float64) float64 { return -a })
		}
		return func(ev *state.Event, el elem) val {
			v := x(ev, el)
			if !v.ok {
				return none
			}
			if !small(v) || v.i == math.MinInt64 {
				return fromBig(new(big.Int).Neg(bigOf(v)))
			}
			return intVal(-v.i)
		}
	case ir.FnAbs:
		if double {
			return unaryF(x, math.Abs)
		}
		return func(ev *state.Event, el elem) val {
			v := x(ev, el)
			switch {
			case !v.ok || v.u || v.b == nil && v.i >= 0:
				return v
			case v.b != nil || v.i == math.MinInt64:
				return fromBig(new(big.Int).Abs(bigOf(v)))
			}
			return intVal(-v.i)
		}
	case ir.FnAdd, ir.FnSub, ir.FnMul, ir.FnDiv, ir.FnMod, ir.FnBitAnd:
		y := args[1]
		if double {
			if f.Name == ir.FnBitAnd {
				fail("bitand on floating-point values")
			}
			op := floatOps[f.Name]
			return func(ev *state.Event, el elem) val {
				a := x(ev, el)
				if !a.ok {
					return none
				}
				b := y(ev, el)
				if !b.ok {
					return none
				}
				return op(a.f, b.f)
			}
		}
		op := intOps[f.Name]
		return func(ev *state.Event, el elem) val {
			a := x(ev, el)
			if !a.ok {
				return none
			}
			b := y(ev, el)
			if !b.ok {
				return none
			}
			return op(a, b)
		}
	case ir.FnMin, ir.FnMax:
		k := f.K
		less := f.Name == ir.FnMin
		return func(ev *state.Event, el elem) val {
			best := none
			for _, a := range args {
				v := a(ev, el)
				if !v.ok {
					continue
				}
				if !best.ok {
					best = v
					continue
				}
				c := compare(k, v, best)
				if less && c < 0 || !less && c > 0 {
					best = v
				}
			}
			return best
		}
	}
	fail("unknown function %q", f.Name)
	return nil
}

func unaryF(x getter, fn func(float64) float64) getter {
	return func(ev *state.Event, el elem) val {
		v := x(ev, el)
		if !v.ok {
			return none
		}
		return floatVal(fn(v.f))
	}
}

// b64 is TRY(decode(from_base64(x))): strict base64 with padding and no white space, whose
// bytes must be UTF-8 text.
func b64(s string) val {
	if strings.ContainsAny(s, "\r\n") {
		return none
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || !utf8.Valid(b) {
		return none
	}
	return strVal(string(b))
}

var floatOps = map[string]func(a, b float64) val{
	ir.FnAdd: func(a, b float64) val { return floatVal(a + b) },
	ir.FnSub: func(a, b float64) val { return floatVal(a - b) },
	ir.FnMul: func(a, b float64) val { return floatVal(a * b) },
	ir.FnDiv: func(a, b float64) val {
		if b == 0 {
			return none
		}
		return floatVal(a / b)
	},
	ir.FnMod: func(a, b float64) val {
		if b == 0 {
			return none
		}
		return floatVal(math.Mod(a, b))
	},
}

// small reports whether an integer val is an int64.
func small(v val) bool { return !v.u && v.b == nil }

func isZero(v val) bool { return small(v) && v.i == 0 }

// intOps are the integer operations, exact: a result beyond 64 bits keeps its value (DuckDB
// raises an overflow error where it computes in 64 bits, and gives the exact answer where
// its optimizer moves the constant to the other side of a comparison). Division truncates
// and the remainder takes the dividend's sign, as in DuckDB; by zero, both are absent (the
// SQL divides by nullif(y, 0)).
var intOps = map[string]func(a, b val) val{
	ir.FnAdd: func(a, b val) val {
		if small(a) && small(b) {
			s := a.i + b.i
			if (s > a.i) == (b.i > 0) {
				return intVal(s)
			}
		}
		return fromBig(new(big.Int).Add(bigOf(a), bigOf(b)))
	},
	ir.FnSub: func(a, b val) val {
		if small(a) && small(b) {
			s := a.i - b.i
			if (s < a.i) == (b.i > 0) {
				return intVal(s)
			}
		}
		return fromBig(new(big.Int).Sub(bigOf(a), bigOf(b)))
	},
	ir.FnMul: func(a, b val) val {
		if small(a) && small(b) {
			hi, lo := bits.Mul64(uint64(abs64(a.i)), uint64(abs64(b.i)))
			if hi == 0 && lo <= math.MaxInt64 && a.i != math.MinInt64 && b.i != math.MinInt64 {
				if (a.i < 0) != (b.i < 0) {
					return intVal(-int64(lo))
				}
				return intVal(int64(lo))
			}
		}
		return fromBig(new(big.Int).Mul(bigOf(a), bigOf(b)))
	},
	ir.FnDiv: func(a, b val) val {
		if isZero(b) {
			return none
		}
		if small(a) && small(b) && !(a.i == math.MinInt64 && b.i == -1) {
			return intVal(a.i / b.i)
		}
		return fromBig(new(big.Int).Quo(bigOf(a), bigOf(b)))
	},
	ir.FnMod: func(a, b val) val {
		if isZero(b) {
			return none
		}
		if small(a) && small(b) {
			if b.i == -1 {
				return intVal(0)
			}
			return intVal(a.i % b.i)
		}
		return fromBig(new(big.Int).Rem(bigOf(a), bigOf(b)))
	},
	ir.FnBitAnd: func(a, b val) val {
		if small(a) && small(b) {
			return intVal(a.i & b.i)
		}
		return fromBig(new(big.Int).And(bigOf(a), bigOf(b)))
	},
}

func abs64(i int64) int64 {
	if i < 0 {
		return -i
	}
	return i
}

// doubleText is CAST(x AS VARCHAR) for a DOUBLE in DuckDB: the shortest text that reads
// back, in positional form (with ".0" for whole numbers) for decimal exponents -5 < e < 16,
// and as d.ddde±XX otherwise.
func doubleText(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	i := strings.LastIndexByte(e, 'e')
	exp, _ := strconv.Atoi(e[i+1:])
	if exp > -5 && exp < 16 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.ContainsRune(s, '.') {
			s += ".0"
		}
		return s
	}
	return e
}

// compileSubstr compiles a Wireshark slice as sqlgen renders it: offsets and lengths count
// characters (bytes in a byte buffer), negative offsets count from the end, and a slice that runs past the value is
// absent.
func compileSubstr(f *ir.Func) getter {
	num := func(v ir.Value) int {
		l, ok := v.(*ir.Lit)
		if !ok || l.K != ir.Int {
			fail("slice bound is not a constant")
		}
		n, err := strconv.Atoi(l.Int)
		if err != nil {
			fail("slice bound %q", l.Int)
		}
		return n
	}
	x := compileValue(f.Args[0])
	start := num(f.Args[1])
	// A byte buffer's offsets count bytes, a string's characters.
	length, offset := utf8.RuneCountInString, runeOffset
	if f.K == ir.Bytes {
		length = func(s string) int { return len(s) }
		offset = func(s string, n int) int { return min(n, len(s)) }
	}
	if f.Name == ir.FnSubstrEnd {
		return func(ev *state.Event, el elem) val {
			v := x(ev, el)
			if !v.ok {
				return none
			}
			n := length(v.s)
			if start >= 0 {
				if n < start {
					return none
				}
				return strVal(v.s[offset(v.s, start):])
			}
			if n < -start {
				return none
			}
			return strVal(v.s[offset(v.s, n+start):])
		}
	}
	count := num(f.Args[2])
	return func(ev *state.Event, el elem) val {
		v := x(ev, el)
		if !v.ok {
			return none
		}
		n := length(v.s)
		from := start
		if start >= 0 {
			if n < start+count {
				return none
			}
		} else {
			k := -start
			if n < max(k, count) {
				return none
			}
			from = n - k
		}
		to := min(from+count, n)
		if from < 0 || to < from {
			return strVal("")
		}
		a := offset(v.s, from)
		b := a + offset(v.s[a:], to-from)
		return strVal(v.s[a:b])
	}
}

// runeOffset is the byte offset of the n-th character of s (len(s) past the end).
func runeOffset(s string, n int) int {
	off := 0
	for i := 0; i < n && off < len(s); i++ {
		_, w := utf8.DecodeRuneInString(s[off:])
		off += w
	}
	return off
}
