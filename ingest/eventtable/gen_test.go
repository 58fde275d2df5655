package eventtable

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"
)

// TestGeneratedNames holds events_gen.go to the embedded table: one constant per event id,
// named by its enum (run `go generate ./ingest/eventtable/` after changing the table).
func TestGeneratedNames(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "events_gen.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			id, err := strconv.Atoi(vs.Values[0].(*ast.BasicLit).Value)
			if err != nil || id < 0 || id >= len(Events) {
				t.Fatalf("%s: id %v out of the table (%d events)", vs.Names[0].Name, vs.Values[0], len(Events))
			}
			if name := vs.Names[0].Name; name != Events[id].Enum {
				t.Errorf("constant %s = %d, the table names %d %s", name, id, id, Events[id].Enum)
			}
			seen[id] = true
		}
	}
	if len(seen) != len(Events) {
		t.Errorf("%d constants for %d events", len(seen), len(Events))
	}
	if PPME_SYSCALL_OPENAT_2_X != 307 || PPME_SCHEDSWITCH_6_E != 152 {
		t.Errorf("openat_2 exit %d, switch %d", PPME_SYSCALL_OPENAT_2_X, PPME_SCHEDSWITCH_6_E)
	}
}
