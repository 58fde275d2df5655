// Package check type-checks a parsed filter against the field catalogue and the events table
// and lowers it to the typed ir: it resolves every field (reporting unknown ones with the
// closest names), converts literals to their field's type, validates evt.type and evt.res
// values, checks operator/type combinations, and encodes the reference's semantics (absent
// fields, list fields, client/server pair fields, CIDR networks).
package check

import (
	"fmt"
	"math/big"
	"strings"
	"unicode/utf8"

	"github.com/scapql/scapql/translate/ast"
	"github.com/scapql/scapql/translate/catalog"
	"github.com/scapql/scapql/translate/diag"
	"github.com/scapql/scapql/translate/ir"
)

// Dialect selects literal and field spellings.
type Dialect int

// The dialects.
const (
	Falco Dialect = iota
	Wireshark
)

// Check lowers e, parsed from src in dialect d, to ir. Errors are *diag.Error.
func Check(e ast.Expr, src string, d Dialect) (out ir.Expr, err error) {
	c := &checker{src: src, dialect: d}
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bail)
			if !ok {
				panic(r)
			}
			out, err = nil, b.err
		}
	}()
	return c.expr(e), nil
}

type checker struct {
	src     string
	dialect Dialect
	macros  []string // names of the macros being expanded, outermost first
}

type bail struct{ err *diag.Error }

// fail reports an error at node n of the current source.
func (c *checker) fail(n ast.Node, format string, args ...any) {
	c.failAt(n.Pos(), n.End(), format, args...)
}

func (c *checker) failAt(pos, end int, format string, args ...any) {
	e := diag.Errorf(c.src, pos, end, format, args...)
	for i := len(c.macros) - 1; i >= 0; i-- {
		e.Within(fmt.Sprintf("in macro %s", c.macros[i]))
	}
	panic(bail{e})
}

func (c *checker) expr(e ast.Expr) ir.Expr {
	switch e := e.(type) {
	case *ast.Logical:
		xs := make([]ir.Expr, len(e.Operands))
		for i, x := range e.Operands {
			xs[i] = c.expr(x)
		}
		switch e.Op {
		case ast.And:
			return &ir.And{Xs: xs}
		case ast.Or:
			return &ir.Or{Xs: xs}
		}
		out := xs[0]
		for _, x := range xs[1:] {
			out = &ir.Xor{X: out, Y: x}
		}
		return out
	case *ast.Not:
		return &ir.Not{X: c.expr(e.X)}
	case *ast.Paren:
		return c.expr(e.X)
	case *ast.MacroRef:
		c.fail(e, "unknown macro %s (macros and lists come from a Falco rules file)", e.Name)
	case *ast.Macro:
		src := c.src
		c.src, c.macros = e.Source, append(c.macros, e.Name)
		out := c.expr(e.Body)
		c.src, c.macros = src, c.macros[:len(c.macros)-1]
		return out
	case *ast.Compare:
		return c.compare(e)
	}
	panic(fmt.Sprintf("check: unexpected node %T", e))
}

// opnd is a checked operand: typed values, or a literal waiting for a type.
type opnd struct {
	node ast.Node
	ref  *fieldRef // set when the operand is a field
	vals []ir.Value
	kind ir.Kind
	lit  *lit // untyped literal
}

func (o *opnd) typed() bool { return o.lit == nil }

func (o *opnd) single(c *checker) ir.Value {
	if len(o.vals) != 1 {
		c.fail(o.node, "%s matches on either end of a connection and cannot be used here", o.ref.name)
	}
	if o.ref != nil && o.ref.list {
		c.fail(o.node, "%s without an index is a list of ancestors and cannot be used here; give an index, e.g. %s[1]", o.ref.name, o.ref.name)
	}
	return o.vals[0]
}

// field resolves a field node; ok is false for a Wireshark word that is not a field.
func (c *checker) field(n ast.Operand) (*fieldRef, bool) {
	switch n := n.(type) {
	case *ast.Field:
		r, err := resolveFalco(n.Name, n.Arg, n.HasArg)
		if err != nil {
			c.fieldFail(n, err)
		}
		return r, true
	case *ast.Word:
		r, err, ok := resolveWireshark(n.Text)
		if err != nil {
			c.fieldFail(n, err)
		}
		if !ok && n.Dot {
			c.fail(n, "%s", c.unknownWord(n.Text))
		}
		return r, ok
	}
	return nil, false
}

func (c *checker) fieldFail(n ast.Node, err *fieldError) {
	if f, ok := n.(*ast.Field); ok && err.arg && f.HasArg {
		c.failAt(f.NamePos+len(f.Name), f.End(), "%s", err.msg)
	}
	c.fail(n, "%s", err.msg)
}

func (c *checker) unknownWord(name string) string {
	if h := wiresharkHint(name); h != "" {
		return h
	}
	return unknownField(name).msg
}

// operand checks n as a value. Literals stay untyped until compared.
func (c *checker) operand(n ast.Operand) *opnd {
	switch n := n.(type) {
	case *ast.Field:
		r, _ := c.field(n)
		return &opnd{node: n, ref: r, vals: r.cols, kind: r.kind}
	case *ast.Word:
		if r, ok := c.field(n); ok {
			return &opnd{node: n, ref: r, vals: r.cols, kind: r.kind}
		}
		// Not a field: an unquoted literal (deprecated in Wireshark, but it works).
		return &opnd{node: n, lit: &lit{text: n.Text, kind: ast.Bare, node: n, ws: true}}
	case *ast.Literal:
		return &opnd{node: n, lit: &lit{text: n.Value, kind: n.Kind, node: n, ws: c.dialect == Wireshark}}
	case *ast.Unary:
		x := c.operand(n.X)
		if !x.typed() {
			if x.lit.neg || x.lit.kind == ast.Quoted || x.lit.kind == ast.RawString {
				c.fail(n, "unary %c applies to numbers", n.Op)
			}
			if n.Op == '-' {
				x.lit.neg = true
			}
			x.node = n
			return x
		}
		v := c.numeric(x, string(n.Op))
		if n.Op == '+' {
			return &opnd{node: n, vals: []ir.Value{v}, kind: v.Type()}
		}
		return &opnd{node: n, vals: []ir.Value{&ir.Func{Name: ir.FnNeg, Args: []ir.Value{v}, K: v.Type()}}, kind: v.Type()}
	case *ast.Arith:
		return c.arith(n)
	case *ast.Call:
		return c.call(n)
	case *ast.Slice:
		return c.slice(n)
	case *ast.List:
		c.fail(n, "a list is only valid after in, intersects or pmatch")
	case *ast.Range:
		c.fail(n, "a range is only valid inside a set")
	}
	panic(fmt.Sprintf("check: unexpected operand %T", n))
}

// numeric returns x as a single integer or floating-point value.
func (c *checker) numeric(x *opnd, op string) ir.Value {
	v := x.single(c)
	if v.Type() != ir.Int && v.Type() != ir.Double {
		c.fail(x.node, "%s needs a number, but this is a %s", op, v.Type())
	}
	return v
}

var arithFn = map[string]string{"+": ir.FnAdd, "-": ir.FnSub, "*": ir.FnMul, "/": ir.FnDiv, "%": ir.FnMod,
	"&": ir.FnBitAnd, "bitand": ir.FnBitAnd, "bitwise_and": ir.FnBitAnd}

func (c *checker) arith(n *ast.Arith) *opnd {
	x, y := c.operand(n.X), c.operand(n.Y)
	if !x.typed() && !y.typed() {
		return c.fold(n, x, y)
	}
	kind := ir.Int
	for _, o := range []*opnd{x, y} {
		if o.typed() && c.numeric(o, n.Op).Type() == ir.Double {
			kind = ir.Double
		}
	}
	if kind == ir.Double && arithFn[n.Op] == ir.FnBitAnd {
		c.fail(n, "& needs integers")
	}
	args := []ir.Value{c.as(x, kind, nil), c.as(y, kind, nil)}
	return &opnd{node: n, vals: []ir.Value{&ir.Func{Name: arithFn[n.Op], Args: args, K: kind}}, kind: kind}
}

// fold computes arithmetic on two integer constants (1000 * 1000).
func (c *checker) fold(n *ast.Arith, x, y *opnd) *opnd {
	var v [2]*big.Int
	for i, o := range []*opnd{x, y} {
		s, err := o.lit.intText()
		if err != nil {
			c.fail(o.node, "%v", err)
		}
		v[i], _ = new(big.Int).SetString(s, 10)
	}
	r := new(big.Int)
	switch n.Op {
	case "+":
		r.Add(v[0], v[1])
	case "-":
		r.Sub(v[0], v[1])
	case "*":
		r.Mul(v[0], v[1])
	case "/", "%":
		if v[1].Sign() == 0 {
			c.fail(n, "division by zero")
		}
		if n.Op == "/" {
			r.Quo(v[0], v[1])
		} else {
			r.Rem(v[0], v[1])
		}
	default:
		r.And(v[0], v[1])
	}
	if r.BitLen() > 128 {
		c.fail(n, "constant too large")
	}
	return &opnd{node: n, lit: &lit{text: r.String(), kind: ast.Bare, node: n, ws: true}}
}

// as returns o converted to kind (a literal is parsed; a value must already have the kind,
// except that integers widen to floating-point).
func (c *checker) as(o *opnd, kind ir.Kind, f *fieldRef) ir.Value {
	if !o.typed() {
		v, err := o.lit.convert(kind, f)
		if err != nil {
			c.fail(o.node, "%v", err)
		}
		return v
	}
	v := o.single(c)
	if v.Type() == kind {
		return v
	}
	if v.Type() == ir.Int && kind == ir.Double {
		return &ir.Func{Name: ir.FnToDouble, Args: []ir.Value{v}, K: ir.Double}
	}
	c.fail(o.node, "cannot compare a %s with a %s", v.Type(), kind)
	return nil
}

// compare lowers one check.
func (c *checker) compare(e *ast.Compare) ir.Expr {
	if e.Op == ast.Exists {
		return c.exists(e)
	}
	left, right := e.Left, e.Right
	op := e.Op
	l := c.operand(left)
	if !l.typed() {
		// Wireshark allows the constant first (0 > evt.rawres): mirror the comparison.
		m, ok := mirror[op]
		if !ok || isList(right) {
			c.fail(left, "the left side of %s must be a field", op)
		}
		r := c.operand(right)
		if !r.typed() {
			if w, ok := left.(*ast.Word); ok {
				c.fail(w, "%s", c.unknownWord(w.Text))
			}
			c.fail(e, "comparison of two constants")
		}
		l, op, right = r, m, left
	}
	switch op {
	case ast.In, ast.Intersects, ast.PMatch:
		x := c.inList(e, l, op, right)
		if op == ast.In && isAuditList(l) {
			x = subset(x) // Falco's in on a list field: every element is in the set
		}
		return x
	}
	if e.Mod != ast.NoModifier {
		return c.modified(e, l, op, right.(*ast.List))
	}
	return c.scalar(e, l, op, c.operand(right))
}

var mirror = map[ast.CmpOp]ast.CmpOp{ast.Eq: ast.Eq, ast.Ne: ast.Ne, ast.Lt: ast.Gt, ast.Le: ast.Ge, ast.Gt: ast.Lt, ast.Ge: ast.Le}

func isList(n ast.Operand) bool {
	_, ok := n.(*ast.List)
	return ok
}

func (c *checker) exists(e *ast.Compare) ir.Expr {
	l := c.operand(e.Left)
	if !l.typed() {
		if w, ok := e.Left.(*ast.Word); ok {
			c.fail(w, "%s", c.unknownWord(w.Text))
		}
		c.fail(e.Left, "exists needs a field")
	}
	var xs []ir.Expr
	for _, v := range l.vals {
		xs = append(xs, &ir.Exists{X: v})
	}
	return ir.OrOf(xs...)
}

// opAllowed says which operators apply to which kind, after libsinsp's flt_is_comparable.
func opAllowed(op ast.CmpOp, k ir.Kind) bool {
	switch op {
	case ast.Eq, ast.Ne, ast.In, ast.Intersects:
		return true
	case ast.Lt, ast.Le, ast.Gt, ast.Ge:
		return k == ir.Int || k == ir.Double || k == ir.String
	case ast.Contains, ast.StartsWith, ast.EndsWith:
		return k == ir.String || k == ir.Bytes
	case ast.BContains, ast.BStartsWith:
		return k == ir.Bytes
	case ast.IContains, ast.Glob, ast.IGlob, ast.Regex, ast.Matches, ast.PMatch:
		return k == ir.String
	}
	return false
}

func (c *checker) checkOp(e *ast.Compare, op ast.CmpOp, l *opnd) {
	if opAllowed(op, l.kind) {
		return
	}
	what := "this value"
	if l.ref != nil {
		what = l.ref.name
	}
	hint := ""
	switch {
	case (op == ast.BContains || op == ast.BStartsWith) && l.kind == ir.String:
		hint = fmt.Sprintf("; %s is for byte buffers (evt.buffer), use %s", op, strings.TrimPrefix(op.String(), "b"))
	case l.ref != nil && l.ref.net:
		hint = "; network fields take = != in with a.b.c.d/len"
	}
	c.failAt(e.OpPos, e.OpEnd, "operator %s is not supported on %s (a %s)%s", op, what, l.kind, hint)
}

// scalar lowers l op r for a scalar operator.
func (c *checker) scalar(e *ast.Compare, l *opnd, op ast.CmpOp, r *opnd) ir.Expr {
	c.checkOp(e, op, l)
	if l.ref != nil && r.lit != nil {
		if x, ok := c.special(e, l, op, []*lit{r.lit}); ok {
			return x
		}
	}
	var rv ir.Value
	var prefix *ir.CIDR
	switch {
	case r.typed():
		if r.ref != nil && r.ref.either {
			c.fail(r.node, "%s cannot be compared with another field", r.ref.name)
		}
		if op == ast.Regex || op == ast.PMatch || op == ast.Matches || op == ast.Glob || op == ast.IGlob ||
			op == ast.BContains || op == ast.BStartsWith || l.kind == ir.Bytes && op != ast.Eq && op != ast.Ne {
			c.fail(r.node, "%s needs a constant on the right, not a field", op)
		}
		if l.ref != nil && l.ref.net {
			c.fail(r.node, "%s compares with a network constant, not a field", l.ref.name)
		}
		rv = c.as(r, l.kind, nil)
	case l.kind == ir.IP && (l.ref != nil && l.ref.net || strings.Contains(r.lit.text, "/") && c.dialect == Wireshark):
		p, err := r.lit.prefix(l.ref)
		if err != nil {
			c.fail(r.node, "%v", err)
		}
		if op != ast.Eq && op != ast.Ne {
			c.failAt(e.OpPos, e.OpEnd, "operator %s is not supported on a network", op)
		}
		prefix = &ir.CIDR{Prefix: p}
	case op == ast.BContains || op == ast.BStartsWith:
		b, err := r.lit.hexBytes()
		if err != nil {
			c.fail(r.node, "%v", err)
		}
		rv = &ir.Lit{K: ir.Bytes, Bytes: b}
	default:
		rv = c.as(r, l.kind, l.ref)
	}
	if l.ref != nil && l.ref.field.Name == "evt.type" && r.lit != nil && rv != nil {
		c.eventType(r.lit, rv)
	}
	return c.each(l, op, func(x ir.Value) ir.Expr {
		if prefix != nil {
			in := &ir.CIDR{X: x, Prefix: prefix.Prefix}
			if op == ast.Ne {
				return &ir.And{Xs: []ir.Expr{&ir.Exists{X: x}, &ir.Not{X: in}}}
			}
			return in
		}
		return c.pred(r.node, x, op, rv)
	})
}

// each applies build to every column of l: any element of a list column, either end of a
// pair field (both ends for !=, as libsinsp's compare_ip/compare_port do).
func (c *checker) each(l *opnd, op ast.CmpOp, build func(ir.Value) ir.Expr) ir.Expr {
	if l.ref != nil && l.ref.list {
		return &ir.AnyElem{List: l.vals[0], Body: build(&ir.Elem{K: l.kind})}
	}
	if len(l.vals) == 1 {
		return build(l.vals[0])
	}
	xs := make([]ir.Expr, len(l.vals))
	for i, v := range l.vals {
		xs[i] = build(v)
	}
	if op == ast.Ne {
		if l.ref != nil && l.ref.either && rawPair[l.ref.field.Name] {
			// libsinsp compares the ends the fd has: a server socket's one address or port,
			// a socket's two; an fd with neither never matches.
			some := make([]ir.Expr, len(l.vals))
			all := make([]ir.Expr, 0, len(l.vals)+1)
			for i, v := range l.vals {
				some[i] = &ir.Exists{X: v}
				all = append(all, ir.OrOf(&ir.Not{X: &ir.Exists{X: v}}, xs[i]))
			}
			return &ir.And{Xs: append([]ir.Expr{ir.OrOf(some...)}, all...)}
		}
		return &ir.And{Xs: xs}
	}
	return &ir.Or{Xs: xs}
}

// rawPair are the pair fields that read both ends whatever the role (fd.pair_* members).
var rawPair = map[string]bool{"fd.ip": true, "fd.net": true, "fd.port": true, "fd.proto": true}

// pred is the predicate x op y on scalars.
func (c *checker) pred(at ast.Node, x ir.Value, op ast.CmpOp, y ir.Value) ir.Expr {
	switch op {
	case ast.Eq:
		return &ir.Cmp{Op: ir.Eq, X: x, Y: y}
	case ast.Ne:
		return &ir.Cmp{Op: ir.Ne, X: x, Y: y}
	case ast.Lt:
		return &ir.Cmp{Op: ir.Lt, X: x, Y: y}
	case ast.Le:
		return &ir.Cmp{Op: ir.Le, X: x, Y: y}
	case ast.Gt:
		return &ir.Cmp{Op: ir.Gt, X: x, Y: y}
	case ast.Ge:
		return &ir.Cmp{Op: ir.Ge, X: x, Y: y}
	case ast.Contains, ast.BContains:
		return &ir.Cmp{Op: ir.Contains, X: x, Y: y}
	case ast.StartsWith, ast.BStartsWith:
		return &ir.Cmp{Op: ir.StartsWith, X: x, Y: y}
	case ast.EndsWith:
		return &ir.Cmp{Op: ir.EndsWith, X: x, Y: y}
	case ast.IContains:
		// strcasestr folds ASCII letters only.
		return &ir.Cmp{Op: ir.Contains, X: lower(x), Y: lower(y)}
	case ast.Glob, ast.IGlob:
		p := y.(*ir.Lit).Str
		if op == ast.IGlob {
			x, p = lower(x), asciiLower(p)
		}
		re := "(?s)" + globRegex(p, false)
		if err := checkRegex(re); err != nil {
			c.fail(at, "cannot translate this glob pattern: %v", err)
		}
		m := &ir.Match{X: x, Pattern: re, Full: true}
		if !strings.ContainsAny(p, `[\`) && utf8.ValidString(p) {
			m.Glob = p
		}
		return m
	case ast.Regex:
		p := y.(*ir.Lit).Str
		if err := checkRegex(p); err != nil {
			c.fail(at, "%v", err)
		}
		return &ir.Match{X: x, Pattern: p, Full: true}
	case ast.Matches:
		// Wireshark's matches: PCRE2, case-insensitive by default, unanchored.
		p := y.(*ir.Lit).Str
		if err := checkRegex(p); err != nil {
			c.fail(at, "%v", err)
		}
		return &ir.Match{X: x, Pattern: "(?i)" + p}
	}
	panic(fmt.Sprintf("check: unexpected operator %s", op))
}

func lower(v ir.Value) ir.Value {
	if l, ok := v.(*ir.Lit); ok && l.K == ir.String {
		return &ir.Lit{K: ir.String, Str: asciiLower(l.Str)}
	}
	return &ir.Func{Name: ir.FnLower, Args: []ir.Value{v}, K: ir.String}
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// inList lowers in / intersects / pmatch.
func (c *checker) inList(e *ast.Compare, l *opnd, op ast.CmpOp, right ast.Operand) ir.Expr {
	c.checkOp(e, op, l)
	list, ok := right.(*ast.List)
	if !ok {
		c.fail(right, "%s needs a list of values such as (a, b) here", op)
	}
	if list.Name != "" {
		c.fail(list, "unknown list %s (lists come from a Falco rules file)", list.Name)
	}
	var lits []*lit
	var ranges []*ast.Range
	for _, el := range list.Elems {
		if r, ok := el.(*ast.Range); ok {
			ranges = append(ranges, r)
			continue
		}
		o := c.operand(el)
		if o.typed() {
			c.fail(el, "set elements must be constants")
		}
		lits = append(lits, o.lit)
	}
	if op == ast.PMatch {
		var pats []string
		for _, v := range lits {
			p, err := v.convert(ir.String, nil)
			if err != nil {
				c.fail(v.node, "%v", err)
			}
			if l.ref != nil && l.ref.field.Name == "evt.type" {
				c.eventType(v, p)
			}
			pats = append(pats, p.Str)
		}
		if len(pats) == 0 {
			return &ir.Const{V: false}
		}
		if err := checkRegex(pmatchRegex(pats)); err != nil {
			c.fail(right, "cannot translate these path patterns: %v", err)
		}
		return c.each(l, op, func(x ir.Value) ir.Expr {
			return &ir.Match{X: x, Pattern: pmatchRegex(pats), Full: true}
		})
	}
	if x, ok := c.special(e, l, op, lits); ok && len(ranges) == 0 {
		return x
	}
	var items []ir.Value
	var prefixes []*ir.CIDR
	for _, v := range lits {
		if l.kind == ir.IP && (l.ref != nil && l.ref.net || c.dialect == Wireshark && strings.Contains(v.text, "/")) {
			p, err := v.prefix(l.ref)
			if err != nil {
				c.fail(v.node, "%v", err)
			}
			prefixes = append(prefixes, &ir.CIDR{Prefix: p})
			continue
		}
		item, err := v.convert(l.kind, l.ref)
		if err != nil {
			c.fail(v.node, "%v", err)
		}
		if l.ref != nil && l.ref.field.Name == "evt.type" {
			c.eventType(v, item)
		}
		items = append(items, item)
	}
	type bound struct{ lo, hi ir.Value }
	var bounds []bound
	for _, r := range ranges {
		if l.kind != ir.Int && l.kind != ir.Double && l.kind != ir.String {
			c.fail(r, "ranges need numbers or strings")
		}
		lo, hi := c.operand(r.Lo), c.operand(r.Hi)
		bounds = append(bounds, bound{c.as(lo, l.kind, l.ref), c.as(hi, l.kind, l.ref)})
	}
	return c.each(l, ast.Eq, func(x ir.Value) ir.Expr {
		var xs []ir.Expr
		if len(items) > 0 || len(prefixes)+len(bounds) == 0 {
			xs = append(xs, &ir.In{X: x, Items: items})
		}
		for _, p := range prefixes {
			xs = append(xs, &ir.CIDR{X: x, Prefix: p.Prefix})
		}
		for _, b := range bounds {
			xs = append(xs, &ir.And{Xs: []ir.Expr{&ir.Cmp{Op: ir.Ge, X: x, Y: b.lo}, &ir.Cmp{Op: ir.Le, X: x, Y: b.hi}}})
		}
		return ir.OrOf(xs...)
	})
}

// modified lowers Falco's `op oneof|anyof|allof (list)`.
func (c *checker) modified(e *ast.Compare, l *opnd, op ast.CmpOp, list *ast.List) ir.Expr {
	var xs []ir.Expr
	for _, el := range list.Elems {
		xs = append(xs, c.scalar(e, l, op, c.operand(el)))
	}
	switch e.Mod {
	case ast.AnyOf:
		return ir.OrOf(xs...)
	case ast.AllOf:
		if len(xs) == 0 {
			return c.exists(&ast.Compare{Left: e.Left, Op: ast.Exists})
		}
		return &ir.And{Xs: xs}
	}
	// oneof: exactly one element matches.
	var alts []ir.Expr
	for i := range xs {
		conj := []ir.Expr{xs[i]}
		for j := range xs {
			if j != i {
				conj = append(conj, &ir.Not{X: xs[j]})
			}
		}
		alts = append(alts, ir.AndOf(conj...))
	}
	return ir.OrOf(alts...)
}

// eventType validates an evt.type value against the event table, as libsinsp does for every
// operator.
func (c *checker) eventType(l *lit, v ir.Value) {
	s, ok := v.(*ir.Lit)
	if !ok || s.K != ir.String {
		return
	}
	if !catalog.IsEventType(s.Str) {
		c.fail(l.node, "%s", unknownEventType(s.Str, false).msg)
	}
}

// special handles evt.res: its values are SUCCESS or errno names, and a number compares the
// return value (evt.rawres) of events that have a result.
func (c *checker) special(e *ast.Compare, l *opnd, op ast.CmpOp, lits []*lit) (ir.Expr, bool) {
	if l.ref == nil || l.ref.field.Name != "evt.res" {
		return nil, false
	}
	switch op {
	case ast.Eq, ast.Ne, ast.Lt, ast.Le, ast.Gt, ast.Ge, ast.In, ast.Intersects:
	default:
		return nil, false
	}
	var names []ir.Value
	var nums []ir.Value
	for _, v := range lits {
		if n, err := v.intText(); err == nil && v.kind != ast.CharConst {
			nums = append(nums, &ir.Lit{K: ir.Int, Int: n})
			continue
		}
		if op == ast.Lt || op == ast.Le || op == ast.Gt || op == ast.Ge {
			return nil, false // string ordering, as libsinsp does on this string field
		}
		if _, ok := catalog.Errno(v.text); !ok && v.text != "SUCCESS" {
			msg := fmt.Sprintf("%q is not a value of evt.res: use SUCCESS, an errno name such as EAGAIN, or a number", v.text)
			if sugg := catalog.Closest(v.text, append(catalog.ErrnoNames(), "SUCCESS"), 3); len(sugg) > 0 {
				msg += "; did you mean " + strings.Join(sugg, ", ") + "?"
			}
			c.fail(v.node, "%s", msg)
		}
		s, err := v.convert(ir.String, nil)
		if err != nil {
			c.fail(v.node, "%v", err)
		}
		names = append(names, s)
	}
	if len(nums) == 0 {
		return nil, false
	}
	res := l.vals[0]
	rawres := &ir.Column{K: ir.Int, Field: "evt.rawres"}
	var numPred ir.Expr
	switch op {
	case ast.In, ast.Intersects:
		numPred = &ir.In{X: rawres, Items: nums}
	default:
		numPred = c.pred(e, rawres, op, nums[0])
	}
	numPred = &ir.And{Xs: []ir.Expr{&ir.Exists{X: res}, numPred}}
	if len(names) == 0 {
		return numPred, true
	}
	return &ir.Or{Xs: []ir.Expr{&ir.In{X: res, Items: names}, numPred}}, true
}
