package scapwrite

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"slices"
	"strings"
	"testing"

	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/scap"
)

var le = binary.LittleEndian

// capture runs f on a fresh writer and returns the closed output.
func capture(t *testing.T, opts Options, f func(w *Writer)) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, opts)
	f(w)
	if err := w.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return buf.Bytes()
}

func TestSectionHeader(t *testing.T) {
	b := capture(t, Options{}, func(*Writer) {})
	want := []byte{
		0x0A, 0x0D, 0x0D, 0x0A, 28, 0, 0, 0,
		0x4D, 0x3C, 0x2B, 0x1A, 1, 0, 2, 0,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		28, 0, 0, 0,
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("SHB:\n got % x\nwant % x", b, want)
	}

	b = capture(t, Options{Section: Section{Major: 1, Minor: 0, Options: []BlockOption{CommentOption("hi!!x")}}}, func(*Writer) {})
	// 28 + option (4 + 5 + 3 pad) + end of options (4)
	if len(b) != 28+12+4 || le.Uint32(b[4:]) != uint32(len(b)) || le.Uint16(b[14:]) != 0 {
		t.Fatalf("SHB with options: len %d, header %d, minor %d", len(b), le.Uint32(b[4:]), le.Uint16(b[14:]))
	}
	if got := le.Uint16(b[24:]); got != 1 {
		t.Fatalf("option code %d, want 1", got)
	}
}

func TestEventLayout(t *testing.T) {
	b := capture(t, Options{}, func(w *Writer) {
		err := w.WriteEvent(0x1122334455667788, 42, 3, et.PPME_SYSCALL_OPEN_X,
			FD(5), CharBuf("/etc/passwd"), U32(1), U32(0), U32(0x803))
		if err != nil {
			t.Fatal(err)
		}
	})
	ev := b[28:]
	// record: 26 header + 5*2 lengths + 8+12+4+4+4 values = 68; body = 2+68 = 70 -> pad 2
	wantRec := 26 + 10 + 32
	wantBlock := 8 + 2 + wantRec + 2 + 4
	if got := le.Uint32(ev[0:]); got != BlockEVv2 {
		t.Fatalf("block type %#x", got)
	}
	if got := le.Uint32(ev[4:]); int(got) != wantBlock || len(ev) != wantBlock {
		t.Fatalf("block length %d (buffer %d), want %d", got, len(ev), wantBlock)
	}
	if le.Uint32(ev[wantBlock-4:]) != uint32(wantBlock) {
		t.Fatal("trailer mismatch")
	}
	if le.Uint16(ev[8:]) != 3 {
		t.Fatal("cpu")
	}
	r := ev[10:]
	if le.Uint64(r[0:]) != 0x1122334455667788 || le.Uint64(r[8:]) != 42 ||
		le.Uint32(r[16:]) != uint32(wantRec) || le.Uint16(r[20:]) != et.PPME_SYSCALL_OPEN_X || le.Uint32(r[22:]) != 5 {
		t.Fatalf("record header % x", r[:26])
	}
	lens := []uint16{le.Uint16(r[26:]), le.Uint16(r[28:]), le.Uint16(r[30:]), le.Uint16(r[32:]), le.Uint16(r[34:])}
	if !slices.Equal(lens, []uint16{8, 12, 4, 4, 4}) {
		t.Fatalf("lengths %v", lens)
	}
	if string(r[36+8:36+20]) != "/etc/passwd\x00" {
		t.Fatalf("name % x", r[44:56])
	}
	if ev[10+wantRec] != 0 || ev[11+wantRec] != 0 {
		t.Fatal("padding not zero")
	}
}

func TestBlockKinds(t *testing.T) {
	cases := []struct {
		name  string
		o     EventOptions
		typ   uint16
		block uint32
		width int
	}{
		{"ev", EventOptions{}, et.PPME_SYSCALL_CLOSE_E, BlockEVv2, 2},
		{"evf", EventOptions{Flags: FlagStateOnly}, et.PPME_SYSCALL_CLOSE_E, BlockEVFv2, 2},
		{"evf-forced", EventOptions{EVF: true}, et.PPME_SYSCALL_CLOSE_E, BlockEVFv2, 2},
		{"large", EventOptions{Large: true}, et.PPME_SYSCALL_CLOSE_E, BlockEVv2Large, 2},
		{"evf-large", EventOptions{Large: true, Flags: 1}, et.PPME_SYSCALL_CLOSE_E, BlockEVFv2Large, 2},
		{"large-payload-in-ev", EventOptions{}, et.PPME_CONTAINER_JSON_2_E, BlockEVv2, 4},
		{"width-override", EventOptions{LengthWidth: 4}, et.PPME_SYSCALL_CLOSE_E, BlockEVv2, 4},
		{"v1", EventOptions{V1: true}, et.PPME_SYSCALL_CLOSE_E, BlockEV, 2},
		{"v1-flags", EventOptions{V1: true, Flags: 1}, et.PPME_SYSCALL_CLOSE_E, BlockEVF, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := capture(t, Options{}, func(w *Writer) {
				if err := w.WriteEventOpts(c.o, 7, 1, 0, c.typ, CharBuf("abc")); err != nil {
					t.Fatal(err)
				}
			})[28:]
			if got := le.Uint32(b); got != c.block {
				t.Fatalf("block %#x, want %#x", got, c.block)
			}
			rec := b[10:]
			if c.o.Flags != 0 || c.o.EVF {
				if le.Uint32(b[10:]) != c.o.Flags {
					t.Fatal("flags")
				}
				rec = b[14:]
			}
			hdr := headerV2
			if c.o.V1 {
				hdr = headerV1
			} else if le.Uint32(rec[22:]) != 1 {
				t.Fatal("nparams")
			}
			if got, want := le.Uint32(rec[16:]), uint32(hdr+c.width+4); got != want {
				t.Fatalf("record len %d, want %d", got, want)
			}
			var l uint32
			if c.width == 2 {
				l = uint32(le.Uint16(rec[hdr:]))
			} else {
				l = le.Uint32(rec[hdr:])
			}
			if l != 4 {
				t.Fatalf("param length %d", l)
			}
		})
	}
}

func TestAutoLargeAndLimits(t *testing.T) {
	b := capture(t, Options{}, func(w *Writer) {
		data := bytes.Repeat([]byte{'x'}, 60000)
		if err := w.WriteEvent(1, 1, 0, et.PPME_SYSCALL_WRITE_X, data, data); err != nil {
			t.Fatal(err)
		}
	})[28:]
	if le.Uint32(b) != BlockEVv2Large {
		t.Fatalf("block %#x, want LARGE", le.Uint32(b))
	}

	var buf bytes.Buffer
	w := NewWriter(&buf, Options{})
	err := w.WriteEvent(1, 1, 0, et.PPME_SYSCALL_WRITE_X, Errno(0), make([]byte, 70000))
	if err == nil || !strings.Contains(err.Error(), "u16") {
		t.Fatalf("oversized u16 param: err %v", err)
	}
	// u32 widths take it.
	if err := w.WriteEvent(1, 1, 0, et.PPME_CONTAINER_JSON_2_E, make([]byte, 70000)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	spans, err := Blocks(buf.Bytes())
	if err != nil || len(spans) != 2 || spans[1].Type != BlockEVv2Large {
		t.Fatalf("spans %v err %v", spans, err)
	}
}

func TestParamEncodings(t *testing.T) {
	v4 := netip.MustParseAddrPort("10.1.2.3:80")
	v4b := netip.MustParseAddrPort("192.168.0.1:44434")
	v6 := netip.MustParseAddrPort("[::1]:2345")
	cases := []struct {
		name string
		got  []byte
		want []byte
	}{
		{"charbuf", CharBuf("ab"), []byte{'a', 'b', 0}},
		{"empty charbuf", CharBuf(""), []byte{0}},
		{"list", StringList("a", "bc"), []byte("a\x00bc\x00")},
		{"errno", Errno(-2), []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"sockaddr4", Sockaddr(v4), []byte{2, 10, 1, 2, 3, 80, 0}},
		{"sockaddr6", Sockaddr(v6), append(append([]byte{10}, make([]byte, 15)...), 1, 0x29, 0x09)},
		{"sockaddr unix", SockaddrUnix("/run/x"), []byte("\x01/run/x\x00")},
		{"tuple4", Socktuple(v4b, v4), []byte{2, 192, 168, 0, 1, 0x92, 0xad, 10, 1, 2, 3, 80, 0}},
		{"fdlist", FDList(PollFD{FD: 4, Events: 4}), []byte{1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 4, 0}},
	}
	for _, c := range cases {
		if !bytes.Equal(c.got, c.want) {
			t.Errorf("%s: got % x want % x", c.name, c.got, c.want)
		}
	}
	if n := len(Socktuple(v6, v6)); n != 37 {
		t.Errorf("tuple6 is %d bytes", n)
	}
	// Mixed families become IPv6 with the IPv4 end mapped.
	mixed := Socktuple(v4, v6)
	if len(mixed) != 37 || mixed[0] != AFInet6 || !bytes.Equal(mixed[11:17], []byte{0xff, 0xff, 10, 1, 2, 3}) {
		t.Errorf("mixed tuple % x", mixed)
	}
	ut := SocktupleUnix(0, 0xffff88003c420800, "/var/run/nscd/socket")
	if len(ut) != 1+16+len("/var/run/nscd/socket")+1 || ut[0] != AFUnix {
		t.Errorf("unix tuple % x", ut)
	}
}

func TestMetadataLayouts(t *testing.T) {
	procs := SampleProcesses()
	b := capture(t, Options{}, func(w *Writer) {
		writeSamplePrelude(w, procs, true)
	})
	spans, err := Blocks(b)
	if err != nil {
		t.Fatal(err)
	}
	types := []uint32{}
	for _, s := range spans {
		types = append(types, s.Type)
	}
	want := []uint32{BlockSHB, BlockMI, BlockILv2, BlockULv2, BlockPLv9, BlockFDLv2, BlockFDLv2, BlockFDLv2, BlockFDLv2}
	if !slices.Equal(types, want) {
		t.Fatalf("blocks %x, want %x", types, want)
	}
	if spans[1].Len != 12+180 {
		t.Fatalf("MI block %d bytes", spans[1].Len)
	}

	// IL v2: entry_len counts the bytes after itself.
	il := b[spans[2].Offset+8:]
	if n := le.Uint32(il); n != 2+2+12+8+2 { // type, namelen, 3 addrs, speed, "lo"
		t.Fatalf("IL entry_len %d", n)
	}
	// UL v2: entry_len counts itself.
	ul := b[spans[3].Offset+8:]
	if n := le.Uint32(ul); n != 4+1+8+2+4+2+5+2+9 {
		t.Fatalf("UL entry_len %d", n)
	}
	// PL v9: walk the entries with their lengths and check the full tail.
	pl := b[spans[4].Offset+8 : spans[4].Offset+int64(spans[4].Len)-4]
	n := 0
	for len(pl) >= 4 {
		l := le.Uint32(pl)
		if l == 0 {
			break
		}
		if tid := int64(le.Uint64(pl[4:])); tid != procs[n].Tid {
			t.Fatalf("entry %d tid %d", n, tid)
		}
		if got := int64(le.Uint64(pl[l-8:])); got != procs[n].Pgid {
			t.Fatalf("entry %d pgid %d (tail misplaced)", n, got)
		}
		pl = pl[l:]
		n++
	}
	if n != len(procs) {
		t.Fatalf("%d process entries, want %d", n, len(procs))
	}
	for _, tail := range []struct {
		l TailLayout
		n int
	}{{TailFull, 76}, {TailPre010, 29}, {TailLoginUID, 4}, {TailNone, 0}} {
		p := procs[0]
		p.Tail = TailNone
		base, _ := AppendProcessEntry(nil, &p)
		p.Tail = tail.l
		full, err := AppendProcessEntry(nil, &p)
		if err != nil || len(full)-len(base) != tail.n {
			t.Errorf("tail %d: %d bytes, want %d (err %v)", tail.l, len(full)-len(base), tail.n, err)
		}
	}
	// FDL v2 of nginx: tid, then 3 entries; the servsock entry is 4+8+8+1+4+2+1.
	fdl := b[spans[7].Offset+8:]
	if le.Uint64(fdl) != 2000 {
		t.Fatalf("fd list tid %d", le.Uint64(fdl))
	}
	e1 := fdl[8:]
	e2 := e1[le.Uint32(e1):]
	if l := le.Uint32(e2); l != 28 || e2[20] != byte(FDIPv4ServSock) {
		t.Fatalf("servsock entry len %d type %d", l, e2[20])
	}
}

// parseEvents is a minimal v2/v1 event reader used to check what the writer
// produced: it returns (type, nparams) per event block.
func parseEvents(t *testing.T, raw []byte) [][2]int {
	t.Helper()
	spans, err := Blocks(raw)
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]int
	for _, s := range spans {
		blk := raw[s.Offset : s.Offset+int64(s.Len)]
		var rec []byte
		v1 := false
		switch s.Type {
		case BlockEVv2, BlockEVv2Large:
			rec = blk[10:]
		case BlockEVFv2, BlockEVFv2Large:
			rec = blk[14:]
		case BlockEV:
			rec, v1 = blk[10:], true
		case BlockEVF:
			rec, v1 = blk[14:], true
		default:
			continue
		}
		l := int(le.Uint32(rec[16:]))
		typ := le.Uint16(rec[20:])
		if l > len(rec)-4 {
			t.Fatalf("record len %d over block", l)
		}
		if v1 {
			out = append(out, [2]int{int(typ), -1})
			continue
		}
		np := int(le.Uint32(rec[22:]))
		w := 2
		if largePayload(typ) {
			w = 4
		}
		sum := 0
		for i := 0; i < np; i++ {
			if w == 2 {
				sum += int(le.Uint16(rec[26+2*i:]))
			} else {
				sum += int(le.Uint32(rec[26+4*i:]))
			}
		}
		if 26+np*w+sum != l {
			t.Fatalf("type %d: lengths %d+%d+%d != len %d", typ, 26, np*w, sum, l)
		}
		out = append(out, [2]int{int(typ), np})
	}
	return out
}

func TestSamples(t *testing.T) {
	for _, s := range Samples() {
		t.Run(string(s), func(t *testing.T) {
			var raw, gz bytes.Buffer
			info, err := WriteSample(s, &raw, Options{})
			if err != nil {
				t.Fatal(err)
			}
			evs := parseEvents(t, raw.Bytes())
			if len(evs) != info.Events {
				t.Fatalf("%d event blocks, info says %d", len(evs), info.Events)
			}
			if _, err := WriteSample(s, &gz, Options{Gzip: true}); err != nil {
				t.Fatal(err)
			}
			zr, err := gzip.NewReader(&gz)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(plain, raw.Bytes()) {
				t.Fatalf("gzip round trip differs (err %v)", err)
			}
		})
	}
	var raw bytes.Buffer
	if _, err := WriteSample("nope", &raw, Options{}); err == nil {
		t.Fatal("unknown sample accepted")
	}
}

func TestCut(t *testing.T) {
	var raw bytes.Buffer
	if _, err := WriteSample(SampleBasic, &raw, Options{}); err != nil {
		t.Fatal(err)
	}
	spans, err := Blocks(raw.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	last := spans[len(spans)-1]
	for _, off := range []int64{last.Offset + 3, last.Offset + 20, last.Offset + int64(last.Len) - 2} {
		c := Cut(raw.Bytes(), off)
		got, err := Blocks(c)
		if err == nil || len(got) != len(spans)-1 {
			t.Errorf("cut at %d: %d blocks, err %v", off, len(got), err)
		}
	}
	if c := Cut(raw.Bytes(), 1<<40); len(c) != raw.Len() {
		t.Error("cut past the end")
	}
}

func TestMultiSection(t *testing.T) {
	var raw bytes.Buffer
	info, err := WriteSample(SampleMultiSection, &raw, Options{})
	if err != nil {
		t.Fatal(err)
	}
	spans, _ := Blocks(raw.Bytes())
	n := 0
	for _, s := range spans {
		if s.Type == BlockSHB {
			n++
		}
	}
	if n != 2 || info.Sections != 2 {
		t.Fatalf("%d SHBs, info %d", n, info.Sections)
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n < len(p) {
		return 0, errors.New("disk full")
	}
	f.n -= len(p)
	return len(p), nil
}

func TestStickyError(t *testing.T) {
	w := NewWriter(&failWriter{n: 10}, Options{BufferSize: 16})
	for i := 0; i < 10; i++ {
		_ = w.WriteEvent(uint64(i), 1, 0, et.PPME_SYSCALL_CLOSE_E, FD(3))
	}
	err := w.Close()
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err %v", err)
	}
	if w.WriteEvent(1, 1, 0, et.PPME_SYSCALL_CLOSE_E, FD(3)) == nil {
		t.Fatal("write after failure succeeded")
	}
}

func TestBuilderMatchesWriteEvent(t *testing.T) {
	tuple := func() (netip.AddrPort, netip.AddrPort) {
		return netip.MustParseAddrPort("10.0.0.1:1000"), netip.MustParseAddrPort("[fd00::1]:80")
	}
	a := capture(t, Options{}, func(w *Writer) {
		s, d := tuple()
		_ = w.WriteEvent(5, 6, 1, et.PPME_SOCKET_CONNECT_X, Errno(-111), Socktuple(s, d), FD(3), Sockaddr(d))
	})
	b := capture(t, Options{}, func(w *Writer) {
		s, d := tuple()
		_ = w.Begin(5, 6, 1, et.PPME_SOCKET_CONNECT_X).Errno(-111).Socktuple(s, d).FD(3).Sockaddr(d).End()
	})
	if !bytes.Equal(a, b) {
		t.Fatal("builder and WriteEvent differ")
	}
}

func BenchmarkBuilder(b *testing.B) {
	w := NewWriter(io.Discard, Options{})
	data := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = w.Begin(uint64(i), 1234, 1, et.PPME_SYSCALL_READ_X).Errno(int64(len(data))).Bytes(data).End()
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

// TestBigListsSplit checks that a process table and an fd list too big
// for one capture-pipe block go in several blocks, none much over
// MaxListBlock, that a reader adds up to every entry.
func TestBigListsSplit(t *testing.T) {
	var procs []Process
	for i := range 3000 {
		procs = append(procs, Process{Tid: int64(1000 + i), Pid: int64(1000 + i), Ptid: 1, Comm: "worker",
			Exe: "/usr/bin/worker", Args: []string{strings.Repeat("a", 100)}, Tail: TailPre010})
	}
	var fds []FDEntry
	for i := range 5000 {
		fds = append(fds, FDEntry{Num: int64(i), Type: FDFile, Name: "/var/lib/some/rather/long/path/" + strings.Repeat("f", 20)})
	}
	out := capture(t, Options{}, func(w *Writer) {
		w.WriteProcessList(procs)
		w.WriteFDList(1000, fds)
		w.WriteFDList(1001, fds[:3])
		w.WriteEvent(1, 1000, 0, 1) // a capture has events
	})
	spans, err := Blocks(out)
	if err != nil {
		t.Fatal(err)
	}
	pl, fdl := 0, 0
	for _, s := range spans {
		switch s.Type {
		case BlockPLv9:
			pl++
		case BlockFDLv2:
			fdl++
		}
		if s.Len > MaxListBlock+4096 {
			t.Errorf("a %#x block of %d bytes", s.Type, s.Len)
		}
	}
	if pl < 3 || fdl < 4 {
		t.Errorf("%d process list blocks, %d fd list blocks: not split", pl, fdl)
	}
	r, err := scapReader(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.threads != len(procs) || r.fds != len(fds)+3 {
		t.Errorf("read back %d threads and %d fds, want %d and %d", r.threads, r.fds, len(procs), len(fds)+3)
	}
}

type listCounts struct{ threads, fds int }

// scapReader reads a capture's lists back with the capture reader.
func scapReader(b []byte) (listCounts, error) {
	r, err := scap.NewReader(bytes.NewReader(b), scap.Options{})
	if err != nil {
		return listCounts{}, err
	}
	md := r.Metadata()
	return listCounts{len(md.Threads), len(md.FDs)}, nil
}
