package rules

import (
	"bytes"
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

// FuzzRulesLoadLarge repeats the input to make a large file: loading stays within the limits
// (an error naming one, or a ruleset), never a panic, and a file under the limits that loads
// can be checked.
func FuzzRulesLoadLarge(f *testing.F) {
	f.Add([]byte("- macro: m\n  condition: proc.name = a\n"), uint16(5000))
	f.Add([]byte("- list: l\n  items: [a, b, "), uint16(20000))
	f.Add([]byte("["), uint16(60000))
	f.Add([]byte("- "), uint16(60000))
	f.Add([]byte("  - x\n"), uint16(300))
	f.Add([]byte("- macro: m\n  condition: m and m\n- rule: r\n  condition: m\n  output: x\n  priority: INFO\n  desc: d\n"), uint16(2))
	f.Fuzz(func(t *testing.T, chunk []byte, times uint16) {
		data := bytes.Repeat(chunk, int(times)+1)
		rs := &Ruleset{Limits: Limits{MaxBytes: 1 << 20, MaxNodes: 20_000, MaxItems: 2_000}}
		if err := rs.Add("fuzz.yaml", data); err != nil {
			return
		}
		if len(rs.Macros()) > 2000 {
			t.Fatalf("%d macros past the limit", len(rs.Macros()))
		}
		rs.Check()
	})
}
