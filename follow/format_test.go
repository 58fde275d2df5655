package follow

import (
	"bufio"
	"strings"
	"testing"
)

// TestHexDumpLayout holds the hex dump to tshark's -z follow,…,hex layout (ui/cli/tap-follow.c:
// offset, 16 bytes with a gap after the eighth, the ASCII column at 60, a tab for node 1).
func TestHexDumpLayout(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		offset int
		data   string
		want   string
	}{
		{"", 0, "GET / HTTP/1.1\r\nHost", "00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 31 0d 0a  GET / HT TP/1.1..\n" +
			"00000010  48 6f 73 74                                       Host\n"},
		{"\t", 32, "\x00\x01abcdefgh", "\t00000020  00 01 61 62 63 64 65 66  67 68                    ..abcdef gh\n"},
		{"", 0, "12345678", "00000000  31 32 33 34 35 36 37 38                           12345678\n"},
	} {
		var b strings.Builder
		bw := bufio.NewWriter(&b)
		hexDump(bw, tc.prefix, tc.offset, []byte(tc.data))
		bw.Flush()
		if b.String() != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.data, b.String(), tc.want)
		}
	}
}

// TestWriteFormats renders a stream of the reference captures in every format.
func TestWriteFormats(t *testing.T) {
	st, err := Find(opener(t, "curl_google.scap"), Select{Num: 1195}, true, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	filter, _ := st.Origin.Filter(FD)
	want := map[string][]string{
		"text": {"Follow: fd,ascii\n", "Filter: proc.pid = 17497 and fd.num = 4 and evt.num >= 1187 and evt.num <= 1242\n",
			"\t32\n.............www.google.com.....\n60\n", "Read: 60 bytes in 1 chunks; written: 32 bytes in 1 chunks; 1 turns; events 1187 to 1242 (11)\n"},
		"hex": {"Follow: fd,hex\n", "\t00000000  07 02 01 00 00 01 00 00  00 00 00 00 03 77 77 77  ........ .....www\n",
			"00000020  c0 0c 00 1c 00 01 00 00  01 2b 00 10 26 07 f8 b0  ........ .+..&...\n"},
		"raw":  {"Follow: fd,raw\n", "\t07020100000100000000000003777777"},
		"yaml": {"  - packet: 1195\n    peer: 1\n    index: 0\n", "    call: sendto\n", "    length: 60\n", "    data: !!binary |\n      BwKBgAAB"},
	}
	for format, parts := range want {
		var b strings.Builder
		if err := Write(&b, st, format, filter); err != nil {
			t.Fatal(err)
		}
		for _, p := range parts {
			if !strings.Contains(b.String(), p) {
				t.Errorf("%s: no %q in\n%s", format, p, b.String())
			}
		}
	}
	if err := Write(&strings.Builder{}, st, "pdf", filter); err == nil {
		t.Error("format pdf accepted")
	}
}
