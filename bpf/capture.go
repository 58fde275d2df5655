//go:build linux && amd64

package bpf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/cilium/ebpf/ringbuf"
	et "github.com/scapql/scapql/ingest/eventtable"
	sw "github.com/scapql/scapql/ingest/scapwrite"
	"golang.org/x/sys/unix"
)

// Options configure a capture.
type Options struct {
	// SnapLen is how many bytes of I/O buffers are kept (0: 80, as sysdig).
	SnapLen uint32
	// Gzip compresses the capture.
	Gzip bool
	// ProcRoot is where /proc is (tests point it elsewhere); "" is /proc.
	ProcRoot string
	// FlushIdle pushes buffered events out whenever the probes go quiet
	// for a moment, for readers that follow the capture live.
	FlushIdle bool
	// RingBytes is the ring buffer's size: a power of two of at least a page (0: 16 MiB).
	RingBytes uint32
}

// Stats are the counts of a finished capture.
type Stats struct {
	Events uint64   // event blocks written
	Drops  []uint64 // records lost because the ring buffer was full, per CPU
}

// Dropped returns the total of Drops.
func (s Stats) Dropped() uint64 {
	var n uint64
	for _, d := range s.Drops {
		n += d
	}
	return n
}

// Capture records syscalls into a capture file. Start it, Run it until the
// context ends (or a count is reached), then Close it.
type Capture struct {
	probe     *probe
	w         *sw.Writer
	bootOff   uint64 // epoch ns minus boot ns
	defs      map[uint32]*sysDef
	generic   map[uint32]string
	rec       record
	raw       ringbuf.Record
	closed    bool
	flushIdle bool
	maxEvents uint64 // Run's limit, which Close's drain keeps too
}

// Start loads and attaches the probes, then writes the capture's header
// and the state of every process from /proc. Events start flowing to out
// from Run.
func Start(out io.Writer, opts Options) (*Capture, error) {
	if opts.SnapLen == 0 {
		opts.SnapLen = 80
	}
	if opts.SnapLen > maxSnapLen {
		return nil, fmt.Errorf("bpf: snap length %d over the limit of %d", opts.SnapLen, maxSnapLen)
	}
	if opts.ProcRoot == "" {
		opts.ProcRoot = "/proc"
	}
	c := &Capture{defs: map[uint32]*sysDef{}, generic: map[uint32]string{}, flushIdle: opts.FlushIdle}
	plans := map[uint32]probePlan{}
	for nr, name := range syscallNames {
		var pl probePlan
		pl.Enabled = 1
		if d, ok := syscalls[name]; ok {
			c.defs[nr] = d
			setOps(&pl, d.enterOps, d.exitOps)
		} else {
			c.generic[nr] = name
		}
		plans[nr] = pl
	}
	var err error
	c.probe, err = newProbe(opts.SnapLen, uint32(os.Getpid()), plans, opts.RingBytes)
	if err != nil {
		return nil, err
	}
	c.bootOff = bootOffset()
	if err := c.probe.attach(); err != nil {
		c.probe.close()
		return nil, err
	}
	snap, err := takeSnapshot(opts.ProcRoot, c.bootOff)
	if err != nil {
		c.probe.close()
		return nil, err
	}
	c.w = sw.NewWriter(out, sw.Options{Gzip: opts.Gzip})
	if err := snap.write(c.w); err != nil {
		c.probe.close()
		return nil, fmt.Errorf("bpf: write process state: %w", err)
	}
	return c, nil
}

func setOps(pl *probePlan, enter, exit []op) {
	for i, o := range enter {
		if i < len(pl.Enter) {
			pl.Enter[i].How, pl.Enter[i].Arg, pl.Enter[i].Len = o.how, o.arg, o.len
		}
	}
	for i, o := range exit {
		if i < len(pl.Exit) {
			pl.Exit[i].How, pl.Exit[i].Arg, pl.Exit[i].Len = o.how, o.arg, o.len
		}
	}
}

// bootOffset is what turns the probes' boot-time clock into epoch time.
func bootOffset() uint64 {
	var rt, bt unix.Timespec
	unix.ClockGettime(unix.CLOCK_REALTIME, &rt)
	unix.ClockGettime(unix.CLOCK_BOOTTIME, &bt)
	return uint64(rt.Nano() - bt.Nano())
}

// Run writes events until ctx ends or maxEvents (0: no limit) events are
// written. It returns nil when stopped by the context or the count.
func (c *Capture) Run(ctx context.Context, maxEvents uint64) error {
	c.maxEvents = maxEvents
	// The probes wake the reader only when data piles up, so it also
	// looks every pollInterval.
	const pollInterval = 20 * time.Millisecond
	c.probe.reader.SetDeadline(time.Now().Add(pollInterval))
	for n := 0; ; n++ {
		if maxEvents > 0 && c.w.Events() >= maxEvents {
			return nil
		}
		// Under a steady flow reads never time out: look at the context
		// every so many records too.
		if n%4096 == 0 && ctx.Err() != nil {
			return nil
		}
		if err := c.probe.reader.ReadInto(&c.raw); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if ctx.Err() != nil {
					return nil
				}
				if c.flushIdle {
					if err := c.w.Flush(); err != nil {
						return err
					}
				}
				c.probe.reader.SetDeadline(time.Now().Add(pollInterval))
				continue
			}
			if errors.Is(err, ringbuf.ErrClosed) {
				return nil
			}
			return fmt.Errorf("bpf: read ring buffer: %w", err)
		}
		if err := c.handle(c.raw.RawSample); err != nil {
			return err
		}
	}
}

// Close stops the probes, writes the records still in the ring buffer and
// ends the capture. It returns the counts even when writing failed.
func (c *Capture) Close() (Stats, error) {
	if c.closed {
		return Stats{}, errors.New("bpf: capture already closed")
	}
	c.closed = true
	c.probe.detach()
	var err error
	// Drain what the probes wrote before they were detached.
	for err == nil && (c.maxEvents == 0 || c.w.Events() < c.maxEvents) {
		c.probe.reader.SetDeadline(time.Now())
		if rerr := c.probe.reader.ReadInto(&c.raw); rerr != nil {
			break
		}
		err = c.handle(c.raw.RawSample)
	}
	lost, _, cerr := c.probe.counters()
	st := Stats{Events: c.w.Events(), Drops: lost}
	if len(st.Drops) > runtime.NumCPU() {
		st.Drops = st.Drops[:runtime.NumCPU()]
	}
	c.probe.close()
	// The counts go into the capture too, one drop record per CPU (scap.DropRecord).
	if cerr == nil {
		now := uint64(time.Now().UnixNano())
		for cpu, n := range st.Drops {
			if werr := c.w.WriteDropRecord(now, uint16(cpu), n); err == nil && werr != nil {
				err = werr
			}
		}
	}
	if werr := c.w.Close(); err == nil {
		err = werr
	}
	if err == nil {
		err = cerr
	}
	return st, err
}

// handle turns one record into one event block.
func (c *Capture) handle(raw []byte) error {
	r := &c.rec
	if err := r.decode(raw); err != nil {
		return err
	}
	ts := r.ts + c.bootOff
	tid := int64(r.tid)
	switch r.kind {
	case recProcExit:
		e := c.w.Begin(ts, tid, r.cpu, et.PPME_PROCEXIT_1_E)
		encProcExit(e, r)
		return e.End()
	case recEnter, recExit:
	default:
		return fmt.Errorf("bpf: record of unknown kind %d", r.kind)
	}
	enter := r.kind == recEnter
	if d, ok := c.defs[r.nr]; ok {
		typ, enc := d.exit, d.encExit
		if enter {
			typ, enc = d.enter, d.encEnter
		}
		e := c.w.Begin(ts, tid, r.cpu, typ)
		enc(e, r)
		return e.End()
	}
	name := c.generic[r.nr]
	if enter {
		return c.w.Begin(ts, tid, r.cpu, et.PPME_GENERIC_E).U16(ppmSyscallCode(name)).U16(uint16(r.nr)).End()
	}
	return c.w.Begin(ts, tid, r.cpu, et.PPME_GENERIC_X).U16(ppmSyscallCode(name)).End()
}

func numCPUs() int { return runtime.NumCPU() }
