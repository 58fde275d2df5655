package eventtable

// ReferenceMaxEvent is PPM_EVENT_MAX of the table the reference tool (sysdig 0.29.3, libs of
// March 2022) was built with: it skips, unnumbered, every event with a higher id.
const ReferenceMaxEvent = 336

// applyReferenceDifferences renames and retypes the few parameters whose on-disk bytes are
// unchanged but whose name or rendering the current table changed since the reference's
// table, so that text output matches what users of the reference know.
func applyReferenceDifferences() {
	retype := func(enum, param string, t ParamType, f Format, info string) {
		for i := range Events {
			ev := &Events[i]
			if ev.Enum != enum {
				continue
			}
			if j := ev.ParamIndex(param); j >= 0 {
				p := &ev.Params[j]
				p.Type, p.Fmt = t, f
				if info != "-" {
					p.Info = info
					p.Flags = FlagTables[info]
				}
			}
		}
	}
	rename := func(enum, from, to string) {
		for i := range Events {
			ev := &Events[i]
			if ev.Enum != enum {
				continue
			}
			if j := ev.ParamIndex(from); j >= 0 {
				ev.Params[j].Name = to
			}
		}
	}
	rename("PPME_SYSCALL_EXECVE_19_X", "vpgid", "pgid")
	retype("PPME_SYSCALL_MMAP_X", "res", PT_UINT64, PF_HEX, "-")
	retype("PPME_SYSCALL_MMAP2_X", "res", PT_UINT64, PF_HEX, "-")
	retype("PPME_SOCKET_SOCKET_E", "domain", PT_FLAGS32, PF_DEC, "socket_families")
	retype("PPME_SOCKET_SOCKETPAIR_E", "domain", PT_FLAGS32, PF_DEC, "socket_families")
	// The reference's mmap did not use its fd for state (no fd fields on mmap events).
	// Nor did its *at calls use their directory fd (no fd fields on them).
	for _, enum := range []string{"PPME_SYSCALL_MMAP_E", "PPME_SYSCALL_MMAP_X", "PPME_SYSCALL_MMAP2_E", "PPME_SYSCALL_MMAP2_X",
		"PPME_SYSCALL_SYMLINKAT_X", "PPME_SYSCALL_UNLINKAT_2_X", "PPME_SYSCALL_MKDIRAT_X", "PPME_SYSCALL_FCHMODAT_X"} {
		for i := range Events {
			if Events[i].Enum == enum {
				Events[i].Flags &^= EF_USES_FD
				Events[i].FDParam = -1
			}
		}
	}
	for i := range Events {
		for j := range Events[i].Params {
			p := &Events[i].Params[j]
			if p.Name == "loginuid" && p.Type == PT_UID {
				p.Type, p.Fmt = PT_INT32, PF_DEC
			}
		}
	}
}
