package repl

import "testing"

// TestIsEventRef tells .follow's event references from filters, IPv6 addresses included.
func TestIsEventRef(t *testing.T) {
	files := []string{"a.scap", "dir/b:c.scap"}
	for _, tc := range []struct {
		arg  string
		want bool
	}{
		{"1312", true},
		{"a.scap:1312", true},
		{"dir/b:c.scap:7", true},
		{"fd.sip = ::1", false},
		{"fd.sip=::1", false},
		{"x.scap:12", false}, // not loaded: read as a filter, whose error names the text
		{"evt.type = read", false},
		{"-3", false},
	} {
		if got := isEventRef(tc.arg, files); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.arg, got, tc.want)
		}
	}
}
