package sqlquote

import "testing"

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"":          "''",
		"abc":       "'abc'",
		"it's":      "'it''s'",
		"a\x00b":    "('a' || chr(0) || 'b')",
		"\n":        "chr(10)",
		"x' OR '1":  "'x'' OR ''1'",
		"é日":        "'é日'",
		"/tmp/\xff": "'/tmp/\xff'", // kept byte for byte; DuckDB refuses it
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestValidString(t *testing.T) {
	for in, want := range map[string]string{
		"/tmp/x":      "'/tmp/x'",
		"/tmp/\xff'a": "'/tmp/\uFFFD''a'",
		"caf\xc3":     "'caf\uFFFD'",
		"é\n":         "('é' || chr(10))",
	} {
		if got := ValidString(in); got != want {
			t.Errorf("ValidString(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestIdent(t *testing.T) {
	for in, want := range map[string]string{
		"name": "name", "evt_num": "evt_num", "group": `"group"`, "GROUP": `"GROUP"`, "time": "time",
		"proc.name": `"proc.name"`, "Name": `"Name"`, "1x": `"1x"`, `a"b`: `"a""b"`, "": `""`,
	} {
		if got := Ident(in); got != want {
			t.Errorf("Ident(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestMember(t *testing.T) {
	for _, tc := range []struct{ field, class, member, ref string }{
		{"proc.name", "proc", "name", "proc.name"},
		{"evt.rawtime.s", "evt", "rawtime_s", "evt.rawtime_s"},
		{"group.gid", "group", "gid", `"group".gid`},
		{"ka.req.binding.subjects", "ka", "req_binding_subjects", "ka.req_binding_subjects"},
		{"capture", "", "", "capture"},
	} {
		class, member, _ := Member(tc.field)
		if class != tc.class || member != tc.member || MemberRef(tc.field) != tc.ref {
			t.Errorf("%s: %s %s %s, want %s %s %s", tc.field, class, member, MemberRef(tc.field), tc.class, tc.member, tc.ref)
		}
	}
}
