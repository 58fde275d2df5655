package scapwrite

import et "github.com/scapql/scapql/ingest/eventtable"

// WritePluginEvent writes a plugin event (pluginevent, type 322), as Falco
// and falcodump record the events of plugin sources: parameter 0 the
// plugin's id in Falco's plugin registry, parameter 1 its payload. It has
// no thread (tid -1) and is written on CPU 0.
func (w *Writer) WritePluginEvent(ts uint64, pluginID uint32, payload []byte) error {
	return w.WriteEvent(ts, -1, 0, et.PPME_PLUGINEVENT_E, U32(pluginID), payload)
}
