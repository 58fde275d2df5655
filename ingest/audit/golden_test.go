package audit

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// dataDir holds real CloudTrail and Kubernetes audit files with expected.tsv: every field
// of every record as Falco's plugins extract it.
const dataDir = "../../testdata/audit"

// unescape undoes expected.tsv's escaping of backslash, tab, newline and carriage return.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 't':
				b.WriteByte('\t')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

type golden struct {
	file  string
	index int
	field string
	value string
}

func readGolden(t *testing.T, dir string) []golden {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "expected.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []golden
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		c := strings.SplitN(sc.Text(), "\t", 4)
		if len(c) != 4 {
			t.Fatalf("expected.tsv: bad line %q", sc.Text())
		}
		i, err := strconv.Atoi(c[1])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, golden{c[0], i, c[2], unescape(c[3])})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func readAll(t *testing.T, paths ...string) map[string][]*Record {
	t.Helper()
	recs := map[string][]*Record{}
	err := Read(paths, Options{}, func(r *Record) error {
		recs[filepath.Base(r.File)] = append(recs[filepath.Base(r.File)], r)
		return nil
	}, func(err error) { t.Errorf("read: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestGolden holds every field of every shared record to the plugins' values.
func TestGolden(t *testing.T) {
	for _, sub := range []string{"cloudtrail", "k8s_audit"} {
		t.Run(sub, func(t *testing.T) {
			dir := filepath.Join(dataDir, sub)
			rows := readGolden(t, dir)
			files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
			recs := readAll(t, files...)
			bad := 0
			for _, g := range rows {
				rs := recs[g.file]
				if g.index >= len(rs) {
					t.Fatalf("%s: no record %d", g.file, g.index)
				}
				name, arg, _ := SplitArg(g.field)
				f, ok := Lookup(name)
				if !ok {
					t.Errorf("%s: unknown field", g.field)
					bad++
					continue
				}
				if got := f.Extract(rs[g.index], arg).Text(); got != g.value {
					bad++
					if bad <= 30 {
						t.Errorf("%s #%d %s:\n got %q\nwant %q", g.file, g.index, g.field, got, g.value)
					}
				}
			}
			t.Logf("%d/%d field values agree", len(rows)-bad, len(rows))
		})
	}
}
