//go:build linux && amd64

package bpf

import (
	"encoding/binary"
	"testing"
)

func TestFlagTranslation(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  uint32
		want uint32
	}{
		{"O_RDONLY", openFlags(0), 1},
		{"O_WRONLY|O_CREAT|O_TRUNC", openFlags(0o1101), 2 | 1<<2 | 1<<8}, // 262 in sysdig's text
		{"O_RDONLY|O_CLOEXEC", openFlags(0o2000000), 1 | 1<<12},          // 4097
		{"O_RDWR|O_DIRECTORY", openFlags(0o200002), 3 | 1<<10},
		{"mode without O_CREAT", openMode(0, 0o644), 0},
		{"mode with O_CREAT", openMode(0o100, 0o100644), 0o644},
		{"pthread clone", cloneFlags(0x3d0f00), 1 | 2 | 1<<9 | 1<<11 | 1<<12 | 1<<13 | 1<<15 | 1<<23 | 1<<25},
		{"fork clone", cloneFlags(0x1200011), 1<<23 | 1<<24},
		{"PROT_READ|PROT_WRITE", protFlags(3), 3},
		{"MAP_PRIVATE|MAP_ANONYMOUS", mmapFlags(0x22), 2 | 8},
		{"F_SETFD", uint32(fcntlCmd(2)), 3},
		{"F_DUPFD_CLOEXEC", uint32(fcntlCmd(1030)), 26},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}

func TestSyscallCodes(t *testing.T) {
	for name, want := range map[string]uint16{"read": 3, "set_robust_list": 212, "clone3": 328, "rseq": 0, "no_such": 0} {
		if got := ppmSyscallCode(name); got != want {
			t.Errorf("%s: code %d, want %d", name, got, want)
		}
	}
}

func TestParseSockaddr(t *testing.T) {
	v4 := []byte{2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}
	v6 := make([]byte, 28)
	v6[0] = 10
	binary.BigEndian.PutUint16(v6[2:], 443)
	v6[23] = 1
	for _, tc := range []struct {
		name string
		in   []byte
		want string
		ok   bool
	}{
		{"inet", v4, "127.0.0.1:8080", true},
		{"inet6", v6, "[::1]:443", true},
		{"short inet", v4[:6], "", false},
		{"unix", []byte{1, 0, '/', 'x', 0}, "", false},
		{"empty", nil, "", false},
	} {
		ap, ok := parseSockaddr(tc.in)
		if ok != tc.ok || ok && ap.String() != tc.want {
			t.Errorf("%s: got %v %v, want %q %v", tc.name, ap, ok, tc.want, tc.ok)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	exe, rest := splitArgs([]byte("cat\x00/etc/hostname\x00"))
	if exe != "cat" || string(rest) != "/etc/hostname\x00" {
		t.Errorf("got %q %q", exe, rest)
	}
	if exe, rest := splitArgs([]byte("sh\x00")); exe != "sh" || rest != nil {
		t.Errorf("got %q %q", exe, rest)
	}
}

// TestRecordDecodeNeverPanics feeds truncated and lying records to the
// decoder: it must return an error or a bounded record, never panic.
func TestRecordDecodeNeverPanics(t *testing.T) {
	good := make([]byte, recHeaderSize+4+5)
	binary.LittleEndian.PutUint32(good[80:], uint32(len(good)))
	binary.LittleEndian.PutUint16(good[recHeaderSize:], 5)
	good[recHeaderSize+2] = chStr
	copy(good[recHeaderSize+4:], "/etc\x00")
	var r record
	if err := r.decode(good); err != nil || r.str(0) != "/etc" {
		t.Fatalf("good record: %v %q", err, r.str(0))
	}
	for n := 0; n < len(good); n++ {
		_ = r.decode(good[:n])
	}
	lying := append([]byte(nil), good...)
	binary.LittleEndian.PutUint16(lying[recHeaderSize:], 60000)
	if err := r.decode(lying); err == nil {
		t.Error("a chunk longer than its record was accepted")
	}
	if _, ok := r.sock(0); ok {
		t.Error("sock info from nothing")
	}
	if _, ok := r.task(); ok {
		t.Error("task info from nothing")
	}
}
