package follow

import (
	"bufio"
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/translate"
)

const captures = "../testdata/captures"

func opener(t testing.TB, capture string) Opener {
	path := filepath.Join(captures, capture)
	return func() (*ingest.Source, error) { return ingest.Open(path, ingest.Options{}) }
}

// refEvent is one line of a reference listing (testdata/follow/*.sysdig, sysdig 0.29.3's
// events of one process on one fd number).
type refEvent struct {
	num    uint64
	enter  bool
	typ    string
	rawres string
	write  bool
	data   []byte
	hasBuf bool
}

func readRef(t *testing.T, name string) []refEvent {
	t.Helper()
	f, err := os.Open(filepath.Join("../testdata/follow", name+".sysdig"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []refEvent
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), " ", 6)
		if len(parts) != 6 {
			t.Fatalf("%s: bad line %q", name, sc.Text())
		}
		n, err := strconv.ParseUint(parts[0], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		e := refEvent{num: n, enter: parts[1] == ">", typ: parts[2], rawres: parts[3], write: parts[4] == "true"}
		if parts[5] != "<NA>" && parts[5] != "" {
			e.hasBuf = true
			if e.data, err = base64.StdEncoding.DecodeString(parts[5]); err != nil {
				t.Fatalf("%s: event %d: %v", name, n, err)
			}
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// refLifetime cuts the reference listing at each successful close and before each call
// that returns the fd number as a new fd: the run holding event num is the fd's lifetime.
func refLifetime(evs []refEvent, num uint64, fd int64) []refEvent {
	fdText := strconv.FormatInt(fd, 10)
	var runs [][]refEvent
	var cur []refEvent
	for _, e := range evs {
		if !e.enter && creates[e.typ] && e.rawres == fdText && len(cur) > 0 {
			runs, cur = append(runs, cur), nil
		}
		cur = append(cur, e)
		if !e.enter && e.typ == "close" && !strings.HasPrefix(e.rawres, "-") {
			runs, cur = append(runs, cur), nil
		}
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	for _, r := range runs {
		if r[0].num <= num && num <= r[len(r)-1].num {
			return r
		}
	}
	return nil
}

// creates are the calls whose result is a new fd.
var creates = map[string]bool{"socket": true, "open": true, "openat": true, "openat2": true, "creat": true,
	"accept": true, "accept4": true, "dup": true, "dup2": true, "dup3": true}

type followCase struct {
	name, capture, selection string
	pid, fd                  int64
}

func readCases(t *testing.T) []followCase {
	t.Helper()
	b, err := os.ReadFile("../testdata/follow/cases.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var out []followCase
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 5 {
			t.Fatalf("cases.tsv: bad line %q", line)
		}
		pid, _ := strconv.ParseInt(c[3], 10, 64)
		fd, _ := strconv.ParseInt(c[4], 10, 64)
		out = append(out, followCase{c[0], c[1], c[2], pid, fd})
	}
	return out
}

func (c followCase) pick(t *testing.T) Select {
	if n, ok := strings.CutPrefix(c.selection, "#"); ok {
		num, err := strconv.ParseUint(n, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return Select{Num: num}
	}
	m, _, err := translate.Matcher(c.selection, translate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Select{Match: m}
}

// matching lists the events a filter matches in a capture (shown events, as print does).
func matching(t *testing.T, capture, filter string) []uint64 {
	t.Helper()
	m, _, err := translate.Matcher(filter, translate.Options{})
	if err != nil {
		t.Fatalf("%s: %v", filter, err)
	}
	src, err := opener(t, capture)()
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out []uint64
	for {
		ev, err := src.Next()
		if err != nil {
			break
		}
		if !ev.Initial && !ev.Hidden && m(ev) {
			out = append(out, ev.Num)
		}
	}
	return out
}

// TestStreamsMatchReference holds each stream to sysdig 0.29.3's events of the same process
// and fd number (testdata/follow, generate.sh): the lifetime (cut at closes), each chunk's
// event, direction, length and bytes; and the fd scope's filter to the lifetime's events.
func TestStreamsMatchReference(t *testing.T) {
	for _, c := range readCases(t) {
		t.Run(c.name, func(t *testing.T) {
			st, err := Find(opener(t, c.capture), c.pick(t), true, true, 0)
			if err != nil {
				t.Fatal(err)
			}
			if st.PID != c.pid || st.FD != c.fd {
				t.Fatalf("stream of pid %d fd %d, want pid %d fd %d", st.PID, st.FD, c.pid, c.fd)
			}
			life := refLifetime(readRef(t, c.name), st.Num, st.FD)
			if len(life) == 0 {
				t.Fatalf("event %d not in the reference listing", st.Num)
			}
			if st.FDFirst != life[0].num || st.FDLast != life[len(life)-1].num || st.Events != len(life) {
				t.Errorf("lifetime %d-%d (%d events), reference %d-%d (%d events)",
					st.FDFirst, st.FDLast, st.Events, life[0].num, life[len(life)-1].num, len(life))
			}
			var want []refEvent
			for _, e := range life {
				if e.hasBuf {
					want = append(want, e)
				}
			}
			if len(st.Chunks) != len(want) {
				t.Fatalf("%d chunks, reference %d", len(st.Chunks), len(want))
			}
			for i, w := range want {
				g := st.Chunks[i]
				res, _ := strconv.ParseInt(w.rawres, 10, 64)
				wantLen := max(res, int64(len(w.data)))
				if g.Num != w.num || g.Write != w.write || string(g.Data) != string(w.data) || g.Length != wantLen || g.Type != w.typ {
					t.Errorf("chunk %d: event %d %s write=%v len=%d %q; reference event %d %s write=%v len=%d %q",
						i, g.Num, g.Type, g.Write, g.Length, g.Data, w.num, w.typ, w.write, wantLen, w.data)
				}
			}
			// The fd scope is the same events, through the filter language.
			filter, err := st.Origin.Filter(FD)
			if err != nil {
				t.Fatal(err)
			}
			got := matching(t, c.capture, filter)
			if len(got) != len(life) {
				t.Fatalf("scope %q: %d events, lifetime %d", filter, len(got), len(life))
			}
			for i := range got {
				if got[i] != life[i].num {
					t.Fatalf("scope %q: event %d is %d, lifetime's %d", filter, i, got[i], life[i].num)
				}
			}
		})
	}
}

// TestSelectionErrors: an event without an fd, past the end, or no match is a clear error.
func TestSelectionErrors(t *testing.T) {
	m, _, err := translate.Matcher("proc.name = nosuchprocess", translate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sel  Select
		want string
	}{
		{Select{Num: 99999999}, "no event found: event 99999999 with a file descriptor"},
		{Select{Match: m}, "no event found: the filter's events with a file descriptor"},
	} {
		_, err := Find(opener(t, "curl_google.scap"), tc.sel, true, true, 0)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.sel, err, tc.want)
		}
	}
	// An event with no fd: the first event of the capture that has none.
	src, _ := opener(t, "curl_google.scap")()
	var num uint64
	for {
		ev, err := src.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ev.Hidden && !ev.Initial && ev.Thread != nil && fdNum(ev) < 0 {
			num = ev.Num
			break
		}
	}
	src.Close()
	if _, err := Find(opener(t, "curl_google.scap"), Select{Num: num}, true, true, 0); err == nil || !strings.Contains(err.Error(), "has no file descriptor") {
		t.Errorf("event %d: error %v", num, err)
	}
	if _, err := Find(opener(t, "curl_google.scap"), Select{Num: 1312}, true, true, 10); err == nil || !strings.Contains(err.Error(), "more than 10 bytes") {
		t.Errorf("max bytes: error %v", err)
	}
}
