package audit

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Plugin ids of Falco's plugin registry, as plugin events (pluginevent) carry them.
const (
	K8sAuditPluginID   = 1
	CloudTrailPluginID = 2
)

// PluginID returns the plugin id of records of kind k (0 for none).
func (k Kind) PluginID() uint32 {
	switch k {
	case K8sAudit:
		return K8sAuditPluginID
	case CloudTrail:
		return CloudTrailPluginID
	}
	return 0
}

// PluginName returns the name of the plugin that reads records of kind k.
func (k Kind) PluginName() string {
	switch k {
	case K8sAudit:
		return "k8saudit"
	case CloudTrail:
		return "cloudtrail"
	}
	return ""
}

// KindOfPlugin returns the kind of records a plugin id carries (Unknown for other plugins).
func KindOfPlugin(id uint32) Kind {
	switch id {
	case K8sAuditPluginID:
		return K8sAudit
	case CloudTrailPluginID:
		return CloudTrail
	}
	return Unknown
}

// DecodePluginEvent decodes the parameters of a plugin event (the plugin id, a 32-bit
// little-endian integer, and the payload): a record for the cloudtrail and k8saudit
// plugins, nil and no error for other plugins.
func DecodePluginEvent(params [][]byte) (*Record, error) {
	if len(params) < 2 || len(params[0]) != 4 {
		return nil, fmt.Errorf("plugin event: want a 4-byte plugin id and a payload")
	}
	kind := KindOfPlugin(binary.LittleEndian.Uint32(params[0]))
	if kind == Unknown {
		return nil, nil
	}
	payload := bytes.TrimRight(params[1], "\x00")
	// the payload is a view into the reader's buffer: keep a copy
	return NewRecordOf(kind, append([]byte(nil), payload...))
}

// PluginParams returns the parameters of the plugin event that carries r.
func (r *Record) PluginParams() [][]byte {
	id := make([]byte, 4)
	binary.LittleEndian.PutUint32(id, r.Kind.PluginID())
	return [][]byte{id, r.Raw}
}
