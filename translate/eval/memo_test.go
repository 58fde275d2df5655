package eval_test

import (
	"os"
	"strings"
	"testing"

	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate"
	"github.com/scapql/scapql/translate/eval"
)

// TestMemoSameAnswers compiles every corpus filter and every official rule condition through
// one Memo, as a rules index does, and checks that on every event of every bundled capture
// each gives what it gives compiled alone; and that the shared compilation did share (the
// rule conditions repeat their macros).
func TestMemoSameAnswers(t *testing.T) {
	type filter struct {
		text    string
		dialect translate.Dialect
	}
	var filters []filter
	for _, r := range loadCorpus(t) {
		filters = append(filters, filter{r.filter, translate.Auto})
	}
	conds := readLines(t, filtersDir+"/falco_rules_conditions.tsv")
	for _, line := range conds[2:] {
		filters = append(filters, filter{strings.Split(line, "\t")[4], translate.Falco})
	}
	memo := eval.NewMemo()
	var alone, shared []func(*state.Event) bool
	var texts []string
	corpus := len(filters) - len(conds[2:])
	var slots0, nodes0 int
	for i, f := range filters {
		if i == corpus {
			slots0, nodes0 = eval.MemoSlots(memo), eval.MemoNodes(memo)
		}
		res, err := translate.Compile(f.text, translate.Options{Dialect: f.dialect})
		if err != nil {
			continue // TestCorpus and the rules tests report what does not translate
		}
		a, err := res.Matcher(nil)
		if err != nil {
			continue
		}
		s, err := res.Matcher(memo)
		if err != nil {
			t.Fatalf("%q compiles alone but not through a Memo: %v", f.text, err)
		}
		alone, shared, texts = append(alone, a), append(shared, s), append(texts, f.text)
	}
	if len(texts) < 400 {
		t.Fatalf("only %d filters compiled", len(texts))
	}
	slots, nodes := eval.MemoSlots(memo)-slots0, eval.MemoNodes(memo)-nodes0
	t.Logf("the rule conditions: %d distinct sub-expressions among %d compiled", slots, nodes)
	if slots*10 > nodes*6 { // 57% on the rules of the corpus' commit
		t.Errorf("the rule conditions: %d distinct sub-expressions among %d compiled: little was shared", slots, nodes)
	}
	entries, err := os.ReadDir(capturesDir)
	if err != nil {
		t.Fatal(err)
	}
	events, matches := 0, 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".scap") {
			continue
		}
		eachEvent(t, e.Name(), func(ev *state.Event) {
			events++
			memo.Next()
			for i := range shared {
				// Every other event, the filters run in reverse, so that a value one
				// filter left in the memo is read by others in either order.
				j := i
				if events%2 == 0 {
					j = len(shared) - 1 - i
				}
				got, want := shared[j](ev), alone[j](ev)
				if got != want {
					t.Fatalf("%s event %d: %q through the Memo gives %v, alone %v", e.Name(), ev.Num, texts[j], got, want)
				}
				if got {
					matches++
				}
			}
		})
	}
	t.Logf("%d filters on %d events: %d matches, the same through the Memo", len(texts), events, matches)
	if matches == 0 {
		t.Fatal("no filter matched any event")
	}
}
