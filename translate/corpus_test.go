package translate

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

const filtersDir = "../testdata/filters"

type corpusRow struct {
	id, dialect, filter, capture, equivalent, op, fields string
}

func loadCorpus(t testing.TB) []corpusRow {
	t.Helper()
	var out []corpusRow
	for i, line := range readLines(t, filtersDir+"/corpus.tsv") {
		if i == 0 {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) < 10 {
			t.Fatalf("corpus.tsv line %d: %d columns", i+1, len(c))
		}
		out = append(out, corpusRow{id: c[0], dialect: c[1], filter: c[2], capture: c[3], equivalent: c[6], op: c[7], fields: c[8]})
	}
	return out
}

func readLines(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if sc.Text() != "" {
			lines = append(lines, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestCorpus translates every corpus filter with dialect detection, checks the detected
// dialect, that DuckDB accepts and runs the SQL, and that the filter and the equivalent
// filter the reference ran select the same hand-made events.
func TestCorpus(t *testing.T) {
	rowsCorpus := loadCorpus(t)
	ok, detected, sameSQL := 0, 0, 0
	for _, r := range rowsCorpus {
		want := Falco
		if r.dialect == "wireshark" {
			want = Wireshark
		}
		res, err := Compile(r.filter, Options{})
		if err != nil {
			t.Errorf("%s: %q does not translate: %v", r.id, r.filter, err)
			continue
		}
		ok++
		forced, err := Translate(r.filter, Options{Dialect: want})
		if err != nil {
			t.Errorf("%s: %q does not translate as %s: %v", r.id, r.filter, want, err)
			continue
		}
		switch {
		case res.Dialect == want:
			detected++
		case forced == res.SQL:
			// Valid in both dialects with the same meaning (evt.type == "connect").
			sameSQL++
		default:
			t.Errorf("%s: %q detected as %s, and the %s reading differs:\n%s\n%s", r.id, r.filter, res.Dialect, want, res.SQL, forced)
		}
		if err := prepare(t, res.SQL); err != nil {
			t.Errorf("%s: DuckDB rejects the SQL of %q: %v\n%s", r.id, r.filter, err, res.SQL)
			continue
		}
		eq, err := Translate(r.equivalent, Options{Dialect: Falco})
		if err != nil {
			t.Errorf("%s: equivalent %q does not translate: %v", r.id, r.equivalent, err)
			continue
		}
		if got, want := fmt.Sprint(matches(t, res.SQL)), fmt.Sprint(matches(t, eq)); got != want {
			t.Errorf("%s: %q matches %s but its equivalent %q matches %s", r.id, r.filter, got, r.equivalent, want)
		}
	}
	t.Logf("corpus: %d/%d filters translate (%d in their own dialect, %d valid in both with the same SQL)",
		ok, len(rowsCorpus), detected, sameSQL)
	if ok != len(rowsCorpus) {
		t.Errorf("only %d/%d corpus filters translate", ok, len(rowsCorpus))
	}
}

// TestFalcoRuleConditions translates the expanded condition of every official Falco rule.
// Those that do not translate must say which field or operator is unsupported.
func TestFalcoRuleConditions(t *testing.T) {
	lines := readLines(t, filtersDir+"/falco_rules_conditions.tsv")
	ok, total := 0, 0
	reasons := map[string]int{}
	for _, line := range lines[2:] {
		c := strings.Split(line, "\t")
		rule, expanded, fields, ops := c[1], c[4], strings.Split(c[8], ";"), strings.Split(c[7], ";")
		total++
		sql, err := Translate(expanded, Options{Dialect: Falco})
		if err == nil {
			ok++
			if err := prepare(t, sql); err != nil {
				t.Errorf("rule %q: DuckDB rejects the SQL: %v", rule, err)
			}
			continue
		}
		e, isErr := err.(*Error)
		if !isErr {
			t.Errorf("rule %q: not a positioned error: %v", rule, err)
			continue
		}
		named := ""
		for _, f := range append(fields, ops...) {
			if f != "" && strings.Contains(e.Msg, f) {
				named = f
			}
		}
		if named == "" {
			t.Errorf("rule %q: the error does not name an unsupported field or operator: %v", rule, err)
			continue
		}
		reasons[e.Msg]++
		t.Logf("rule %q: %s", rule, e.Msg)
	}
	t.Logf("Falco rule conditions: %d/%d translate", ok, total)
	if total != 93 {
		t.Errorf("read %d rule conditions, want 93", total)
	}
}
