package check

import (
	"net/netip"
	"regexp"
	"testing"
)

// fnmatch(3) behaviour (flags 0) that glob must reproduce.
func TestGlobRegex(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "/a/b", true}, // '*' crosses '/' without FNM_PATHNAME
		{"/etc/*", "/etc/hosts", true},
		{"/etc/*", "/etcx/hosts", false},
		{"?", "é", true},
		{"?", "", false},
		{"*.conf", ".conf", true}, // a leading '.' is not special
		{"[13]", "3", true},
		{"[!1]", "2", true},
		{"[!1]", "1", false},
		{"[^1]", "1", false},
		{"[]]", "]", true},
		{"[]a]", "a", true},
		{"[a-c]", "b", true},
		{"[a-]", "-", true},
		{"[-a]", "-", true},
		{"[[:digit:]]x", "7x", true},
		{"[[:digit:]]x", "ax", false},
		{`\*`, "*", true},
		{`\*`, "a", false},
		{`a\`, `a\`, true},
		{"[ab", "[ab", true}, // unclosed bracket: literal
		{"a.b", "axb", false},
		{"(x)|y", "(x)|y", true},
		{"*\n*", "a\nb", true},
		{"[.]", ".", true},
		{"[\\]]", "]", true},
		{"[0- ]", "0", false}, // reversed range: matches nothing
		{"[z-ax]", "x", true},
		{"[!z-a]", "q", true},
		{"[é-ë]", "ê", true},
	}
	for _, tt := range tests {
		re, err := regexp.Compile("^(?s)" + globRegex(tt.pattern, false) + "$")
		if err != nil {
			t.Errorf("glob %q: bad regex: %v", tt.pattern, err)
			continue
		}
		if got := re.MatchString(tt.s); got != tt.want {
			t.Errorf("glob %q on %q = %v, want %v (regex %s)", tt.pattern, tt.s, got, tt.want, re)
		}
	}
}

// libsinsp's path-prefix match on '/'-separated components.
func TestPmatchRegex(t *testing.T) {
	tests := []struct {
		patterns []string
		s        string
		want     bool
	}{
		{[]string{"/etc"}, "/etc", true},
		{[]string{"/etc"}, "/etc/", true},
		{[]string{"/etc"}, "/etc/passwd", true},
		{[]string{"/etc"}, "/etcx", false},
		{[]string{"/etc"}, "//etc//passwd", true},
		{[]string{"/etc"}, "etc/passwd", true}, // components only: relative paths match too
		{[]string{"/etc/"}, "/etc/hosts", true},
		{[]string{"/usr/lib"}, "/usr", false},
		{[]string{"/usr/lib"}, "/usr/lib64", false},
		{[]string{"/usr", "/usr/lib"}, "/usr/x", true},
		{[]string{"/"}, "anything", true},
		{[]string{"/"}, "", true},
		{[]string{"/var/*/log"}, "/var/x/log/y", true},
		{[]string{"/var/*/log"}, "/var/x/y/log", false},
		{[]string{"/a.b"}, "/axb", false},
	}
	for _, tt := range tests {
		re := regexp.MustCompile("^" + pmatchRegex(tt.patterns) + "$")
		if got := re.MatchString(tt.s); got != tt.want {
			t.Errorf("pmatch %v on %q = %v, want %v (regex %s)", tt.patterns, tt.s, got, tt.want, re)
		}
	}
}

func TestIPText(t *testing.T) {
	tests := map[string]string{
		"127.0.0.1":            "127.0.0.1",
		"2001:0db8:0:0:0::3":   "2001:db8::3",
		"::1":                  "::1",
		"::":                   "::",
		"::ffff:10.1.2.3":      "::ffff:10.1.2.3",
		"::10.1.2.3":           "::10.1.2.3", // glibc keeps the IPv4-compatible form
		"2001:db8:0:1:0:0:0:1": "2001:db8:0:1::1",
		"fe80:0:0:0:0:0:0:0":   "fe80::",
	}
	for in, want := range tests {
		if got := IPText(netip.MustParseAddr(in)); got != want {
			t.Errorf("IPText(%s) = %s, want %s", in, got, want)
		}
	}
}
