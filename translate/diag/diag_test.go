package diag

import (
	"strings"
	"testing"
)

func TestCaret(t *testing.T) {
	tests := []struct {
		src      string
		pos, end int
		want     []string
	}{
		{"fd.nam = x", 0, 6, []string{"unknown (at column 1)", "    fd.nam = x", "    ^~~~~~"}},
		{"a and\n\tfd.nam = x", 7, 13, []string{"unknown (line 2, column 2)", "    \tfd.nam = x", "    \t^~~~~~"}},
		{"proc.name=é and x", 16, 17, []string{"unknown (at column 16)", "    proc.name=é and x", "                   ^"}},
		{"abc", 3, 3, []string{"unknown (at column 4)", "    abc", "       ^"}},
	}
	for _, tt := range tests {
		got := strings.Split(Errorf(tt.src, tt.pos, tt.end, "unknown").Error(), "\n")
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%q:\ngot  %q\nwant %q", tt.src, got, tt.want)
		}
	}
}

func TestLongLineIsClipped(t *testing.T) {
	src := strings.Repeat("a and ", 100) + "bad" + strings.Repeat(" and b", 100)
	pos := strings.Index(src, "bad")
	lines := strings.Split(Errorf(src, pos, pos+3, "oops").Error(), "\n")
	if len(lines[1]) > maxShown+20 || !strings.Contains(lines[1], "bad") {
		t.Fatalf("line not clipped around the error: %q", lines[1])
	}
	if strings.Index(lines[2], "^") != strings.Index(lines[1], "bad") {
		t.Fatalf("caret misaligned:\n%s\n%s", lines[1], lines[2])
	}
}

func TestControlCharsAreMasked(t *testing.T) {
	msg := Errorf("a\x1b[2Jb", 0, 1, "x").Error()
	if strings.Contains(msg, "\x1b") {
		t.Fatalf("escape character leaked: %q", msg)
	}
}

// TestLongTokens: a huge token is not echoed whole, neither in the message (the argument is
// cut) nor in the source line and caret (the window shows the start of the offending part).
func TestLongTokens(t *testing.T) {
	tok := strings.Repeat("y", 10_000_000)
	tests := []struct {
		name     string
		err      *Error
		maxBytes int
		has      []string
	}{
		{"token as argument", Errorf("x = "+tok, 4, 4+len(tok), "unexpected text %q", tok), 1200,
			[]string{`unexpected text "` + strings.Repeat("y", 256) + `…(10000000 bytes)"`, "(at column 5)", "    x = yyy", "        ^~~~"}},
		{"offending part at the end of a long line", Errorf(tok+" = 3", len(tok)+1, len(tok)+2, "bad"), 600,
			[]string{"bad (at column 10000002)", "    ..." + strings.Repeat("y", 32) + " = 3\n", "^"}},
		{"long message", &Error{Source: "a", Msg: strings.Repeat("m", 5000)}, 1300, []string{"…(5000 bytes)"}},
		{"multibyte cut", Errorf("a", 0, 1, "%s", strings.Repeat("é", 300)), 800, []string{strings.Repeat("é", 128) + "…(600 bytes)"}},
	}
	for _, tt := range tests {
		got := tt.err.Error()
		if len(got) > tt.maxBytes {
			t.Errorf("%s: %d bytes, want at most %d", tt.name, len(got), tt.maxBytes)
		}
		for _, h := range tt.has {
			if !strings.Contains(got, h) {
				t.Errorf("%s: %.300q lacks %q", tt.name, got, h)
			}
		}
	}
}
