package fields

import (
	"testing"

	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/state"
)

// FuzzParamDecoders renders arbitrary bytes as every parameter of every event type.
func FuzzParamDecoders(f *testing.F) {
	f.Add(uint16(3), []byte{3, 0, 0, 0, 0, 0, 0, 0})
	f.Add(uint16(23), []byte{2, 127, 0, 0, 1, 0x50, 0, 10, 0, 0, 1, 0x1f, 0x90})
	f.Add(uint16(293), []byte("ls\x00-l\x00"))
	f.Add(uint16(89), []byte{1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 0})
	eng := state.NewEngine(&scap.Metadata{}, state.Options{})
	f.Fuzz(func(t *testing.T, typ uint16, data []byte) {
		if int(typ) >= len(et.Events) {
			return
		}
		info := &et.Events[typ]
		raw := &scap.Event{Type: typ, TID: 1}
		for range info.Params {
			raw.Params = append(raw.Params, data)
		}
		ev := eng.Process(raw, &scap.Metadata{})
		if ev == nil {
			return
		}
		for i, p := range ev.Raw.Params {
			ParamText(ev, i, p, &ev.Info.Params[i], RenderOptions{MaxBufLen: DefaultBufLen})
		}
		AppendArgs(nil, ev, RenderOptions{})
	})
}
