package eval

import (
	"strings"
	"unicode/utf8"
)

// glob is a glob made of '*' (any text), '?' (any one character) and literal characters
// only, split at its stars once.
type glob struct {
	first, last string   // before the first star, after the last
	middle      []string // the non-empty segments between stars
	star        bool     // the glob has a star
}

func compileGlob(p string) *glob {
	segs := strings.Split(p, "*")
	g := &glob{first: segs[0], star: len(segs) > 1}
	if g.star {
		g.last = segs[len(segs)-1]
		for _, s := range segs[1 : len(segs)-1] {
			if s != "" {
				g.middle = append(g.middle, s)
			}
		}
	}
	return g
}

// globMatch reports whether s matches the glob p (see glob).
func globMatch(p, s string) bool { return compileGlob(p).match(s) }

// match reports whether s matches the glob as the regular expression the glob translates to
// does (fnmatch without flags). The segments between stars are matched leftmost first, which
// is exact for such globs: time is linear in s for literal segments (strings.Index), and in
// s times the segment for segments with '?', never in s times the whole pattern.
func (g *glob) match(s string) bool {
	n, ok := matchSegment(g.first, s)
	if !ok {
		return false
	}
	s = s[n:]
	if !g.star {
		return s == ""
	}
	for _, seg := range g.middle {
		end, ok := findSegment(seg, s)
		if !ok {
			return false
		}
		s = s[end:]
	}
	// The last segment matches the end of s: as many characters as it has.
	start := len(s)
	for range utf8.RuneCountInString(g.last) {
		if start == 0 {
			return false
		}
		_, size := utf8.DecodeLastRuneInString(s[:start])
		start -= size
	}
	n, ok = matchSegment(g.last, s[start:])
	return ok && start+n == len(s)
}

// matchSegment matches a segment without stars at the start of s, returning the bytes it
// covers.
func matchSegment(seg, s string) (int, bool) {
	n := 0
	for _, r := range seg {
		if n >= len(s) {
			return 0, false
		}
		c, size := utf8.DecodeRuneInString(s[n:])
		if r != '?' && c != r { // an invalid byte reads as U+FFFD, as in the regexp package
			return 0, false
		}
		n += size
	}
	return n, true
}

// findSegment finds the leftmost match of a segment in s and returns where it ends.
func findSegment(seg, s string) (int, bool) {
	if !strings.ContainsRune(seg, '?') && !strings.ContainsRune(seg, utf8.RuneError) {
		i := strings.Index(s, seg)
		for i >= 0 && !utf8.RuneStart(s[i]) { // a match must start on a character
			j := strings.Index(s[i+1:], seg)
			if j < 0 {
				return 0, false
			}
			i += 1 + j
		}
		if i < 0 {
			return 0, false
		}
		return i + len(seg), true
	}
	for i := 0; i <= len(s); {
		if n, ok := matchSegment(seg, s[i:]); ok {
			return i + n, true
		}
		if i == len(s) {
			break
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return 0, false
}
