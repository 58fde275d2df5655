package fields

import (
	"bytes"
	"strings"
	"unsafe"

	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/state"
)

// The pieces below are the definitions of fields that the column builders also store as
// lists and maps (evt.arg, evt.rawarg, proc.env, the ancestors) or share work between (the
// parameter texts): the extractors are written with them, so a column cannot hold another
// value than the field it stands for.

// ArgText is evt.arg's text of a parameter rendered by ParamText: the resolved text where
// there is one, else the value text.
func ArgText(val, res string) string {
	if res != "" {
		return res
	}
	return val
}

// ArgOf reports whether parameter i is the one evt.arg.NAME and evt.rawarg.NAME read for its
// name: the first parameter of that name.
func ArgOf(ev *state.Event, i int) bool {
	return i < len(ev.Info.Params) && ev.Info.ParamIndex(ev.Info.Params[i].Name) == i
}

// RawArg is evt.rawarg's value of parameter i: numbers as numbers, strings up to their NUL,
// other types as their value text.
func RawArg(ev *state.Event, i int) Value { return rawArg(ev, i, false) }

// RawArgView is RawArg with the text of a string parameter a view of the event's bytes,
// valid until the source moves to the next event: for callers that copy it at once.
func RawArgView(ev *state.Event, i int) Value { return rawArg(ev, i, true) }

func rawArg(ev *state.Event, i int, view bool) Value {
	p, ok := ev.Param(i)
	if !ok || i < 0 || i >= len(ev.Info.Params) {
		return None
	}
	pi := &ev.Info.Params[i]
	switch pi.Type {
	case et.PT_CHARBUF, et.PT_FSPATH, et.PT_FSRELPATH, et.PT_BYTEBUF:
		if pi.Type != et.PT_BYTEBUF {
			if n := bytes.IndexByte(p, 0); n >= 0 {
				p = p[:n]
			}
		}
		if view {
			return strV(unsafe.String(unsafe.SliceData(p), len(p)))
		}
		return strV(string(p))
	case et.PT_UINT8, et.PT_UINT16, et.PT_UINT32, et.PT_UINT64, et.PT_FLAGS8, et.PT_FLAGS16,
		et.PT_FLAGS32, et.PT_UID, et.PT_GID, et.PT_MODE, et.PT_RELTIME, et.PT_ABSTIME, et.PT_PORT:
		u, _ := scap.ParamUint(p) // 0 for an odd width
		return uintV(u)
	}
	if s, ok := scap.ParamInt(p); ok {
		return intV(s)
	}
	v, _ := ParamText(ev, i, p, pi, RenderOptions{})
	return strV(v)
}

// EnvVar splits an environment entry as proc.env[NAME] reads it: NAME=value; ok is false for
// an entry proc.env[NAME] never matches (no '=', or an empty name). The first entry of a
// name wins.
func EnvVar(kv string) (name, val string, ok bool) {
	name, val, ok = strings.Cut(kv, "=")
	return name, val, ok && name != ""
}

// ProcessOf is the thread proc.aname[0] and proc.aexe[0] read: the main thread of the
// event's thread (the thread itself when its main thread is unknown), or nil without a
// thread. Its ancestors are FirstAncestor and NextAncestor's walk.
func ProcessOf(ev *state.Event) *state.Thread {
	if t := mainThread(ev); t != nil {
		return t
	}
	return ev.Thread
}

// Cmdline is proc.cmdline of a process named comm with arguments args: the name, then each
// argument after a space.
func Cmdline(comm string, args []string) string {
	if len(args) == 0 {
		return comm
	}
	return comm + " " + strings.Join(args, " ")
}

// AppendDatetime appends evt.datetime: local date and time with nanoseconds.
func AppendDatetime(dst []byte, ts uint64) []byte {
	t := localTime(ts)
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	dst = append2(append2(dst, y/100), y%100) // 1677 to 2262
	dst = append2(append(dst, '-'), int(mo))
	dst = append2(append(dst, '-'), d)
	dst = append2(append(dst, ' '), h)
	dst = append2(append(dst, ':'), mi)
	dst = append2(append(dst, ':'), s)
	return AppendNanos(append(dst, '.'), uint64(t.Nanosecond()))
}
