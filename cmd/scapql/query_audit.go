package main

import (
	"context"
	"fmt"
	"io"

	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/ingest"
)

// defaultAuditQuery is query's question when only audit logs are given.
const defaultAuditQuery = `SELECT evt.num, evt.datetime, evt.source, info FROM (
  SELECT evt, ct.info AS info FROM cloudtrail
  UNION ALL
  SELECT evt, concat_ws(' ', ka.user_name, ka.verb, ka.target_resource, ka.target_name) FROM k8saudit)
ORDER BY evt.num LIMIT 20`

// splitAuditLogs separates audit logs (JSON, directories of them) from captures and the
// table files convert writes.
func splitAuditLogs(paths []string) (logs, captures []string) {
	for _, p := range paths {
		if !engine.IsTableFile(p) && ingest.IsAuditLog(p) {
			logs = append(logs, p)
		} else {
			captures = append(captures, p)
		}
	}
	return logs, captures
}

// loadAudit fills the cloudtrail and k8saudit tables from audit logs and from the plugin
// events of the captures just loaded (if they have any). Damaged records are reported on
// stderr and skipped.
func loadAudit(ctx context.Context, db *engine.DB, stderr io.Writer, logs, captures []string) error {
	var withPlugins []string
	for _, c := range captures {
		var n int64
		row := db.Conn().QueryRowContext(ctx, `SELECT count(*) FROM events WHERE capture = ? AND evt.type = 'pluginevent'`, c)
		if row.Scan(&n) == nil && n > 0 {
			withPlugins = append(withPlugins, c)
		}
	}
	if len(logs) == 0 && len(withPlugins) == 0 {
		return nil
	}
	st, err := db.LoadAudit(ctx, logs, withPlugins)
	if st != nil {
		for _, d := range st.Damaged {
			fmt.Fprintln(stderr, d)
		}
	}
	return err
}
