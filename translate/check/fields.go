package check

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/internal/sqlquote"
	"github.com/scapql/scapql/translate/catalog"
	"github.com/scapql/scapql/translate/ir"
)

// members lists the struct members of the events table's columns (docs/schema.md); a field
// is stored when it is one of them under the naming rule class.a.b -> class.a_b (fields
// derived from stored members, evt.time among them, are looked up first).
var members = fields.SchemaMembers

// neverNull are fields every event has.
var neverNull = map[string]bool{"evt.num": true, "evt.type": true, "evt.dir": true}

// derived are catalogue fields computed from stored members.
var derived = map[string]bool{
	"evt.info": true, "evt.time": true, "evt.time.s": true, "evt.datetime.s": true,
	"evt.rawtime.s": true, "evt.rawtime.ns": true, "evt.reltime.s": true, "evt.reltime.ns": true,
	"evt.latency.s": true, "evt.latency.ns": true, "evt.count": true, "evt.count.exit": true,
	"evt.count.error": true, "evt.count.error.file": true, "evt.count.error.net": true,
	"evt.count.error.memory": true, "evt.count.error.other": true,
}

// pairs are the filter-only fields that match on either end of a connection. They read the
// ends whatever the socket's role, as libsinsp's compare_ip, compare_net and compare_port do
// (fd.pair_* members; fd.cip and friends are absent without a role).
var pairs = map[string][2]string{
	"fd.ip":    {"fd.pair_cip", "fd.pair_sip"},
	"fd.port":  {"fd.pair_cport", "fd.pair_sport"},
	"fd.proto": {"fd.pair_cport", "fd.pair_sport"}, // libsinsp compares it as fd.port
	"fd.net":   {"fd.pair_cip", "fd.pair_sip"},
}

// pairKinds give the pair members the type of the field they mirror.
var pairKinds = map[string]string{"fd.pair_cip": "fd.cip", "fd.pair_sip": "fd.sip",
	"fd.pair_cport": "fd.cport", "fd.pair_sport": "fd.sport"}

// netOf maps the IPNET fields onto the address they test.
var netOf = map[string]string{"fd.cnet": "fd.cip", "fd.snet": "fd.sip", "fd.lnet": "fd.lip", "fd.rnet": "fd.rip"}

// notStored explains catalogue fields the events table does not hold.
var notStored = map[string]string{
	"evt.deltatime":    "depends on which events the reference's early filtering kept",
	"evt.deltatime.s":  "depends on which events the reference's early filtering kept",
	"evt.deltatime.ns": "depends on which events the reference's early filtering kept",
}

// fieldRef is a field resolved against the events table.
type fieldRef struct {
	name   string // as written (normalised), for messages
	field  catalog.Field
	kind   ir.Kind
	cols   []ir.Value // the column, or the client and server columns of a pair field
	either bool       // pair field: a check matches if it matches on either column
	net    bool       // IPNET: '=' means "address inside the prefix"
	list   bool       // list column (proc.aname without index): a check matches on any element
	family int        // 4 or 6: Wireshark fd.sip.v4 / .v6
}

// kindOf maps a catalogue type to the SQL kind of its column.
func kindOf(t catalog.Type) ir.Kind {
	switch t {
	case catalog.BOOL:
		return ir.Bool
	case catalog.CHARBUF, catalog.DYNAMIC:
		return ir.String
	case catalog.IPADDR, catalog.IPNET:
		return ir.IP
	case catalog.BYTEBUF:
		return ir.Bytes
	case catalog.DOUBLE:
		return ir.Double
	}
	return ir.Int
}

// paramKind is the kind of a raw event parameter of a libs type (for evt.rawarg).
func paramKind(pt string) ir.Kind {
	switch pt {
	case "PT_INT8", "PT_INT16", "PT_INT32", "PT_INT64", "PT_UINT8", "PT_UINT16", "PT_UINT32",
		"PT_UINT64", "PT_FD", "PT_PID", "PT_ERRNO", "PT_FLAGS8", "PT_FLAGS16", "PT_FLAGS32",
		"PT_ENUMFLAGS8", "PT_ENUMFLAGS16", "PT_ENUMFLAGS32", "PT_UID", "PT_GID", "PT_RELTIME",
		"PT_ABSTIME", "PT_MODE", "PT_SIGTYPE", "PT_SYSCALLID", "PT_PORT", "PT_L4PROTO",
		"PT_SOCKFAMILY", "PT_SIGSET":
		return ir.Int
	case "PT_BOOL":
		return ir.Bool
	case "PT_DOUBLE":
		return ir.Double
	}
	return ir.String
}

// stored reports whether the events table holds a field: one of its members, or derived
// from them (the SQL of either is sqlgen's).
func stored(name string) bool {
	if derived[name] {
		return true
	}
	class, member, ok := sqlquote.Member(name)
	if !ok {
		return false
	}
	for _, m := range members[class] {
		if m == member {
			return true
		}
	}
	return false
}

// argument kinds of the fields that take one.
type argStyle int

const (
	argNone     argStyle = iota
	argName              // evt.arg.NAME, evt.rawarg.NAME
	argIndex             // evt.arg[N], proc.aname[N], proc.apid[N]
	argOptional          // proc.aname, proc.apid, proc.env may go without
)

// fieldsWithDottedArg take their argument after a dot; the rest take it in brackets.
var fieldsWithDottedArg = []string{"evt.arg", "evt.rawarg", "evt.type.is", "thread.cgroup", "evt.abspath"}

// needsArg are the fields that require an argument.
var needsArg = map[string]bool{
	"evt.arg": true, "evt.rawarg": true, "evt.type.is": true, "thread.cgroup": true, "evt.around": true,
	"container.mount": true, "container.mount.source": true, "container.mount.dest": true,
	"container.mount.mode": true, "container.mount.rdwr": true, "container.mount.propagation": true,
}

// takesBracket are the fields that accept a [arg].
var takesBracket = map[string]bool{
	"evt.arg": true, "proc.aname": true, "proc.apid": true, "proc.env": true, "evt.around": true,
	"evt.rawarg": true, "container.mount": true, "container.mount.source": true, "container.mount.dest": true,
	"container.mount.mode": true, "container.mount.rdwr": true, "container.mount.propagation": true,
	"proc.aexe": true,
}

// fieldError is a resolution failure; the caller adds the position.
type fieldError struct {
	msg string
	arg bool // the problem is the argument, not the name
}

func (e *fieldError) Error() string { return e.msg }

// resolveFalco resolves a Falco-dialect field: name as lexed (evt.arg.fd, proc.aname) and an
// optional bracket argument.
func resolveFalco(name, arg string, hasArg bool) (*fieldRef, *fieldError) {
	base, dotted := name, ""
	if _, ok := catalog.Lookup(name); !ok {
		for _, f := range fieldsWithDottedArg {
			if strings.HasPrefix(name, f+".") {
				base, dotted = f, name[len(f)+1:]
				break
			}
		}
	}
	f, ok := catalog.Lookup(base)
	if !ok {
		err := unknownField(name)
		if hasArg {
			err.msg = strings.Replace(err.msg, name, name+"["+arg+"]", 1)
		}
		return nil, err
	}
	if r, err, ok := bindAudit(f, name, arg, hasArg); ok {
		return r, err
	}
	switch {
	case dotted != "" && hasArg:
		return nil, &fieldError{msg: fmt.Sprintf("field %s has two arguments", name)}
	case hasArg && !takesBracket[base]:
		return nil, &fieldError{msg: fmt.Sprintf("field %s takes no [argument]", base), arg: true}
	case hasArg && base == "evt.rawarg":
		return nil, &fieldError{msg: "evt.rawarg takes the argument name after a dot (evt.rawarg.fd), not in brackets", arg: true}
	case needsArg[base] && dotted == "" && !hasArg:
		return nil, &fieldError{msg: fmt.Sprintf("field %s needs an argument, e.g. %s", base, argExample(base))}
	}
	a := dotted
	if hasArg {
		a = arg
	}
	return bind(f, name, a, dotted != "" || hasArg, hasArg)
}

func argExample(base string) string {
	switch base {
	case "evt.arg":
		return "evt.arg.fd or evt.arg[0]"
	case "evt.rawarg":
		return "evt.rawarg.res"
	case "evt.type.is":
		return "evt.type.is.open"
	case "thread.cgroup":
		return "thread.cgroup.cpuacct"
	}
	return base + "[...]"
}

func unknownField(name string) *fieldError {
	msg := fmt.Sprintf("unknown field %s", name)
	if sugg := catalog.Closest(name, catalog.FieldNames(), 3); len(sugg) > 0 {
		msg += "; did you mean " + strings.Join(sugg, ", ") + "?"
	} else if class, _, _ := strings.Cut(name, "."); class == "k8s" || class == "mesos" || class == "span" {
		msg += " (the field catalogue has no " + class + " fields)"
	} else {
		msg += " (not in the field catalogue; see scapql fields)"
	}
	return &fieldError{msg: msg}
}

var cgroupName = regexp.MustCompile(`^[A-Za-z_]+$`)

// bind maps a catalogue field and its argument (if any) onto the events table.
func bind(f catalog.Field, written, arg string, hasArg, bracket bool) (*fieldRef, *fieldError) {
	if r, err, ok := bindAudit(f, written, arg, hasArg); ok {
		return r, err
	}
	r := &fieldRef{name: written, field: f, kind: kindOf(f.Type)}
	if bracket {
		r.name = f.Name + "[" + arg + "]"
	}
	// col binds the field to one column: the field and its argument.
	col := func(arg string, index bool) {
		r.cols = []ir.Value{&ir.Column{K: r.kind, Field: f.Name, Arg: arg, HasArg: hasArg, Index: index}}
	}
	switch f.Name {
	case "evt.arg":
		if bracket {
			n, err := strconv.ParseUint(arg, 10, 31)
			if err != nil {
				return nil, &fieldError{msg: fmt.Sprintf("evt.arg[%s]: the index must be a number (evt.arg[0]); write evt.arg.NAME for a name", arg), arg: true}
			}
			col(strconv.FormatUint(n, 10), true)
			return r, nil
		}
		if _, ok := catalog.ParamType(arg); !ok {
			return nil, unknownParam(arg)
		}
		col(arg, false)
		return r, nil
	case "evt.rawarg":
		pt, ok := catalog.ParamType(arg)
		if !ok {
			return nil, unknownParam(arg)
		}
		// The raw value is stored as text; libsinsp types it by the parameter's type.
		r.kind = paramKind(pt)
		col(arg, false)
		return r, nil
	case "evt.type.is":
		if !catalog.IsEventType(arg) {
			return nil, unknownEventType(arg, true)
		}
		r.cols = []ir.Value{&ir.Column{K: ir.Int, NeverNull: true, Field: f.Name, Arg: arg, HasArg: true}}
		return r, nil
	case "thread.cgroup":
		if !cgroupName.MatchString(arg) {
			return nil, &fieldError{msg: fmt.Sprintf("thread.cgroup.%s: a cgroup subsystem name is letters and '_'", arg), arg: true}
		}
		col(arg, false)
		return r, nil
	case "proc.aname", "proc.apid", "proc.aexe":
		if !hasArg {
			// Without an index the check matches on any ancestor, parent first (libsinsp's
			// compare_full_aname and friends).
			r.list = true
			r.cols = []ir.Value{&ir.Column{K: r.kind, List: true, Field: f.Name}}
			return r, nil
		}
		n, err := strconv.ParseUint(arg, 10, 31)
		if err != nil {
			return nil, &fieldError{msg: fmt.Sprintf("%s[%s]: the ancestor index must be a number >= 0", f.Name, arg), arg: true}
		}
		col(strconv.FormatUint(n, 10), true)
		return r, nil
	case "container.mount", "container.mount.source", "container.mount.dest", "container.mount.mode",
		"container.mount.rdwr", "container.mount.propagation":
		// From container.mounts: the mount by index, or the first whose source matches the
		// glob pattern.
		col(arg, false)
		if _, err := strconv.ParseUint(arg, 10, 31); err != nil {
			r.cols[0].(*ir.Column).Glob = globRegex(arg, false)
		}
		return r, nil
	case "proc.env":
		if hasArg {
			col(arg, false)
			return r, nil
		}
	case "evt.abspath":
		if hasArg {
			return nil, &fieldError{msg: fmt.Sprintf("evt.abspath.%s is not stored in the events table (only evt.abspath is)", arg)}
		}
	}
	if pair, ok := pairs[f.Name]; ok {
		r.either, r.net = true, f.Type == catalog.IPNET
		for _, p := range pair {
			typed := p
			if k, ok := pairKinds[p]; ok {
				typed = k
			}
			pf, _ := catalog.Lookup(typed)
			r.cols = append(r.cols, &ir.Column{K: kindOf(pf.Type), Field: p})
		}
		r.kind = r.cols[0].Type()
		return r, nil
	}
	if ip, ok := netOf[f.Name]; ok {
		r.net = true
		r.cols = []ir.Value{&ir.Column{K: r.kind, Field: ip}}
		return r, nil
	}
	if !stored(f.Name) || hasArg {
		why := "it is not stored in the events table"
		if w, ok := notStored[f.Name]; ok {
			why += ": " + w
		}
		return nil, &fieldError{msg: fmt.Sprintf("field %s is not supported: %s", written, why)}
	}
	r.cols = []ir.Value{&ir.Column{K: r.kind, NeverNull: neverNull[f.Name] || f.Name == "evt.count", Field: f.Name}}
	return r, nil
}

func unknownParam(arg string) *fieldError {
	msg := fmt.Sprintf("unknown event argument %q", arg)
	if sugg := catalog.Closest(arg, catalog.ParamNames(), 3); len(sugg) > 0 {
		msg += "; did you mean " + strings.Join(sugg, ", ") + "?"
	}
	return &fieldError{msg: msg, arg: true}
}

func unknownEventType(v string, arg bool) *fieldError {
	msg := fmt.Sprintf("unknown event type %q", v)
	if sugg := catalog.Closest(v, catalog.EventTypes(), 3); len(sugg) > 0 {
		msg += "; did you mean " + strings.Join(sugg, ", ") + "?"
	}
	return &fieldError{msg: msg, arg: arg}
}

// wsIndexed matches Stratoshark's positional and lineage spellings.
var wsIndexed = regexp.MustCompile(`^(evt\.arg|proc\.aname|proc\.apid)\.([0-9]+)$`)

// resolveWireshark resolves a Wireshark-dialect field name. ok is false if the word is not a
// field at all (then it may be a literal).
func resolveWireshark(name string) (*fieldRef, *fieldError, bool) {
	if m := wsIndexed.FindStringSubmatch(name); m != nil {
		f, _ := catalog.Lookup(m[1])
		r, err := bind(f, name, m[2], true, true)
		if r != nil {
			r.name = name
		}
		return r, err, true
	}
	for _, fam := range []string{".v4", ".v6"} {
		base, ok := strings.CutSuffix(name, fam)
		if !ok {
			continue
		}
		switch base {
		case "fd.cip", "fd.sip", "fd.lip", "fd.rip":
			f, _ := catalog.Lookup(base)
			r, err := bind(f, name, "", false, false)
			if err != nil {
				return nil, err, true
			}
			r.name, r.family = name, 4
			fn := ir.FnIPFamily4
			if fam == ".v6" {
				r.family, fn = 6, ir.FnIPFamily6
			}
			r.cols = []ir.Value{&ir.Func{Name: fn, Args: r.cols, K: ir.IP}}
			return r, nil, true
		}
	}
	f, ok := catalog.Lookup(name)
	if !ok {
		return nil, nil, false
	}
	if needsArg[name] {
		return nil, &fieldError{msg: fmt.Sprintf("%s needs an argument, which Stratoshark fields cannot take; use the falco dialect (%s) or Stratoshark's evt.arg.N / proc.aname.N", name, argExample(name))}, true
	}
	r, err := bind(f, name, "", false, false)
	return r, err, true
}

// wiresharkHint explains a dotted name that is not a Stratoshark field.
func wiresharkHint(name string) string {
	for _, f := range []string{"evt.arg.", "evt.rawarg.", "evt.type.is.", "thread.cgroup."} {
		if strings.HasPrefix(name, f) {
			return fmt.Sprintf("%s is not a Stratoshark field: its arguments are positional (evt.arg.0); use the falco dialect for %s", name, name)
		}
	}
	return ""
}
