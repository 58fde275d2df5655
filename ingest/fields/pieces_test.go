package fields

import (
	"testing"
	"time"
	_ "time/tzdata"
)

// TestAppendDatetime holds evt.datetime's digits to the time package's layout across zones,
// their changes of offset and timestamps past the signed range (read as before 1970, as
// evt.time reads them).
func TestAppendDatetime(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	for _, zone := range []string{"UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Apia"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		time.Local = loc
		for _, ts := range []uint64{0, 1, 999_999_999, 1_000_000_000, 1700000000_123456789,
			uint64(time.Date(2024, 3, 10, 6, 59, 59, 999999999, time.UTC).UnixNano()),
			uint64(time.Date(2024, 3, 10, 7, 0, 0, 0, time.UTC).UnixNano()),
			uint64(time.Date(2024, 12, 31, 23, 59, 59, 5, time.UTC).UnixNano()),
			1<<63 - 1, 1<<64 - 1} {
			want := time.Unix(0, int64(ts)).Format("2006-01-02 15:04:05.000000000")
			if got := string(AppendDatetime(nil, ts)); got != want {
				t.Errorf("%s %d: got %q, want %q", zone, ts, got, want)
			}
		}
	}
}
