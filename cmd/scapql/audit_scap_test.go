package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/internal/sqlrows"
)

// writePluginCapture writes the records of the audit logs as a capture of plugin events
// (pluginevent: plugin id, payload), as Falco and falcodump record them.
func writePluginCapture(t *testing.T, logs []string, path string) int {
	t.Helper()
	var buf bytes.Buffer
	n, err := writeAuditCapture(context.Background(), &buf, logs, audit.Unknown, func(err error) { t.Error(err) })
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return n
}

// tableText is a query's rows as text.
func tableText(t *testing.T, db *engine.DB, query string) string {
	t.Helper()
	rows, err := db.Query(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b bytes.Buffer
	if err := writeRows(&b, sqlrows.Driver{Rows: rows}, nil, "jsonl"); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestAuditFromCapture: a capture of plugin events reads into the same rows, and prints the
// same values, as the audit logs it was written from.
func TestAuditFromCapture(t *testing.T) {
	ctx := context.Background()
	logs := []string{filepath.Join(auditData, "cloudtrail"), filepath.Join(auditData, "k8s_audit")}
	capture := filepath.Join(t.TempDir(), "plugins.scap")
	n := writePluginCapture(t, logs, capture)

	fromLogs, err := engine.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer fromLogs.Close()
	if _, err := fromLogs.LoadAudit(ctx, logs, nil); err != nil {
		t.Fatal(err)
	}
	fromCapture, err := engine.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer fromCapture.Close()
	st, err := fromCapture.LoadAudit(ctx, nil, []string{capture})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Rows["cloudtrail"] + st.Rows["k8saudit"]; got != int64(n) {
		t.Fatalf("capture: %d rows, want %d", got, n)
	}
	// A question over the capture read lazily fills the audit tables when it names them.
	lazy, err := engine.OpenLazy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lazy.Close()
	if err := lazy.AddInputs(ctx, []string{capture}); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"cloudtrail", "k8saudit"} {
		q := "SELECT * EXCLUDE (capture, record) FROM " + table + " ORDER BY evt.num"
		a, b := tableText(t, fromLogs, q), tableText(t, fromCapture, q)
		if a != b || a == "" {
			t.Errorf("%s: rows differ\nlogs:    %.300s\ncapture: %.300s", table, a, b)
		}
		if _, err := lazy.Prepare(ctx, q); err != nil {
			t.Fatal(err)
		}
		if c := tableText(t, lazy, q); c != a {
			t.Errorf("%s read lazily: rows differ\nlogs: %.300s\nlazy: %.300s", table, a, c)
		}
	}

	// print reads the capture's plugin events with the audit fields too
	format := "*%evt.num %evt.pluginname %ct.name %ka.verb %ka.req.pod.containers.image %jevt.rawtime"
	var fromJSON, fromScap, errb bytes.Buffer
	for _, l := range logs {
		if err := runPrint(&fromJSON, &errb, printFlags{read: l, format: format, dialect: "auto"}, "ct.name exists or ka.verb exists"); err != nil {
			t.Fatal(err, errb.String())
		}
	}
	if err := runPrint(&fromScap, &errb, printFlags{read: capture, format: format, dialect: "auto"}, "ct.name exists or ka.verb exists"); err != nil {
		t.Fatal(err, errb.String())
	}
	// the logs were printed file by file, each numbered from 1: compare without evt.num
	strip := func(s string) string {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			_, lines[i], _ = strings.Cut(l, " ")
		}
		return strings.Join(lines, "\n")
	}
	if strip(fromJSON.String()) != strip(fromScap.String()) {
		t.Errorf("print differs:\njson: %.400s\nscap: %.400s", fromJSON.String(), fromScap.String())
	}
}

// TestAuditConvert: audit logs convert to one Parquet file per table, with the rows the
// database holds.
func TestAuditConvert(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	out := filepath.Join(dir, "audit.parquet")
	var errb bytes.Buffer
	if err := runConvert(ctx, &errb, convertFlags{out: out}, []string{auditData}); err != nil {
		t.Fatal(err, errb.String())
	}
	single := filepath.Join(dir, "ct.parquet")
	if err := runConvert(ctx, &errb, convertFlags{out: single}, []string{filepath.Join(auditData, "cloudtrail")}); err != nil {
		t.Fatal(err, errb.String())
	}
	db, err := engine.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for q, want := range map[string]string{
		"SELECT count(*) AS n FROM '" + filepath.Join(out, "k8saudit.parquet") + "' WHERE ka.verb = 'create'": `{"n":19}`,
		"SELECT count(*) AS n FROM '" + filepath.Join(out, "cloudtrail.parquet") + "'":                        `{"n":2}`,
		"SELECT ct.name AS n FROM '" + single + "' WHERE record = 0 LIMIT 1":                                  `{"n":"StartInstances"}`,
	} {
		if got := strings.TrimSpace(tableText(t, db, q)); got != want {
			t.Errorf("%s: got %s, want %s", q, got, want)
		}
	}
}
