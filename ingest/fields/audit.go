package fields

import (
	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/state"
)

// Audit fields (ct.*, s3.*, ec2.*, ecr.*, iam.*, ka.*, json.*, jevt.*) read the record a
// plugin event carries (state.Event.Plugin, decoded by package audit); events without one
// have none of them. Their definitions are package audit's; this registers them so that
// print formats, filters and tables reach them by name like every other field.

// Record returns the audit record an event carries, or nil.
func Record(ev *state.Event) *audit.Record {
	r, _ := ev.Plugin.(*audit.Record)
	return r
}

// AuditValue converts an audit field value: lists as their (a,b) text.
func AuditValue(v audit.Value) Value {
	if !v.OK {
		return None
	}
	if v.Type == audit.Uint {
		return uintV(v.U)
	}
	return strV(v.Text())
}

func init() {
	state.PluginDecoder = func(raw *scap.Event) any {
		r, err := audit.DecodePluginEvent(raw.Params)
		if err != nil || r == nil {
			return nil
		}
		return r
	}
	for _, af := range audit.Fields() {
		af := af
		registry[af.Name] = &Field{
			Name:       af.Name,
			ArgAllowed: af.Arg != audit.NoArg,
			Extract: func(ev *state.Event, arg string) Value {
				return AuditValue(af.Extract(Record(ev), arg))
			},
		}
	}
	reg("evt.pluginname", func(ev *state.Event, _ string) Value {
		if r := Record(ev); r != nil {
			return strV(r.Kind.PluginName())
		}
		return None
	})
	info, _ := audit.Lookup("ct.info")
	reg("evt.plugininfo", func(ev *state.Event, _ string) Value {
		if r := Record(ev); r != nil && r.Kind == audit.CloudTrail {
			return AuditValue(info.Extract(r, ""))
		}
		return None
	})
}
