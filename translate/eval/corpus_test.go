package eval_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate"
)

const (
	filtersDir  = "../../testdata/filters"
	capturesDir = "../../testdata/captures"
)

type corpusRow struct {
	id, dialect, filter, capture string
}

func loadCorpus(t testing.TB) []corpusRow {
	t.Helper()
	var out []corpusRow
	for i, line := range readLines(t, filtersDir+"/corpus.tsv") {
		if i == 0 {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) < 4 {
			t.Fatalf("corpus.tsv line %d: %d columns", i+1, len(c))
		}
		out = append(out, corpusRow{id: c[0], dialect: c[1], filter: c[2], capture: c[3]})
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

// expected reads the reference's matching evt.num list of a corpus row.
func expected(t testing.TB, id string) []uint64 {
	t.Helper()
	var out []uint64
	for _, l := range readLines(t, filtersDir+"/expected/"+id+".txt") {
		n, err := strconv.ParseUint(strings.TrimSpace(l), 10, 64)
		if err != nil {
			t.Fatalf("expected/%s.txt: %v", id, err)
		}
		out = append(out, n)
	}
	return out
}

// eachEvent calls fn with every event of a capture that is not Initial (the events
// `scapql print -D` shows).
func eachEvent(t testing.TB, capture string, fn func(ev *state.Event)) {
	t.Helper()
	src, err := ingest.Open(capturesDir+"/"+capture, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for {
		ev, err := src.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s: %v", capture, err)
		}
		if ev.Initial {
			continue
		}
		fn(ev)
	}
}

// match runs m over a capture and returns the evt.num of the matching events; withHidden
// includes the events `scapql print` shows only with -D.
func match(t testing.TB, capture string, m func(*state.Event) bool, withHidden bool) []uint64 {
	var out []uint64
	eachEvent(t, capture, func(ev *state.Event) {
		if ev.Hidden && !withHidden {
			return
		}
		if m(ev) {
			out = append(out, ev.Num)
		}
	})
	return out
}

// TestCorpus runs every corpus filter over its capture and compares the matching events with
// the reference's, which are the events `sysdig -r FILE FILTER` prints: events that are
// neither Initial nor Hidden. Hidden events (internal and state-only events, shown by
// `scapql print -D`) are not part of the reference's answers: counting them makes 85 rows
// differ (the test logs that number), leaving them out makes every row agree.
func TestCorpus(t *testing.T) {
	rows := loadCorpus(t)
	exact, exactHidden := 0, 0
	for _, r := range rows {
		m, res, err := translate.Matcher(r.filter, translate.Options{})
		if err != nil {
			t.Errorf("%s: %q: %v", r.id, r.filter, err)
			continue
		}
		if c, err := translate.Compile(r.filter, translate.Options{}); err != nil || c.SQL != res.SQL || c.Dialect != res.Dialect || c.Source != res.Source {
			t.Errorf("%s: Matcher's translation %+v differs from Compile's %+v (%v)", r.id, res, c, err)
		}
		want := expected(t, r.id)
		got := match(t, r.capture, m, false)
		if slices.Equal(got, want) {
			exact++
		} else {
			t.Errorf("%s: %q (%s): %s\nSQL: %s", r.id, r.filter, res.Dialect, diff(got, want), res.SQL)
		}
		if slices.Equal(match(t, r.capture, m, true), want) {
			exactHidden++
		}
	}
	t.Logf("corpus: %d/%d rows match the reference exactly; %d/%d if hidden events are matched too",
		exact, len(rows), exactHidden, len(rows))
	if len(rows) != 346 {
		t.Errorf("read %d corpus rows, want 346", len(rows))
	}
}

// diff summarises two sorted evt.num lists.
func diff(got, want []uint64) string {
	var extra, missing []uint64
	i, j := 0, 0
	for i < len(got) || j < len(want) {
		switch {
		case j == len(want) || i < len(got) && got[i] < want[j]:
			extra = append(extra, got[i])
			i++
		case i == len(got) || want[j] < got[i]:
			missing = append(missing, want[j])
			j++
		default:
			i++
			j++
		}
	}
	short := func(xs []uint64) string {
		if len(xs) > 12 {
			return fmt.Sprint(xs[:12]) + fmt.Sprintf("…(%d)", len(xs))
		}
		return fmt.Sprint(xs)
	}
	return fmt.Sprintf("got %d, want %d; extra %s, missing %s", len(got), len(want), short(extra), short(missing))
}
