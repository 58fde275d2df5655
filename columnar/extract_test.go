package columnar

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/fields"
)

// expectText renders what package fields extracts as the member would hold it.
func expectText(v fields.Value, t Type) string {
	if v.Kind == fields.KindNone {
		return "<NA>"
	}
	switch t {
	case Int64, Int32, Int16, Timestamp:
		switch v.Kind {
		case fields.KindInt, fields.KindUint, fields.KindBool:
			n := v.I
			if t == Int32 {
				n = int64(int32(n))
			} else if t == Int16 {
				n = int64(int16(n))
			}
			return strconv.FormatInt(n, 10)
		}
		return "<NA>"
	case Bool:
		return strconv.FormatBool(v.I != 0)
	case Binary:
		return v.S
	}
	return strings.ToValidUTF8(v.Text(), "\uFFFD")
}

func listTexts(l *array.List, i int) []string {
	if l.IsNull(i) {
		return nil
	}
	s, e := l.ValueOffsets(i)
	out := []string{}
	for j := s; j < e; j++ {
		out = append(out, cellText(l.ListValues(), int(j)))
	}
	return out
}

func mapTexts(m *array.Map, i int) (keys, vals []string) {
	if m.IsNull(i) {
		return nil, nil
	}
	s, e := m.ValueOffsets(i)
	for j := s; j < e; j++ {
		keys = append(keys, cellText(m.Keys(), int(j)))
		vals = append(vals, cellText(m.Items(), int(j)))
	}
	return keys, vals
}

// TestMembersMatchExtraction holds every member, for every event of every capture, to what
// package fields extracts for its field at that event — the fast paths included — and the
// list and map members to the indexed fields they stand for.
func TestMembersMatchExtraction(t *testing.T) {
	caps, _ := filepath.Glob(filepath.Join(capturesDir, "*.scap"))
	caps = append(caps, strings.Fields(os.Getenv("SCAPQL_COMPACT_CAPTURES"))...)
	cols := EventColumns()
	type ref struct {
		col *Column
		f   *fields.Field
		arg string
	}
	var refs []ref
	for i := range cols {
		c := &cols[i]
		if f, arg, err := fields.Lookup(c.Field); err == nil && c.Field != "proc.id" && c.Type != Timestamp &&
			c.Type != StringMap && c.Type != StringList && c.Type != Int64List {
			refs = append(refs, ref{c, f, arg})
		}
	}
	lookup := func(name string) (*fields.Field, string) {
		f, a, err := fields.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		return f, a
	}
	argF, _ := lookup("evt.arg")
	rawF, _ := lookup("evt.rawarg")
	anameF, _ := lookup("proc.aname")
	apidF, _ := lookup("proc.apid")
	for _, path := range caps {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := ingest.Open(path, ingest.Options{})
			if err != nil {
				t.Fatal(err) // every bundled capture reads: one that fails is a regression
			}
			defer src.Close()
			b := NewEventBuilder("x", 1<<30)
			defer b.Release()
			want := make([][]string, len(refs))
			type extra struct {
				args          map[string]string
				arglist       []string
				rawargs       map[string]string
				anames        []string
				apids         []string
				hidden        bool
				upid          uint64
				threadless    bool
				procArgs      []string
				ancestorCount int
			}
			var extras []extra
			for {
				ev, err := src.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if ev.Initial {
					continue
				}
				b.Append(ev)
				for k, r := range refs {
					want[k] = append(want[k], expectText(r.f.Extract(ev, r.arg), r.col.Type))
				}
				x := extra{args: map[string]string{}, rawargs: map[string]string{}, hidden: ev.Hidden}
				for i := range ev.Raw.Params {
					if i >= len(ev.Info.Params) {
						break
					}
					name := ev.Info.Params[i].Name
					x.args[name] = argF.Extract(ev, name).Text()
					x.arglist = append(x.arglist, argF.Extract(ev, strconv.Itoa(i)).Text())
					if v := rawF.Extract(ev, name); v.Valid() {
						x.rawargs[name] = strings.ToValidUTF8(v.Text(), "\uFFFD")
					}
				}
				for n := 1; ; n++ {
					v := anameF.Extract(ev, strconv.Itoa(n))
					if !v.Valid() {
						break
					}
					x.anames = append(x.anames, v.Text())
					x.apids = append(x.apids, apidF.Extract(ev, strconv.Itoa(n)).Text())
				}
				if ev.Thread == nil {
					x.threadless = true
				} else {
					x.upid = ev.Thread.UPID
					x.procArgs = append([]string{}, ev.Thread.Args...)
				}
				extras = append(extras, x)
			}
			rec := b.NewRecord()
			defer rec.Release()
			bad := 0
			for k, r := range refs {
				a := member(t, rec, r.col.Struct, r.col.Member)
				for i, w := range want[k] {
					got := cellText(a, i)
					if ts, ok := a.(*array.Timestamp); ok && !ts.IsNull(i) {
						got = strconv.FormatInt(int64(ts.Value(i)), 10)
					}
					if got != w {
						if bad++; bad <= 10 {
							t.Errorf("row %d %s: got %q, want %q", i, r.col.Field, got, w)
						}
					}
				}
			}
			checkExtras(t, rec, len(extras), func(i int) (map[string]string, []string, map[string]string, []string, []string, bool, uint64, bool, []string) {
				x := extras[i]
				return x.args, x.arglist, x.rawargs, x.anames, x.apids, x.hidden, x.upid, x.threadless, x.procArgs
			})
		})
	}
}

func checkExtras(t *testing.T, rec arrow.RecordBatch, n int, get func(i int) (map[string]string, []string, map[string]string, []string, []string, bool, uint64, bool, []string)) {
	t.Helper()
	argM := member(t, rec, "evt", "arg").(*array.Map)
	rawM := member(t, rec, "evt", "rawarg").(*array.Map)
	argL := member(t, rec, "evt", "arglist").(*array.List)
	anames := member(t, rec, "proc", "anames").(*array.List)
	apids := member(t, rec, "proc", "apids").(*array.List)
	hidden := member(t, rec, "evt", "hidden").(*array.Boolean)
	pid := member(t, rec, "proc", "id").(*array.Int64)
	pargs := member(t, rec, "proc", "arglist").(*array.List)
	bad := 0
	fail := func(format string, args ...any) {
		if bad++; bad <= 10 {
			t.Errorf(format, args...)
		}
	}
	for i := 0; i < n; i++ {
		args, arglist, rawargs, an, ap, hid, upid, threadless, procArgs := get(i)
		keys, vals := mapTexts(argM, i)
		if len(keys) != len(args) {
			fail("row %d evt.arg: %d keys, want %d", i, len(keys), len(args))
		}
		for j, k := range keys {
			if args[k] != vals[j] {
				fail("row %d evt.arg[%s] = %q, want %q", i, k, vals[j], args[k])
			}
		}
		if got := strings.Join(listTexts(argL, i), "\x00"); got != strings.Join(arglist, "\x00") {
			fail("row %d evt.arglist = %q, want %q", i, listTexts(argL, i), arglist)
		}
		keys, vals = mapTexts(rawM, i)
		if len(keys) != len(rawargs) {
			fail("row %d evt.rawarg: %d keys, want %d", i, len(keys), len(rawargs))
		}
		for j, k := range keys {
			if rawargs[k] != vals[j] {
				fail("row %d evt.rawarg[%s] = %q, want %q", i, k, vals[j], rawargs[k])
			}
		}
		if got := strings.Join(listTexts(anames, i), "/"); got != strings.Join(an, "/") {
			fail("row %d proc.anames = %q, want %q", i, got, an)
		}
		if got := strings.Join(listTexts(apids, i), "/"); got != strings.Join(ap, "/") {
			fail("row %d proc.apids = %q, want %q", i, got, ap)
		}
		if hidden.Value(i) != hid {
			fail("row %d evt.hidden = %v", i, hidden.Value(i))
		}
		if threadless != pid.IsNull(i) && upid != 0 {
			fail("row %d proc.id null = %v", i, pid.IsNull(i))
		}
		if !pid.IsNull(i) && uint64(pid.Value(i)) != upid {
			fail("row %d proc.id = %d, want %d", i, pid.Value(i), upid)
		}
		if got := strings.Join(listTexts(pargs, i), "\x00"); !threadless && got != strings.Join(procArgs, "\x00") {
			fail("row %d proc.arglist = %q, want %q", i, got, procArgs)
		}
	}
}
