package translate

import (
	"strings"
	"testing"
)

// TestConvertRoundTrip converts every corpus filter to the other dialect and back: each
// conversion must translate to the same SQL as the original, or fail naming what the other
// dialect cannot express.
func TestConvertRoundTrip(t *testing.T) {
	converted, inexpressible := 0, 0
	for _, r := range loadCorpus(t) {
		from, to := Falco, Wireshark
		if r.dialect == "wireshark" {
			from, to = Wireshark, Falco
		}
		want, err := Translate(r.filter, Options{Dialect: from})
		if err != nil {
			t.Fatalf("%s %q: %v", r.id, r.filter, err)
		}
		other, err := Convert(r.filter, Options{Dialect: from}, to)
		if err != nil {
			if !strings.Contains(err.Error(), "-dialect equivalent") {
				t.Errorf("%s %q to %s: %v", r.id, r.filter, to, err)
			}
			inexpressible++
			continue
		}
		got, err := Translate(other, Options{Dialect: to})
		if err != nil {
			t.Errorf("%s %q: its %s form %q does not translate: %v", r.id, r.filter, to, other, err)
			continue
		}
		if got != want {
			t.Errorf("%s %q: its %s form %q translates differently:\n got %s\nwant %s", r.id, r.filter, to, other, got, want)
			continue
		}
		back, err := Convert(other, Options{Dialect: to}, from)
		if err != nil {
			t.Errorf("%s %q: its %s form %q does not convert back: %v", r.id, r.filter, to, other, err)
			continue
		}
		if got, err := Translate(back, Options{Dialect: from}); err != nil || got != want {
			t.Errorf("%s %q: round trip %q translates differently (%v)", r.id, r.filter, back, err)
			continue
		}
		converted++
	}
	t.Logf("corpus: %d filters convert to the other dialect and back with the same SQL; %d use what the other dialect cannot express", converted, inexpressible)
}

func TestConvertExamples(t *testing.T) {
	tests := []struct {
		filter   string
		from, to Dialect
		want     string
	}{
		{`evt.type = connect and not fd.name contains "127.0.0.1"`, Falco, Wireshark, `(evt.type == "connect" && !(fd.name contains "127.0.0.1"))`},
		{`(evt.failed == True) && !(evt.res == "EAGAIN")`, Wireshark, Falco, `(evt.failed = true and not (evt.res = "EAGAIN"))`},
		{`fd.sport == 0120`, Wireshark, Falco, `fd.sport = 80`},
		{`fd.sport == 0x50`, Wireshark, Falco, `fd.sport = 80`},
		{`proc.aname.2 == "bash"`, Wireshark, Falco, `proc.aname[2] = "bash"`},
		{`proc.aname[2] = bash`, Falco, Wireshark, `proc.aname.2 == "bash"`},
		{`evt.buffer == 47:45:54`, Wireshark, Falco, `evt.buffer = "GET"`},
		{`fd.sport in {80 443}`, Wireshark, Falco, `fd.sport in (80, 443)`},
		{`proc.name in (bash, sh)`, Falco, Wireshark, `proc.name in {"bash" "sh"}`},
		{`proc.name == proc.pname`, Wireshark, Falco, `proc.name = val(proc.pname)`},
		{`fd.name exists`, Falco, Wireshark, `fd.name`},
	}
	for _, tc := range tests {
		got, err := Convert(tc.filter, Options{Dialect: tc.from}, tc.to)
		if err != nil || got != tc.want {
			t.Errorf("Convert(%q, %s): %q, %v; want %q", tc.filter, tc.to, got, err, tc.want)
		}
	}
	for _, f := range []struct {
		filter   string
		from, to Dialect
	}{{`fd.name startswith /etc`, Falco, Wireshark}, {`evt.buffer[0:3] == "GET"`, Wireshark, Falco},
		{`proc.name matches "^ba"`, Wireshark, Falco}} {
		if _, err := Convert(f.filter, Options{Dialect: f.from}, f.to); err == nil || !strings.Contains(err.Error(), "equivalent") {
			t.Errorf("Convert(%q): want an error naming what %s cannot express, got %v", f.filter, f.to, err)
		}
	}
}
