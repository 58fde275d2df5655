package columnar

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

const (
	capturesDir = "../testdata/captures"
	goldenDir   = "../testdata/golden"
)

// goldenFields reads a field list (core= or extra=) from generate.sh.
func goldenFields(t *testing.T, which string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, "generate.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + which + `="([^"]*)"`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("generate.sh has no %s= list", which)
	}
	return strings.Fields(string(m[1]))
}

// memberOf maps a golden field to the events member holding it and, for list members, the
// 1-based element index.
func memberOf(field string) (structName, member string, elem int) {
	if i := strings.IndexByte(field, '['); i >= 0 {
		n, _ := strconv.Atoi(field[i+1 : len(field)-1])
		base := field[:i]
		switch base {
		case "proc.aname":
			if n == 0 {
				return "proc", "name", 0
			}
			return "proc", "anames", n
		case "proc.apid":
			if n == 0 {
				return "proc", "pid", 0
			}
			return "proc", "apids", n
		}
	}
	class, rest, _ := strings.Cut(field, ".")
	return class, strings.ReplaceAll(rest, ".", "_"), 0
}

// cellText renders a value as the reference prints it; NULL is <NA>.
func cellText(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return "<NA>"
	}
	switch a := a.(type) {
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int16:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Boolean:
		return strconv.FormatBool(a.Value(i))
	case *array.String:
		return a.Value(i)
	case *array.Binary:
		return string(a.Value(i))
	}
	return a.ValueStr(i)
}

type collected struct {
	recs []arrow.RecordBatch
}

func (c *collected) Write(table string, rec arrow.RecordBatch) error {
	rec.Retain()
	c.recs = append(c.recs, rec)
	return nil
}

func (c *collected) release() {
	for _, r := range c.recs {
		r.Release()
	}
}

// member returns struct member s.m of a record.
func member(t *testing.T, rec arrow.RecordBatch, s, m string) arrow.Array {
	t.Helper()
	idx := rec.Schema().FieldIndices(s)
	if len(idx) == 0 {
		t.Fatalf("no column %s", s)
	}
	st := rec.Column(idx[0]).(*array.Struct)
	typ := st.DataType().(*arrow.StructType)
	j, ok := typ.FieldIdx(m)
	if !ok {
		t.Fatalf("no member %s.%s", s, m)
	}
	return st.Field(j)
}

type eventRow struct {
	rec arrow.RecordBatch
	i   int
}

func goldenCaptures(t *testing.T, kind string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(goldenDir, "*."+kind+".tsv"))
	if len(files) == 0 {
		t.Fatal("no goldens")
	}
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(filepath.Base(f), "."+kind+".tsv"))
	}
	return out
}

// TestGoldenCore checks every core field of every event against the reference's values.
func TestGoldenCore(t *testing.T) {
	checkGolden(t, "core", nil)
}

func checkGolden(t *testing.T, kind string, skip map[string]bool) {
	names := goldenFields(t, kind)
	for _, name := range goldenCaptures(t, kind) {
		t.Run(name, func(t *testing.T) {
			var c collected
			defer c.release()
			_, err := ReadCapture(context.Background(), filepath.Join(capturesDir, name+".scap"), &c,
				ReadOptions{Tables: []string{"events"}, BatchRows: 100})
			if err != nil {
				t.Fatal(err)
			}
			byNum := map[string]eventRow{}
			for _, rec := range c.recs {
				nums := member(t, rec, "evt", "num").(*array.Int64)
				for i := 0; i < nums.Len(); i++ {
					byNum[strconv.FormatInt(nums.Value(i), 10)] = eventRow{rec, i}
				}
			}
			f, err := os.Open(filepath.Join(goldenDir, name+"."+kind+".tsv"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 1<<24)
			// A value with a newline continues on the next line; only the last field (evt.args)
			// can hold one, so a line with no separator continues the record before it.
			var records []string
			for sc.Scan() {
				if l := sc.Text(); !strings.Contains(l, "\x1f") && len(records) > 0 {
					records[len(records)-1] += "\n" + l
				} else {
					records = append(records, l)
				}
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
			lines, checked, missing := 0, 0, map[string]bool{}
			bad := map[string]int{}
			for _, rec := range records {
				vals := strings.Split(rec, "\x1f")
				if len(vals) != len(names) {
					t.Fatalf("golden record with %d values, want %d: %q", len(vals), len(names), rec)
				}
				lines++
				row, ok := byNum[vals[0]]
				if !ok {
					t.Errorf("event %s: not in the events table", vals[0])
					continue
				}
				for k, field := range names {
					if skip[field] {
						continue
					}
					s, m, elem := memberOf(field)
					if !hasMember(row.rec, s, m) {
						missing[field] = true
						continue
					}
					a := member(t, row.rec, s, m)
					var got string
					if elem > 0 {
						l := a.(*array.List)
						if l.IsNull(row.i) {
							got = "<NA>"
						} else {
							start, end := l.ValueOffsets(row.i)
							if int64(elem) > end-start {
								got = "<NA>"
							} else {
								got = cellText(l.ListValues(), int(start)+elem-1)
							}
						}
					} else {
						got = cellText(a, row.i)
					}
					want := vals[k]
					if field == "group.gid" && want != "<NA>" {
						// The reference prints the gid with the thread count in its high bits.
						g, _ := strconv.ParseUint(want, 10, 64)
						want = strconv.FormatUint(g&0xFFFFFFFF, 10)
					}
					if field == "evt.buffer" && got != "<NA>" {
						got = printable(got)
					}
					checked++
					if got != want {
						if bad[field]++; bad[field] <= 3 {
							t.Errorf("event %s %s: got %q, want %q", vals[0], field, got, want)
						}
					}
				}
			}
			t.Logf("%d events, %d values agree; %d fields not members: %v", lines, checked-sum(bad), len(missing), keys(missing))
		})
	}
}

func hasMember(rec arrow.RecordBatch, s, m string) bool {
	idx := rec.Schema().FieldIndices(s)
	if len(idx) == 0 {
		return false
	}
	_, ok := rec.Schema().Field(idx[0]).Type.(*arrow.StructType).FieldIdx(m)
	return ok
}

// printable renders a buffer as the reference prints evt.buffer: non-printable bytes as dots.
func printable(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '.'
		}
	}
	return string(b)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
