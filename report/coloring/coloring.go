// Package coloring reads coloring rules, Wireshark-style: an ordered list of (name, filter,
// colours) where the first rule whose filter matches an event gives its colours.
//
// The file format is Wireshark's colorfilters syntax, one rule per line,
//
//	@NAME@FILTER@[FG][BG]
//
// where a colour is Wireshark's three 16-bit components "r,g,b" (0-65535) or, as our
// extension, "#rrggbb". A line starting with "!@" is a disabled rule; blank lines and lines
// starting with "#" are comments. FILTER is a display filter in either dialect.
package coloring

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate"
)

//go:embed default.colorfilters
var defaults string

// Color is an RGB colour.
type Color struct{ R, G, B uint8 }

// Hex is the colour as "#rrggbb".
func (c Color) Hex() string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// Rule is one coloring rule.
type Rule struct {
	Name     string
	Filter   string
	FG, BG   Color
	Disabled bool
	Line     int
}

// MaxRules bounds a coloring file.
const MaxRules = 1000

// Parse reads coloring rules; name is used in errors.
func Parse(r io.Reader, name string) ([]Rule, error) {
	var out []Rule
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rule := Rule{Line: n}
		if strings.HasPrefix(line, "!@") {
			rule.Disabled = true
			line = line[1:]
		}
		if !strings.HasPrefix(line, "@") {
			return nil, fmt.Errorf("%s:%d: a rule starts with @ (@NAME@FILTER@[FG][BG])", name, n)
		}
		// The name cannot hold @; the filter ends at the last @ before the colours.
		rest := line[1:]
		i := strings.IndexByte(rest, '@')
		j := strings.LastIndexByte(rest, '@')
		if i < 0 || j <= i {
			return nil, fmt.Errorf("%s:%d: want @NAME@FILTER@[FG][BG]", name, n)
		}
		rule.Name, rule.Filter = rest[:i], strings.TrimSpace(rest[i+1:j])
		colors := strings.TrimSpace(rest[j+1:])
		var err error
		if rule.FG, colors, err = parseColor(colors); err != nil {
			return nil, fmt.Errorf("%s:%d: foreground: %w", name, n, err)
		}
		if rule.BG, colors, err = parseColor(colors); err != nil {
			return nil, fmt.Errorf("%s:%d: background: %w", name, n, err)
		}
		if strings.TrimSpace(colors) != "" {
			return nil, fmt.Errorf("%s:%d: unexpected %q after the colours", name, n, colors)
		}
		if rule.Filter == "" {
			return nil, fmt.Errorf("%s:%d: rule %q has no filter", name, n, rule.Name)
		}
		if len(out) == MaxRules {
			return nil, fmt.Errorf("%s:%d: more than %d rules", name, n, MaxRules)
		}
		out = append(out, rule)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: line %d: %w", name, n+1, err)
	}
	return out, nil
}

// parseColor reads "[r,g,b]" (16-bit components) or "[#rrggbb]" at the start of s.
func parseColor(s string) (Color, string, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") {
		return Color{}, s, fmt.Errorf("want [r,g,b] or [#rrggbb], found %q", s)
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return Color{}, s, fmt.Errorf("unclosed [ in %q", s)
	}
	body, rest := strings.TrimSpace(s[1:end]), s[end+1:]
	if strings.HasPrefix(body, "#") {
		if len(body) != 7 {
			return Color{}, s, fmt.Errorf("%q is not #rrggbb", body)
		}
		v, err := strconv.ParseUint(body[1:], 16, 32)
		if err != nil {
			return Color{}, s, fmt.Errorf("%q is not #rrggbb", body)
		}
		return Color{uint8(v >> 16), uint8(v >> 8), uint8(v)}, rest, nil
	}
	parts := strings.Split(body, ",")
	if len(parts) != 3 {
		return Color{}, s, fmt.Errorf("%q: want three components r,g,b", body)
	}
	var c [3]uint8
	for i, p := range parts {
		v, err := strconv.ParseUint(strings.TrimSpace(p), 10, 16)
		if err != nil {
			return Color{}, s, fmt.Errorf("%q: component %q is not 0-65535", body, p)
		}
		c[i] = uint8(v >> 8) // 16-bit to 8-bit, as Wireshark shows them
	}
	return Color{c[0], c[1], c[2]}, rest, nil
}

// Defaults are the rules used when no file is given, in the spirit of Stratoshark's.
func Defaults() []Rule {
	rs, err := Parse(strings.NewReader(defaults), "default.colorfilters")
	if err != nil {
		panic(err) // the embedded file is tested
	}
	return rs
}

// Load reads a coloring file; "" gives the defaults.
func Load(path string) ([]Rule, error) {
	if path == "" {
		return Defaults(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, path)
}

// Set is compiled coloring rules: the enabled ones, in order.
type Set struct {
	Rules []Rule
	match []func(*state.Event) bool
	sql   []string
}

// Compile translates each enabled rule's filter (either dialect, with the resolver's macros
// and lists if one is given).
func Compile(rules []Rule, resolver translate.Resolver) (*Set, error) {
	s := &Set{}
	for _, r := range rules {
		if r.Disabled {
			continue
		}
		m, res, err := translate.Matcher(r.Filter, translate.Options{Resolver: resolver})
		if err != nil {
			return nil, fmt.Errorf("coloring rule %q (line %d): %w", r.Name, r.Line, err)
		}
		s.Rules = append(s.Rules, r)
		s.match = append(s.match, m)
		s.sql = append(s.sql, res.SQL)
	}
	return s, nil
}

// Match returns the index in s.Rules of the first rule matching ev, or -1.
func (s *Set) Match(ev *state.Event) int {
	if s == nil {
		return -1
	}
	for i, m := range s.match {
		if m(ev) {
			return i
		}
	}
	return -1
}

// SQL is a CASE expression over the events table giving the index of the first matching
// rule, NULL for none.
func (s *Set) SQL() string {
	if s == nil || len(s.sql) == 0 {
		return "NULL"
	}
	var b strings.Builder
	b.WriteString("CASE")
	for i, q := range s.sql {
		fmt.Fprintf(&b, " WHEN coalesce((%s), false) THEN %d", q, i)
	}
	b.WriteString(" END")
	return b.String()
}

// ANSI returns the escape sequence that sets rule i's colours (24-bit), or "".
func (s *Set) ANSI(i int) string {
	if s == nil || i < 0 || i >= len(s.Rules) {
		return ""
	}
	r := s.Rules[i]
	return fmt.Sprintf("\x1b[38;2;%d;%d;%dm\x1b[48;2;%d;%d;%dm", r.FG.R, r.FG.G, r.FG.B, r.BG.R, r.BG.G, r.BG.B)
}

// Reset ends a coloured span.
const Reset = "\x1b[0m"

// Mode is --color: auto (when writing to a terminal), always or never.
func Mode(mode string, terminal bool) (bool, error) {
	switch mode {
	case "auto", "":
		return terminal, nil
	case "always":
		return true, nil
	case "never":
		return false, nil
	}
	return false, fmt.Errorf("--color %q: want auto, always or never", mode)
}
