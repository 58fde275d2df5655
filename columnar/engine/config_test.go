package engine

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPathsAreLiteral: a database path is a file name, whatever characters it holds; one
// DuckDB would read options from is refused with a clear error, not opened as another file.
func TestPathsAreLiteral(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	tests := []struct{ path, file, err string }{
		{"a:b.duckdb", "a:b.duckdb", ""},
		{"http:x.duckdb", "http:x.duckdb", ""},
		{filepath.Join(dir, "c:d.duckdb"), "c:d.duckdb", ""},
		{"dbw?threads=1", "", `database path "dbw?threads=1": the characters ? # % are not allowed`},
		{"e#f.duckdb", "", "are not allowed in a database file name"},
	}
	for _, tt := range tests {
		db, err := Open(context.Background(), tt.path)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: want an error with %q, got %v", tt.path, tt.err, err)
			}
			if db != nil {
				db.Close()
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.path, err)
			continue
		}
		db.Close()
		if _, err := os.Stat(filepath.Join(dir, tt.file)); err != nil {
			t.Errorf("%s: no file %s: %v", tt.path, tt.file, err)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 3 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("files %v, want the three databases only", names)
	}
}

// TestOffline: DuckDB reaches no network unless AllowNetwork. Against a server that accepts
// connections and never answers, INSTALL ... FROM its URL, a plain INSTALL and a read of an
// https URL fail within seconds (DuckDB's own client waited 2 minutes, uninterruptibly).
func TestOffline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var held []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // never answered
		}
	}()
	url := "http://" + ln.Addr().String()
	db, err := Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []struct{ sql, err string }{
		{"INSTALL spatial FROM '" + url + "'", "Could not establish connection"},
		{"INSTALL spatial", "Could not establish connection"},
		{"SELECT * FROM read_csv('https://" + ln.Addr().String() + "/x.csv')", "requires the extension httpfs"},
		{"SELECT * FROM read_csv('" + url + "/x.csv')", "requires the extension httpfs"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		start := time.Now()
		_, err := db.Exec(ctx, q.sql)
		cancel()
		if err == nil || !strings.Contains(err.Error(), q.err) {
			t.Errorf("%s: want an error with %q, got %v", q.sql, q.err, err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: %v", q.sql, d)
		}
	}
	var v string
	if err := db.Conn().QueryRowContext(context.Background(), "SELECT current_setting('autoload_known_extensions')::VARCHAR").Scan(&v); err != nil || v != "false" {
		t.Errorf("autoload_known_extensions = %q, %v", v, err)
	}
}
