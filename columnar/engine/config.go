package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// AllowNetwork lets DuckDB reach the network: install and load extensions on demand, read
// http(s) and s3 URLs. Off by default: scapql is an offline analysis tool, and a statement
// naming a URL (or an extension DuckDB would fetch) must not reach out unless asked to
// (--allow-network).
var AllowNetwork bool

// settings are what every connection starts with. Offline, DuckDB neither installs nor
// loads extensions by itself (so an http(s) or s3 URL fails at once: the httpfs extension is
// not loaded), and its own HTTP client, which INSTALL uses even for an explicit FROM URL,
// goes through a proxy on a closed local port, so that it fails in milliseconds instead of
// waiting minutes on a server that never answers (and cannot be interrupted meanwhile).
//
// enable_external_access stays on: off, DuckDB refuses any later change of temp_directory,
// which the engine and convert make to spill to their own directories, and it does not stop
// INSTALL ... FROM 'http://...' either.
func settings() []string {
	if AllowNetwork {
		return nil
	}
	return []string{
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
		"SET http_proxy = '" + offlineProxy + "'",
	}
}

// offlineProxy is where DuckDB's HTTP requests go offline: the discard port of the loopback
// address, where nothing listens, so a connection is refused at once.
const offlineProxy = "127.0.0.1:9"

// openDuckDB opens the database at path ("" in memory) with settings applied, taking path
// literally: it is made absolute (so "a:b.duckdb" is no URL), and a path DuckDB would read
// options from ('?') is refused rather than opened as another file with options.
func openDuckDB(ctx context.Context, path string) (*sql.DB, *sql.Conn, error) {
	dsn := ""
	if path != "" {
		if strings.ContainsAny(path, "?#%") {
			return nil, nil, fmt.Errorf("database path %q: the characters ? # %% are not allowed in a database file name (DuckDB would read what follows as connection options)", path)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, nil, fmt.Errorf("database path %q: %w", path, err)
		}
		dsn = abs
	}
	init := settings()
	connector, err := duckdb.NewConnector(dsn, func(ex driver.ExecerContext) error {
		for _, s := range init {
			if _, err := ex.ExecContext(context.Background(), s, nil); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("open database %s: %w", path, err)
	}
	sdb := sql.OpenDB(connector)
	conn, err := sdb.Conn(ctx)
	if err != nil {
		sdb.Close()
		return nil, nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := registerFunctions(ctx, conn); err != nil {
		conn.Close()
		sdb.Close()
		return nil, nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return sdb, conn, nil
}
