package translate

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/scapql/scapql/internal/sqlquote"
	"github.com/scapql/scapql/translate/sqlgen"
)

func TestTranslateExamples(t *testing.T) {
	tests := []struct {
		d            Dialect
		filter, want string
	}{
		{Falco, `evt.type = connect`, `(evt.type = 'connect')`},
		{Falco, `fd.name != /etc/hosts`, `((fd.name <> '/etc/hosts') IS TRUE)`},
		{Falco, `not fd.name = /etc/hosts`, `(NOT ((fd.name = '/etc/hosts') IS TRUE))`},
		{Falco, `evt.type in (open, close) and fd.num >= 0`, `((evt.type IN ('open', 'close')) AND ((fd.num >= 0) IS TRUE))`},
		{Falco, `proc.aname[2] = sshd`, `((proc.anames[2] = 'sshd') IS TRUE)`},
		{Falco, `evt.arg.fd exists`, `(evt.arg['fd'] IS NOT NULL)`},
		{Falco, `proc.name = "it's"`, `((proc.name = 'it''s') IS TRUE)`},
		{Falco, `fd.sport = http`, `((fd.sport = 80) IS TRUE)`},
		{Falco, `evt.failed = true`, `((evt.failed = true) IS TRUE)`},
		{Wireshark, `fd.name`, `(fd.name IS NOT NULL)`},
		{Wireshark, `evt.rawres == -11`, `((evt.rawres = -11) IS TRUE)`},
	}
	for _, tt := range tests {
		got, err := Translate(tt.filter, Options{Dialect: tt.d})
		if err != nil {
			t.Errorf("%q: %v", tt.filter, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%q:\ngot  %s\nwant %s", tt.filter, got, tt.want)
		}
	}
}

func TestDialectDetection(t *testing.T) {
	tests := []struct {
		filter string
		want   Dialect
	}{
		{`evt.type = connect`, Falco},
		{`proc.name in (bash, sh) and not fd.name pmatch (/etc)`, Falco},
		{`evt.type == "open" && fd.name`, Wireshark},
		{`evt.arg.0 contains "etc"`, Wireshark},
		{`proc.aname.2 == "sshd"`, Wireshark},
		{`fd.sip.v4 == 127.0.0.1`, Wireshark},
		{`evt.buffer contains 47:45:54`, Wireshark},
		{`fd.num le 2`, Wireshark},
		{`evt.failed == True`, Wireshark},     // Falco rejects True
		{`fd.name`, Wireshark},                // Falco needs an operator
		{`proc.name = xor`, Falco},            // a Wireshark word, but only Falco parses it
		{`proc.cmdline contains "&&"`, Falco}, // markers inside strings do not count
		{`fd.sport in {80, 443}`, Wireshark},
		{`proc.cmdline matches r"\d"`, Wireshark},
		{`proc.name == proc.pname`, Wireshark}, // field to field, not the string "proc.pname"
		{`proc.name == curl.x`, Falco},
	}
	for _, tt := range tests {
		r, err := Compile(tt.filter, Options{})
		if err != nil {
			t.Errorf("%q: %v", tt.filter, err)
			continue
		}
		if r.Dialect != tt.want {
			t.Errorf("%q read as %s, want %s", tt.filter, r.Dialect, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		d       Dialect
		filter  string
		msg     string
		caretAt int // byte column of '^' in the caret line (after the 4-space indent)
	}{
		{Falco, `fd.nmae = /etc/hosts`, "unknown field fd.nmae; did you mean fd.name?", 0},
		{Falco, `proc.name = curl and evt.type = opne`, `unknown event type "opne"; did you mean open?`, 32},
		{Falco, `evt.type = OPEN`, `unknown event type "OPEN"`, 11},
		{Falco, `evt.res = EAGIAN`, "did you mean EAGAIN", 10},
		{Falco, `proc.name bcontains 41`, "operator bcontains is not supported on proc.name", 10},
		{Falco, `fd.num contains 3`, "operator contains is not supported on fd.num", 7},
		{Falco, `fd.num = 0x10`, `"0x10" is not a valid number`, 9},
		{Falco, `evt.failed = True`, "not a boolean", 13},
		{Falco, `fd.sip = 10.0.0.0/8`, "not an IP address", 9},
		{Falco, `fd.sport = nosuchsvc`, "service name", 11},
		{Falco, `proc.aname[x] = bash`, "ancestor index", 10},
		{Falco, `evt.rawarg.nosuch = 1`, `unknown event argument "nosuch"`, 0},
		{Falco, `evt.arg`, "operator", 7},
		{Falco, `evt.arg exists`, "needs an argument", 0},
		{Falco, `spawned_process`, "unknown macro spawned_process", 0},
		{Falco, `proc.name in shell_binaries`, "unknown list shell_binaries", 13},
		{Falco, `fd.name regex "a(?=b)"`, "not supported by RE2", 14},
		{Falco, `evt.deltatime = 1`, "not stored in the events table", 0},
		{Falco, `mesos.task.name = x`, "no mesos fields", 0},
		{Wireshark, `fd.nmae == "x"`, "did you mean fd.name?", 0},
		{Wireshark, `evt.arg.fd == "3"`, "positional", 0},
		{Wireshark, `fd.sip.v4 == ::1`, "not an IPv4 address", 13},
		{Wireshark, `fd.name == 'ab'`, "character constant", 11},
		{Wireshark, `fd.name ~ "(a"`, "not supported by RE2", 10},
	}
	for _, tt := range tests {
		_, err := Translate(tt.filter, Options{Dialect: tt.d})
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%q: want a positioned error, got %v", tt.filter, err)
			continue
		}
		if !strings.Contains(e.Msg, tt.msg) {
			t.Errorf("%q: message %q does not contain %q", tt.filter, e.Msg, tt.msg)
		}
		lines := strings.Split(e.Error(), "\n")
		if len(lines) < 3 || lines[1] != "    "+tt.filter || strings.Index(lines[2], "^") != 4+tt.caretAt {
			t.Errorf("%q: caret rendering wrong (want ^ under byte %d):\n%s", tt.filter, tt.caretAt, e.Error())
		}
	}
}

func TestAutoReportsPreferredError(t *testing.T) {
	_, err := Translate(`fd.nmae = /etc/hosts`, Options{})
	if err == nil || !strings.Contains(err.Error(), "did you mean fd.name") {
		t.Fatalf("want the Falco reading's error, got %v", err)
	}
	_, err = Translate(`fd.nmae == "x" && evt.type == "open"`, Options{})
	if err == nil || !strings.Contains(err.Error(), "did you mean fd.name") {
		t.Fatalf("want the Wireshark reading's error, got %v", err)
	}
}

func TestDepthLimit(t *testing.T) {
	for _, f := range []string{
		strings.Repeat("(", 100000) + "evt.num=1" + strings.Repeat(")", 100000),
		strings.Repeat("not ", 100000) + "evt.num=1",
		strings.Repeat("!", 100000) + "fd.name",
		strings.Repeat("tolower(", 100000) + "proc.name" + strings.Repeat(")", 100000) + " = x",
	} {
		_, err := Translate(f, Options{})
		if err == nil || !strings.Contains(err.Error(), "limit of 1000") {
			t.Errorf("%.20q...: want a depth-limit error, got %.200v", f, err)
		}
	}
	ok := strings.Repeat("(", 500) + "evt.num=1" + strings.Repeat(")", 500)
	sql, err := Translate(ok, Options{})
	if err != nil {
		t.Fatalf("depth 500: %v", err)
	}
	if err := prepare(t, sql); err != nil {
		t.Fatalf("depth 500: DuckDB: %v", err)
	}
}

// hostile are strings meant to break out of a SQL literal or confuse a lexer.
var hostile = []string{
	"'", "''", `\`, `\'`, `'; DROP TABLE events; --`, "-- comment", "/* x */", "a\x00b", "\x00",
	"\n", "\r\n", "\t", "é", "日本語", `"`, `' OR '1'='1`, "$$", `E'\x41'`, "\x7f", "\x1b[2J",
	"x' || (SELECT 1) || '", ");--", "\u2028", "%_", "*?[", "\\\\'\\",
}

func escapeQuoted(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// TestHostileLiterals checks that a literal reaches DuckDB intact whatever it holds: the
// emitted SQL selects an event whose field equals the literal and no other.
func TestHostileLiterals(t *testing.T) {
	db := testDB(t)
	rng := rand.New(rand.NewSource(1))
	alphabet := []rune("'\"\\;-/*\x00\x01\n\r\t $%_?[]()=,éñ日\u2028\x7fEx0123")
	cases := append([]string(nil), hostile...)
	for i := 0; i < 300; i++ {
		n := rng.Intn(12)
		var b strings.Builder
		for j := 0; j < n; j++ {
			b.WriteRune(alphabet[rng.Intn(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		if !utf8.ValidString(s) {
			continue
		}
		var back string
		if err := db.QueryRow("SELECT " + sqlquote.String(s)).Scan(&back); err != nil || back != s {
			t.Fatalf("Quote(%q) reads back as %q (%v)", s, back, err)
		}
		for _, d := range []Dialect{Falco, Wireshark} {
			op := "="
			if d == Wireshark {
				op = "=="
			}
			sql, err := Translate("proc.name "+op+" "+escapeQuoted(s), Options{Dialect: d})
			if err != nil {
				t.Fatalf("%s %q: %v", d, s, err)
			}
			q := "WITH t AS (SELECT {'name': $1::VARCHAR} AS proc) SELECT count(*) FROM t WHERE " + sql
			for _, v := range []string{s, s + "x", "x"} {
				var n int
				if err := db.QueryRow(q, v).Scan(&n); err != nil {
					t.Fatalf("%s %q: %v\n%s", d, s, err, sql)
				}
				if want := map[bool]int{true: 1, false: 0}[v == s]; n != want {
					t.Fatalf("%s %q against %q: %d rows, want %d\n%s", d, s, v, n, want, sql)
				}
			}
		}
	}
}

func TestInvalidUTF8IsRejected(t *testing.T) {
	for _, f := range []string{"proc.name = \"\xff\"", "proc.name = \xff", `proc.name = "\xff"`} {
		_, err := Translate(f, Options{Dialect: Falco})
		if err == nil || !strings.Contains(err.Error(), "UTF-8") {
			t.Errorf("%q: want a UTF-8 error, got %v", f, err)
		}
	}
}

func TestFields(t *testing.T) {
	fs := Fields()
	syscall := 0
	for _, f := range fs {
		if !IsAuditField(f.Name) {
			syscall++
		}
	}
	if syscall != 188 {
		t.Fatalf("%d syscall fields", syscall)
	}
	supported := 0
	for _, f := range fs {
		if IsAuditField(f.Name) {
			continue // their SQL reads the audit tables (cmd/scapql's TestAuditSQLGolden)
		}
		if !f.Supported {
			if f.Reason == "" {
				t.Errorf("%s: unsupported without a reason", f.Name)
			}
			continue
		}
		supported++
		sql, err := Translate(f.Example+" exists", Options{Dialect: Falco})
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
			continue
		}
		if err := prepare(t, sql); err != nil {
			t.Errorf("%s: DuckDB rejects %s: %v", f.Name, sql, err)
		}
	}
	t.Logf("%d/%d syscall catalogue fields translate", supported, syscall)
	// The fields the checker binds as derived from members are those the emitter computes.
	byName := map[string]FieldInfo{}
	for _, f := range fs {
		byName[f.Name] = f
	}
	for _, name := range sqlgen.DerivedFields() {
		if f, ok := byName[name]; !ok || !f.Supported {
			t.Errorf("derived field %s: not a supported catalogue field", name)
		}
	}
}

func TestMacrosAndLists(t *testing.T) {
	r := staticResolver{
		lists: []List{{Name: "shells", Items: []string{"bash", "sh"}}, {Name: "empty"}, {Name: "nets", Items: []string{`"10.0.0.0/8"`}}},
		macros: map[string]string{
			"spawned": "(evt.type in (execve, execveat) and evt.dir=<)",
			"shell":   "proc.name in (shells)",
			"both":    "spawned and shell",
			"loop":    "loop2",
			"loop2":   "loop",
			"bad":     "fd.nmae = x",
		},
	}
	sql, err := Translate("both and not proc.pname in (shells, zsh) and not fd.name in (empty)", Options{Resolver: r})
	if err != nil {
		t.Fatal(err)
	}
	want := `((((evt.type IN ('execve', 'execveat')) AND (evt.dir = '<')) AND ((proc.name IN ('bash', 'sh')) IS TRUE)) AND (NOT ((proc.pname IN ('bash', 'sh', 'zsh')) IS TRUE)) AND (NOT false))`
	if sql != want {
		t.Errorf("got  %s\nwant %s", sql, want)
	}
	if _, err := Translate("fd.snet in (nets)", Options{Resolver: r}); err != nil {
		t.Errorf("quoted list item: %v", err)
	}
	_, err = Translate("loop", Options{Resolver: r})
	if err == nil || !strings.Contains(err.Error(), "refers to itself") {
		t.Errorf("loop: %v", err)
	}
	_, err = Translate("evt.num > 0 and bad", Options{Resolver: r})
	var e *Error
	if !errors.As(err, &e) || e.Source != "fd.nmae = x" || len(e.Context) == 0 || !strings.Contains(e.Error(), "in macro bad") {
		t.Errorf("error inside a macro should point into the macro: %v", err)
	}
	_, err = Translate("nosuch", Options{Resolver: r})
	if err == nil || !strings.Contains(err.Error(), "undefined macro nosuch") {
		t.Errorf("unknown macro: %v", err)
	}
}

func TestMacroExpansionIsBounded(t *testing.T) {
	macros := map[string]string{"m0": "evt.num = 1"}
	for i := 1; i <= 40; i++ {
		macros[fmt.Sprintf("m%d", i)] = fmt.Sprintf("(m%d or m%d)", i-1, i-1)
	}
	_, err := Translate("m40", Options{Resolver: staticResolver{macros: macros}})
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("want a size error, got %v", err)
	}
}

type staticResolver struct {
	lists  []List
	macros map[string]string
}

func (s staticResolver) Lists() []List { return s.lists }
func (s staticResolver) Macro(name string) (*Macro, bool) {
	c, ok := s.macros[name]
	if !ok {
		return nil, false
	}
	return &Macro{Name: name, Condition: c}, true
}

func TestExpandLists(t *testing.T) {
	lists := []List{{Name: "a", Items: []string{"x", "y z"}}, {Name: "e"}}
	tests := []struct{ in, want string }{
		{"p in (a)", "p in ( x, \"y z\" )"},
		{"p in (a, q)", "p in ( x, \"y z\" , q)"},
		{"p in (e, q)", "p in (   q)"},
		{"p in (q, e)", "p in (q  )"},
		{"p in (e)", "p in (  )"},
		{"pa = a.b", "pa = a.b"},
		{"a", "x, \"y z\" "},
	}
	for _, tt := range tests {
		if got := ExpandLists(tt.in, lists); got != tt.want {
			t.Errorf("ExpandLists(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
