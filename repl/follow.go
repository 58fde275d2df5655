package repl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/scapql/scapql/follow"
	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/internal/sqlquote"
	"github.com/scapql/scapql/translate"
)

// CaptureFiles is implemented by a Backend whose events come from capture files the shell
// can read again (package follow): .follow and .scope read them to find an event's stream
// and scope.
type CaptureFiles interface {
	CaptureFiles() []string
}

// Scoper is implemented by a Backend that can restrict what the events table means for the
// following statements (engine.DB.SetFilter); "" lifts the restriction.
type Scoper interface {
	SetScope(ctx context.Context, where string) error
}

// shellScope is the conversation scope of .scope.
type shellScope struct {
	desc, filter, sql string
}

func (s *Shell) captureFiles() ([]string, error) {
	cf, ok := s.b.(CaptureFiles)
	if !ok {
		return nil, errors.New("no capture files to read in this shell")
	}
	files := cf.CaptureFiles()
	if len(files) == 0 {
		return nil, errors.New("no capture is loaded (.open FILE)")
	}
	return files, nil
}

// pickCapture reads "[CAPTURE:]N": the capture (needed when several are loaded) and the
// event number.
func (s *Shell) pickCapture(arg string) (capture string, num uint64, err error) {
	files, err := s.captureFiles()
	if err != nil {
		return "", 0, err
	}
	n := arg
	if i := strings.LastIndexByte(arg, ':'); i >= 0 {
		capture, n = arg[:i], arg[i+1:]
	}
	num, err = strconv.ParseUint(n, 10, 64)
	if err != nil || num == 0 {
		return "", 0, fmt.Errorf("%q is not an event number", n)
	}
	switch {
	case capture != "":
		if !slices.Contains(files, capture) {
			return "", 0, fmt.Errorf("%s is not loaded (%s)", capture, strings.Join(files, ", "))
		}
	case len(files) == 1:
		capture = files[0]
	default:
		return "", 0, fmt.Errorf("several captures are loaded; name one: CAPTURE:%d (%s)", num, strings.Join(files, ", "))
	}
	return capture, num, nil
}

func opener(capture string) follow.Opener {
	return func() (*ingest.Source, error) { return ingest.Open(capture, ingest.Options{}) }
}

// metaScope narrows the following questions to a conversation scope of an event.
func (s *Shell) metaScope(ctx context.Context, arg string) error {
	args := fields(arg)
	switch {
	case len(args) == 0:
		if s.scope == nil {
			fmt.Fprintln(s.out, "off")
		} else {
			fmt.Fprintf(s.out, "%s: %s\n", s.scope.desc, s.scope.filter)
		}
		return nil
	case len(args) == 1 && args[0] == "off":
		if sc, ok := s.b.(Scoper); ok && s.scope != nil {
			if err := sc.SetScope(ctx, ""); err != nil {
				return err
			}
		}
		s.scope = nil
		return nil
	case len(args) != 2:
		return fmt.Errorf("usage: .scope %s [CAPTURE:]EVENT, or .scope off", strings.Join(follow.KindNames(), "|"))
	}
	kind, err := follow.ParseKind(args[0])
	if err != nil {
		return err
	}
	capture, num, err := s.pickCapture(args[1])
	if err != nil {
		return err
	}
	filter, o, err := follow.Scope(opener(capture), kind, num)
	if err != nil {
		return err
	}
	where, err := translate.Translate(filter, translate.Options{Dialect: translate.Falco})
	if err != nil {
		return fmt.Errorf("scope %s: %w", filter, err)
	}
	if files, _ := s.captureFiles(); len(files) > 1 {
		where = "capture = " + sqlquote.String(capture) + " AND (" + where + ")"
	}
	sc, ok := s.b.(Scoper)
	if !ok {
		return errors.New(".scope: this shell cannot restrict its events table")
	}
	if err := sc.SetScope(ctx, where); err != nil {
		return fmt.Errorf(".scope %s %s: %w", args[0], args[1], err)
	}
	s.scope = &shellScope{desc: fmt.Sprintf("%s (event %d)", o.Describe(kind), num), filter: filter, sql: where}
	fmt.Fprintf(s.stderr, "scope: %s: %s\n", s.scope.desc, filter)
	return nil
}

// metaFollow prints the stream of an event's fd, or of the first event a filter matches.
func (s *Shell) metaFollow(_ context.Context, arg string) error {
	format := "text"
	if w, rest, _ := strings.Cut(strings.TrimSpace(arg), " "); slices.Contains(follow.Formats, w) {
		format, arg = w, strings.TrimSpace(rest)
	}
	if arg == "" {
		return fmt.Errorf("usage: .follow [%s] [CAPTURE:]EVENT|FILTER", strings.Join(follow.Formats, "|"))
	}
	files, err := s.captureFiles()
	if err != nil {
		return err
	}
	var st *follow.Stream
	if isEventRef(arg, files) {
		capture, num, err := s.pickCapture(arg)
		if err != nil {
			return err
		}
		if st, err = follow.Find(opener(capture), follow.Select{Num: num}, true, true, 0); err != nil {
			return err
		}
	} else {
		match, _, err := translate.Matcher(arg, translate.Options{Dialect: s.dialect, Resolver: s.resolver()})
		if err != nil {
			return err
		}
		// The first capture, in the order listed, with a matching event that has an fd.
		for _, c := range files {
			st, err = follow.Find(opener(c), follow.Select{Match: match}, true, true, 0)
			if err == nil || !errors.Is(err, follow.ErrNotFound) {
				break
			}
		}
		if err != nil {
			return err
		}
	}
	filter, err := st.Origin.Filter(follow.FD)
	if err != nil {
		return err
	}
	if len(files) > 1 {
		fmt.Fprintf(s.out, "capture: %s\n", st.Capture)
	}
	return follow.Write(s.out, st, format, filter)
}

// isEventRef tells an event reference (N, or CAPTURE:N of a loaded capture) from a filter.
func isEventRef(arg string, files []string) bool {
	digits := func(s string) bool {
		_, err := strconv.ParseUint(s, 10, 64)
		return err == nil
	}
	if digits(arg) {
		return true
	}
	i := strings.LastIndexByte(arg, ':')
	return i > 0 && digits(arg[i+1:]) && slices.Contains(files, arg[:i])
}
