package main

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate"
	"github.com/scapql/scapql/translate/rules"
)

// TestAuditRules runs every rule of Falco's cloudtrail and k8saudit rules files over the
// shared records, in process (as print does) and in SQL over the audit tables, and wants the
// same records from both.
func TestAuditRules(t *testing.T) {
	ctx := context.Background()
	inputs := []string{filepath.Join(auditData, "cloudtrail"), filepath.Join(auditData, "k8s_audit")}
	db, err := engine.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.LoadAudit(ctx, inputs, nil); err != nil {
		t.Fatal(err)
	}
	tables := map[string]string{"aws_cloudtrail": "cloudtrail", "k8s_audit": "k8saudit"}
	for _, file := range []string{"aws_cloudtrail_rules.yaml", "k8s_audit_rules.yaml"} {
		rs, err := rules.Load(filepath.Join(auditData, "rules", file))
		if err != nil {
			t.Fatal(err)
		}
		n, firing := 0, 0
		for _, r := range rs.Rules() {
			table, ok := tables[r.Source]
			if !ok {
				t.Errorf("%s: source %s", r.Name, r.Source)
				continue
			}
			opts := translate.Options{Dialect: translate.Falco, Resolver: rs}
			match, res, err := translate.Matcher(r.FullCondition(), opts)
			if err != nil {
				t.Errorf("%s: %v", r.Name, err)
				continue
			}
			n++
			var inProcess []int64
			err = ingest.ReadAudit(inputs, audit.Options{}, state.Options{}, func(ev *state.Event) error {
				if rec, ok := ev.Plugin.(*audit.Record); ok && rec.Kind.Source() == r.Source && match(ev) {
					inProcess = append(inProcess, int64(ev.Num))
				}
				return nil
			}, func(err error) { t.Error(err) })
			if err != nil {
				t.Fatal(err)
			}
			rows, err := db.Query(ctx, "SELECT evt.num FROM "+table+" WHERE "+res.SQL+" ORDER BY evt.num")
			if err != nil {
				t.Errorf("%s: SQL %s: %v", r.Name, res.SQL, err)
				continue
			}
			var inSQL []int64
			for rows.Next() {
				var v int64
				rows.Scan(&v)
				inSQL = append(inSQL, v)
			}
			rows.Close()
			if !reflect.DeepEqual(inProcess, inSQL) {
				t.Errorf("%s: print matches %v, SQL %v", r.Name, inProcess, inSQL)
			}
			if len(inSQL) > 0 {
				firing++
				t.Logf("%s: %s fires on %v", file, r.Name, inSQL)
			}
		}
		t.Logf("%s: %d rules run, %d fire on the shared records, print and SQL agree", file, n, firing)
	}
}
