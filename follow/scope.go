package follow

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is a conversation scope, as Stratoshark's conversation filters name them.
type Kind int

// Scopes.
const (
	Thread    Kind = iota // the event's thread: thread.tid
	Process               // its process: proc.pid
	Tree                  // the process and its descendants: proc.pid or any ancestor's
	Container             // its container: container.id
	FD                    // its fd during the fd's lifetime in the process
)

var kindNames = []string{"thread", "process", "tree", "container", "fd"}

// KindNames lists the scope names, in order.
func KindNames() []string { return append([]string(nil), kindNames...) }

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "scope(" + strconv.Itoa(int(k)) + ")"
}

// ParseKind reads a scope name (thread, process, tree, container, fd).
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if strings.EqualFold(s, n) {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown scope %q (want %s)", s, strings.Join(kindNames, ", "))
}

// ParseSpec reads a scope as the --scope flags take it: KIND@EVENT, the scope KIND of event
// number EVENT (process@1234), or KIND@CAPTURE:EVENT to name the capture among several.
func ParseSpec(spec string) (k Kind, capture string, num uint64, err error) {
	name, rest, ok := strings.Cut(spec, "@")
	if !ok {
		return 0, "", 0, fmt.Errorf("--scope %q: want KIND@EVENT, e.g. process@1234 (KIND: %s)", spec, strings.Join(kindNames, ", "))
	}
	if k, err = ParseKind(name); err != nil {
		return 0, "", 0, fmt.Errorf("--scope %q: %w", spec, err)
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		capture, rest = rest[:i], rest[i+1:]
	}
	num, err = strconv.ParseUint(rest, 10, 64)
	if err != nil || num == 0 {
		return 0, "", 0, fmt.Errorf("--scope %q: %q is not an event number", spec, rest)
	}
	return k, capture, num, nil
}

// Filter is the scope k of the origin's event as a display filter in scapql's Falco
// dialect. The fd scope needs the fd's lifetime (Lifetime); the others only the event.
func (o *Origin) Filter(k Kind) (string, error) {
	switch k {
	case Thread:
		return fmt.Sprintf("thread.tid = %d", o.TID), nil
	case Process:
		return fmt.Sprintf("proc.pid = %d", o.PID), nil
	case Tree:
		// proc.apid without an index matches any ancestor.
		return fmt.Sprintf("(proc.pid = %d or proc.apid = %d)", o.PID, o.PID), nil
	case Container:
		return "container.id = " + strconv.Quote(o.ContainerID), nil
	case FD:
		if o.FD < 0 {
			return "", fmt.Errorf("event %d (%s) has no file descriptor", o.Num, o.Type)
		}
		if o.FDFirst == 0 {
			return "", fmt.Errorf("the lifetime of fd %d of event %d is not known", o.FD, o.Num)
		}
		return fmt.Sprintf("proc.pid = %d and fd.num = %d and evt.num >= %d and evt.num <= %d", o.PID, o.FD, o.FDFirst, o.FDLast), nil
	}
	return "", fmt.Errorf("unknown scope %d", int(k))
}

// Describe is one line saying what scope k of the origin is, for the shell and stderr.
func (o *Origin) Describe(k Kind) string {
	switch k {
	case Thread:
		return fmt.Sprintf("thread %d of %s (%d)", o.TID, o.Proc, o.PID)
	case Process:
		return fmt.Sprintf("process %s (%d)", o.Proc, o.PID)
	case Tree:
		return fmt.Sprintf("process %s (%d) and its descendants", o.Proc, o.PID)
	case Container:
		return "container " + o.ContainerID
	case FD:
		return fmt.Sprintf("fd %d (%s %s) of %s (%d), events %d to %d", o.FD, o.FDType, o.FDName, o.Proc, o.PID, o.FDFirst, o.FDLast)
	}
	return k.String()
}

// Scope finds scope k of event num in the capture open gives and returns its filter and
// the event's origin.
func Scope(open Opener, k Kind, num uint64) (string, *Origin, error) {
	st, err := Find(open, Select{Num: num}, k == FD, k == FD, -1)
	if err != nil {
		return "", nil, err
	}
	f, err := st.Origin.Filter(k)
	if err != nil {
		return "", nil, err
	}
	return f, &st.Origin, nil
}
