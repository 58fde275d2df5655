package columnar

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/scapql/scapql/ingest"
	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/fields"
	sw "github.com/scapql/scapql/ingest/scapwrite"
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
// package fields extracts for the field it holds (memberRefs included), and the list and map
// members to the indexed fields they stand for (evt.arg.NAME, evt.arg[N], evt.rawarg.NAME,
// proc.aname[N], proc.apid[N], proc.aexe[N], proc.env[NAME], proc.args).
func TestMembersMatchExtraction(t *testing.T) {
	caps, _ := filepath.Glob(filepath.Join(capturesDir, "*.scap"))
	caps = append(caps, strings.Fields(os.Getenv("SCAPQL_COMPACT_CAPTURES"))...)
	if len(caps) == 0 {
		t.Fatalf("no captures in %s", capturesDir)
	}
	cols := EventColumns()
	type ref struct {
		col *Column
		f   *fields.Field
		arg string
	}
	var refs []ref
	lists := map[string]bool{}
	for i := range cols {
		c := &cols[i]
		name := c.Field
		if r, ok := memberRefs[name]; ok {
			name = r
		}
		switch c.Type {
		case StringMap, StringList, Int64List:
			lists[c.Field] = true
			continue
		}
		f, arg, err := fields.Lookup(name)
		if err != nil {
			if !c.Null {
				t.Errorf("member %s: %v", c.Field, err)
			}
			continue
		}
		refs = append(refs, ref{c, f, arg})
	}
	for _, l := range []string{"evt.arg", "evt.arglist", "evt.rawarg", "proc.anames", "proc.apids", "proc.aexes", "proc.envmap", "proc.arglist"} {
		if !lists[l] {
			t.Errorf("list member %s is not checked", l)
		}
		delete(lists, l)
	}
	for l := range lists {
		t.Errorf("list member %s is not checked", l)
	}
	lookup := func(name string) *fields.Field {
		f, _, err := fields.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	argF, rawF, envF := lookup("evt.arg"), lookup("evt.rawarg"), lookup("proc.env")
	anameF, apidF, aexeF := lookup("proc.aname"), lookup("proc.apid"), lookup("proc.aexe")
	open := map[string]func() (*ingest.Source, error){"deep tree": func() (*ingest.Source, error) {
		return ingest.NewSource(bytes.NewReader(deepTree(t, 90)), "deep", ingest.Options{})
	}}
	names := []string{"deep tree"}
	for _, path := range caps {
		open[filepath.Base(path)] = func() (*ingest.Source, error) { return ingest.Open(path, ingest.Options{}) }
		names = append(names, filepath.Base(path))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			src, err := open[name]()
			if err != nil {
				t.Fatal(err) // every bundled capture reads: one that fails is a regression
			}
			defer src.Close()
			b := NewEventBuilder("x", 1<<30)
			defer b.Release()
			want := make([][]string, len(refs))
			var extras []listRow
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
				x := listRow{args: map[string]string{}, rawargs: map[string]string{}}
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
				x.threadless = ev.Thread == nil
				if !x.threadless {
					x.aexes = []string{aexeF.Extract(ev, "0").Text()}
					for n := 1; ; n++ {
						v := anameF.Extract(ev, strconv.Itoa(n))
						if !v.Valid() {
							break
						}
						x.anames = append(x.anames, v.Text())
						x.apids = append(x.apids, apidF.Extract(ev, strconv.Itoa(n)).Text())
						x.aexes = append(x.aexes, aexeF.Extract(ev, strconv.Itoa(n)).Text())
					}
					x.procArgs = append([]string{}, ev.Thread.Args...)
					x.env = map[string]string{}
					for _, kv := range ev.Engine().EnvOf(ev.Thread) {
						name, _, _ := strings.Cut(kv, "=")
						if v := envF.Extract(ev, name); v.Valid() && name != "" {
							x.env[name] = strings.ToValidUTF8(v.S, "\uFFFD")
						}
					}
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
			checkLists(t, rec, extras)
		})
	}
}

// deepTree is a capture whose process tree is depth processes deep (each the parent of the
// next), with environments holding entries proc.env[NAME] never matches, and events of every
// process: proc.aname[N] and the ancestor lists far past the walks' old bounds of 64.
func deepTree(t *testing.T, depth int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := sw.NewWriter(&buf, sw.Options{})
	var procs []sw.Process
	for i := 1; i <= depth; i++ {
		pid := int64(100 + i)
		procs = append(procs, sw.Process{Tid: pid, Pid: pid, Ptid: pid - 1, Sid: 101, Vpgid: pid, Pgid: pid,
			Comm: fmt.Sprintf("p%d", i), Exe: fmt.Sprintf("/bin/p%d", i), ExePath: fmt.Sprintf("/bin/p%d", i),
			Args: []string{"-n", strconv.Itoa(i)}, Cwd: "/", FDLimit: 1024, Vtid: pid, Vpid: pid, Root: "/",
			Env: []string{"A=1", "NOEQUALS", "=empty", "A=2", fmt.Sprintf("DEPTH=%d", i)}})
	}
	if err := w.WriteProcessList(procs); err != nil {
		t.Fatal(err)
	}
	ts := uint64(1_700_000_000_000_000_000)
	for i := depth; i >= 1; i -= 7 {
		ts++
		if err := w.WriteEvent(ts, int64(100+i), 0, et.PPME_SYSCALL_GETUID_E); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// listRow is what the list and map members of one row must hold.
type listRow struct {
	args, rawargs, env   map[string]string
	arglist, procArgs    []string
	anames, apids, aexes []string
	threadless           bool
}

func checkLists(t *testing.T, rec arrow.RecordBatch, rows []listRow) {
	t.Helper()
	bad := 0
	fail := func(format string, args ...any) {
		if bad++; bad <= 10 {
			t.Errorf(format, args...)
		}
	}
	checkMap := func(i int, name string, m *array.Map, want map[string]string, null bool) {
		if m.IsNull(i) != null {
			fail("row %d %s: null %v, want %v", i, name, m.IsNull(i), null)
			return
		}
		keys, vals := mapTexts(m, i)
		if len(keys) != len(want) {
			fail("row %d %s: %d keys, want %d", i, name, len(keys), len(want))
		}
		for j, k := range keys {
			if w, ok := want[k]; !ok || w != vals[j] {
				fail("row %d %s[%s] = %q, want %q", i, name, k, vals[j], w)
			}
		}
	}
	checkList := func(i int, name string, l *array.List, want []string, null bool) {
		if l.IsNull(i) != null {
			fail("row %d %s: null %v, want %v", i, name, l.IsNull(i), null)
			return
		}
		if got := listTexts(l, i); strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			fail("row %d %s = %q, want %q", i, name, got, want)
		}
	}
	argM := member(t, rec, "evt", "arg").(*array.Map)
	rawM := member(t, rec, "evt", "rawarg").(*array.Map)
	envM := member(t, rec, "proc", "envmap").(*array.Map)
	argL := member(t, rec, "evt", "arglist").(*array.List)
	anames := member(t, rec, "proc", "anames").(*array.List)
	apids := member(t, rec, "proc", "apids").(*array.List)
	aexes := member(t, rec, "proc", "aexes").(*array.List)
	pargs := member(t, rec, "proc", "arglist").(*array.List)
	for i, x := range rows {
		checkMap(i, "evt.arg", argM, x.args, false)
		checkMap(i, "evt.rawarg", rawM, x.rawargs, false)
		checkMap(i, "proc.envmap", envM, x.env, x.threadless)
		checkList(i, "evt.arglist", argL, x.arglist, false)
		checkList(i, "proc.anames", anames, x.anames, x.threadless)
		checkList(i, "proc.apids", apids, x.apids, x.threadless)
		checkList(i, "proc.aexes", aexes, x.aexes, x.threadless)
		checkList(i, "proc.arglist", pargs, x.procArgs, x.threadless)
	}
}
