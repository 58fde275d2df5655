//go:build columnar

package eval_test

import (
	"context"
	"slices"
	"testing"

	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/translate"
)

// TestColumnarAgreement compares the matcher with the SQL run over the events table that
// package columnar builds (the table `scapql` queries), for the corpus and the agreement
// filters. It needs package columnar, so it runs only with -tags columnar:
//
//	go test -tags columnar -run TestColumnarAgreement ./translate/eval
func TestColumnarAgreement(t *testing.T) {
	ctx := context.Background()
	db, err := engine.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	type query struct{ filter, capture string }
	var qs []query
	for _, r := range loadCorpus(t) {
		qs = append(qs, query{r.filter, r.capture})
	}
	for _, f := range agreementFilters {
		for _, c := range []string{"curl_google.scap", "falco_psp_run_as_user_0_container.scap", "test_ipv6_client.scap",
			"falco_connect_localhost.scap", "falco_cat_write.scap", "falco_syscall.scap", "single_ipv6_conn.scap"} {
			qs = append(qs, query{f, c})
		}
	}
	differ := 0
	for _, q := range qs {
		m, res, err := translate.Matcher(q.filter, translate.Options{})
		if err != nil {
			t.Errorf("%q: %v", q.filter, err)
			continue
		}
		want, err := db.MatchingEventNums(ctx, capturesDir+"/"+q.capture, res.SQL)
		if err != nil {
			t.Errorf("%q on %s: SQL: %v", q.filter, q.capture, err)
			continue
		}
		if got := match(t, q.capture, m, true); !slices.Equal(got, want) {
			differ++
			t.Errorf("%s %q: Go and SQL differ: %s\nSQL: %s", q.capture, q.filter, diff(got, want), res.SQL)
		}
	}
	t.Logf("%d filter/capture pairs, %d differ", len(qs), differ)
}
