package scap

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"testing"

	"github.com/scapql/scapql/internal/budget"
)

// TestKeepGoingResyncs inserts 1 KB, 1 MB and 64 MB of random bytes between two event blocks
// in the middle of a capture: with KeepGoing every event is still read, and the skipped
// range is reported exactly (offset and length), within 500 MB and 10 s.
func TestKeepGoingResyncs(t *testing.T) {
	for _, size := range []int{1 << 10, 1 << 20, 64 << 20} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			res, cost, parent := budget.Run(t, func() string {
				raw := rawCapture(t, "curl_google.scap")
				offs := eventOffsets(t, raw)
				at := offs[len(offs)/2]
				garbage := make([]byte, size)
				rand.New(rand.NewSource(int64(size))).Read(garbage)
				damaged := append(append(append([]byte(nil), raw[:at]...), garbage...), raw[at:]...)
				rd, err := NewReader(bytes.NewReader(damaged), Options{KeepGoing: true})
				if err != nil {
					return err.Error()
				}
				n := 0
				for {
					_, err := rd.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						return err.Error()
					}
					n++
				}
				return fmt.Sprintf("%d of %d events; damage %v; expected at %d", n, len(offs), rd.Damaged(), at)
			})
			if !parent {
				return
			}
			t.Logf("%s: %s", cost, res)
			var n, total int
			var dmg string
			var at int64
			fmt.Sscanf(res, "%d of %d events;", &n, &total)
			_, after, _ := strings.Cut(res, "damage ")
			dmg, atText, _ := strings.Cut(after, "; expected at ")
			fmt.Sscan(atText, &at)
			if n != total || total == 0 {
				t.Errorf("read %d of %d events: %s", n, total, res)
			}
			if want := fmt.Sprintf("[{%d %d}]", at, size); dmg != want {
				t.Errorf("damage %s, want %s", dmg, want)
			}
			budget.Within(t, cost, budget.MaxRSS, budget.MaxWall)
		})
	}
}

// eventOffsets lists the offsets of a capture's event blocks.
func eventOffsets(t testing.TB, raw []byte) []int {
	rd, err := NewReader(bytes.NewReader(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, int(ev.Offset))
	}
}
