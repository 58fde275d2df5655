package columnar

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// TestAppendNullsInBulk checks that a run of NULLs appended at once gives the array that
// appending them one by one gives, for each column kind a member group holds, with runs
// that start and end inside and across bitmap bytes.
func TestAppendNullsInBulk(t *testing.T) {
	type kind struct {
		name  string
		dt    arrow.DataType
		make  func() column
		value func(c column, i int)
	}
	kinds := []kind{
		{"int64", arrow.PrimitiveTypes.Int64, func() column { return &numCol[int64]{} },
			func(c column, i int) { c.(*numCol[int64]).add(int64(i)) }},
		{"int32", arrow.PrimitiveTypes.Int32, func() column { return &numCol[int32]{} },
			func(c column, i int) { c.(*numCol[int32]).add(int32(i)) }},
		{"bool", arrow.FixedWidthTypes.Boolean, func() column { return &boolCol{} },
			func(c column, i int) { c.(*boolCol).add(i%3 != 0) }},
		{"string", arrow.BinaryTypes.String, func() column { return newStrCol(false) },
			func(c column, i int) { c.(*strCol).add(string(rune('a' + i%26))) }},
	}
	// Each pattern is runs of values and NULLs, alternating, values first.
	patterns := [][]int{{0, 1}, {0, 9}, {3, 5, 1, 17, 2}, {8, 8, 8}, {1, 0, 7, 64, 3, 1}}
	for _, k := range kinds {
		for _, p := range patterns {
			bulk, single := k.make(), k.make()
			i := 0
			for r, n := range p {
				if r%2 == 0 {
					for range n {
						k.value(bulk, i)
						k.value(single, i)
						i++
					}
					continue
				}
				appendNulls(bulk, n)
				for range n {
					single.appendNull()
				}
				i += n
			}
			b, s := array.MakeFromData(bulk.finish(k.dt)), array.MakeFromData(single.finish(k.dt))
			if !array.Equal(b, s) || b.NullN() != s.NullN() || b.Len() != i {
				t.Errorf("%s %v: bulk %v (%d nulls), one by one %v (%d nulls)", k.name, p, b, b.NullN(), s, s.NullN())
			}
		}
	}
}
