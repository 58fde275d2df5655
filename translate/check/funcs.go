package check

import (
	"strconv"
	"strings"

	"github.com/scapql/scapql/translate/ast"
	"github.com/scapql/scapql/translate/ir"
)

// call lowers a Falco transformer (or val()) or a Wireshark function.
func (c *checker) call(n *ast.Call) *opnd {
	if c.dialect == Falco {
		return c.transformer(n)
	}
	return c.function(n)
}

func (c *checker) transformer(n *ast.Call) *opnd {
	if n.Name == "val" {
		x := c.operand(n.Args[0])
		return &opnd{node: n, ref: x.ref, vals: x.vals, kind: x.kind}
	}
	switch n.Name {
	case "join", "getopt":
		c.failAt(n.NamePos, n.NamePos+len(n.Name), "transformer %s is not supported", n.Name)
	case "concat":
		var parts []ir.Value
		for _, a := range n.Args {
			o := c.operand(a)
			if !o.typed() {
				if o.lit.kind != ast.Quoted {
					c.fail(a, "concat takes fields, transformers and quoted strings")
				}
			}
			parts = append(parts, c.as(o, ir.String, nil))
		}
		if len(parts) < 2 {
			c.fail(n, "concat needs at least two arguments")
		}
		return c.result(n, ir.FnConcat, ir.String, parts...)
	}
	if len(n.Args) != 1 {
		c.fail(n, "%s takes one argument", n.Name)
	}
	x := c.operand(n.Args[0])
	if !x.typed() {
		c.fail(n.Args[0], "%s takes a field or a transformer", n.Name)
	}
	if n.Name == "len" {
		return c.length(n, x)
	}
	v := c.stringArg(n, x)
	name := map[string]string{"tolower": ir.FnLower, "toupper": ir.FnUpper, "b64": ir.FnB64, "basename": ir.FnBasename}[n.Name]
	return c.result(n, name, ir.String, v)
}

func (c *checker) result(n ast.Node, fn string, k ir.Kind, args ...ir.Value) *opnd {
	return &opnd{node: n, vals: []ir.Value{&ir.Func{Name: fn, Args: args, K: k}}, kind: k}
}

func (c *checker) stringArg(n *ast.Call, x *opnd) ir.Value {
	v := x.single(c)
	if v.Type() != ir.String {
		c.fail(n.Args[0], "%s takes a string, but this is a %s", n.Name, v.Type())
	}
	return v
}

// length is the byte length of a string or buffer, or the number of elements of a list.
func (c *checker) length(n *ast.Call, x *opnd) *opnd {
	if x.ref != nil && x.ref.list {
		return c.result(n, ir.FnListLen, ir.Int, x.vals[0])
	}
	v := x.single(c)
	switch v.Type() {
	case ir.String:
		return c.result(n, ir.FnStrLen, ir.Int, v)
	case ir.Bytes:
		return c.result(n, ir.FnByteLen, ir.Int, v)
	}
	c.fail(n.Args[0], "len takes a string or a buffer, but this is a %s", v.Type())
	return nil
}

// function lowers a Wireshark display-filter function.
func (c *checker) function(n *ast.Call) *opnd {
	arity := map[string]int{"lower": 1, "upper": 1, "len": 1, "count": 1, "string": 1, "abs": 1, "double": 1, "float": 1}
	switch n.Name {
	case "min", "max":
		if len(n.Args) < 1 {
			c.fail(n, "%s needs arguments", n.Name)
		}
		var args []ir.Value
		kind := ir.Int
		var ops []*opnd
		for _, a := range n.Args {
			o := c.operand(a)
			ops = append(ops, o)
			if o.typed() && c.numeric(o, n.Name).Type() == ir.Double {
				kind = ir.Double
			}
		}
		for _, o := range ops {
			args = append(args, c.as(o, kind, nil))
		}
		fn := ir.FnMin
		if n.Name == "max" {
			fn = ir.FnMax
		}
		return c.result(n, fn, kind, args...)
	case "dec", "hex", "vals", "ip_special_name", "ip_special_mask", "ip_linklocal", "ip_multicast", "ip_rfc1918", "ip_ula":
		c.failAt(n.NamePos, n.NamePos+len(n.Name), "function %s is not supported", n.Name)
	}
	want, ok := arity[n.Name]
	if !ok {
		c.failAt(n.NamePos, n.NamePos+len(n.Name), "unknown function %s (functions: lower upper len count string abs min max double)", n.Name)
	}
	if len(n.Args) != want {
		c.fail(n, "%s takes %d argument", n.Name, want)
	}
	x := c.operand(n.Args[0])
	if !x.typed() {
		c.fail(n.Args[0], "%s takes a field", n.Name)
	}
	switch n.Name {
	case "lower", "upper":
		fn := ir.FnLower
		if n.Name == "upper" {
			fn = ir.FnUpper
		}
		return c.result(n, fn, ir.String, c.stringArg(n, x))
	case "len":
		return c.length(n, x)
	case "count":
		// A Stratoshark field occurs at most once: count is 1 when present (and the function,
		// like every function on a field, implies that the field exists).
		return c.result(n, ir.FnCount, ir.Int, x.single(c))
	case "string":
		v := x.single(c)
		if v.Type() == ir.Bool || v.Type() == ir.Bytes {
			c.fail(n.Args[0], "string() of a %s is not supported", v.Type())
		}
		return c.result(n, ir.FnToString, ir.String, v)
	case "abs":
		v := c.numeric(x, "abs")
		return c.result(n, ir.FnAbs, v.Type(), v)
	default: // double, float
		return c.result(n, ir.FnToDouble, ir.Double, c.numeric(x, n.Name))
	}
}

// slice lowers a Wireshark slice of a string (offsets count characters) or of a byte buffer
// (offsets count bytes): each range is offset:length, first-last (inclusive), a single
// offset, :length or offset: (to the end); offsets may be negative. Several ranges separated
// by commas are concatenated.
func (c *checker) slice(n *ast.Slice) *opnd {
	x := c.operand(n.X)
	if !x.typed() {
		c.fail(n.X, "only fields can be sliced")
	}
	v := x.single(c)
	kind := v.Type()
	if kind != ir.String && kind != ir.Bytes {
		c.fail(n.X, "slices are supported on strings and byte buffers only, but this is a %s", kind)
	}
	var parts []ir.Value
	for _, r := range n.Ranges {
		p, ok := sliceRange(v, kind, strings.TrimSpace(r.Text))
		if !ok {
			c.failAt(r.TextPos, r.TextPos+len(r.Text), "%q is not a slice range (i:j, i-j, i, :j or i:)", r.Text)
		}
		parts = append(parts, p)
	}
	if len(parts) == 1 {
		return &opnd{node: n, vals: parts, kind: kind}
	}
	return c.result(n, ir.FnConcat, kind, parts...)
}

func sliceRange(v ir.Value, kind ir.Kind, t string) (ir.Value, bool) {
	if t == "" {
		return nil, false
	}
	num := func(s string) (int, bool) {
		i, err := strconv.Atoi(s)
		return i, err == nil && len(s) < 10
	}
	sub := func(start, n int) ir.Value {
		return &ir.Func{Name: ir.FnSubstr, Args: []ir.Value{v, intLit(start), intLit(n)}, K: kind}
	}
	if a, b, ok := strings.Cut(t, ":"); ok {
		switch {
		case a == "" && b == "":
			return nil, false
		case b == "":
			start, ok := num(a)
			return &ir.Func{Name: ir.FnSubstrEnd, Args: []ir.Value{v, intLit(start)}, K: kind}, ok
		}
		start := 0
		if a != "" {
			var ok bool
			if start, ok = num(a); !ok {
				return nil, false
			}
		}
		n, ok := num(b)
		return sub(start, n), ok && n > 0
	}
	// i-j (inclusive); a leading '-' is a negative offset, not the separator.
	if i := strings.Index(t[1:], "-"); i >= 0 {
		a, b := t[:i+1], t[i+2:]
		lo, ok1 := num(a)
		hi, ok2 := num(b)
		if !ok1 || !ok2 || lo < 0 != (hi < 0) || hi < lo {
			return nil, false
		}
		return sub(lo, hi-lo+1), true
	}
	i, ok := num(t)
	return sub(i, 1), ok
}

func intLit(i int) *ir.Lit { return &ir.Lit{K: ir.Int, Int: strconv.Itoa(i)} }
