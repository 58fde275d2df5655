// Package catalog holds the reference data the translator checks filters against: the field
// catalogue (fields.CatalogTSV, taken from sysdig 0.29.3's field
// list), the event-type, parameter and errno names of the libs event table (eventinfo.tsv) and
// the service names that PORT fields accept (services.tsv).
package catalog

//go:generate go run gen_eventinfo.go

import (
	_ "embed"
	"fmt"
	"github.com/scapql/scapql/ingest/fields"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Type is a catalogue field type, spelled as libsinsp spells it (CHARBUF, UINT64, ...).
type Type string

// The catalogue types.
const (
	UINT64  Type = "UINT64"
	UINT32  Type = "UINT32"
	INT64   Type = "INT64"
	INT32   Type = "INT32"
	INT16   Type = "INT16"
	PORT    Type = "PORT"
	ABSTIME Type = "ABSTIME"
	RELTIME Type = "RELTIME"
	BOOL    Type = "BOOL"
	CHARBUF Type = "CHARBUF"
	IPADDR  Type = "IPADDR"
	IPNET   Type = "IPNET"
	BYTEBUF Type = "BYTEBUF"
	DOUBLE  Type = "DOUBLE"
	DYNAMIC Type = "DYNAMIC"
)

// Field is one catalogue entry.
type Field struct {
	Name        string
	Type        Type
	Class       string
	Description string
}

var (
	catalogTSV = fields.CatalogTSV
	//go:embed eventinfo.tsv
	eventinfoTSV string
	//go:embed services.tsv
	servicesTSV string
)

type data struct {
	fields   []Field
	byName   map[string]*Field
	events   map[string]bool // event names
	syscalls map[string]bool // ppm_sc syscall names
	params   map[string]string
	errnos   map[string]int
	errnoOf  map[int]string
	services map[string]int
}

var load = sync.OnceValue(func() *data {
	d := &data{
		byName:   map[string]*Field{},
		events:   map[string]bool{},
		syscalls: map[string]bool{},
		params:   map[string]string{},
		errnos:   map[string]int{},
		errnoOf:  map[int]string{},
		services: map[string]int{},
	}
	for i, line := range strings.Split(catalogTSV, "\n") {
		if i == 0 || line == "" {
			continue // header
		}
		c := strings.SplitN(line, "\t", 4)
		if len(c) != 4 {
			panic(fmt.Sprintf("catalog.tsv line %d: want 4 columns", i+1))
		}
		d.fields = append(d.fields, Field{Name: c[0], Type: Type(c[1]), Class: c[2], Description: c[3]})
	}
	d.fields = append(d.fields, auditFields()...)
	for i := range d.fields {
		d.byName[d.fields[i].Name] = &d.fields[i]
	}
	for _, line := range strings.Split(eventinfoTSV, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		c := strings.Split(line, "\t")
		switch c[0] {
		case "event":
			d.events[c[1]] = true
		case "syscall":
			d.syscalls[c[1]] = true
		case "param":
			d.params[c[1]] = c[2]
		case "errno":
			v, err := strconv.Atoi(c[2])
			if err != nil {
				panic("eventinfo.tsv: bad errno value " + c[2])
			}
			d.errnos[c[1]] = v
			d.errnoOf[v] = c[1]
		}
	}
	for _, line := range strings.Split(servicesTSV, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		name, port, _ := strings.Cut(line, "\t")
		if p, err := strconv.Atoi(port); err == nil {
			d.services[name] = p
		}
	}
	return d
})

// Fields returns every catalogue field in catalogue order.
func Fields() []Field {
	return append([]Field(nil), load().fields...)
}

// Lookup returns the catalogue field with exactly this name.
func Lookup(name string) (Field, bool) {
	f, ok := load().byName[name]
	if !ok {
		return Field{}, false
	}
	return *f, true
}

// IsEventType reports whether name is a value evt.type can be compared with: an event name
// from the event table or a syscall name (as libsinsp's validate_filter_value accepts).
func IsEventType(name string) bool {
	d := load()
	return d.events[name] || d.syscalls[name]
}

// EventTypes returns every accepted evt.type value, sorted.
func EventTypes() []string {
	d := load()
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]bool{d.events, d.syscalls} {
		for n := range m {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

// ParamType returns the libs type (PT_FD, PT_CHARBUF, ...) of the first event parameter with
// this name, in event-id order, which is how libsinsp types evt.rawarg.NAME.
func ParamType(name string) (string, bool) {
	t, ok := load().params[name]
	return t, ok
}

// ParamNames returns every event parameter name, sorted.
func ParamNames() []string {
	d := load()
	out := make([]string, 0, len(d.params))
	for n := range d.params {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Errno returns the (positive) value of an errno name from libsinsp's table.
func Errno(name string) (int, bool) {
	v, ok := load().errnos[name]
	return v, ok
}

// ErrnoNames returns libsinsp's errno names, sorted.
func ErrnoNames() []string {
	d := load()
	out := make([]string, 0, len(d.errnos))
	for n := range d.errnos {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Service returns the port of a service name, as getservbyname would on the reference host.
func Service(name string) (int, bool) {
	p, ok := load().services[name]
	return p, ok
}
