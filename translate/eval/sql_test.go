package eval_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate"
	"github.com/scapql/scapql/translate/catalog"
)

// The Go/SQL agreement test builds an events table (docs/schema.md) from the events of real
// captures, written out here from the field extractors independently of package columnar,
// runs each filter's SQL over it in DuckDB, and checks that the matcher selects the same
// events.

// member is one struct member of the test events table.
type member struct {
	name, typ string
	value     func(ev *state.Event) any // nil: NULL
}

// structs are the struct columns and their members.
var structNames = []string{"evt", "proc", "thread", "fd", "user", "group", "container"}

// argFields are catalogue fields stored as maps and lists rather than members.
var argFields = map[string]bool{"evt.arg": true, "evt.rawarg": true, "evt.type.is": true, "evt.around": true,
	"proc.aname": true, "proc.apid": true, "thread.cgroup": true}

func sqlTypeOf(t catalog.Type) (string, bool) {
	switch t {
	case "UINT64", "UINT32", "INT64", "INT32", "ABSTIME", "RELTIME", "UINT16", "UINT8", "INT8":
		return "BIGINT", true
	case "INT16":
		return "SMALLINT", true
	case "PORT":
		return "INTEGER", true
	case "BOOL":
		return "BOOLEAN", true
	case "CHARBUF", "IPADDR", "IPNET":
		return "VARCHAR", true
	case "BYTEBUF":
		return "BLOB", true
	case "DOUBLE":
		return "DOUBLE", true
	}
	return "", false
}

// convert turns an extracted value into the Go value the appender stores for a SQL type,
// as the events table stores it (absent: NULL; text of other kinds for VARCHAR).
func convert(typ string, v fields.Value) any {
	if !v.Valid() {
		return nil
	}
	switch typ {
	case "BIGINT", "INTEGER", "SMALLINT", "BOOLEAN":
		if v.Kind == fields.KindString {
			return nil
		}
		switch typ {
		case "INTEGER":
			return int32(v.I)
		case "SMALLINT":
			return int16(v.I)
		case "BOOLEAN":
			return v.I != 0
		}
		return v.I
	case "DOUBLE":
		switch v.Kind {
		case fields.KindInt:
			return float64(v.I)
		case fields.KindUint:
			return float64(uint64(v.I))
		case fields.KindString:
			if f, err := strconv.ParseFloat(v.S, 64); err == nil {
				return f
			}
		}
		return nil
	case "BLOB":
		return []byte(v.Text())
	}
	return text(v.Text())
}

// text is a string as the table holds it: valid UTF-8.
func text(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// tableMembers returns the members of each struct column.
func tableMembers() map[string][]member {
	out := map[string][]member{}
	for _, f := range catalog.Fields() {
		class, rest, _ := strings.Cut(f.Name, ".")
		if argFields[f.Name] || !slices.Contains(structNames, class) {
			continue
		}
		typ, ok := sqlTypeOf(f.Type)
		if !ok {
			continue
		}
		m := member{name: strings.ReplaceAll(rest, ".", "_"), typ: typ}
		if fl, arg, err := fields.Lookup(f.Name); err == nil && fl != nil {
			m.value = func(ev *state.Event) any { return convert(typ, fl.Extract(ev, arg)) }
		}
		out[class] = append(out[class], m)
	}
	lookup := func(name string) *fields.Field {
		f, _, err := fields.Lookup(name)
		if err != nil {
			panic(err)
		}
		return f
	}
	argF, rawF, anameF, apidF := lookup("evt.arg"), lookup("evt.rawarg"), lookup("proc.aname"), lookup("proc.apid")
	params := func(ev *state.Event) []string {
		var names []string
		for i := range ev.Raw.Params {
			if i >= len(ev.Info.Params) {
				break
			}
			names = append(names, ev.Info.Params[i].Name)
		}
		return names
	}
	argMap := func(f *fields.Field) func(ev *state.Event) any {
		return func(ev *state.Event) any {
			m := duckdb.OrderedMap{}
			seen := map[string]bool{}
			for _, n := range params(ev) {
				if seen[n] {
					continue // evt.arg.NAME reads the first parameter of a name
				}
				seen[n] = true
				if v := f.Extract(ev, n); v.Valid() {
					m.Set(n, text(v.Text()))
				}
			}
			return m
		}
	}
	out["evt"] = append(out["evt"],
		member{name: "hidden", typ: "BOOLEAN", value: func(ev *state.Event) any { return ev.Hidden }},
		member{name: "arg", typ: "MAP(VARCHAR, VARCHAR)", value: argMap(argF)},
		member{name: "rawarg", typ: "MAP(VARCHAR, VARCHAR)", value: argMap(rawF)},
		member{name: "arglist", typ: "VARCHAR[]", value: func(ev *state.Event) any {
			var l []any
			for i := range params(ev) {
				l = append(l, text(argF.Extract(ev, strconv.Itoa(i)).Text()))
			}
			return l
		}},
	)
	// The ancestor lists come from the indexed extractors proc.aname[N] / proc.apid[N], not
	// from the walk the matcher uses.
	ancestors := func(f *fields.Field, typ string) func(ev *state.Event) any {
		return func(ev *state.Event) any {
			if ev.Thread == nil {
				return nil
			}
			l := []any{}
			for i := 1; i < 64; i++ {
				v := f.Extract(ev, strconv.Itoa(i))
				if !v.Valid() {
					break
				}
				l = append(l, convert(typ, v))
			}
			return l
		}
	}
	aname0F, _, err := fields.Lookup("proc.aname[0]")
	if err != nil {
		panic(err)
	}
	// The ends fd.ip, fd.net and fd.port compare, whatever the role.
	for _, p := range []struct{ name, typ string }{{"pair_cip", "VARCHAR"}, {"pair_sip", "VARCHAR"},
		{"pair_cport", "INTEGER"}, {"pair_sport", "INTEGER"}} {
		f := lookup("fd." + p.name)
		typ := p.typ
		out["fd"] = append(out["fd"], member{name: p.name, typ: typ, value: func(ev *state.Event) any {
			return convert(typ, f.Extract(ev, ""))
		}})
	}
	out["proc"] = append(out["proc"],
		member{name: "aname0", typ: "VARCHAR", value: func(ev *state.Event) any {
			return convert("VARCHAR", aname0F.Extract(ev, "0"))
		}},
		member{name: "anames", typ: "VARCHAR[]", value: ancestors(anameF, "VARCHAR")},
		member{name: "apids", typ: "BIGINT[]", value: ancestors(apidF, "BIGINT")},
		member{name: "envmap", typ: "MAP(VARCHAR, VARCHAR)", value: func(ev *state.Event) any {
			if ev.Thread == nil {
				return nil
			}
			m := duckdb.OrderedMap{}
			seen := map[string]bool{}
			for _, kv := range ev.Engine().EnvOf(ev.Thread) {
				if k, v, ok := strings.Cut(kv, "="); ok && !seen[k] {
					seen[k] = true
					m.Set(text(k), text(v))
				}
			}
			return m
		}},
	)
	return out
}

type sqlDB struct {
	db      *sql.DB
	loaded  map[string]bool
	members map[string][]member
	conn    driver.Conn
}

var (
	sqlOnce sync.Once
	sqlInst *sqlDB
	sqlErr  error
)

// eventsDB returns the shared in-memory DuckDB with the events table, loading capture into
// it first if needed.
func eventsDB(t testing.TB, capture string) *sql.DB {
	t.Helper()
	sqlOnce.Do(func() {
		c, err := duckdb.NewConnector("", nil)
		if err != nil {
			sqlErr = err
			return
		}
		conn, err := c.Connect(context.Background())
		if err != nil {
			sqlErr = err
			return
		}
		d := &sqlDB{db: sql.OpenDB(c), loaded: map[string]bool{}, members: tableMembers(), conn: conn}
		d.db.SetMaxOpenConns(1)
		cols := []string{"capture VARCHAR"}
		for _, s := range structNames {
			var ms []string
			for _, m := range d.members[s] {
				ms = append(ms, fmt.Sprintf("%q %s", m.name, m.typ))
			}
			cols = append(cols, fmt.Sprintf("%q STRUCT(%s)", s, strings.Join(ms, ", ")))
		}
		if _, err := d.db.Exec("CREATE TABLE events (" + strings.Join(cols, ", ") + ")"); err != nil {
			sqlErr = err
			return
		}
		sqlInst = d
	})
	if sqlErr != nil {
		t.Fatalf("duckdb: %v", sqlErr)
	}
	d := sqlInst
	if !d.loaded[capture] {
		a, err := duckdb.NewAppenderFromConn(d.conn, "", "events")
		if err != nil {
			t.Fatal(err)
		}
		eachEvent(t, capture, func(ev *state.Event) {
			row := []driver.Value{capture}
			for _, s := range structNames {
				st := map[string]any{}
				for _, m := range d.members[s] {
					var v any
					if m.value != nil {
						v = m.value(ev)
					}
					st[m.name] = v
				}
				row = append(row, st)
			}
			if err := a.AppendRow(row...); err != nil {
				t.Fatalf("%s event %d: %v", capture, ev.Num, err)
			}
		})
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		d.loaded[capture] = true
	}
	return d.db
}

// sqlMatches runs the SQL of a filter over a capture's rows.
func sqlMatches(t testing.TB, capture, where string) ([]uint64, error) {
	db := eventsDB(t, capture)
	rows, err := db.Query("SELECT evt.num FROM events WHERE capture = ? AND ("+where+") ORDER BY 1", capture)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []uint64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, uint64(n))
	}
	return out, rows.Err()
}

// agreementFilters exercise every IR node and function on real events.
var agreementFilters = []string{
	`proc.aname = bash`, `proc.aname != bash`, `proc.apid = 1`, `proc.aname exists`, `not proc.aname exists`,
	`proc.aname[0] = bash`, `proc.aname[1] exists`, `proc.apid[0] > 100`, `len(proc.aname) > 2`,
	`proc.aname contains o`, `proc.aname in (sshd, containerd)`, `proc.aname intersects (bash, sshd)`,
	`evt.arg.fd exists`, `evt.arg[0] contains "<f>"`, `evt.arg[1] exists`, `evt.arg.res = 0`,
	`evt.rawarg.res < 0`, `evt.rawarg.fd > 2`, `evt.rawarg.name contains etc`, `evt.rawarg.flags exists`, `evt.rawarg.size > 100`,
	`thread.cgroup.cpuacct exists`, `thread.cgroup.memory contains docker`, `thread.cgroups contains "cpu="`,
	`evt.buffer contains GET`, `evt.buffer bcontains 485454`, `evt.buffer bstartswith 17`, `evt.buffer startswith HTTP`,
	`evt.buffer endswith "\n"`, `evt.buffer = ""`,
	`fd.ip = 127.0.0.1`, `fd.net = 127.0.0.0/8`, `fd.net != 127.0.0.0/8`, `fd.snet = ::/0`, `fd.cnet = ::1/128`,
	`fd.snet = 2000::/3`, `fd.snet = 0.0.0.0/0`, `fd.rnet = 10.0.0.0/8`, `fd.lnet in (127.0.0.0/8, ::1/128)`,
	`fd.port = 80`, `fd.port != 80`, `fd.proto exists`, `fd.sport in (http, https, 53)`, `fd.sproto = 80`,
	`fd.lip exists`, `fd.rip = 127.0.0.1`, `fd.lport > 1024`, `fd.sip = "::1"`, `fd.ip in (127.0.0.1, ::1)`,
	`evt.res = EAGAIN`, `evt.res != SUCCESS`, `evt.res < 0`, `evt.res in (-2, EAGAIN, SUCCESS)`, `evt.res startswith E`,
	`evt.res > ENOENT`, `evt.count.error = 1`, `evt.count.error.file = 1`, `evt.count.error.net exists`,
	`evt.count.error.memory exists`, `evt.count.error.other = 1`, `evt.count.exit = 1`, `evt.count = 1`,
	`evt.type.is.open = 1`, `evt.type.is.read = 0`, `evt.type > read`, `evt.dir = "<"`,
	`fd.name glob "/etc/*"`, `fd.name iglob "*LIB*"`, `fd.name pmatch (/usr, /etc)`, `fd.name regex ".*[.]so.*"`,
	`fd.name glob "*[0-9]*"`, `fd.directory pmatch (/u*)`,
	`proc.name icontains "URL"`, `proc.cmdline icontains "-S"`, `tolower(proc.name) startswith "c"`,
	`toupper(proc.name) = CURL`, `tolower(proc.name) = curl`, `tolower(proc.name) != curl`, `lower(evt.category) == "ipc"`,
	`tolower(proc.name) in (curl, bash)`, `tolower(fd.name) endswith ".SO"`, `tolower(fd.name) endswith ".so"`,
	`b64(proc.name) exists`, `basename(fd.name) = hosts`, `basename(proc.exepath) startswith c`,
	`concat(proc.name, ":", fd.name) contains "curl:/"`,
	`proc.name = val(proc.pname)`, `proc.pid < val(proc.ppid)`, `fd.sport > val(fd.cport)`,
	`evt.time.s exists`, `evt.time contains ":"`, `evt.datetime.s contains "-"`, `evt.rawtime.ns > 500000000`,
	`evt.reltime.s > 1`, `evt.latency > 1000`, `evt.latency.ns < 1000`, `evt.latency.s >= 0`,
	`user.uid = 4294967295`, `user.uid > 9223372036854775807`, `user.uid < 18446744073709551615`, `evt.num < 100`,
	`evt.cpu = 0`, `proc.env[HOME] exists`, `proc.env contains PATH`, `proc.exepath endswith sh`, `proc.cwd = /`,
	`fd.sip.v4 == 127.0.0.0/8`, `fd.sip.v6`, `fd.cip.v4`, `fd.sip.v6 == ::1`, `string(fd.sport) == "80"`,
	`abs(evt.rawres) == 11`, `-evt.rawres == 2`, `evt.rawres + 1 == 4`, `evt.rawres * 2 < -10`,
	`evt.rawres / 2 == 1`, `evt.rawres % 3 == 1`, `evt.rawres - 9223372036854775807 < 0`,
	`evt.latency / 1000 > 5`, `double(evt.latency) / 3 > 100.5`, `min(evt.rawres, 0) < 0`,
	`max(fd.sport, fd.cport) > 1000`, `min(evt.rawres, fd.sport, 7) == 7`, `evt.rawres bitand 1 == 1`,
	`fd.name[0:5] == "/etc/"`, `fd.name[-3:] == ".so"`, `proc.name[1-2] == "ur"`, `proc.name[0] == "c"`,
	`fd.name[2:] == "tc/hosts"`, `fd.name[-4:2] == "so"`, `fd.name[1:3,5] contains "e"`,
	`count(fd.name) == 1`, `len(fd.name) > 20`, `len(evt.buffer) > 10`, `len(proc.name) == 4`,
	`fd.name matches "LIB"`, `proc.cmdline matches r"\d{2}"`, `evt.type == "read" ^^ fd.typechar == "f"`,
	`fd.sport in {80 443 1000..2000}`, `proc.name in {"a".."d"}`, `string(double(evt.latency)) contains "e"`,
	`string(double(evt.rawres)) == "3.0"`, `evt.is_io_read and evt.buflen > 100`, `fd.is_server`,
	`fd.connected == False`, `evt.failed == 1`, `evt.is_open_read`,
	`proc.name startswith anyof (cu, ba)`, `proc.name startswith oneof (c, cu)`, `fd.name contains allof (lib, so)`,
	`container.privileged = true`, `container.name exists`, `container.id != host`, `group.gid = 0`,
	`proc.sname exists`, `proc.loginshellid exists`, `proc.duration > 1000000`, `proc.vmrss > 0`,
	`thread.vtid exists`, `proc.nchilds > 0`, `thread.ismain = false`, `fd.typechar in (f, 4, 6)`,
	`not (evt.type in (read, write) or fd.name exists) and proc.name != sh`,
}

// TestSQLAgreement checks that the matcher and the SQL select the same events, for the
// corpus and for filters covering every IR node, hidden events included.
func TestSQLAgreement(t *testing.T) {
	type query struct{ filter, capture string }
	var qs []query
	for _, r := range loadCorpus(t) {
		qs = append(qs, query{r.filter, r.capture})
	}
	for _, f := range agreementFilters {
		for _, c := range []string{"curl_google.scap", "falco_psp_run_as_user_0_container.scap", "test_ipv6_client.scap",
			"falco_connect_localhost.scap", "falco_cat_write.scap"} {
			qs = append(qs, query{f, c})
		}
	}
	compared, nonEmpty := 0, 0
	for _, q := range qs {
		m, res, err := translate.Matcher(q.filter, translate.Options{})
		if err != nil {
			t.Errorf("%q: %v", q.filter, err)
			continue
		}
		want, err := sqlMatches(t, q.capture, res.SQL)
		if err != nil {
			t.Errorf("%q on %s: DuckDB: %v\n%s", q.filter, q.capture, err, res.SQL)
			continue
		}
		got := match(t, q.capture, m, true)
		compared++
		if len(want) > 0 {
			nonEmpty++
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s %q: Go and SQL differ: %s\nSQL: %s", q.capture, q.filter, diff(got, want), res.SQL)
		}
	}
	t.Logf("%d filter/capture pairs compared (%d with matches)", compared, nonEmpty)
}

// TestAncestorZeroFollowsReference: proc.aname[0] is the name of the event's process (its
// main thread's name), as in libsinsp, both in the matcher and in SQL (proc.aname0); it
// differs from proc.name for threads that renamed themselves (the "gmain" thread of
// accounts-daemon in curl_google.scap).
func TestAncestorZeroFollowsReference(t *testing.T) {
	const capture, filter = "curl_google.scap", `proc.aname[0] = accounts-daemon and proc.name = gmain`
	m, res, err := translate.Matcher(filter, translate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := match(t, capture, m, true)
	if len(got) == 0 {
		t.Fatalf("%q matches nothing in %s", filter, capture)
	}
	want, err := sqlMatches(t, capture, res.SQL)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%q: matcher %v, SQL %v (%s)", filter, got, want, res.SQL)
	}
}
