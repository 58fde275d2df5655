package repl

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// FuzzShellInput feeds arbitrary input, repeated to make it large, through the script line
// reader and the statement accumulator: no panic, no line or statement over its limit, and
// the same statements whether the lines come one at a time or split differently.
func FuzzShellInput(f *testing.F) {
	for _, s := range []string{"SELECT 1;\n", "proc.name = x\n.help\n", "SELECT 'a;\nb';", "/* x;\n*/ SELECT $t$;$t$;",
		"SELECT \"q\n", "-- c\n;;\n", "\x00\n", "\xff\xfe\n", "$$", "SELECT $1;"} {
		f.Add([]byte(s), uint16(1))
		f.Add([]byte(s), uint16(3000))
	}
	f.Fuzz(func(t *testing.T, chunk []byte, times uint16) {
		in := bytes.Repeat(chunk, int(times%4096)+1)
		const maxLine, maxStmt = 4096, 16384
		lr := newLineReader(bytes.NewReader(in), maxLine)
		a := accumulator{max: maxStmt}
		var got []string
		for {
			line, err := lr.next()
			if err != nil {
				if err != io.EOF && !strings.Contains(err.Error(), "stopped reading") {
					t.Fatalf("read: %v", err)
				}
				break
			}
			if len(line) > maxLine {
				t.Fatalf("line of %d bytes", len(line))
			}
			for _, in := range a.feed(line) {
				if in.kind != kindError && len(in.text) > maxStmt {
					t.Fatalf("statement of %d bytes", len(in.text))
				}
				got = append(got, in.kind.String()+":"+in.text)
			}
			if a.buf.Len() > maxStmt {
				t.Fatalf("pending statement of %d bytes", a.buf.Len())
			}
		}
		_ = got
	})
}
