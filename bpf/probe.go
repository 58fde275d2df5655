//go:build linux && amd64

package bpf

import (
	"errors"
	"fmt"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"
)

// Plan operations and chunk tags, as in c/probe.bpf.c.
const (
	opStr          = 1
	opBufLenArg    = 2
	opBufRet       = 3
	opSockaddr     = 4
	opSockaddrPLen = 5
	opSock         = 6
	opFDPair       = 7
	opTask         = 8
	opFile         = 9
	opIOV          = 10
	opMsghdr       = 11

	argRet = 0xff

	maxSnapLen = 8191
)

// op is one plan step: how to turn argument arg (with length argument len)
// into a chunk.
type op struct{ how, arg, len uint8 }

// probe is the loaded kernel side: programs, maps, links.
type probe struct {
	objs   probeObjects
	links  []link.Link
	reader *ringbuf.Reader
}

// loadProbe loads the programs with the given snap length, ignoring the
// calling process's own syscalls, and fills the plans map.
// ringBytes, when not 0, replaces the ring buffer's size (a power of two, at least a page).
func newProbe(snaplen uint32, selfTgid uint32, plans map[uint32]probePlan, ringBytes uint32) (*probe, error) {
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, fmt.Errorf("bpf: raise memlock limit: %w", err)
	}
	spec, err := loadProbe()
	if err != nil {
		return nil, fmt.Errorf("bpf: %w", err)
	}
	if err := spec.Variables[probeVarSnaplen].Set(snaplen); err != nil {
		return nil, fmt.Errorf("bpf: set snap length: %w", err)
	}
	if err := spec.Variables[probeVarSelfTgid].Set(selfTgid); err != nil {
		return nil, fmt.Errorf("bpf: set own pid: %w", err)
	}
	if ringBytes != 0 {
		if ringBytes < uint32(os.Getpagesize()) || ringBytes&(ringBytes-1) != 0 {
			return nil, fmt.Errorf("bpf: ring buffer of %d bytes: it must be a power of two of at least %d", ringBytes, os.Getpagesize())
		}
		spec.Maps["events"].MaxEntries = ringBytes
	}
	p := &probe{}
	if err := spec.LoadAndAssign(&p.objs, nil); err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("bpf: the verifier rejected the probes: %w", fmt.Errorf("%+v", ve))
		}
		return nil, fmt.Errorf("bpf: load probes: %w", err)
	}
	for nr, pl := range plans {
		if err := p.objs.Plans.Put(nr, pl); err != nil {
			p.close()
			return nil, fmt.Errorf("bpf: plan of syscall %d: %w", nr, err)
		}
	}
	p.reader, err = ringbuf.NewReader(p.objs.Events)
	if err != nil {
		p.close()
		return nil, fmt.Errorf("bpf: ring buffer: %w", err)
	}
	return p, nil
}

// attach starts recording.
func (p *probe) attach() error {
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sched_process_exit", Program: p.objs.SchedProcessExit})
	if err != nil {
		return fmt.Errorf("bpf: attach sched_process_exit: %w", err)
	}
	p.links = append(p.links, l)
	for _, prog := range []*ebpf.Program{p.objs.SysEnter, p.objs.SysExit} {
		l, err := link.AttachTracing(link.TracingOptions{Program: prog})
		if err != nil {
			return fmt.Errorf("bpf: attach %s: %w", prog, err)
		}
		p.links = append(p.links, l)
	}
	return nil
}

// detach stops recording; records already in the ring buffer stay readable.
func (p *probe) detach() {
	for _, l := range p.links {
		l.Close()
	}
	p.links = nil
}

// counters returns the per-CPU counts of records lost (ring buffer full)
// and sent.
func (p *probe) counters() (lost, sent []uint64, err error) {
	if err := p.objs.Counters.Lookup(uint32(0), &lost); err != nil {
		return nil, nil, fmt.Errorf("bpf: read drop counters: %w", err)
	}
	if err := p.objs.Counters.Lookup(uint32(1), &sent); err != nil {
		return nil, nil, fmt.Errorf("bpf: read event counters: %w", err)
	}
	return lost, sent, nil
}

func (p *probe) close() {
	p.detach()
	if p.reader != nil {
		p.reader.Close()
	}
	p.objs.Close()
}

// KernelRefuses reports whether err (from Start) means this kernel or
// process cannot run the probes at all — no privilege, no BPF, no BTF —
// rather than a fault of the probes themselves (a verifier rejection is
// not a refusal: it is a bug to fix).
func KernelRefuses(err error) bool {
	var ve *ebpf.VerifierError
	if err == nil || errors.As(err, &ve) {
		return false
	}
	return errors.Is(err, os.ErrPermission) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) ||
		errors.Is(err, ebpf.ErrNotSupported) || errors.Is(err, btf.ErrNotFound) || errors.Is(err, unix.ENOSYS)
}
