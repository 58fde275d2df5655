package scap

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReader: any input ends in a clean EOF or an error carrying an offset, never a panic.
func FuzzReader(f *testing.F) {
	raw := rawCapture(f, "test_ipv6_client.scap")
	f.Add(raw[:12000])
	f.Add(raw[len(raw)-4000:])
	f.Add([]byte{0x0a, 0x0d, 0x0d, 0x0a})
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader(bytes.NewReader(data), Options{MaxBlock: 1 << 20})
		if err != nil {
			return
		}
		for i := 0; ; i++ {
			ev, err := rd.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var se *Error
				if !errors.As(err, &se) {
					t.Fatalf("error without an offset: %v", err)
				}
				return
			}
			for _, p := range ev.Params {
				_ = len(p)
			}
		}
	})
}
