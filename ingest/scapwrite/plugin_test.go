package scapwrite

import (
	"bytes"
	"encoding/binary"
	"testing"

	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/scap"
)

// TestWritePluginEvent: plugin events read back with their type, no thread,
// the plugin id and the payload, a payload past the 64 KiB block limit in a
// LARGE block.
func TestWritePluginEvent(t *testing.T) {
	for _, tc := range []struct {
		name      string
		plugin    uint32
		payload   []byte
		blockType uint32
	}{
		{"k8saudit", 1, []byte(`{"auditID":"a"}`), BlockEVv2},
		{"cloudtrail", 2, []byte(`{"eventVersion":"1.08"}`), BlockEVv2},
		{"large", 2, append(append([]byte(`{"x":"`), bytes.Repeat([]byte{'y'}, 70000)...), `"}`...), BlockEVv2Large},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewWriter(&buf, Options{})
			if err := w.WritePluginEvent(1700000000123456789, tc.plugin, tc.payload); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			r, err := scap.NewReader(bytes.NewReader(buf.Bytes()), scap.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ev, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if ev.Type != et.PPME_PLUGINEVENT_E || ev.TID != -1 || ev.TS != 1700000000123456789 || ev.BlockType != tc.blockType {
				t.Errorf("event type %d tid %d ts %d block %#x", ev.Type, ev.TID, ev.TS, ev.BlockType)
			}
			if len(ev.Params) != 2 || binary.LittleEndian.Uint32(ev.Params[0]) != tc.plugin || !bytes.Equal(ev.Params[1], tc.payload) {
				t.Errorf("params %d, plugin %x, payload %d bytes (want %d)", len(ev.Params), ev.Params[0], len(ev.Params[1]), len(tc.payload))
			}
		})
	}
}
