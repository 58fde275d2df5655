// Package translate turns display filters into DuckDB SQL over scapql's events table
// (docs/schema.md), with the semantics of the reference, sysdig 0.29.3 / libsinsp.
//
// Two dialects are understood:
//
//   - Falco/sysdig (libsinsp): `proc.name = curl and not fd.name pmatch (/etc)`, with and/or/not,
//     = == != < <= > >= contains icontains bcontains startswith bstartswith endswith glob iglob
//     regex in intersects pmatch exists, the oneof/anyof/allof modifiers, lists (a, b), field
//     arguments (proc.aname[2], evt.arg.fd, evt.arg[0], evt.rawarg.res, proc.env[HOME]),
//     transformers (tolower toupper b64 basename len concat) and val(field).
//   - Wireshark/Stratoshark: `evt.type == "connect" && !(evt.res == "EAGAIN")`, with && || ! ^^
//     and/or/not/xor, == != === !== eq ne gt ge lt le, contains, matches/~, in {a, b, 1..5}
//     (commas optional), slices, functions (lower upper len count string abs min max double),
//     arithmetic, raw strings r"...", character constants, True/False, and Stratoshark's field
//     spellings evt.arg.N, proc.aname.N, proc.apid.N, fd.sip.v4, fd.cip.v6. Every catalogue
//     field without an argument is accepted, not only those Stratoshark registers.
//
// Dialect detection (Options.Dialect == Auto): the filter is first tried in the preferred
// dialect and, if that fails, in the other one; if both fail, the preferred dialect's error is
// returned. Wireshark is preferred when, outside quoted strings, the filter has a token only
// Wireshark has: && || ^^ === !== ~, a ! that is not part of !=, `in {`, one of the words eq ne
// gt ge lt le any_eq all_eq any_ne all_ne matches xor any all bitand, a raw string r"...", a
// Stratoshark field spelling (evt.arg.0, proc.aname.2, proc.apid.1, fd.sip.v4, fd.cip.v6), a
// field name right after a comparison operator (proc.name == proc.pname), or a
// colon-separated byte string (47:45:54). Otherwise Falco is preferred.
//
// Semantics follow the reference (details in testdata/filters/GRAMMAR.md):
//
//   - A field an event lacks is NULL; every check on it is false (including != and in), and
//     `not` negates that, as libsinsp does. The emitted expression is never NULL and is fully
//     parenthesised, so it can be combined with other conditions as is.
//   - Where sysdig 0.29.3 and modern libsinsp differ, the modern reading is used, as the
//     corpus does: == is =, `not not x` is x, and/or mix by precedence, `x in ()` is false.
//   - evt.type values must be event or syscall names; evt.res values SUCCESS or errno names,
//     and a number compares the return value (evt.rawres) of events that have a result.
//   - proc.aname and proc.apid without an index match if any ancestor does; fd.ip, fd.port,
//     fd.proto and fd.net match on either end of a connection (both ends for !=); IPNET fields
//     take CIDR networks; PORT fields take service names (http).
//   - Strings compare byte-wise and case-sensitively; icontains, iglob and tolower fold ASCII
//     only; glob is fnmatch(3); pmatch matches whole path components; regex is an anchored RE2
//     match; Wireshark's matches is unanchored and case-insensitive.
//
// The public API:
//
//	Translate(filter, opts) (sql string, err error)
//	Compile(filter, opts) (*Result, error)          // SQL, dialect read, text positions refer to
//	Fields() []FieldInfo                            // the catalogue, with what translates
//	PrefersWireshark(filter) bool                   // the detection rule above
//	ExpandLists(text, lists) string                 // Falco's textual list substitution
//	ExpandMacros(expr, src, resolver, depth) (ast.Expr, error)
//	ParseDialect(name) (Dialect, error)
//
// Macros and lists of a Falco rules file come in through Options.Resolver; package
// translate/rules loads rules files and implements it. Errors are *Error values that carry
// the position and render with a caret line under the offending text.
//
// Limits: nesting deeper than Options.MaxDepth (1000) is an error, as is a macro expansion of
// more than a million nodes. DuckDB's own max_expression_depth (1000) can be reached before
// that by filters that alternate and/or/not hundreds of levels deep.
package translate

import (
	"errors"
	"fmt"

	"github.com/scapql/scapql/translate/ast"
	"github.com/scapql/scapql/translate/check"
	"github.com/scapql/scapql/translate/diag"
	"github.com/scapql/scapql/translate/falco"
	"github.com/scapql/scapql/translate/ir"
	"github.com/scapql/scapql/translate/sqlgen"
	"github.com/scapql/scapql/translate/wireshark"
)

// Dialect is a filter language.
type Dialect int

// The dialects.
const (
	Auto      Dialect = iota // detect (see the package documentation)
	Falco                    // Falco rules / sysdig filters (libsinsp)
	Wireshark                // Wireshark / Stratoshark display filters
)

func (d Dialect) String() string {
	return [...]string{"auto", "falco", "wireshark"}[d]
}

// ParseDialect parses "auto", "falco" (or "sysdig") and "wireshark" (or "stratoshark").
func ParseDialect(s string) (Dialect, error) {
	switch s {
	case "auto", "":
		return Auto, nil
	case "falco", "sysdig":
		return Falco, nil
	case "wireshark", "stratoshark":
		return Wireshark, nil
	}
	return Auto, fmt.Errorf("unknown dialect %q (want auto, falco or wireshark)", s)
}

// Error is a positioned translation error; Error() renders a caret line under the filter.
type Error = diag.Error

// DefaultMaxDepth is the nesting limit of a filter, after macro expansion.
const DefaultMaxDepth = 1000

// Options configure a translation.
type Options struct {
	Dialect  Dialect
	Resolver Resolver // macros and lists of a Falco rules file; nil for none
	MaxDepth int      // nesting limit; 0 means DefaultMaxDepth
}

// Resolver supplies Falco macros and lists (see translate/rules).
type Resolver interface {
	// Lists returns the lists in definition order; they are substituted into the filter text
	// before parsing, as Falco does.
	Lists() []List
	// Macro returns the macro with this name.
	Macro(name string) (*Macro, bool)
}

// List is a named Falco list.
type List struct {
	Name  string
	Items []string
}

// Macro is a named Falco condition. If Expr is set it is the parsed condition and Condition
// the text it was parsed from (lists substituted); otherwise Condition is substituted and
// parsed on use. A macro with Err set cannot be used: the error is reported where it is.
type Macro struct {
	Name      string
	Condition string
	Expr      ast.Expr
	Err       error
}

// Result is a translation.
type Result struct {
	SQL     string
	Dialect Dialect // the dialect the filter was read in
	Source  string  // the filter after list substitution (what positions refer to)
	ir      ir.Expr // the checked form the SQL was emitted from (Matcher evaluates it)
}

// Translate returns the SQL boolean expression for filter.
func Translate(filter string, opts Options) (string, error) {
	r, err := Compile(filter, opts)
	if err != nil {
		return "", err
	}
	return r.SQL, nil
}

// Compile translates filter and reports which dialect it was read in.
func Compile(filter string, opts Options) (*Result, error) {
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	switch opts.Dialect {
	case Falco, Wireshark:
		return compile(filter, opts.Dialect, opts)
	case Auto:
	default:
		return nil, fmt.Errorf("translate: unknown dialect %d", opts.Dialect)
	}
	first, second := Falco, Wireshark
	if PrefersWireshark(filter) {
		first, second = Wireshark, Falco
	}
	r, err := compile(filter, first, opts)
	if err == nil {
		return r, nil
	}
	if r2, err2 := compile(filter, second, opts); err2 == nil {
		return r2, nil
	}
	return nil, err
}

func compile(filter string, d Dialect, opts Options) (*Result, error) {
	src := filter
	var e ast.Expr
	var err error
	if d == Falco {
		if opts.Resolver != nil {
			src = expandLists(filter, opts.Resolver)
		}
		e, err = falco.Parse(src, opts.MaxDepth)
		if err == nil && opts.Resolver != nil {
			e, err = ExpandMacros(e, src, opts.Resolver, opts.MaxDepth)
		}
	} else {
		e, err = wireshark.Parse(src, opts.MaxDepth)
	}
	if err != nil {
		return nil, err
	}
	if err := checkDepth(e, src, opts.MaxDepth); err != nil {
		return nil, err
	}
	cd := check.Falco
	if d == Wireshark {
		cd = check.Wireshark
	}
	x, err := check.Check(e, src, cd)
	if err != nil {
		return nil, err
	}
	sql, err := sqlgen.Emit(x)
	if err != nil {
		return nil, fmt.Errorf("translate %q: %w", filter, err)
	}
	return &Result{SQL: sql, Dialect: d, Source: src, ir: x}, nil
}

// IsError reports whether err is a positioned filter error (as opposed to an internal one).
func IsError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}
