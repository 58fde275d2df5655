package wireshark

import (
	"errors"
	"strings"
	"testing"

	"github.com/scapql/scapql/translate/ast"
	"github.com/scapql/scapql/translate/diag"
)

func TestParseCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{`evt.type == "connect"`, `evt.type = "connect"`},
		{`(evt.failed == True) && !(evt.res == "EAGAIN") && !(evt.res == "EALREADY")`,
			`(evt.failed = True and not evt.res = "EAGAIN" and not evt.res = "EALREADY")`},
		{`evt.type eq "open"`, `evt.type = "open"`},
		{`evt.type == "read" && fd.type == "ipv4" || evt.type == "write"`, `((evt.type = "read" and fd.type = "ipv4") or evt.type = "write")`},
		{`evt.type == "write" || evt.type == "read" && fd.type == "ipv4"`, `(evt.type = "write" or (evt.type = "read" and fd.type = "ipv4"))`},
		{`! fd.name == "/etc/hosts"`, `not fd.name = "/etc/hosts"`},
		{`fd.name !== "/dev/null"`, `fd.name != "/dev/null"`},
		{`evt.res any_eq "ENOENT"`, `evt.res = "ENOENT"`},
		{`any fd.sport == 80`, `fd.sport = 80`},
		{`0 > evt.rawres`, `0 > evt.rawres`},
		{`-evt.rawres == 11`, `(-evt.rawres) = 11`},
		{`evt.rawres + 1 == 4`, `(evt.rawres + 1) = 4`},
		{`evt.latency > 1000 * 1000 + 5`, `evt.latency > ((1000 * 1000) + 5)`},
		{`fd.sport in {80, 500..600}`, `fd.sport in (80, 500..600)`},
		{`fd.sport in {80 443 8080}`, `fd.sport in (80, 443, 8080)`},
		{`evt.type not in {"switch", "futex"}`, `not evt.type in ("switch", "futex")`},
		{`fd.name matches "(?-i)\\.conf$"`, `fd.name matches "(?-i)\\.conf$"`},
		{`fd.name ~ "resolv"`, `fd.name matches "resolv"`},
		{`proc.cmdline matches r"\d"`, `proc.cmdline matches "\\d"`},
		{`fd.name`, `fd.name exists`},
		{`not evt.res && evt.dir == "<"`, `(not evt.res exists and evt.dir = "<")`},
		{`fd.sip.v6 == 2001:4860:4860::8888`, `fd.sip.v6 = 2001:4860:4860::8888`},
		{`fd.cip.v4 == 127.0.0.1`, `fd.cip.v4 = 127.0.0.1`},
		{`proc.aname.2 == "sshd"`, `proc.aname.2 = "sshd"`},
		{`evt.type == "open" xor fd.name == "/etc/ld.so.cache" or x`, `((evt.type = "open" xor fd.name = "/etc/ld.so.cache") or x exists)`},
		{`lower(evt.category) == "ipc"`, `lower(evt.category) = "ipc"`},
		{`fd.name[0:5] == "/etc/"`, `fd.name[0:5] = "/etc/"`},
		{`fd.name[-3:,1-2] == "x"`, `fd.name[-3:,1-2] = "x"`},
		{`evt.buffer contains 47:45:54:20:2f`, `evt.buffer contains 47:45:54:20:2f`},
		{`1 < evt.cpu <= 3`, `(1 < evt.cpu and evt.cpu <= 3)`},
		{`fd.typechar == 'f'`, `fd.typechar = 'f'`},
		{`.fd.name == proc.name`, `.fd.name = proc.name`},
		{`{evt.rawres + 1} * 2 == 8`, `((evt.rawres + 1) * 2) = 8`},
		{`fd.sip.v4 == 192.168.0.0/24`, `fd.sip.v4 = 192.168.0.0/24`},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in, 0)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := ast.String(e); got != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		pos  int
		frag string
	}{
		{"", 0, "empty"},
		{`evt.type == "open`, 12, "final quote"},
		{`evt.type == "a\qb"`, 14, "escape"},
		{`fd.name == ${proc.name}`, 11, "not supported"},
		{`(evt.type == "x"`, 0, "missing ')'"},
		{`fd.sport in {80,}`, 16, "after ','"},
		{`fd.sport in 80`, 12, "'{'"},
		{`"abc"`, 0, "comparison"},
		{`fd.name == 'ab'`, 11, "character constant"},
		{`fd.name == "x" fd.type`, 15, "unexpected"},
		{"fd.name == \x01", 11, "non-printable"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in, 0)
		var de *diag.Error
		if !errors.As(err, &de) {
			t.Errorf("Parse(%q): want a diag.Error, got %v", tt.in, err)
			continue
		}
		if de.Pos != tt.pos || !strings.Contains(de.Msg, tt.frag) {
			t.Errorf("Parse(%q): got %q at %d, want %q at %d", tt.in, de.Msg, de.Pos, tt.frag, tt.pos)
		}
	}
}

func TestDepthLimit(t *testing.T) {
	for _, deep := range []string{
		strings.Repeat("(", 5000) + "fd.name" + strings.Repeat(")", 5000),
		strings.Repeat("!", 5000) + "fd.name",
		"evt.rawres == " + strings.Repeat("-", 5000) + "1",
		"evt.rawres == " + strings.Repeat("{", 5000) + "1" + strings.Repeat("}", 5000),
		"evt.rawres == 1" + strings.Repeat(" + 1", 5000),
	} {
		if _, err := Parse(deep, 0); err == nil || !strings.Contains(err.Error(), "limit") {
			t.Errorf("want a depth error for %.30q..., got %v", deep, err)
		}
	}
}
