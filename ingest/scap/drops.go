package scap

import "encoding/binary"

// Drop records: a capture says how many events the capturing machine lost (its ring buffer
// was full) with one scapevent (PPME_SCAPEVENT_E, an internal event every reader since
// sysdig 0.29.3 reads and hides) per CPU at the end of the capture: the event's CPU is the
// CPU, parameter 0 (event_type) is DropRecordMarker and parameter 1 (event_data) the number
// of events lost on that CPU. libscap keeps such counts only in its live statistics, which
// captures do not store; the kernel's drop events (drop_e/drop_x) mean sampling, not loss.
const (
	DropRecordType   = 196        // PPME_SCAPEVENT_E
	DropRecordMarker = 0x706f7264 // "drop" as little-endian bytes
)

// DropRecord reports the events lost on ev.CPU if ev is a drop record.
func DropRecord(ev *Event) (lost uint64, ok bool) {
	if ev.Type != DropRecordType || len(ev.Params) != 2 || len(ev.Params[0]) != 4 || len(ev.Params[1]) != 8 {
		return 0, false
	}
	if binary.LittleEndian.Uint32(ev.Params[0]) != DropRecordMarker {
		return 0, false
	}
	return binary.LittleEndian.Uint64(ev.Params[1]), true
}
