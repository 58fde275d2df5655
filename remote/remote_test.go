package remote

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in               string
		user, host       string
		port             int
		addr, name, back string
		err              string
	}{
		{in: "web1", host: "web1", addr: "web1:22", name: "web1", back: "web1"},
		{in: "ops@web1:2222", user: "ops", host: "web1", port: 2222, addr: "web1:2222", name: "web1_2222", back: "ops@web1:2222"},
		{in: "root@127.0.0.1", user: "root", host: "127.0.0.1", addr: "127.0.0.1:22", name: "127.0.0.1", back: "root@127.0.0.1"},
		{in: "[::1]:2200", host: "::1", port: 2200, addr: "[::1]:2200", name: "__1_2200", back: "[::1]:2200"},
		{in: "::1", host: "::1", addr: "[::1]:22", name: "__1", back: "::1"},
		{in: "a@b@host", user: "a@b", host: "host", addr: "host:22", name: "host", back: "a@b@host"},
		{in: "@host", err: "empty user name"},
		{in: "host:0", err: "port \"0\""},
		{in: "host:ssh", err: "port \"ssh\""},
		{in: "user@", err: "no host"},
		{in: "[::1", err: "missing ]"},
		{in: "[::1]x", err: "expected :PORT"},
	} {
		got, err := ParseTarget(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want one containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got.User != tc.user || got.Host != tc.host || got.Port != tc.port {
			t.Errorf("%q: %+v", tc.in, got)
		}
		if got.Addr() != tc.addr || got.Name() != tc.name || got.String() != tc.back {
			t.Errorf("%q: addr %q name %q string %q, want %q %q %q", tc.in, got.Addr(), got.Name(), got.String(), tc.addr, tc.name, tc.back)
		}
	}
}

// TestQuoteThroughShell passes awkward words through a real sh and checks
// they arrive unchanged.
func TestQuoteThroughShell(t *testing.T) {
	words := []string{"plain", "", "two words", "it's", `a"b`, "$HOME", "`id`", "a\\b", "evt.type=open and fd.name contains '/etc'", "line\nbreak", "*"}
	var line strings.Builder
	line.WriteString("printf '%s\\0'")
	for _, w := range words {
		line.WriteString(" " + Quote(w))
	}
	out, err := exec.Command("/bin/sh", "-c", line.String()).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if len(got) != len(words) {
		t.Fatalf("%d words back, want %d: %q", len(got), len(words), got)
	}
	for i := range words {
		if got[i] != words[i] {
			t.Errorf("word %d: %q came back as %q", i, words[i], got[i])
		}
	}
}

// TestShellOptions checks the remote command lines for each choice.
func TestShellOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Command
		has  []string
		not  []string
		err  string
	}{
		{name: "auto", c: Command{}, has: []string{"scapql capture -w - </dev/null 3<&- &", "sysdig --unbuffered --write=- </dev/null 3<&- &", "exit 127"}},
		{name: "options", c: Command{SnapLen: 200, Duration: 1500 * time.Millisecond, Count: 10, Filter: "proc.name = cat", Quiet: true},
			has: []string{"scapql capture -w - -q -s 200 --duration 1.5s -n 10 '\\''proc.name = cat'\\''", "sysdig --unbuffered --write=- -s 200 -M 2 -n 10 '\\''proc.name = cat'\\''"}},
		{name: "command", c: Command{Args: []string{"cat", "/etc/hostname"}},
			has: []string{"scapql capture -w - -- cat /etc/hostname", "sysdig cannot run a command"}, not: []string{"sysdig --unbuffered"}},
		{name: "sudo", c: Command{Privilege: "sudo"}, has: []string{"sudo -n scapql capture", "sudo -n sysdig"}},
		{name: "doas program", c: Command{Privilege: "doas", Program: "/opt/scapql capture -w -", Count: 5},
			has: []string{"doas -n /opt/scapql capture -w - -n 5 </dev/null"}, not: []string{"command -v"}},
		{name: "bad privilege", c: Command{Privilege: "su"}, err: "expected sudo or doas"},
	} {
		got, err := tc.c.Shell()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !strings.HasPrefix(got, "exec /bin/sh -c '") {
			t.Errorf("%s: %q", tc.name, got)
		}
		for _, h := range tc.has {
			if !strings.Contains(got, h) {
				t.Errorf("%s: %q lacks %q", tc.name, got, h)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: %q has %q", tc.name, got, n)
			}
		}
	}
}

// TestShellStopsOnInputEnd runs the wrapper script locally with a program
// that prints until SIGTERM: closing its input stops it, and it ends with
// the status the program gives after a clean stop.
func TestShellStopsOnInputEnd(t *testing.T) {
	prog := `trap 'echo stopped; exit 0' TERM; echo started; while :; do sleep 0.05; done`
	line, err := Command{Program: "/bin/sh -c " + Quote(prog)}.Shell()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "-c", line)
	in, _ := cmd.StdinPipe()
	outp, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(outp)
	first, _ := r.ReadString('\n')
	if first != "started\n" {
		t.Fatalf("first line %q", first)
	}
	in.Close()
	rest, _ := r.ReadString('\n')
	if err := cmd.Wait(); err != nil {
		t.Fatalf("wrapper ended with %v", err)
	}
	if rest != "stopped\n" {
		t.Errorf("after the input closed: %q, want stopped", rest)
	}
}

// sample is a real capture, uncompressed (the stored ones are gzipped).
func sample(t *testing.T) []byte {
	t.Helper()
	f, err := os.Open("../testdata/captures/falco_cat_write.scap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestCopyBlocksCut cuts a real capture at every kind of place and checks
// that only whole blocks go through, in order, and that the cut is told.
func TestCopyBlocksCut(t *testing.T) {
	data := sample(t)
	// The block boundaries, read independently of copyBlocks.
	var ends []int
	events := 0
	for off := 0; off < len(data); {
		n := int(uint32(data[off+4]) | uint32(data[off+5])<<8 | uint32(data[off+6])<<16 | uint32(data[off+7])<<24)
		typ := uint32(data[off]) | uint32(data[off+1])<<8 | uint32(data[off+2])<<16 | uint32(data[off+3])<<24
		if isEvent(typ) {
			events++
		}
		if n < 12 {
			t.Fatalf("block at %d: length %d", off, n)
		}
		off += n
		ends = append(ends, off)
	}
	if ends[len(ends)-1] != len(data) {
		t.Fatalf("blocks end at %d, file is %d bytes", ends[len(ends)-1], len(data))
	}
	whole := func(cut int) (int, int) {
		last, blocks := 0, 0
		for _, e := range ends {
			if e <= cut {
				last, blocks = e, blocks+1
			}
		}
		return last, blocks
	}
	for _, cut := range []int{0, 3, 8, 11, 12, ends[0] - 1, ends[0], ends[0] + 5, ends[2], ends[2] + 9, len(data) / 2, len(data) - 1, len(data)} {
		var out bytes.Buffer
		var st Stats
		err := copyBlocks(bufio.NewReader(bytes.NewReader(data[:cut])), &out, &st)
		if cut > 0 && cut < 12 && err == nil && st.Tail == 0 {
			t.Errorf("cut %d: no error and no tail", cut)
		}
		if err != nil {
			t.Errorf("cut %d: %v", cut, err)
			continue
		}
		last, blocks := whole(cut)
		if !bytes.Equal(out.Bytes(), data[:last]) {
			t.Errorf("cut %d: %d bytes through, want the first %d", cut, out.Len(), last)
		}
		if st.Blocks != int64(blocks) || st.Bytes != int64(last) || st.Tail != int64(cut-last) {
			t.Errorf("cut %d: %+v, want %d blocks, %d bytes, tail %d", cut, st, blocks, last, cut-last)
		}
	}
	var st Stats
	if err := copyBlocks(bufio.NewReader(bytes.NewReader(data)), &bytes.Buffer{}, &st); err != nil || st.Events != int64(events) {
		t.Errorf("whole file: %v, %d events, want %d", err, st.Events, events)
	}
}

// TestCopyBlocksRefuses checks what is not an uncompressed capture.
func TestCopyBlocksRefuses(t *testing.T) {
	data := sample(t)
	broken := append([]byte(nil), data...)
	broken[len(broken)-1] ^= 0x40 // the last block's trailing length
	for _, tc := range []struct {
		name string
		in   []byte
		err  string
	}{
		{"gzip", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0}, "gzip-compressed"},
		{"text", []byte("sudo: a password is required\n"), "did not write a capture (it began with \"sudo: a \")"},
		{"short text", []byte("hello\n"), "did not write a capture (it began with \"hello.\")"},
		{"no magic", append([]byte{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0}, make([]byte, 20)...), "no byte-order magic"},
		{"bad length", append(append([]byte(nil), data[:28]...), 4, 2, 0, 0, 7, 0, 0, 0), "block length 7"},
		{"trailing length", broken, "trailing length"},
	} {
		var st Stats
		err := copyBlocks(bufio.NewReader(bytes.NewReader(tc.in)), &bytes.Buffer{}, &st)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.err)
		}
	}
}
