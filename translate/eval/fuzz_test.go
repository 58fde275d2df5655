package eval_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate"
)

// fuzzCapture is a small capture with files, sockets, processes and failures.
const fuzzCapture = "falco_connect_localhost.scap"

// FuzzMatcher compiles arbitrary filter text in either dialect and evaluates it on every
// event of a small capture: compiling must not panic (a filter that translates must
// compile, or say which field it cannot evaluate), and neither must evaluating. When
// DuckDB can run the filter's SQL over the same events, both must select the same events.
func FuzzMatcher(f *testing.F) {
	for _, r := range loadCorpus(f) {
		f.Add(r.filter, uint8(0))
	}
	for _, s := range agreementFilters {
		f.Add(s, uint8(0))
	}
	f.Add(`fd.snet = 2001:db8::/33 or fd.sip.v6 == ::ffff:1.2.3.0/120`, uint8(2))
	f.Add(`fd.name[1-3,-2:] == "x" && fd.sport in {1..3 4}`, uint8(2))
	f.Add(`evt.rawres * 9223372036854775807 > 0 and abs(-9223372036854775807 - 1) > 0`, uint8(2))
	f.Fuzz(func(t *testing.T, filter string, mode uint8) {
		d := translate.Dialect(mode % 3)
		m, res, err := translate.Matcher(filter, translate.Options{Dialect: d})
		if err != nil {
			if !translate.IsError(err) && !strings.Contains(err.Error(), "cannot be evaluated on events") {
				t.Fatalf("%s %q: internal error: %v", d, filter, err)
			}
			return
		}
		got := match(t, fuzzCapture, m, true)
		if strings.Count(res.SQL, "(") > 200 {
			return // DuckDB's expression depth limit
		}
		want, err := sqlMatches(t, fuzzCapture, res.SQL)
		if err != nil {
			return // a runtime error in DuckDB (overflow, ...): no answer to compare with
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s %q: Go and SQL differ: %s\nSQL: %s", d, filter, diff(got, want), res.SQL)
		}
	})
}

// TestNoPanicOnOddEvents evaluates the agreement filters on every event of the other
// captures, initial and hidden events included (metadata-only captures, raw sockets,
// container events).
func TestNoPanicOnOddEvents(t *testing.T) {
	var ms []func(*state.Event) bool
	for _, f := range agreementFilters {
		m, _, err := translate.Matcher(f, translate.Options{})
		if err != nil {
			t.Fatalf("%q: %v", f, err)
		}
		ms = append(ms, m)
	}
	for _, c := range []string{"falco_empty.scap", "falco_syscall.scap", "falco_psp_privileged.scap",
		"falco_ping_sendto.scap", "single_ipv6_conn.scap", "falco_open-multiple-files.scap",
		"falco_psp_write_tmp_test.scap", "curl_google_comments.scap"} {
		src, err := ingest.Open(capturesDir+"/"+c, ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			ev, err := src.Next()
			if err != nil {
				break
			}
			for _, m := range ms {
				m(ev)
			}
			n++
		}
		src.Close()
		if n == 0 {
			t.Errorf("%s: no events", c)
		}
	}
}
