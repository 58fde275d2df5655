package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/internal/sqlquote"
)

// LoadAudit reads audit logs and the plugin events of captures into the cloudtrail and
// k8saudit tables (see columnar.ReadAuditTables), in one transaction. The tables are created
// on first use; the rows of a source file loaded before are replaced.
func (db *DB) LoadAudit(ctx context.Context, logs, captures []string) (*columnar.AuditStats, error) {
	files, err := audit.Files(logs)
	if err != nil {
		return nil, err
	}
	var sources []string
	for _, f := range append(files, captures...) {
		sources = append(sources, columnar.CaptureName(f))
	}
	if _, err := db.conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return nil, err
	}
	committed := false
	defer func() {
		if !committed {
			db.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	for _, k := range []audit.Kind{audit.CloudTrail, audit.K8sAudit} {
		name := columnar.AuditTables[k]
		ddl, err := createTableAs(name, columnar.AuditSchema(k))
		if err != nil {
			return nil, err
		}
		ddl = strings.Replace(ddl, "CREATE TABLE "+sqlquote.QuotedIdent(name), "CREATE TABLE IF NOT EXISTS "+db.Table(name), 1)
		if _, err := db.conn.ExecContext(ctx, ddl); err != nil {
			return nil, fmt.Errorf("create %s: %w", name, err)
		}
		for _, s := range sources {
			if _, err := db.conn.ExecContext(ctx, "DELETE FROM "+db.Table(name)+" WHERE capture = ?", s); err != nil {
				return nil, fmt.Errorf("replace %s in %s: %w", s, name, err)
			}
		}
	}
	ins, err := newInserter(ctx, db)
	if err != nil {
		return nil, err
	}
	defer ins.close()
	st, err := columnar.ReadAuditTables(ctx, logs, captures, columnar.SinkFunc(func(table string, rec arrow.RecordBatch) error {
		if rec.NumRows() == 0 {
			return nil
		}
		return ins.insert(ctx, table, rec)
	}))
	if err != nil {
		return st, err
	}
	if _, err := db.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return st, fmt.Errorf("commit audit records: %w", err)
	}
	committed = true
	return st, nil
}
