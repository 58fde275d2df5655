package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"testing"

	et "github.com/scapql/scapql/ingest/eventtable"
	sw "github.com/scapql/scapql/ingest/scapwrite"
)

// generate runs the generator into memory.
func generate(t testing.TB, seed uint64, events int64) ([]byte, *gen) {
	t.Helper()
	var buf bytes.Buffer
	w := sw.NewWriter(&buf, sw.Options{})
	g := newGen(config{seed: seed, events: events, procs: 150, cpus: 8, startTS: 1705312800e9}, w)
	if err := g.initialWorld(); err != nil {
		t.Fatal(err)
	}
	if err := g.run(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), g
}

func TestDeterministicAndExact(t *testing.T) {
	a, g := generate(t, 7, 50000)
	b, _ := generate(t, 7, 50000)
	if sha256.Sum256(a) != sha256.Sum256(b) {
		t.Fatal("same seed, different output")
	}
	c, _ := generate(t, 8, 50000)
	if bytes.Equal(a, c) {
		t.Fatal("different seeds, same output")
	}
	spans, err := sw.Blocks(a)
	if err != nil {
		t.Fatal(err)
	}
	events := 0
	var lastTS uint64
	for _, s := range spans {
		if s.Type != sw.BlockEVv2 {
			continue
		}
		events++
		rec := a[s.Offset+10:]
		ts := binary.LittleEndian.Uint64(rec)
		if ts < lastTS {
			t.Fatalf("event %d: timestamp goes back", events)
		}
		lastTS = ts
		if typ := binary.LittleEndian.Uint16(rec[20:]); typ >= et.ReferenceMaxEvent {
			t.Fatalf("event %d: type %d unknown to sysdig 0.29.3", events, typ)
		}
	}
	if events != 50000 || g.n != 50000 {
		t.Fatalf("%d events written, counter %d", events, g.n)
	}
	m := g.manifest(0, 0, int64(len(a)))
	var sum int64
	for _, n := range m.ByType {
		sum += n
	}
	if sum != 50000 {
		t.Fatalf("manifest counts %d events", sum)
	}
	for _, want := range []string{"open", "openat", "read", "write", "close", "socket", "connect", "accept",
		"sendto", "recvfrom", "clone", "execve", "procexit", "switch", "procinfo"} {
		if m.ByType[want] == 0 {
			t.Errorf("no %s events in 50k", want)
		}
	}
}

func TestRunFlags(t *testing.T) {
	if err := run([]string{"-events", "10"}, io.Discard); err == nil {
		t.Fatal("missing -o accepted")
	}
	dir := t.TempDir()
	if err := run([]string{"-events", "1000", "-o", dir + "/x.scap", "-manifest", dir + "/m.json", "-gzip", "-q"}, io.Discard); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkGenerate(b *testing.B) {
	w := sw.NewWriter(io.Discard, sw.Options{})
	g := newGen(config{seed: 1, events: int64(b.N), procs: 150, cpus: 8, startTS: 1705312800e9}, w)
	if err := g.initialWorld(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	if err := g.run(); err != nil {
		b.Fatal(err)
	}
}
