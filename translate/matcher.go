package translate

import (
	"fmt"

	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate/ast"
	"github.com/scapql/scapql/translate/check"
	"github.com/scapql/scapql/translate/eval"
	"github.com/scapql/scapql/translate/falco"
	"github.com/scapql/scapql/translate/ir"
	"github.com/scapql/scapql/translate/sqlgen"
	"github.com/scapql/scapql/translate/wireshark"
)

// Matcher compiles filter as Compile does (the same dialect detection, macros, lists and
// positioned errors) and also into a function that tests resolved events directly: the
// in-process evaluation `scapql print` uses instead of DuckDB, one streaming pass with no
// database. The function means what the SQL in the returned Result means over the events
// table (package translate/eval evaluates the same checked IR the SQL is emitted from); it
// keeps no state, may be shared by goroutines, and allocates nothing in the common cases.
//
// sysdig applies a filter to the events it shows: run the function on events that are
// neither Initial nor (without -D) Hidden; the corpus of reference answers agrees with
// that (translate/eval's TestCorpus).
//
// A filter that translates can still fail here if it reads a field that package fields
// cannot extract (the error names it); such a field has no column in the events table
// either.
func Matcher(filter string, opts Options) (func(*state.Event) bool, *Result, error) {
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	var r *Result
	var x ir.Expr
	var err error
	switch opts.Dialect {
	case Falco, Wireshark:
		r, x, err = compileIR(filter, opts.Dialect, opts)
	case Auto:
		first, second := Falco, Wireshark
		if PrefersWireshark(filter) {
			first, second = Wireshark, Falco
		}
		r, x, err = compileIR(filter, first, opts)
		if err != nil {
			if r2, x2, err2 := compileIR(filter, second, opts); err2 == nil {
				r, x, err = r2, x2, nil
			}
		}
	default:
		return nil, nil, fmt.Errorf("translate: unknown dialect %d", opts.Dialect)
	}
	if err != nil {
		return nil, nil, err
	}
	m, err := eval.Compile(x)
	if err != nil {
		return nil, nil, fmt.Errorf("filter %q: %w", filter, err)
	}
	return m, r, nil
}

// compileIR is compile (translate.go), also returning the checked IR.
func compileIR(filter string, d Dialect, opts Options) (*Result, ir.Expr, error) {
	src := filter
	var e ast.Expr
	var err error
	if d == Falco {
		if opts.Resolver != nil {
			src = ExpandLists(filter, opts.Resolver.Lists())
		}
		e, err = falco.Parse(src, opts.MaxDepth)
		if err == nil && opts.Resolver != nil {
			e, err = ExpandMacros(e, src, opts.Resolver, opts.MaxDepth)
		}
	} else {
		e, err = wireshark.Parse(src, opts.MaxDepth)
	}
	if err != nil {
		return nil, nil, err
	}
	if err := checkDepth(e, src, opts.MaxDepth); err != nil {
		return nil, nil, err
	}
	cd := check.Falco
	if d == Wireshark {
		cd = check.Wireshark
	}
	x, err := check.Check(e, src, cd)
	if err != nil {
		return nil, nil, err
	}
	sql, err := sqlgen.Emit(x)
	if err != nil {
		return nil, nil, fmt.Errorf("translate %q: %w", filter, err)
	}
	return &Result{SQL: sql, Dialect: d, Source: src}, x, nil
}
