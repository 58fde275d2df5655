package audit

import (
	"fmt"
	"time"

	"github.com/valyala/fastjson"
)

// Record is one audit record.
type Record struct {
	Kind   Kind
	File   string // the file it was read from (or the capture that carried it)
	Index  int    // 0-based position among the records of File
	Offset int64  // byte offset of the record in File (decompressed)
	Raw    []byte // the record's JSON text
	Time   int64  // event time, nanoseconds since the epoch (0 if the record has none)

	v *fastjson.Value
}

// NewRecord parses one record's JSON and tells its kind: a Kubernetes audit event has an
// auditID (as the k8saudit plugin requires), a CloudTrail record an eventVersion or an
// eventSource with an eventName.
func NewRecord(raw []byte) (*Record, error) {
	v, err := fastjson.ParseBytes(raw)
	if err != nil {
		return nil, fmt.Errorf("bad JSON: %w", err)
	}
	if v.Type() != fastjson.TypeObject {
		return nil, fmt.Errorf("%w: a JSON %s", ErrNotAudit, v.Type())
	}
	r := &Record{Raw: raw, v: v}
	switch {
	case v.Exists("auditID"):
		r.Kind = K8sAudit
		r.Time = k8sTime(v)
	case v.Exists("eventVersion") || (v.Exists("eventSource") && v.Exists("eventName")):
		r.Kind = CloudTrail
		r.Time = parseTime(v.GetStringBytes("eventTime"))
	default:
		return nil, ErrNotAudit
	}
	return r, nil
}

// NewRecordOf is NewRecord for a payload whose kind is known (a plugin event of a capture):
// the payload must be a JSON object; its kind is not guessed.
func NewRecordOf(kind Kind, raw []byte) (*Record, error) {
	v, err := fastjson.ParseBytes(raw)
	if err != nil {
		return nil, fmt.Errorf("bad JSON: %w", err)
	}
	if v.Type() != fastjson.TypeObject {
		return nil, fmt.Errorf("%w: a JSON %s", ErrNotAudit, v.Type())
	}
	r := &Record{Kind: kind, Raw: raw, v: v}
	if kind == K8sAudit {
		r.Time = k8sTime(v)
	} else {
		r.Time = parseTime(v.GetStringBytes("eventTime"))
	}
	return r, nil
}

// Value returns the parsed record.
func (r *Record) Value() *fastjson.Value { return r.v }

// k8sTime is the time the k8saudit plugin gives an event: its stageTimestamp (the
// request's other timestamps when that is missing).
func k8sTime(v *fastjson.Value) int64 {
	for _, k := range []string{"stageTimestamp", "requestReceivedTimestamp", "timestamp"} {
		if t := parseTime(v.GetStringBytes(k)); t != 0 {
			return t
		}
	}
	return 0
}

func parseTime(b []byte) int64 {
	if len(b) == 0 {
		return 0
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return 0
	}
	return t.UnixNano()
}
