package coloring

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, text string
		want       []Rule
		err        string
	}{
		{"wireshark", "# Wireshark's own file\n@Bad TCP@tcp.analysis.flags && !tcp.analysis.window_update@[4626,10023,11822][63479,34695,34695]\n!@TTL low@ip.ttl < 5@[65535,65535,65535][41120,0,0]\n",
			[]Rule{{Name: "Bad TCP", Filter: "tcp.analysis.flags && !tcp.analysis.window_update", FG: Color{18, 39, 46}, BG: Color{247, 135, 135}, Line: 2},
				{Name: "TTL low", Filter: "ip.ttl < 5", FG: Color{255, 255, 255}, BG: Color{160, 0, 0}, Disabled: true, Line: 3}}, ""},
		{"hex and an @ in the filter", "@Mail@fd.name contains \"a@b\"@[#000000] [#a0FF10]\n",
			[]Rule{{Name: "Mail", Filter: `fd.name contains "a@b"`, BG: Color{0xa0, 0xff, 0x10}, Line: 1}}, ""},
		{"no @", "Failed@evt.failed@[0,0,0][0,0,0]", nil, "x:1: a rule starts with @"},
		{"one colour", "\n@F@evt.failed@[0,0,0]", nil, "x:2: background"},
		{"bad component", "@F@evt.failed@[0,0,70000][0,0,0]", nil, "component"},
		{"bad hex", "@F@evt.failed@[#12345][0,0,0]", nil, "#rrggbb"},
		{"no filter", "@F@@[0,0,0][0,0,0]", nil, "no filter"},
		{"trailing", "@F@evt.failed@[0,0,0][0,0,0] x", nil, "after the colours"},
	}
	for _, tc := range tests {
		got, err := Parse(strings.NewReader(tc.text), "x")
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d rules, want %d", tc.name, len(got), len(tc.want))
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: rule %d = %+v, want %+v", tc.name, i, got[i], tc.want[i])
			}
		}
	}
}

func TestDefaults(t *testing.T) {
	set, err := Compile(Defaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Rules) != 7 || set.Rules[0].Name != "Failed system calls" {
		t.Fatalf("defaults: %+v", set.Rules)
	}
	if got := set.ANSI(0); got != "\x1b[38;2;255;255;255m\x1b[48;2;176;20;20m" {
		t.Errorf("ANSI = %q", got)
	}
	if set.ANSI(-1) != "" || set.ANSI(7) != "" {
		t.Error("ANSI of no rule")
	}
	if !strings.HasPrefix(set.SQL(), "CASE WHEN coalesce((") || !strings.HasSuffix(set.SQL(), " THEN 6 END") {
		t.Errorf("SQL = %s", set.SQL())
	}
	for _, tc := range []struct {
		mode     string
		terminal bool
		want     bool
	}{{"auto", true, true}, {"auto", false, false}, {"always", false, true}, {"never", true, false}} {
		if got, err := Mode(tc.mode, tc.terminal); err != nil || got != tc.want {
			t.Errorf("Mode(%s, %v) = %v, %v", tc.mode, tc.terminal, got, err)
		}
	}
	if _, err := Mode("sometimes", true); err == nil {
		t.Error("Mode accepted sometimes")
	}
}
