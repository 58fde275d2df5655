package main

import "math/bits"

// rng is wyrand: a tiny, fast, deterministic generator. The generator draws
// several numbers per event, so math/rand/v2's PCG showed up at ~20% of the
// profile; wyrand costs a multiply.
type rng struct{ s uint64 }

func newRNG(seed uint64) *rng { return &rng{s: seed ^ 0x9e3779b97f4a7c15} }

// Uint64 returns 64 random bits.
func (r *rng) Uint64() uint64 {
	r.s += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(r.s, r.s^0xe7037ed1a0b428db)
	return hi ^ lo
}

// Uint32 returns 32 random bits.
func (r *rng) Uint32() uint32 { return uint32(r.Uint64() >> 32) }

// IntN returns a number in [0, n) (Lemire's multiply-shift; the tiny bias
// does not matter here). n must be > 0.
func (r *rng) IntN(n int) int {
	hi, _ := bits.Mul64(r.Uint64(), uint64(n))
	return int(hi)
}

// Float64 returns a number in [0, 1).
func (r *rng) Float64() float64 { return float64(r.Uint64()>>11) / (1 << 53) }
