package scap

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

// rawCapture returns the decompressed bytes of a bundled capture.
func rawCapture(t testing.TB, name string) []byte {
	t.Helper()
	f, err := os.Open("../../testdata/captures/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// countEvents reads a capture to its end and returns the events read and the final error.
func countEvents(r io.Reader) (int, error) {
	rd, err := NewReader(r, Options{})
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		if _, err := rd.Next(); err != nil {
			if err == io.EOF {
				return n, nil
			}
			return n, err
		}
		n++
	}
}

// firstEventBlock returns the offset of the first event block.
func firstEventBlock(t *testing.T, raw []byte) int {
	off := 0
	for off+8 <= len(raw) {
		typ := binary.LittleEndian.Uint32(raw[off:])
		if isEventBlock(typ) {
			return off
		}
		off += int(binary.LittleEndian.Uint32(raw[off+4:]))
	}
	t.Fatal("no event block")
	return 0
}

func TestReadsEveryBundledCapture(t *testing.T) {
	// Event block counts of the bundled captures (FORMAT.md, section 8.2).
	want := map[string]int{
		"curl_google.scap": 1536, "curl_google_comments.scap": 1536, "falco_cat_write.scap": 345,
		"falco_connect_localhost.scap": 374, "falco_empty.scap": 83, "falco_open-multiple-files.scap": 1272,
		"falco_ping_sendto.scap": 1526, "falco_psp_privileged.scap": 2059,
		"falco_psp_run_as_user_0_container.scap": 4143, "falco_psp_write_tmp_test.scap": 229,
		"falco_syscall.scap": 368, "single_ipv6_conn.scap": 1728, "test_ipv6_client.scap": 326,
	}
	for name, n := range want {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open("../../testdata/captures/" + name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := countEvents(f)
			if err != nil {
				t.Fatal(err)
			}
			if got != n {
				t.Errorf("read %d events, want %d", got, n)
			}
		})
	}
}

func TestDamagedCaptures(t *testing.T) {
	raw := rawCapture(t, "curl_google.scap")
	ev := firstEventBlock(t, raw)
	setU32 := func(b []byte, off int, v uint32) []byte {
		c := append([]byte(nil), b...)
		binary.LittleEndian.PutUint32(c[off:], v)
		return c
	}
	cases := []struct {
		name      string
		data      []byte
		events    int    // complete events before the damage
		errSubstr string // "" = clean read
	}{
		{"intact", raw, 1536, ""},
		{"cut inside a block header", raw[:ev+3], 0, "3 of 8 block header bytes"},
		{"cut inside the first event", raw[:ev+20], 0, "truncated"},
		{"block length of 4 GiB", setU32(raw, ev+4, 0xFFFFFFF0), 0, "exceeds the limit"},
		{"block length past the end", setU32(raw, ev+4, 1<<20), 0, "truncated"},
		{"block length below the minimum", setU32(raw, ev+4, 8), 0, "below the minimum"},
		{"trailer differs", setU32(raw, ev+int(binary.LittleEndian.Uint32(raw[ev+4:]))-4, 7), 0, "trailer"},
		{"not a capture", []byte("hello, world, this is text"), 0, "not a scap capture"},
		{"byte-swapped magic", setU32(raw, 8, 0x4D3C2B1A), 0, "byte-order magic"},
		{"empty", nil, 0, "empty input"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := countEvents(bytes.NewReader(c.data))
			if c.errSubstr == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
			} else {
				if err == nil || !strings.Contains(err.Error(), c.errSubstr) {
					t.Fatalf("error %v, want one mentioning %q", err, c.errSubstr)
				}
				var se *Error
				if !errors.As(err, &se) {
					t.Fatalf("error %T does not carry an offset", err)
				}
			}
			if n != c.events {
				t.Errorf("read %d events before the damage, want %d", n, c.events)
			}
		})
	}
}

func TestUnknownBlocksAreSkippedAndCounted(t *testing.T) {
	raw := rawCapture(t, "curl_google.scap")
	shb := int(binary.LittleEndian.Uint32(raw[4:]))
	unknown := make([]byte, 16)
	binary.LittleEndian.PutUint32(unknown[0:], 0x12345)
	binary.LittleEndian.PutUint32(unknown[4:], 16)
	binary.LittleEndian.PutUint32(unknown[12:], 16)
	data := append(append(append([]byte(nil), raw[:shb]...), unknown...), raw[shb:]...)
	rd, err := NewReader(bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rd.Metadata().UnknownBlocks; got != 1 {
		t.Errorf("counted %d unknown blocks, want 1", got)
	}
	n, err := countEvents(bytes.NewReader(data))
	if err != nil || n != 1536 {
		t.Errorf("read %d events, err %v; want 1536", n, err)
	}
}

func TestConcatenatedCapturesAreSections(t *testing.T) {
	raw := rawCapture(t, "falco_cat_write.scap")
	data := append(append([]byte(nil), raw...), raw...)
	rd, err := NewReader(bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	sections := map[int]int{}
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		sections[ev.Section]++
	}
	if sections[0] != 345 || sections[1] != 345 || len(sections) != 2 {
		t.Errorf("events per section %v, want 345 in each of 2", sections)
	}
}

func TestMetadataBlocks(t *testing.T) {
	cases := []struct {
		name                                       string
		threads, fds, users, groups, ifaces, minor int
		hasMachine                                 bool
	}{
		{"curl_google.scap", 54, 316, 31, 55, 5, 0, true},
		{"falco_ping_sendto.scap", 136, 674, 42, 72, 10, 2, true},
		{"single_ipv6_conn.scap", 154, 564, 42, 72, 13, 2, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rd, err := NewReader(bytes.NewReader(rawCapture(t, c.name)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			md := rd.Metadata()
			got := []int{len(md.Threads), len(md.FDs), len(md.Users), len(md.Groups), len(md.Interfaces), int(md.Minor)}
			want := []int{c.threads, c.fds, c.users, c.groups, c.ifaces, c.minor}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("metadata counts %v, want %v", got, want)
					break
				}
			}
			if (md.Machine != nil) != c.hasMachine {
				t.Errorf("machine info present = %v", md.Machine != nil)
			}
		})
	}
}
