package bpf

import (
	"os"
	"testing"
)

func TestProbeLoads(t *testing.T) {
	p, err := newProbe(80, uint32(os.Getpid()), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	if err := p.attach(); err != nil {
		t.Fatal(err)
	}
}
