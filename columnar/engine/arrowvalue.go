//go:build duckdb_arrow

package engine

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/duckdb/duckdb-go/v2"
)

// arrowValue returns a reader of a column's values as Go values of the types the database/sql
// driver scans them to (STRUCT as map[string]any, LIST as []any, MAP as duckdb.OrderedMap,
// timestamps as UTC time.Time, …), so a streamed result prints as a driver result does.
// Texts are copied: a value may outlive its batch.
func arrowValue(a arrow.Array) func(int) any {
	get := arrowGetter(a)
	return func(i int) any {
		if a.IsNull(i) {
			return nil
		}
		return get(i)
	}
}

func arrowGetter(a arrow.Array) func(int) any {
	switch a := a.(type) {
	case *array.Null:
		return func(int) any { return nil }
	case *array.Boolean:
		return func(i int) any { return a.Value(i) }
	case *array.Int8:
		return func(i int) any { return a.Value(i) }
	case *array.Int16:
		return func(i int) any { return a.Value(i) }
	case *array.Int32:
		return func(i int) any { return a.Value(i) }
	case *array.Int64:
		return func(i int) any { return a.Value(i) }
	case *array.Uint8:
		return func(i int) any { return a.Value(i) }
	case *array.Uint16:
		return func(i int) any { return a.Value(i) }
	case *array.Uint32:
		return func(i int) any { return a.Value(i) }
	case *array.Uint64:
		return func(i int) any { return a.Value(i) }
	case *array.Float16:
		return func(i int) any { return a.Value(i).Float32() }
	case *array.Float32:
		return func(i int) any { return a.Value(i) }
	case *array.Float64:
		return func(i int) any { return a.Value(i) }
	case *array.String:
		return func(i int) any { return strings.Clone(a.Value(i)) }
	case *array.LargeString:
		return func(i int) any { return strings.Clone(a.Value(i)) }
	case *array.StringView:
		return func(i int) any { return strings.Clone(a.Value(i)) }
	case *array.Binary:
		return func(i int) any { return cloneBytes(a.Value(i)) }
	case *array.LargeBinary:
		return func(i int) any { return cloneBytes(a.Value(i)) }
	case *array.BinaryView:
		return func(i int) any { return cloneBytes(a.Value(i)) }
	case *array.FixedSizeBinary:
		return func(i int) any { return cloneBytes(a.Value(i)) }
	case *array.Date32:
		return func(i int) any { return a.Value(i).ToTime() }
	case *array.Date64:
		return func(i int) any { return a.Value(i).ToTime() }
	case *array.Time32:
		unit := a.DataType().(*arrow.Time32Type).Unit
		return func(i int) any { return timeOfDay(a.Value(i).ToTime(unit)) }
	case *array.Time64:
		unit := a.DataType().(*arrow.Time64Type).Unit
		return func(i int) any { return timeOfDay(a.Value(i).ToTime(unit)) }
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return func(i int) any { return a.Value(i).ToTime(unit).UTC() }
	case *array.Duration:
		unit := a.DataType().(*arrow.DurationType).Unit
		return func(i int) any {
			return duckdb.Interval{Micros: int64(time.Duration(a.Value(i)) * unit.Multiplier() / time.Microsecond)}
		}
	case *array.MonthDayNanoInterval:
		return func(i int) any {
			v := a.Value(i)
			return duckdb.Interval{Months: v.Months, Days: v.Days, Micros: v.Nanoseconds / 1000}
		}
	case *array.Decimal128:
		dt := a.DataType().(*arrow.Decimal128Type)
		return func(i int) any {
			return duckdb.Decimal{Width: uint8(dt.Precision), Scale: uint8(dt.Scale), Value: decimalInt(a.Value(i))}
		}
	case *array.Dictionary:
		dict := arrowGetter(a.Dictionary())
		return func(i int) any { return dict(a.GetValueIndex(i)) }
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		members := make([]func(int) any, a.NumField())
		for f := range members {
			members[f] = arrowValue(a.Field(f))
		}
		return func(i int) any {
			m := make(map[string]any, len(members))
			for f, get := range members {
				m[st.Field(f).Name] = get(i)
			}
			return m
		}
	case *array.Map:
		keys, items := arrowValue(a.Keys()), arrowValue(a.Items())
		return func(i int) any {
			var m duckdb.OrderedMap
			lo, hi := a.ValueOffsets(i)
			for j := lo; j < hi; j++ {
				m.Set(keys(int(j)), items(int(j)))
			}
			return m
		}
	case array.ListLike:
		elems := arrowValue(a.ListValues())
		return func(i int) any {
			lo, hi := a.ValueOffsets(i)
			l := make([]any, 0, hi-lo)
			for j := lo; j < hi; j++ {
				l = append(l, elems(int(j)))
			}
			return l
		}
	case array.ExtensionArray:
		return arrowGetter(a.Storage())
	}
	return func(i int) any { return fmt.Sprint(a.GetOneForMarshal(i)) }
}

// timeOfDay puts a TIME on 0001-01-01, as the driver does.
func timeOfDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(1, time.January, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

func decimalInt(v decimal128.Num) *big.Int { return v.BigInt() }

// hugeValue gives a HUGEINT column's decimals as the integers they are.
func hugeValue(get func(int) any) func(int) any {
	return func(i int) any {
		if d, ok := get(i).(duckdb.Decimal); ok {
			return d.Value
		}
		return get(i)
	}
}

// jsonValue gives a JSON column's texts decoded, as the driver does.
func jsonValue(get func(int) any) func(int) any {
	return func(i int) any {
		s, ok := get(i).(string)
		if !ok {
			return get(i)
		}
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return s
		}
		return v
	}
}

// cloneBytes copies a BLOB; an empty one is empty, not nil, as the driver gives it.
func cloneBytes(b []byte) []byte { return append(make([]byte, 0, len(b)), b...) }
