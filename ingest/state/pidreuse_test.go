package state_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/scapql/scapql/ingest"
	et "github.com/scapql/scapql/ingest/eventtable"
	sw "github.com/scapql/scapql/ingest/scapwrite"
)

// TestPidReuseGivesNewProcessIDs: a pid used again after its process exited is a new process
// lifetime with its own proc.id, and its parent id points at the process that forked it.
func TestPidReuseGivesNewProcessIDs(t *testing.T) {
	var buf bytes.Buffer
	w := sw.NewWriter(&buf, sw.Options{})
	if err := w.WriteProcessList(sw.SampleProcesses()); err != nil {
		t.Fatal(err)
	}
	clone := func(res, tid int64) [][]byte {
		return [][]byte{sw.PID(res), sw.CharBuf("-bash"), sw.StringList(), sw.PID(tid), sw.PID(tid), sw.PID(1000),
			sw.CharBuf("/home/alice"), sw.I64(1024), sw.U64(0), sw.U64(0), sw.U32(10240), sw.U32(4096), sw.U32(0),
			sw.CharBuf("bash"), sw.StringList("cpu=/"), sw.U32(0), sw.U32(1000), sw.U32(1000),
			sw.PID(tid), sw.PID(tid), sw.U64(0)}
	}
	ts := uint64(1_700_000_000_000_000_000)
	for round := 0; round < 2; round++ {
		p := clone(3000, 1000) // bash's side: the child is 3000
		p[3], p[4], p[5] = sw.PID(1000), sw.PID(1000), sw.PID(1)
		w.WriteEvent(ts, 1000, 0, et.PPME_SYSCALL_CLONE_20_E)
		w.WriteEvent(ts+1, 1000, 0, et.PPME_SYSCALL_CLONE_20_X, p...)
		w.WriteEvent(ts+2, 3000, 0, et.PPME_SYSCALL_CLONE_20_X, clone(0, 3000)...)
		w.WriteEvent(ts+3, 3000, 0, et.PPME_PROCEXIT_1_E, sw.Errno(0), sw.Errno(0), sw.U8(0), sw.U8(0), sw.PID(0))
		ts += 10_000_000_000 // beyond the 2 s during which an exited tid is remembered
	}
	w.WriteEvent(ts, 1000, 0, et.PPME_SYSCALL_GETUID_E)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	src, err := ingest.NewSource(&buf, "pidreuse", ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids, parents []uint64
	var bashID uint64
	for {
		ev, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.Thread == nil {
			continue
		}
		switch ev.Thread.Tid {
		case 3000:
			if len(ids) == 0 || ids[len(ids)-1] != ev.Thread.UPID {
				ids = append(ids, ev.Thread.UPID)
				parents = append(parents, ev.Thread.ParentUPID)
			}
		case 1000:
			bashID = ev.Thread.UPID
		}
	}
	if len(ids) != 2 || ids[0] == ids[1] {
		t.Fatalf("pid 3000 had process ids %v, want two different ones", ids)
	}
	for _, p := range parents {
		if p != bashID {
			t.Errorf("parent id %d, want bash's %d", p, bashID)
		}
	}
}

// TestClone3ChildLikeClone: a clone3 exit (every pthread of current glibc) has clone 2.0's
// parameters, flags and namespace ids included: its child thread is resolved the same way.
func TestClone3ChildLikeClone(t *testing.T) {
	const cloneThread = 0x10000 | 0x100 | 0x400 | 0x800 // CLONE_THREAD|CLONE_VM|CLONE_FILES|CLONE_SIGHAND
	child := func(enter, exit uint16) string {
		var buf bytes.Buffer
		w := sw.NewWriter(&buf, sw.Options{})
		if err := w.WriteProcessList(sw.SampleProcesses()); err != nil {
			t.Fatal(err)
		}
		params := func(res, tid int64) [][]byte {
			return [][]byte{sw.PID(res), sw.CharBuf("-bash"), sw.StringList(), sw.PID(tid), sw.PID(1000), sw.PID(1),
				sw.CharBuf("/home/alice"), sw.I64(1024), sw.U64(0), sw.U64(0), sw.U32(10240), sw.U32(4096), sw.U32(0),
				sw.CharBuf("bash"), sw.StringList("cpu=/"), sw.U32(cloneThread), sw.U32(1000), sw.U32(1000),
				sw.PID(tid), sw.PID(1000), sw.U64(0)}
		}
		ts := uint64(1_700_000_000_000_000_000)
		w.WriteEvent(ts, 1000, 0, enter)
		w.WriteEvent(ts+1, 1000, 0, exit, params(4242, 1000)...)
		w.WriteEvent(ts+2, 4242, 0, exit, params(0, 4242)...)
		w.WriteEvent(ts+3, 4242, 0, et.PPME_SYSCALL_GETUID_E)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		src, err := ingest.NewSource(&buf, "clone", ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		last := "no event of thread 4242"
		for {
			ev, err := src.Next()
			if err == io.EOF {
				return last
			}
			if err != nil {
				t.Fatal(err)
			}
			if th := ev.Thread; th != nil && th.Tid == 4242 {
				last = fmt.Sprintf("comm %s exe %s pid %d ptid %d vtid %d vpid %d uid %d cwd %s", th.Comm, th.Exe, th.Pid, th.Ptid,
					th.Vtid, th.Vpid, th.UID, th.Cwd)
			}
		}
	}
	want := child(et.PPME_SYSCALL_CLONE_20_E, et.PPME_SYSCALL_CLONE_20_X)
	if got := child(et.PPME_SYSCALL_CLONE3_E, et.PPME_SYSCALL_CLONE3_X); got != want {
		t.Errorf("clone3 child: %s\nclone child:  %s", got, want)
	}
	if !strings.HasPrefix(want, "comm bash exe -bash") {
		t.Errorf("clone child: %s", want)
	}
}
