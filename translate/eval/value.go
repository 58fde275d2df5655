package eval

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate/ir"
)

// val is a typed scalar: absent unless ok. Which members hold the value depends on the ir
// kind of the expression it comes from.
type val struct {
	ok bool
	u  bool     // Int: the value is uint64(i), above math.MaxInt64
	i  int64    // Int; Bool as 0/1
	b  *big.Int // Int: a result of arithmetic outside [MinInt64, MaxUint64] (then i, u unused)
	f  float64  // Double
	s  string   // String, IP, Bytes
}

// getter is a compiled value.
type getter func(ev *state.Event, el elem) val

var none val

func intVal(i int64) val   { return val{ok: true, i: i} }
func uintVal(u uint64) val { return val{ok: true, i: int64(u), u: u > math.MaxInt64} }
func strVal(s string) val  { return val{ok: true, s: s} }
func boolVal(b bool) val {
	if b {
		return val{ok: true, i: 1}
	}
	return val{ok: true}
}
func floatVal(f float64) val { return val{ok: true, f: f} }

// bigOf returns an integer val as a big.Int (not to be modified).
func bigOf(v val) *big.Int {
	if v.b != nil {
		return v.b
	}
	if v.u {
		return new(big.Int).SetUint64(uint64(v.i))
	}
	return big.NewInt(v.i)
}

var (
	bigMinInt64  = big.NewInt(math.MinInt64)
	bigMaxUint64 = new(big.Int).SetUint64(math.MaxUint64)
)

// fromBig returns n as an integer val.
func fromBig(n *big.Int) val {
	if n.Cmp(bigMinInt64) < 0 || n.Cmp(bigMaxUint64) > 0 {
		return val{ok: true, b: n}
	}
	if n.IsInt64() {
		return intVal(n.Int64())
	}
	return uintVal(n.Uint64())
}

// toFloat converts an integer val.
func toFloat(v val) float64 {
	if v.b != nil {
		f, _ := new(big.Float).SetInt(v.b).Float64()
		return f
	}
	if v.u {
		return float64(uint64(v.i))
	}
	return float64(v.i)
}

// compileValue compiles a scalar value.
func compileValue(v ir.Value) getter {
	switch v := v.(type) {
	case *ir.Column:
		if v.List && !isAuditList(v) {
			fail("list column %s used as a scalar", v.Field)
		}
		return compileColumn(v)
	case *ir.Elem:
		if v.K == ir.Int {
			return func(_ *state.Event, el elem) val { return intVal(el.n) }
		}
		return func(_ *state.Event, el elem) val { return strVal(el.s) }
	case *ir.Lit:
		l := literal(v)
		return func(*state.Event, elem) val { return l }
	case *ir.Func:
		return compileFunc(v)
	case nil:
		fail("missing value")
	}
	fail("unknown value %T", v)
	return nil
}

// literal converts a constant.
func literal(l *ir.Lit) val {
	switch l.K {
	case ir.String, ir.IP:
		return strVal(l.Str)
	case ir.Int:
		n, ok := new(big.Int).SetString(l.Int, 10)
		if !ok {
			fail("integer literal %q is not decimal", l.Int)
		}
		v := fromBig(n)
		if v.b != nil {
			fail("integer literal %s is out of the 64-bit range", l.Int)
		}
		return v
	case ir.Bool:
		return boolVal(l.Bool)
	case ir.Bytes:
		return strVal(string(l.Bytes))
	case ir.Double:
		return floatVal(l.Float)
	}
	fail("unknown literal kind %d", l.K)
	return none
}

// constant returns the value of v if it is a literal.
func constant(v ir.Value) (val, bool) {
	if l, ok := v.(*ir.Lit); ok {
		return literal(l), true
	}
	return none, false
}

// derived are the columns the events table computes from others rather than storing (see
// check's derived map), for those package fields has no extractor of its own.
var derived = map[string]func(failed bool, category string) bool{
	"evt.count.error.file":   func(f bool, c string) bool { return f && c == "file" },
	"evt.count.error.net":    func(f bool, c string) bool { return f && c == "net" },
	"evt.count.error.memory": func(f bool, c string) bool { return f && c == "memory" },
	"evt.count.error.other": func(f bool, c string) bool {
		return f && c != "file" && c != "net" && c != "memory"
	},
}

// extractor returns the field extractor of a registered field.
func extractor(name string) fields.Extractor {
	f, _, err := fields.Lookup(name)
	if err != nil || f == nil {
		return nil
	}
	return f.Extract
}

// compileColumn reads a column of the events table from the event: the field's extractor,
// its value converted to the column's kind as the events table stores it.
func compileColumn(c *ir.Column) getter {
	if c.Field == "" {
		fail("column of kind %s names no field", c.K)
	}
	switch c.Field {
	case "evt.rawarg":
		return rawarg(c)
	case "thread.cgroup":
		return cgroup(c.Arg)
	case "proc.aname", "proc.apid", "proc.aexe":
		if c.Arg == "" {
			fail("%s without an index is a list", c.Field)
		}
	}
	if pick, ok := derived[c.Field]; ok {
		failed, category := extractor("evt.failed"), extractor("evt.category")
		return func(ev *state.Event, _ elem) val {
			f, cat := failed(ev, ""), category(ev, "")
			if pick(f.Kind == fields.KindBool && f.I != 0, cat.S) {
				return intVal(1)
			}
			return none
		}
	}
	ex := extractor(c.Field)
	if ex == nil {
		fail("field %s cannot be evaluated on events: package fields does not extract it", c.Field)
	}
	arg := c.Arg
	switch c.K {
	case ir.String, ir.IP, ir.Bytes:
		return textGetter(ex, arg)
	case ir.Int:
		return func(ev *state.Event, _ elem) val {
			v := ex(ev, arg)
			switch v.Kind {
			case fields.KindInt, fields.KindBool:
				return intVal(v.I)
			case fields.KindUint:
				return uintVal(uint64(v.I))
			}
			return none
		}
	case ir.Bool:
		return func(ev *state.Event, _ elem) val {
			v := ex(ev, arg)
			switch v.Kind {
			case fields.KindInt, fields.KindUint, fields.KindBool:
				return boolVal(v.I != 0)
			}
			return none
		}
	case ir.Double:
		return func(ev *state.Event, _ elem) val {
			v := ex(ev, arg)
			switch v.Kind {
			case fields.KindInt:
				return floatVal(float64(v.I))
			case fields.KindUint:
				return floatVal(float64(uint64(v.I)))
			case fields.KindString:
				if f, err := strconv.ParseFloat(v.S, 64); err == nil {
					return floatVal(f)
				}
			}
			return none
		}
	}
	fail("column %s has unknown kind %d", c.Field, c.K)
	return nil
}

// rawarg is evt.rawarg.NAME: the raw parameter value as text, cast to the kind of the
// catalogue's parameter type as the SQL's TRY_CAST does.
func rawarg(c *ir.Column) getter {
	ex := extractor("evt.rawarg")
	arg := c.Arg
	switch c.K {
	case ir.Int:
		return func(ev *state.Event, _ elem) val {
			v := ex(ev, arg)
			switch v.Kind {
			case fields.KindInt, fields.KindBool:
				return intVal(v.I)
			case fields.KindUint:
				return uintVal(uint64(v.I))
			case fields.KindString:
				return castInt(v.S)
			}
			return none
		}
	case ir.Bool:
		return func(ev *state.Event, _ elem) val {
			v := ex(ev, arg)
			if !v.Valid() {
				return none
			}
			return castBool(v.Text())
		}
	case ir.Double:
		return func(ev *state.Event, _ elem) val {
			v := ex(ev, arg)
			switch v.Kind {
			case fields.KindInt:
				return floatVal(float64(v.I))
			case fields.KindUint:
				return floatVal(float64(uint64(v.I)))
			case fields.KindString:
				if f, err := strconv.ParseFloat(strings.TrimSpace(v.S), 64); err == nil {
					return floatVal(f)
				}
			}
			return none
		}
	}
	return textGetter(ex, arg)
}

// textGetter reads a field's value as text.
func textGetter(ex fields.Extractor, arg string) getter {
	return func(ev *state.Event, _ elem) val {
		v := ex(ev, arg)
		switch v.Kind {
		case fields.KindString:
			return strVal(v.S)
		case fields.KindNone:
			return none
		}
		return strVal(v.Text())
	}
}

// castInt is TRY_CAST(text AS HUGEINT), for the texts a raw parameter can have: surrounding
// spaces, a sign, digits with '_' between them, a decimal or exponent form (rounded).
func castInt(s string) val {
	s = strings.TrimSpace(s)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return intVal(i)
	}
	t := strings.TrimPrefix(s, "+")
	if u, err := strconv.ParseUint(t, 10, 64); err == nil {
		return uintVal(u)
	}
	if strings.Contains(s, "_") {
		if strings.Contains(s, "__") || strings.HasPrefix(t, "_") || strings.HasSuffix(s, "_") || strings.HasPrefix(t, "-_") {
			return none
		}
		return castInt(strings.ReplaceAll(s, "_", ""))
	}
	if strings.ContainsAny(s, "xXnNiI") || s == "" {
		return none // hex, inf, nan
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return none
	}
	f = math.Round(f)
	if f >= -9.223372036854775808e18 && f < 9.223372036854775808e18 {
		return intVal(int64(f))
	}
	if f >= 0 && f < 1.8446744073709551616e19 {
		return uintVal(uint64(f))
	}
	return none
}

// castBool is TRY_CAST(text AS BOOLEAN).
func castBool(s string) val {
	switch strings.ToLower(s) {
	case "true", "t", "yes", "y", "1":
		return boolVal(true)
	case "false", "f", "no", "n", "0":
		return boolVal(false)
	}
	return none
}

// cgroup is thread.cgroup.NAME: in thread.cgroups ("subsys=path ..."), the text after the
// first NAME= at the start or after a space, up to the next space, as the SQL's
// regexp_extract(thread.cgroups, '(?:^| )NAME=([^ ]*)', 1).
func cgroup(name string) getter {
	ex := extractor("thread.cgroups")
	if ex == nil {
		fail("thread.cgroups cannot be evaluated on events")
	}
	key := name + "="
	return func(ev *state.Event, _ elem) val {
		v := ex(ev, "")
		if v.Kind != fields.KindString {
			return none
		}
		s := v.S
		for i := 0; i <= len(s)-len(key); i++ {
			if (i == 0 || s[i-1] == ' ') && s[i:i+len(key)] == key {
				rest := s[i+len(key):]
				if j := strings.IndexByte(rest, ' '); j >= 0 {
					rest = rest[:j]
				}
				return strVal(rest)
			}
		}
		return none
	}
}

// maxAncestors bounds the ancestor walk, as the proc.aname extractor does.
const maxAncestors = fields.MaxAncestors

// list is a list column: the ancestors of the event's process, parent first.
type list struct {
	elem func(t *state.Thread) elem // the ancestor's value: its name, pid or exe
}

func (list) first(ev *state.Event) *state.Thread { return fields.FirstAncestor(ev) }
func (list) next(ev *state.Event, t *state.Thread) *state.Thread {
	return fields.NextAncestor(ev, t)
}

// The list columns' elements.
var (
	ancestorNames = list{func(t *state.Thread) elem { return elem{s: t.Comm} }}
	ancestorPids  = list{func(t *state.Thread) elem { return elem{n: t.Pid} }}
	ancestorExes  = list{func(t *state.Thread) elem { return elem{s: t.Exe} }}
)

// listOf returns the list a list column holds.
func listOf(v ir.Value) (list, bool) {
	c, ok := v.(*ir.Column)
	if !ok || !c.List {
		return list{}, false
	}
	switch c.Field {
	case "proc.aname":
		return ancestorNames, true
	case "proc.apid":
		return ancestorPids, true
	case "proc.aexe":
		return ancestorExes, true
	}
	if isAuditList(c) {
		return list{}, false // read as a value (its text) or by auditAnyElem
	}
	fail("unknown list column of field %q", c.Field)
	return list{}, false
}
