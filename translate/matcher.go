package translate

import (
	"fmt"

	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate/eval"
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
	r, err := Compile(filter, opts)
	if err != nil {
		return nil, nil, err
	}
	m, err := r.Matcher(nil)
	if err != nil {
		return nil, nil, fmt.Errorf("filter %q: %w", filter, err)
	}
	return m, r, nil
}

// Matcher compiles the translated filter into a function that tests resolved events, as
// the package function Matcher does; with a memo, the function shares sub-expressions with
// the other filters compiled through it (see eval.Memo).
func (r *Result) Matcher(memo *eval.Memo) (func(*state.Event) bool, error) {
	if memo != nil {
		return memo.Compile(r.ir)
	}
	return eval.Compile(r.ir)
}
