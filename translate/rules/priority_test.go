package rules

import (
	"strings"
	"testing"
)

func TestParsePriority(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Priority
		err  bool
	}{
		{"EMERGENCY", Emergency, false},
		{"Critical", Critical, false},
		{"warning", Warning, false},
		{"INFO", Informational, false},
		{"informational", Informational, false},
		{"debug", Debug, false},
		{"severe", 0, true},
	} {
		got, err := ParsePriority(tc.in)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("%q: %v, %v", tc.in, got, err)
		}
	}
	if Informational.String() != "Informational" || Warning.String() != "Warning" {
		t.Errorf("names: %s %s", Informational, Warning)
	}
}

// TestRequiredEngineVersion: a rules file that needs a newer engine is refused, as Falco
// refuses it; older ones (integer or X.Y.Z) load.
func TestRequiredEngineVersion(t *testing.T) {
	for _, tc := range []struct {
		version string
		err     string
	}{
		{"15", ""},
		{"31", ""},
		{"0.31.0", ""},
		{"0.26.2", ""},
		{"32", "require engine version 32, scapql implements 0.31.0"},
		{"0.31.1", "require engine version 0.31.1"},
		{"1.0.0", "require engine version 1.0.0"},
		{"0.x.0", "not a version"},
	} {
		rs := &Ruleset{}
		err := rs.Add("v.yaml", []byte("- required_engine_version: "+tc.version+"\n"))
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: %v, want %q", tc.version, err, tc.err)
		}
	}
}
