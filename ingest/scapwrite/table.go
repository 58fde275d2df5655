package scapwrite

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
)

// RefEventMax is the event table size of sysdig 0.29.3 (libs of March 2022):
// it skips ids at or above it without numbering them.
const RefEventMax = 336

//go:embed event_table.json
var eventTableJSON []byte

// ParamInfo describes one parameter of an event type (HEAD table).
type ParamInfo struct {
	Name string `json:"name"`
	Type string `json:"type"` // PT_*
	Fmt  string `json:"fmt"`  // PF_*
	Info string `json:"info"` // flag/dynamic table name, if any
}

// EventInfo describes one event type of the embedded (libs HEAD) table.
// sysdig 0.29.3 uses an older table: fewer ids and, for many exit events,
// fewer parameters (see FORMAT.md §3.7 and §4).
type EventInfo struct {
	ID          uint16      `json:"id"`
	Enum        string      `json:"enum"`
	Name        string      `json:"name"`
	Dir         string      `json:"dir"`
	Category    string      `json:"category"`
	Flags       []string    `json:"flags"`
	NParams     int         `json:"nparams"`
	Placeholder bool        `json:"placeholder"`
	Params      []ParamInfo `json:"params"`
}

var table struct {
	once   sync.Once
	err    error
	events []EventInfo
	byEnum map[string]uint16
}

func loadTable() error {
	table.once.Do(func() {
		var t struct {
			Events []EventInfo `json:"events"`
		}
		if err := json.Unmarshal(eventTableJSON, &t); err != nil {
			table.err = fmt.Errorf("scapwrite: embedded event table: %w", err)
			return
		}
		table.events = t.Events
		table.byEnum = make(map[string]uint16, len(t.Events))
		for _, e := range t.Events {
			table.byEnum[e.Enum] = e.ID
		}
	})
	return table.err
}

// Info returns the table entry of an event type.
func Info(typeID uint16) (EventInfo, bool) {
	if loadTable() != nil || int(typeID) >= len(table.events) {
		return EventInfo{}, false
	}
	return table.events[typeID], true
}

// Lookup returns the id of an event by its enum name (PPME_SYSCALL_OPEN_X).
func Lookup(enum string) (uint16, bool) {
	if loadTable() != nil {
		return 0, false
	}
	id, ok := table.byEnum[enum]
	return id, ok
}

// EventTableJSON returns the embedded copy of event_table.json.
func EventTableJSON() []byte { return eventTableJSON }
