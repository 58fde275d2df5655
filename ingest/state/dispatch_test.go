package state_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/scapql/scapql/ingest"
	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/fields"
	sw "github.com/scapql/scapql/ingest/scapwrite"
)

// TestFDCreatingExits: the exits that create an fd make it, with its type, and no other exit
// touches the fd table. getresgid's exit (id 213, once dispatched as epoll_create) and
// getuid's (203, once dispatched as dup) return 0, which left stdin an eventpoll fd.
func TestFDCreatingExits(t *testing.T) {
	for _, tc := range []struct {
		name  string
		enter uint16
		exit  uint16
		exitP [][]byte
		fd    int64  // the fd read afterwards
		want  string // its fd.type and fd.name then
	}{
		{"getresgid", et.PPME_SYSCALL_GETRESGID_E, et.PPME_SYSCALL_GETRESGID_X,
			[][]byte{sw.Errno(0), sw.U32(1000), sw.U32(1000), sw.U32(1000)}, 0, "file /dev/pts/0"},
		{"getuid", et.PPME_SYSCALL_GETUID_E, et.PPME_SYSCALL_GETUID_X, [][]byte{sw.U32(0)}, 0, "file /dev/pts/0"},
		{"epoll_create", et.PPME_SYSCALL_EPOLL_CREATE_E, et.PPME_SYSCALL_EPOLL_CREATE_X,
			[][]byte{sw.Errno(7), sw.I32(1)}, 7, "eventpoll "},
		{"epoll_create1", et.PPME_SYSCALL_EPOLL_CREATE1_E, et.PPME_SYSCALL_EPOLL_CREATE1_X,
			[][]byte{sw.Errno(7), sw.U32(0)}, 7, "eventpoll "},
		{"eventfd2", et.PPME_SYSCALL_EVENTFD2_E, et.PPME_SYSCALL_EVENTFD2_X,
			[][]byte{sw.Errno(7), sw.U16(0)}, 7, "event "},
		{"dup2", et.PPME_SYSCALL_DUP2_E, et.PPME_SYSCALL_DUP2_X,
			[][]byte{sw.Errno(7), sw.FD(1), sw.FD(7)}, 7, "file /dev/pts/0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := sw.NewWriter(&buf, sw.Options{})
			if err := w.WriteProcessList(sw.SampleProcesses()); err != nil {
				t.Fatal(err)
			}
			var fds []sw.FDEntry
			for i := int64(0); i < 3; i++ {
				fds = append(fds, sw.FDEntry{Num: i, Type: sw.FDFileV2, Name: "/dev/pts/0", OpenFlags: 3, Ino: 3})
			}
			if err := w.WriteFDList(1000, fds); err != nil {
				t.Fatal(err)
			}
			ts := uint64(1_700_000_000_000_000_000)
			info := et.Events[tc.enter]
			var enterP [][]byte
			for _, p := range info.Params { // the enter's parameters do not matter here
				if p.Type == et.PT_FD {
					enterP = append(enterP, sw.FD(1))
				} else {
					enterP = append(enterP, make([]byte, 8))
				}
			}
			w.WriteEvent(ts, 1000, 0, tc.enter, enterP...)
			w.WriteEvent(ts+1, 1000, 0, tc.exit, tc.exitP...)
			w.WriteEvent(ts+2, 1000, 0, et.PPME_SYSCALL_READ_E, sw.FD(tc.fd), sw.U32(1))
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			src, err := ingest.NewSource(&buf, tc.name, ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			typ, _, _ := fields.Lookup("fd.type")
			name, _, _ := fields.Lookup("fd.name")
			got := "no read"
			for {
				ev, err := src.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if ev.Raw.Type == et.PPME_SYSCALL_READ_E {
					got = typ.Extract(ev, "").Text() + " " + name.Extract(ev, "").Text()
				}
			}
			if got != tc.want {
				t.Errorf("after %s, fd %d: %q, want %q", tc.name, tc.fd, got, tc.want)
			}
		})
	}
}
