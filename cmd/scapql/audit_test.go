package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/translate/check"
	"github.com/scapql/scapql/translate/sqlgen"
)

// auditData holds real CloudTrail and Kubernetes audit files with expected.tsv: every field of
// every record as Falco's plugins extract it.
const auditData = "../../testdata/audit"

type auditGolden struct {
	file, field, value string
	index              int
}

func unescapeTSV(s string) string {
	r := strings.NewReplacer(`\\`, `\`, `\t`, "\t", `\n`, "\n", `\r`, "\r")
	return r.Replace(s)
}

func readAuditGolden(t *testing.T, sub string) []auditGolden {
	t.Helper()
	f, err := os.Open(filepath.Join(auditData, sub, "expected.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []auditGolden
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		c := strings.SplitN(sc.Text(), "\t", 4)
		i, _ := strconv.Atoi(c[1])
		out = append(out, auditGolden{file: c[0], index: i, field: c[2], value: unescapeTSV(c[3])})
	}
	return out
}

// jsonText renders a print -j value as the golden file writes it.
func jsonText(v any) string {
	switch v := v.(type) {
	case nil:
		return "<NA>"
	case json.Number:
		return v.String()
	case string:
		return v
	}
	return fmt.Sprint(v)
}

// TestAuditPrintGolden holds every field of every shared record, printed with -j -p, to the
// plugins' values.
func TestAuditPrintGolden(t *testing.T) {
	for _, sub := range []string{"cloudtrail", "k8s_audit"} {
		rows := readAuditGolden(t, sub)
		byFile := map[string][]auditGolden{}
		var fieldsOf = map[string][]string{}
		for _, g := range rows {
			byFile[g.file] = append(byFile[g.file], g)
		}
		agree := 0
		for file, gs := range byFile {
			seen := map[string]bool{}
			for _, g := range gs {
				if !seen[g.field] {
					seen[g.field] = true
					fieldsOf[file] = append(fieldsOf[file], g.field)
				}
			}
			format := "*%" + strings.Join(fieldsOf[file], " %")
			var out, errb bytes.Buffer
			if err := runPrint(&out, &errb, printFlags{read: filepath.Join(auditData, sub, file), format: format, json: true, dialect: "auto"}, ""); err != nil {
				t.Fatalf("%s: %v %s", file, err, errb.String())
			}
			var objs []map[string]any
			dec := json.NewDecoder(&out)
			dec.UseNumber()
			for dec.More() {
				var m map[string]any
				if err := dec.Decode(&m); err != nil {
					t.Fatal(err)
				}
				objs = append(objs, m)
			}
			for _, g := range gs {
				if g.index >= len(objs) {
					t.Fatalf("%s: no record %d", file, g.index)
				}
				if got := jsonText(objs[g.index][g.field]); got != g.value {
					t.Errorf("%s #%d %s: print %q, want %q", file, g.index, g.field, got, g.value)
				} else {
					agree++
				}
			}
		}
		t.Logf("%s: %d/%d field values agree through print -j -p", sub, agree, len(rows))
	}
}

// sqlText renders a DuckDB value as the golden file writes it.
func sqlText(v any) string {
	switch v := v.(type) {
	case nil:
		return "<NA>"
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = sqlText(e)
		}
		return "(" + strings.Join(parts, ",") + ")"
	case []byte:
		return string(v)
	}
	return fmt.Sprint(v)
}

// TestAuditSQLGolden holds every field of every shared record, read from the cloudtrail and
// k8saudit tables with the SQL the filter translator uses for it, to the plugins' values
// (jevt.obj through the json_obj function over raw).
func TestAuditSQLGolden(t *testing.T) {
	ctx := context.Background()
	db, err := engine.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.LoadAudit(ctx, []string{filepath.Join(auditData, "cloudtrail"), filepath.Join(auditData, "k8s_audit")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Damaged) > 0 {
		t.Fatalf("damaged: %v", st.Damaged)
	}
	for sub, table := range map[string]string{"cloudtrail": "cloudtrail", "k8s_audit": "k8saudit"} {
		rows := readAuditGolden(t, sub)
		want := map[string]map[string]string{} // field → "file#index" → value
		for _, g := range rows {
			if want[g.field] == nil {
				want[g.field] = map[string]string{}
			}
			want[g.field][g.file+"#"+strconv.Itoa(g.index)] = g.value
		}
		var names []string
		for f := range want {
			names = append(names, f)
		}
		sort.Strings(names)
		agree, total := 0, 0
		for _, field := range names {
			name, arg, hasArg := audit.SplitArg(field)
			col, err := check.AuditColumn(name, arg, hasArg)
			if err != nil {
				t.Errorf("%s: %v", field, err)
				continue
			}
			sql, err := sqlgen.ColumnSQL(col)
			if err != nil {
				t.Errorf("%s: %v", field, err)
				continue
			}
			res, err := db.Query(ctx, "SELECT capture, record, "+sql+" FROM "+table)
			if err != nil {
				t.Fatalf("%s: %s: %v", field, sql, err)
			}
			for res.Next() {
				var capture string
				var record int64
				var v any
				if err := res.Scan(&capture, &record, &v); err != nil {
					t.Fatal(err)
				}
				key := filepath.Base(capture) + "#" + strconv.FormatInt(record, 10)
				w, ok := want[field][key]
				if !ok {
					continue
				}
				total++
				if got := sqlText(v); got != w {
					t.Errorf("%s %s: SQL %q, want %q", key, field, got, w)
				} else {
					agree++
				}
			}
			res.Close()
		}
		t.Logf("%s: %d/%d field values agree through SQL", sub, agree, total)
	}
}

// TestAuditFilters: the two dialects over audit fields, in print and in SQL.
func TestAuditFilters(t *testing.T) {
	dir := t.TempDir()
	trail := filepath.Join(dir, "trail.jsonl")
	login := `{"eventVersion":"1.05","userIdentity":{"type":"IAMUser","userName":"bob"},"eventTime":"2023-05-01T10:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","sourceIPAddress":"1.2.3.4","errorMessage":"Failed authentication","errorCode":"Failed authentication","responseElements":{"ConsoleLogin":"Failure"}}`
	ok := `{"eventVersion":"1.05","userIdentity":{"type":"IAMUser","userName":"bob"},"eventTime":"2023-05-01T10:01:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","sourceIPAddress":"1.2.3.4","responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"No"}}`
	if err := os.WriteFile(trail, []byte(login+"\n"+ok+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := engine.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	k8s := filepath.Join(auditData, "k8s_audit")
	if _, err := db.LoadAudit(ctx, []string{trail, k8s}, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		input, table, filter string
		want                 int
	}{
		{trail, "cloudtrail", `ct.name = "ConsoleLogin" and ct.error exists`, 1},
		{trail, "cloudtrail", `ct.name = ConsoleLogin and json.value[/responseElements/ConsoleLogin] = Success and json.value[/additionalEventData/MFAUsed] = "No"`, 1},
		{k8s, "k8saudit", `ka.verb == "create" && ka.target.resource == "pods"`, 7},
		{k8s, "k8saudit", `jevt.obj contains "\"verb\": \"create\""`, 19},
		{k8s, "k8saudit", `ka.req.pod.containers.image.repository in (nginx, mysql) and ka.req.pod.containers.privileged intersects (true)`, 1},
		{k8s, "k8saudit", `ka.user.groups intersects (system:masters) and ka.uri.param[command] = bash`, 1},
	} {
		var out, errb bytes.Buffer
		if err := runPrint(&out, &errb, printFlags{read: c.input, dialect: "auto"}, c.filter); err != nil {
			t.Fatalf("%s: %v %s", c.filter, err, errb.String())
		}
		if got := strings.Count(out.String(), "\n"); got != c.want {
			t.Errorf("print %s: %d lines, want %d\n%s", c.filter, got, c.want, out.String())
		}
		where, err := filterSQL(c.filter)
		if err != nil {
			t.Fatal(err)
		}
		_, where, _ = strings.Cut(where, " AND ") // the events table's hidden-event guard
		var n int
		if err := db.Conn().QueryRowContext(ctx, "SELECT count(*) FROM "+c.table+" WHERE "+where).Scan(&n); err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		if n != c.want {
			t.Errorf("SQL %s: %d rows, want %d", c.filter, n, c.want)
		}
		// query --filter restricts the audit table the fields belong to.
		out.Reset()
		qf := queryFlags{reads: []string{c.input}, filter: c.filter, format: "csv", memory: "640MB"}
		if err := runQuery(ctx, &out, &errb, qf, "SELECT count(*) FROM "+c.table); err != nil {
			t.Fatalf("query --filter %s: %v %s", c.filter, err, errb.String())
		}
		if got := strings.TrimSpace(out.String()); !strings.HasSuffix(got, "\n"+strconv.Itoa(c.want)) {
			t.Errorf("query --filter %s: %q, want %d rows", c.filter, got, c.want)
		}
	}
	// Capture and audit fields in one filter restrict no one kind of input.
	var out, errb bytes.Buffer
	qf := queryFlags{reads: []string{trail}, filter: `ct.name = ConsoleLogin and proc.name = bash`, format: "csv", memory: "640MB"}
	if err := runQuery(ctx, &out, &errb, qf, "SELECT count(*) FROM cloudtrail"); err == nil || !strings.Contains(err.Error(), "capture fields and audit fields") {
		t.Errorf("mixed filter: %v", err)
	}
}
