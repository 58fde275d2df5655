package falco

import (
	"errors"
	"strings"
	"testing"

	"github.com/scapql/scapql/translate/ast"
	"github.com/scapql/scapql/translate/diag"
)

func TestParseCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"evt.type = connect", "evt.type = connect"},
		{"evt.type=mmap and evt.dir=>", "(evt.type = mmap and evt.dir = >)"},
		{"evt.dir = < or evt.type = open and fd.name exists", "(evt.dir = < or (evt.type = open and fd.name exists))"},
		{"not evt.dir = < and evt.type = read or evt.type = write", "((not evt.dir = < and evt.type = read) or evt.type = write)"},
		{"evt.dir = < and not not fd.name exists", "(evt.dir = < and not not fd.name exists)"},
		{"not(proc.name=curl)", "not proc.name = curl"},
		{"a and(b)or(c)", "((a and b) or c)"},
		{"proc.name in (\"bash\", 'ls', x)", "proc.name in (\"bash\", \"ls\", x)"},
		{"fd.name in (/dev/null , /etc/ld.so.cache)", "fd.name in (/dev/null, /etc/ld.so.cache)"},
		{"fd.name in ()", "fd.name in ()"},
		{"fd.name in( )", "fd.name in ()"},
		{"proc.name in shell_binaries", "proc.name in shell_binaries"},
		{"proc.aname[2]=bash", "proc.aname[2] = bash"},
		{"proc.env[\"HOME\"] exists", "proc.env[HOME] exists"},
		{"evt.arg.fd contains \"<f>\"", "evt.arg.fd contains \"<f>\""},
		{"tolower(fd.name) contains etc", "tolower(fd.name) contains etc"},
		{"len(proc.name) = 4", "len(proc.name) = 4"},
		{"proc.name = val(proc.pname)", "proc.name = val(proc.pname)"},
		{"toupper( basename( proc.exepath ) ) = X", "toupper(basename(proc.exepath)) = X"},
		{"fd.name startswith oneof (/etc, /tmp)", "fd.name startswith oneof (/etc, /tmp)"},
		{"fd.name = oneof", "fd.name = oneof"},
		{"fd.name contains \"\\x2fnull\"", "fd.name contains \"/null\""},
		{"evt.buffer bcontains 474554202f", "evt.buffer bcontains 474554202f"},
		{"proc.name == curl and fd.sport == 80", "(proc.name = curl and fd.sport = 80)"},
		{"spawned_process and not proc.name in (shell_binaries)", "(spawned_process and not proc.name in (shell_binaries))"},
		{"proc.cmdline contains \"python -c 'import socket\"", "proc.cmdline contains \"python -c 'import socket\""},
		{"evt.rawres=-11", "evt.rawres = -11"},
		{"proc.name<d", "proc.name < d"},
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
		{"evt.type", 8, "operator"},
		{"!evt.dir=<", 0, "expected a field check"},
		{"evt.dir=< && evt.type=open", 10, "unexpected text"},
		{"proc.name in curl and", 18, "end of filter after 'and'"},
		{"fd.name in (/etc/hosts,)", 23, "list element"},
		{"proc.name in (curl,,python)", 19, "list element"},
		{"(evt.type=open", 0, "missing ')'"},
		{"evt.type=\"open", 9, "unterminated"},
		{"proc.cmdline contains \"a\\qb\"", 24, "escape"},
		{"proc.cmdline contains 'a\\\"b'", 24, "escape"},
		{"string(fd.sport) = 80", 0, "unknown transformer"},
		{"evt.arg.0 contains etc", 7, "operator"},
		{"evt.type=open andx", 14, "unexpected"},
		{"fd.name existsx", 14, "unexpected"},
		{"evt.failed == True xor x", 19, "unexpected"},
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
	deep := strings.Repeat("(", 5000) + "evt.num=1" + strings.Repeat(")", 5000)
	if _, err := Parse(deep, 0); err == nil || !strings.Contains(err.Error(), "limit of 1000") {
		t.Fatalf("want a depth error, got %v", err)
	}
	nots := strings.Repeat("not ", 5000) + "evt.num=1"
	if _, err := Parse(nots, 0); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("want a depth error, got %v", err)
	}
	ok := strings.Repeat("(", 900) + "evt.num=1" + strings.Repeat(")", 900)
	if _, err := Parse(ok, 0); err != nil {
		t.Fatalf("depth 900: %v", err)
	}
}
