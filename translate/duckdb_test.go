package translate

import (
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// schema is the events table of docs/schema.md, written out independently of the
// translator's own field mapping so the tests check one against the other.
var schema = []struct {
	col     string
	members [][2]string // name, DuckDB type
}{
	{"evt", [][2]string{{"num", "BIGINT"}, {"time", "TIMESTAMP_NS"}, {"datetime", "VARCHAR"}, {"rawtime", "BIGINT"},
		{"reltime", "BIGINT"}, {"cpu", "SMALLINT"}, {"dir", "VARCHAR"}, {"type", "VARCHAR"}, {"category", "VARCHAR"},
		{"args", "VARCHAR"}, {"info", "VARCHAR"}, {"res", "VARCHAR"}, {"rawres", "BIGINT"}, {"failed", "BOOLEAN"},
		{"latency", "BIGINT"}, {"is_io", "BOOLEAN"}, {"is_io_read", "BOOLEAN"}, {"is_io_write", "BOOLEAN"},
		{"io_dir", "VARCHAR"}, {"is_wait", "BOOLEAN"}, {"buflen", "BIGINT"}, {"buffer", "BLOB"}, {"abspath", "VARCHAR"},
		{"is_open_read", "BOOLEAN"}, {"is_open_write", "BOOLEAN"}, {"is_open_exec", "BOOLEAN"}, {"wait_latency", "BIGINT"}, {"hidden", "BOOLEAN"},
		{"pluginname", "VARCHAR"}, {"plugininfo", "VARCHAR"}, {"is_syslog", "BOOLEAN"},
		{"arg", "MAP(VARCHAR, VARCHAR)"}, {"arglist", "VARCHAR[]"}, {"rawarg", "MAP(VARCHAR, VARCHAR)"}}},
	{"syscall", [][2]string{{"type", "VARCHAR"}}},
	{"thread", [][2]string{{"tid", "BIGINT"}, {"vtid", "BIGINT"}, {"ismain", "BOOLEAN"}, {"cgroups", "VARCHAR"},
		{"pfmajor", "BIGINT"}, {"pfminor", "BIGINT"}, {"vmsize", "BIGINT"}, {"vmrss", "BIGINT"},
		{"cap_permitted", "VARCHAR"}, {"cap_inheritable", "VARCHAR"}, {"cap_effective", "VARCHAR"}}},
	{"proc", [][2]string{{"id", "BIGINT"}, {"parent_id", "BIGINT"}, {"pid", "BIGINT"}, {"ppid", "BIGINT"}, {"vpid", "BIGINT"},
		{"name", "VARCHAR"}, {"exe", "VARCHAR"}, {"exepath", "VARCHAR"}, {"cmdline", "VARCHAR"}, {"exeline", "VARCHAR"},
		{"args", "VARCHAR"}, {"arglist", "VARCHAR[]"}, {"cwd", "VARCHAR"}, {"env", "VARCHAR"},
		{"envmap", "MAP(VARCHAR, VARCHAR)"}, {"pname", "VARCHAR"}, {"pcmdline", "VARCHAR"}, {"aname", "VARCHAR"},
		{"aname0", "VARCHAR"}, {"anames", "VARCHAR[]"}, {"apids", "BIGINT[]"}, {"sid", "BIGINT"}, {"sname", "VARCHAR"}, {"vpgid", "BIGINT"},
		{"tty", "INTEGER"}, {"loginshellid", "BIGINT"}, {"duration", "BIGINT"}, {"fdopencount", "BIGINT"},
		{"fdlimit", "BIGINT"}, {"vmsize", "BIGINT"}, {"vmrss", "BIGINT"}, {"vmswap", "BIGINT"}, {"nthreads", "BIGINT"},
		{"nchilds", "BIGINT"}, {"is_exe_writable", "BOOLEAN"}, {"is_exe_upper_layer", "BOOLEAN"},
		{"is_exe_from_memfd", "BOOLEAN"}, {"is_sid_leader", "BOOLEAN"}, {"is_vpgid_leader", "BOOLEAN"},
		{"pexe", "VARCHAR"}, {"aexes", "VARCHAR[]"}}},
	{"fd", [][2]string{{"num", "BIGINT"}, {"type", "VARCHAR"}, {"typechar", "VARCHAR"}, {"name", "VARCHAR"},
		{"directory", "VARCHAR"}, {"filename", "VARCHAR"}, {"cip", "VARCHAR"}, {"sip", "VARCHAR"}, {"lip", "VARCHAR"},
		{"rip", "VARCHAR"}, {"cport", "INTEGER"}, {"sport", "INTEGER"}, {"lport", "INTEGER"}, {"rport", "INTEGER"},
		{"l4proto", "VARCHAR"}, {"sockfamily", "VARCHAR"}, {"is_server", "BOOLEAN"}, {"connected", "BOOLEAN"},
		{"dev", "INTEGER"}, {"dev_major", "INTEGER"}, {"dev_minor", "INTEGER"}, {"uid", "VARCHAR"},
		{"containername", "VARCHAR"}, {"containerdirectory", "VARCHAR"}, {"cproto", "VARCHAR"}, {"sproto", "VARCHAR"},
		{"lproto", "VARCHAR"}, {"rproto", "VARCHAR"}, {"cnet", "VARCHAR"}, {"snet", "VARCHAR"}, {"lnet", "VARCHAR"},
		{"rnet", "VARCHAR"}, {"name_changed", "BOOLEAN"}, {"nameraw", "VARCHAR"}, {"cip_name", "VARCHAR"},
		{"sip_name", "VARCHAR"}, {"lip_name", "VARCHAR"}, {"rip_name", "VARCHAR"}, {"pair_cip", "VARCHAR"},
		{"pair_sip", "VARCHAR"}, {"pair_cport", "INTEGER"}, {"pair_sport", "INTEGER"}}},
	{"user", [][2]string{{"uid", "BIGINT"}, {"name", "VARCHAR"}, {"homedir", "VARCHAR"}, {"shell", "VARCHAR"},
		{"loginuid", "BIGINT"}, {"loginname", "VARCHAR"}}},
	{"group", [][2]string{{"gid", "BIGINT"}, {"name", "VARCHAR"}}},
	{"container", [][2]string{{"id", "VARCHAR"}, {"name", "VARCHAR"}, {"image", "VARCHAR"}, {"image_id", "VARCHAR"},
		{"type", "VARCHAR"}, {"privileged", "BOOLEAN"}, {"image_repository", "VARCHAR"}, {"image_tag", "VARCHAR"},
		{"image_digest", "VARCHAR"}, {"mounts", "VARCHAR"}}},
	{"k8s", [][2]string{{"pod_name", "VARCHAR"}, {"ns_name", "VARCHAR"}, {"pod_id", "VARCHAR"}, {"pod_uid", "VARCHAR"}}},
}

func ddl() string {
	var cols []string
	cols = append(cols, `capture VARCHAR`)
	for _, c := range schema {
		var ms []string
		for _, m := range c.members {
			ms = append(ms, fmt.Sprintf("%q %s", m[0], m[1]))
		}
		cols = append(cols, fmt.Sprintf("%q STRUCT(%s)", c.col, strings.Join(ms, ", ")))
	}
	return "CREATE TABLE events (" + strings.Join(cols, ", ") + ")"
}

// row is a test event: "column.member" -> SQL literal; everything else is NULL.
type row map[string]string

func (r row) insert() string {
	var vals []string
	vals = append(vals, "'test'")
	for _, c := range schema {
		var ms []string
		for _, m := range c.members {
			v, ok := r[c.col+"."+m[0]]
			if !ok && c.col+"."+m[0] == "proc.aname0" {
				// The main thread's name: the thread's own unless a row says otherwise.
				v, ok = r["proc.name"]
			}
			if !ok {
				v = "NULL"
			}
			ms = append(ms, fmt.Sprintf("%q: CAST(%s AS %s)", m[0], v, m[1]))
		}
		vals = append(vals, "{"+strings.Join(ms, ", ")+"}")
	}
	return "INSERT INTO events VALUES (" + strings.Join(vals, ", ") + ")"
}

var (
	dbOnce sync.Once
	dbConn *sql.DB
	dbErr  error
)

// testDB is one in-memory DuckDB with an empty events table and one with hand-made rows.
func testDB(t testing.TB) *sql.DB {
	t.Helper()
	dbOnce.Do(func() {
		dbConn, dbErr = sql.Open("duckdb", "")
		if dbErr != nil {
			return
		}
		dbConn.SetMaxOpenConns(1)
		for _, q := range []string{"SET threads TO 1", ddl(), strings.Replace(ddl(), "TABLE events", "TABLE empty_events", 1)} {
			if _, dbErr = dbConn.Exec(q); dbErr != nil {
				return
			}
		}
		for _, r := range rows {
			if _, dbErr = dbConn.Exec(r.insert()); dbErr != nil {
				dbErr = fmt.Errorf("%w\n%s", dbErr, r.insert())
				return
			}
		}
	})
	if dbErr != nil {
		t.Fatalf("duckdb: %v", dbErr)
	}
	return dbConn
}

// matches runs the WHERE expression over the hand-made rows and returns the evt.num matched.
func matches(t testing.TB, where string) []int {
	t.Helper()
	rs, err := testDB(t).Query("SELECT evt.num FROM events WHERE " + where + " ORDER BY 1")
	if err != nil {
		t.Fatalf("query failed: %v\nSQL: %s", err, where)
	}
	defer rs.Close()
	var out []int
	for rs.Next() {
		var n int
		if err := rs.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("query failed: %v\nSQL: %s", err, where)
	}
	sort.Ints(out)
	return out
}

// prepare checks that DuckDB accepts the expression in a WHERE clause over the schema.
func prepare(t testing.TB, where string) error {
	t.Helper()
	st, err := testDB(t).Prepare("SELECT evt.num FROM empty_events WHERE " + where)
	if err != nil {
		return err
	}
	return st.Close()
}
