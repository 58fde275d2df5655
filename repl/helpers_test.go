package repl

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/scapql/scapql/internal/sqlquote"
)

// fakeBackend is an in-memory DuckDB with a small events table in the layout of
// docs/schema.md; Load adds one event per file.
type fakeBackend struct {
	db     *sql.DB
	conn   *sql.Conn
	loaded []string
}

// schemaMembers is the events table of docs/schema.md.
var schemaMembers = []struct {
	col     string
	members string
}{
	{"evt", `num BIGINT, "time" TIMESTAMP_NS, datetime VARCHAR, rawtime BIGINT, reltime BIGINT, cpu SMALLINT,
		dir VARCHAR, "type" VARCHAR, category VARCHAR, args VARCHAR, info VARCHAR, res VARCHAR, rawres BIGINT,
		failed BOOLEAN, latency BIGINT, is_io BOOLEAN, is_io_read BOOLEAN, is_io_write BOOLEAN, io_dir VARCHAR,
		is_wait BOOLEAN, buflen BIGINT, buffer BLOB, abspath VARCHAR, is_open_read BOOLEAN, is_open_write BOOLEAN,
		is_open_exec BOOLEAN, hidden BOOLEAN, arg MAP(VARCHAR, VARCHAR), arglist VARCHAR[], rawarg MAP(VARCHAR, VARCHAR)`},
	{"thread", `tid BIGINT, vtid BIGINT, ismain BOOLEAN, cgroups VARCHAR, pfmajor BIGINT, pfminor BIGINT, vmsize BIGINT, vmrss BIGINT`},
	{"proc", `id BIGINT, parent_id BIGINT, pid BIGINT, ppid BIGINT, vpid BIGINT, "name" VARCHAR, exe VARCHAR,
		exepath VARCHAR, cmdline VARCHAR, exeline VARCHAR, args VARCHAR, arglist VARCHAR[], cwd VARCHAR, env VARCHAR,
		envmap MAP(VARCHAR, VARCHAR), pname VARCHAR, pcmdline VARCHAR, aname VARCHAR, anames VARCHAR[], apids BIGINT[],
		sid BIGINT, sname VARCHAR, vpgid BIGINT, tty INTEGER, loginshellid BIGINT, duration BIGINT, fdopencount BIGINT,
		fdlimit BIGINT, vmsize BIGINT, vmrss BIGINT, vmswap BIGINT, nthreads BIGINT, nchilds BIGINT, is_exe_writable BOOLEAN`},
	{"fd", `num BIGINT, "type" VARCHAR, typechar VARCHAR, "name" VARCHAR, directory VARCHAR, filename VARCHAR,
		cip VARCHAR, sip VARCHAR, lip VARCHAR, rip VARCHAR, cport INTEGER, sport INTEGER, lport INTEGER, rport INTEGER,
		l4proto VARCHAR, sockfamily VARCHAR, is_server BOOLEAN, connected BOOLEAN, dev INTEGER, dev_major INTEGER,
		dev_minor INTEGER, uid VARCHAR, containername VARCHAR, containerdirectory VARCHAR, cproto VARCHAR, sproto VARCHAR,
		lproto VARCHAR, rproto VARCHAR, cnet VARCHAR, snet VARCHAR, lnet VARCHAR, rnet VARCHAR, name_changed BOOLEAN`},
	{"user", `uid BIGINT, "name" VARCHAR, homedir VARCHAR, shell VARCHAR, loginuid BIGINT, loginname VARCHAR`},
	{"group", `gid BIGINT, "name" VARCHAR`},
	{"container", `id VARCHAR, "name" VARCHAR, image VARCHAR, image_id VARCHAR, "type" VARCHAR, privileged BOOLEAN,
		image_repository VARCHAR, image_tag VARCHAR, image_digest VARCHAR`},
}

// testEvents are the rows: num, proc, tid, dir, type, args, fd.name.
var testEvents = []struct {
	num              int
	proc             string
	tid              int
	dir, typ, args   string
	fdname, category string
	hidden           bool
}{
	{1, "curl", 100, ">", "openat", "dirfd=-100(AT_FDCWD) name=/etc/hosts flags=1(O_RDONLY)", "", "file", false},
	{2, "curl", 100, "<", "openat", "fd=3(<f>/etc/hosts) dirfd=-100(AT_FDCWD) name=/etc/hosts", "/etc/hosts", "file", false},
	{3, "bash", 200, ">", "execve", "filename=/usr/bin/curl", "", "process", false},
	{4, "curl", 100, ">", "connect", "fd=4(<4t>10.0.0.1:40000->93.184.216.34:80)", "10.0.0.1:40000->93.184.216.34:80", "net", false},
	{5, "nginx", 300, "<", "read", "res=12 data=GET / HTTP/1.1", "/var/log/nginx.log", "file", false},
	{6, "curl", 100, "<", "close", "res=0", "", "file", false},
	{7, "curl", 100, "<", "procinfo", "cpu_usr=1 cpu_sys=2", "", "other", true}, // not shown by filters
}

func ddl() string {
	cols := []string{"capture VARCHAR"}
	for _, c := range schemaMembers {
		cols = append(cols, fmt.Sprintf("%q STRUCT(%s)", c.col, c.members))
	}
	return "CREATE TABLE events (" + strings.Join(cols, ", ") + ")"
}

func insertEvent(capture string, num int, proc string, tid int, dir, typ, args, fdname, category string, hidden bool) string {
	nullable := func(s string) string {
		if s == "" {
			return "NULL"
		}
		return sqlquote.String(s)
	}
	ts := fmt.Sprintf("TIMESTAMP_NS '2024-05-01 12:00:00' + INTERVAL (%d) MICROSECOND", num)
	return fmt.Sprintf(`INSERT INTO events (capture, evt, thread, proc, fd) VALUES (%s,
		{'num': %d, 'time': %s, 'datetime': strftime(%s, '%%Y-%%m-%%d %%H:%%M:%%S.%%n'), 'dir': %s, 'type': %s, 'args': %s, 'category': %s, 'hidden': %t},
		{'tid': %d}, {'name': %s, 'pid': %d}, {'name': %s})`,
		sqlquote.String(capture), num, ts, ts, sqlquote.String(dir), sqlquote.String(typ), sqlquote.String(args), sqlquote.String(category), hidden,
		tid, sqlquote.String(proc), tid, nullable(fdname))
}

func newFakeBackend() (*fakeBackend, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	stmts := []string{ddl(), "CREATE TABLE processes (pid BIGINT, name VARCHAR)",
		"INSERT INTO processes VALUES (100, 'curl'), (200, 'bash'), (300, 'nginx')"}
	for _, e := range testEvents {
		stmts = append(stmts, insertEvent("test.scap", e.num, e.proc, e.tid, e.dir, e.typ, e.args, e.fdname, e.category, e.hidden))
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			db.Close()
			return nil, fmt.Errorf("%s: %w", s, err)
		}
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		db.Close()
		return nil, err
	}
	return &fakeBackend{db: db, conn: conn}, nil
}

func (f *fakeBackend) Conn() *sql.Conn { return f.conn }

func (f *fakeBackend) Close() error {
	f.conn.Close()
	return f.db.Close()
}

func (f *fakeBackend) Load(ctx context.Context, paths ...string) error {
	for _, p := range paths {
		var n int
		if err := f.conn.QueryRowContext(ctx, "SELECT max(evt.num) + 1 FROM events").Scan(&n); err != nil {
			return err
		}
		if _, err := f.conn.ExecContext(ctx, insertEvent(filepath.Base(p), n, "loaded", 1, ">", "open", "name="+p, p, "file", false)); err != nil {
			return err
		}
		f.loaded = append(f.loaded, p)
	}
	return nil
}

func testBackend(t *testing.T) *fakeBackend {
	t.Helper()
	b, err := newFakeBackend()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}
