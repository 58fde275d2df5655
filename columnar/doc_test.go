package columnar

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

const (
	schemaDoc  = "../docs/schema.md"
	beginMark  = "<!-- BEGIN GENERATED: go test ./columnar -run TestSchemaDoc with SCAPQL_UPDATE_DOCS=1 -->"
	endMark    = "<!-- END GENERATED -->"
	updateDocs = "SCAPQL_UPDATE_DOCS"
)

// generatedDoc lists every member and side table column, from the same data the tables are
// built from.
func generatedDoc() string {
	var b strings.Builder
	b.WriteString("### Members of the events table\n\n")
	b.WriteString("`capture` VARCHAR, then one struct per class. *NULL* marks a member the schema promises\n")
	b.WriteString("but whose field scapql cannot extract yet: it is NULL on every row.\n")
	cols := EventColumns()
	for _, s := range Structs {
		name := s
		if s == "group" {
			name = `"group"`
		}
		b.WriteString("\n#### `" + name + "`\n\n| member | type | filter field | |\n|---|---|---|---|\n")
		for _, c := range cols {
			if c.Struct != s {
				continue
			}
			field, note := "`"+c.Field+"`", ""
			if c.Extra {
				field, note = "", c.Doc
			}
			if c.Null {
				note = "*NULL*"
			}
			if c.Field == "evt.time" {
				note = "UTC"
			}
			b.WriteString("| `" + c.Member + "` | " + c.Type.SQL() + " | " + field + " | " + note + " |\n")
		}
	}
	b.WriteString("\n### Side tables\n")
	for _, t := range Tables {
		if t.Name == "events" {
			continue
		}
		b.WriteString("\n#### `" + t.Name + "`: " + t.Doc + "\n\n| column | type | |\n|---|---|---|\n")
		for _, f := range t.Fields {
			b.WriteString("| `" + f.Name + "` | " + f.Type.SQL() + " | " + f.Doc + " |\n")
		}
	}
	b.WriteString("\n### Catalogue fields with no member yet\n\n")
	var none []string
	for _, n := range NotExtracted() {
		if !inContract(n) {
			none = append(none, "`"+n+"`")
		}
	}
	b.WriteString(strings.Join(none, ", ") + "\n")
	return b.String()
}

// TestSchemaDoc keeps the generated part of docs/schema.md true to the tables; with
// SCAPQL_UPDATE_DOCS=1 it rewrites it.
func TestSchemaDoc(t *testing.T) {
	raw, err := os.ReadFile(schemaDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i, j := strings.Index(doc, beginMark), strings.Index(doc, endMark)
	if i < 0 || j < i {
		t.Fatalf("%s: no generated section", schemaDoc)
	}
	want := beginMark + "\n\n" + generatedDoc() + "\n" + endMark
	if os.Getenv(updateDocs) != "" {
		doc = doc[:i] + want + doc[j+len(endMark):]
		if err := os.WriteFile(schemaDoc, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if doc[i:j+len(endMark)] != want {
		t.Errorf("%s is out of date with the tables: run %s=1 go test ./columnar -run TestSchemaDoc", schemaDoc, updateDocs)
	}
	// Every member the SQL examples name must exist.
	all := map[string]bool{}
	for _, c := range EventColumns() {
		all[c.Struct+"."+c.Member] = true
	}
	ref := regexp.MustCompile(`\b(evt|proc|thread|fd|user|group|container)"?\.([a-z_]+)`)
	for _, block := range regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(doc[:i], -1) {
		for _, m := range ref.FindAllStringSubmatch(block[1], -1) {
			if !all[m[1]+"."+m[2]] {
				t.Errorf("%s: an example names %s.%s, which is not a member", schemaDoc, m[1], m[2])
			}
		}
	}
}
