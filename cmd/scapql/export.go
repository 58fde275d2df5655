package main

import (
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/scapwrite"
	"github.com/scapql/scapql/ingest/state"
)

// exportCapture writes the events of src that match (all when match is
// nil) as a new capture at path, like Wireshark's "export specified
// packets". The input's metadata (processes, fds, users, interfaces) is
// copied, and events that change state are kept even when they do not
// match, flagged state-only, so the new file reads alone with the same
// processes and fds: readers apply them but do not show them. The file is
// written aside and renamed when complete.
func exportCapture(src *ingest.Source, match func(*state.Event) bool, path string, gz bool) (kept, matched uint64, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return 0, 0, fmt.Errorf("export: %w", err)
	}
	defer os.Remove(tmp.Name())
	kept, matched, err = exportTo(src, match, tmp, gz, false)
	if cerr := tmp.Chmod(0o644); err == nil && cerr != nil {
		err = fmt.Errorf("export: %w", cerr)
	}
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("export: %w", cerr)
	}
	if err == nil {
		if rerr := os.Rename(tmp.Name(), path); rerr != nil {
			err = fmt.Errorf("export: %w", rerr)
		}
	}
	return kept, matched, err
}

// exportTo writes the export to out (see exportCapture). live pushes each
// kept event out at once, for a reader following out (a Wireshark fifo).
func exportTo(src *ingest.Source, match func(*state.Event) bool, out io.Writer, gz, live bool) (kept, matched uint64, err error) {
	w := scapwrite.NewWriter(out, scapwrite.Options{Gzip: gz})
	wroteMeta := false
	for {
		ev, rerr := src.Next()
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			w.Close()
			return kept, matched, rerr
		}
		if !wroteMeta {
			writeMetadata(w, src.Metadata())
			wroteMeta = true
		}
		raw := ev.Raw
		opts := scapwrite.EventOptions{Flags: raw.DumpFlags}
		switch {
		case ev.Initial || match == nil || (!ev.Hidden && match(ev)):
			matched++
		case isDropRecord(raw):
			// The capture's drop counts stay what they are: internal events, not state.
		case changesState(raw.Type):
			opts.Flags |= scapwrite.FlagStateOnly
		default:
			continue
		}
		if err := w.WriteEventOpts(opts, raw.TS, raw.TID, raw.CPU, raw.Type, raw.Params...); err != nil {
			w.Close()
			return kept, matched, err
		}
		kept++
		if live {
			if err := w.Flush(); err != nil {
				w.Close()
				return kept, matched, err
			}
		}
	}
	if !wroteMeta {
		writeMetadata(w, src.Metadata())
	}
	return kept, matched, w.Close()
}

func isDropRecord(raw *scap.Event) bool {
	_, ok := scap.DropRecord(raw)
	return ok
}

// changesState reports whether readers need an event of this type (or its
// enter/exit twin, whose parameters old exits rely on) to keep threads and
// fds right.
func changesState(typ uint16) bool {
	const stateful = eventtable.EF_CREATES_FD | eventtable.EF_DESTROYS_FD | eventtable.EF_MODIFIES_STATE
	for _, id := range []uint16{typ, typ ^ 1} {
		if int(id) < len(eventtable.Events) {
			e := &eventtable.Events[id]
			if e.Flags&stateful != 0 || e.Class == eventtable.EC_METAEVENT {
				return true
			}
		}
	}
	return false
}

// writeMetadata writes a section's metadata blocks back in the order libscap
// writes them.
func writeMetadata(w *scapwrite.Writer, m *scap.Metadata) {
	if m == nil {
		return
	}
	if mi := m.Machine; mi != nil {
		w.WriteMachineInfo(scapwrite.MachineInfo{NumCPUs: mi.NumCPUs, MemoryBytes: mi.MemoryBytes,
			MaxPID: mi.MaxPID, Hostname: mi.Hostname, BootTS: mi.BootTS, Flags: mi.Flags})
	}
	if len(m.Interfaces) > 0 {
		ifs := make([]scapwrite.Interface, 0, len(m.Interfaces))
		for _, it := range m.Interfaces {
			ifs = append(ifs, scapwrite.Interface{Name: it.Name, LinkSpeed: it.LinkSpeed,
				Addr: ifAddr(it.Addr, it.IPv6), Netmask: ifAddr(it.Netmask, it.IPv6), Bcast: ifAddr(it.Bcast, it.IPv6)})
		}
		w.WriteInterfaceList(ifs)
	}
	if len(m.Users) > 0 || len(m.Groups) > 0 {
		us := make([]scapwrite.User, 0, len(m.Users))
		for _, u := range m.Users {
			us = append(us, scapwrite.User{UID: u.UID, GID: u.GID, Name: u.Name, HomeDir: u.Home, Shell: u.Shell})
		}
		gs := make([]scapwrite.Group, 0, len(m.Groups))
		for _, g := range m.Groups {
			gs = append(gs, scapwrite.Group{GID: g.GID, Name: g.Name})
		}
		w.WriteUserList(us, gs)
	}
	procs := make([]scapwrite.Process, 0, len(m.Threads))
	for _, t := range m.Threads {
		procs = append(procs, scapwrite.Process{Tid: t.Tid, Pid: t.Pid, Ptid: t.Ptid, Sid: t.Sid, Vpgid: t.Vpgid,
			Comm: t.Comm, Exe: t.Exe, ExePath: t.Exepath, Args: t.Args, Cwd: t.Cwd, FDLimit: t.FdLimit,
			Flags: t.Flags, UID: t.UID, GID: t.GID, VMSizeKB: t.VmSizeKB, VMRSSKB: t.VmRSSKB, VMSwapKB: t.VmSwapKB,
			PFMajor: t.PfMajor, PFMinor: t.PfMinor, Env: t.Env, Vtid: t.Vtid, Vpid: t.Vpid, Cgroups: t.Cgroups,
			Root: t.Root, Tail: scapwrite.TailFull, PidnsInitStartTS: t.PidnsInitStartTS, TTY: t.Tty,
			LoginUID: t.LoginUID, ExeWritable: t.ExeWritable, CapInheritable: t.CapInheritable,
			CapPermitted: t.CapPermitted, CapEffective: t.CapEffective, ExeUpperLayer: t.ExeUpperLayer,
			ExeIno: t.ExeIno, ExeInoCtime: t.ExeInoCtime, ExeInoMtime: t.ExeInoMtime,
			ExeFromMemfd: t.ExeFromMemfd, ExeLowerLayer: t.ExeLowerLayer, Pgid: t.Pgid})
	}
	if len(procs) > 0 {
		w.WriteProcessList(procs)
	}
	byTid := map[int64][]scapwrite.FDEntry{}
	var order []int64
	for _, f := range m.FDs {
		if _, ok := byTid[f.Tid]; !ok {
			order = append(order, f.Tid)
		}
		v6 := f.Type == scap.FDIPv6Sock || f.Type == scap.FDIPv6ServSock
		byTid[f.Tid] = append(byTid[f.Tid], scapwrite.FDEntry{Num: f.FD, Ino: f.Ino, Type: scapwrite.FDType(f.Type),
			Name: f.Name, OpenFlags: f.OpenFlags, Dev: f.Dev, L4Proto: f.L4Proto, Source: f.Source, Dest: f.Dest,
			Src: netip.AddrPortFrom(ifAddr(f.SIP, v6), f.SPort), Dst: netip.AddrPortFrom(ifAddr(f.DIP, v6), f.DPort)})
	}
	for _, tid := range order {
		w.WriteFDList(tid, byTid[tid])
	}
}

func ifAddr(b [16]byte, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16(b)
	}
	return netip.AddrFrom4([4]byte(b[:4]))
}
