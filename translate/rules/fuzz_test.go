package rules

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzRulesLoad: any YAML loads or fails with an error; every rule that loads can be
// checked (macro expansion and translation) without a panic or a hang.
func FuzzRulesLoad(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("- macro: m\n  condition: m\n- rule: r\n  condition: m\n  output: x\n  priority: INFO\n  desc: d\n"))
	f.Add([]byte("- list: l\n  items: [a, l]\n- rule: r\n  condition: proc.name in (l)\n  output: x\n  priority: INFO\n  desc: d\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs := &Ruleset{}
		if err := rs.Add("fuzz.yaml", data); err != nil {
			return
		}
		rs.Check()
	})
}
