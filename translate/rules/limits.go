package rules

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// Limits bound what loading a rules file may cost. A file over a limit is rejected with an
// error naming the limit and the flag that raises it, before it is parsed.
type Limits struct {
	MaxBytes int64 // size of one file (--rules-max-bytes)
	MaxNodes int   // YAML entries of one file: lines and flow entries (--rules-max-nodes)
	MaxDepth int   // YAML nesting of one file: indentation levels and brackets (--rules-max-depth)
	MaxItems int   // lists, macros and rules of all files together (--rules-max-items)
}

// DefaultLimits are generous for real rules files (Falco's own are under 200 KB, 2,000 items)
// and keep loading a hostile one under a few hundred MB and a few seconds.
var DefaultLimits = Limits{MaxBytes: 2 << 20, MaxNodes: 100_000, MaxDepth: 100, MaxItems: 20_000}

// limits returns rs.Limits with zero fields taken from DefaultLimits.
func (rs *Ruleset) limits() Limits {
	l := rs.Limits
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = DefaultLimits.MaxNodes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxItems <= 0 {
		l.MaxItems = DefaultLimits.MaxItems
	}
	return l
}

func tooBig(size, limit int64) error {
	return fmt.Errorf("the file is larger than the limit of %d bytes (%d or more); --rules-max-bytes raises the limit", limit, size)
}

// readLimited reads a file of at most limit bytes, without reading more than limit+1 of a
// larger one (a device or a file growing under us included).
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil {
		if fi.IsDir() {
			return nil, fmt.Errorf("%s is a directory", path)
		}
		if fi.Mode().IsRegular() && fi.Size() > limit {
			return nil, fmt.Errorf("%s: %w", path, tooBig(fi.Size(), limit))
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w", path, tooBig(int64(len(data)), limit))
	}
	return data, nil
}

// prescan bounds the YAML parser's work before it runs: it counts entries (lines, and
// commas and brackets of flow collections) and estimates nesting (indentation levels, block
// sequence dashes on one line, and open brackets) in one pass without allocating. Brackets
// inside quoted scalars may be counted too; the limits leave room for that. Top-level items
// are counted on from items (those of the files read before). An error starts with the line
// ("12: ...").
func prescan(data []byte, lim Limits, items int) error {
	nodes, flow := 0, 0
	var indents [64]int // indentation columns of the open block levels (the first 64)
	levels := 0
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		nl := bytes.IndexByte(data, '\n')
		var ln []byte
		if nl < 0 {
			ln, data = data, nil
		} else {
			ln, data = data[:nl], data[nl+1:]
		}
		nodes++
		if nodes > lim.MaxNodes {
			return fmt.Errorf("%d: more than %d YAML entries; --rules-max-nodes raises the limit", lineNo, lim.MaxNodes)
		}
		for i, c := range ln {
			if c < 0x20 && c != '\t' && c != '\r' || c == 0x7f {
				return fmt.Errorf("%d:%d: control character 0x%02x: a rules file is YAML text", lineNo, i+1, c)
			}
		}
		col := 0
		for col < len(ln) && ln[col] == ' ' {
			col++
		}
		rest := ln[col:]
		if len(rest) == 0 || rest[0] == '#' {
			continue
		}
		if col == 0 && rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ' || rest[1] == '\r') {
			if items++; items > lim.MaxItems {
				return fmt.Errorf("%d: more than %d items (lists, macros and rules) in all; --rules-max-items raises the limit", lineNo, lim.MaxItems)
			}
		}
		if flow == 0 {
			// Block structure: close the levels this line is not inside, then open one for
			// it and one per "- " that starts a nested sequence on the same line.
			for levels > 0 && indents[min(levels, len(indents))-1] >= col {
				levels--
			}
			levels++
			if levels <= len(indents) {
				indents[levels-1] = col
			}
			for c := col; c+1 < len(ln) && (ln[c] == '-' || ln[c] == '?') && ln[c+1] == ' '; {
				c += 2
				for c < len(ln) && ln[c] == ' ' {
					c++
				}
				levels++
				if levels <= len(indents) {
					indents[levels-1] = c
				}
			}
		} else if col == 0 && rest[0] != ']' && rest[0] != '}' {
			flow = 0 // a new top-level line: a bracket left open by a quoted scalar is over
		}
		quote := byte(0)
		for i, c := range rest {
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '#' && i > 0 && rest[i-1] == ' ':
				goto next
			case (c == '"' || c == '\'') && (i == 0 || bytes.IndexByte([]byte(" [{,:"), rest[i-1]) >= 0):
				quote = c
			case c == '[' || c == '{':
				flow++
				nodes++
			case c == ']' || c == '}':
				flow = max(flow-1, 0)
			case c == ',' && flow > 0:
				nodes++
			}
			if flow+levels > lim.MaxDepth {
				return fmt.Errorf("%d: YAML nested more than %d levels deep; --rules-max-depth raises the limit", lineNo, lim.MaxDepth)
			}
		}
		if nodes > lim.MaxNodes {
			return fmt.Errorf("%d: more than %d YAML entries; --rules-max-nodes raises the limit", lineNo, lim.MaxNodes)
		}
	next:
		if flow+levels > lim.MaxDepth {
			return fmt.Errorf("%d: YAML nested more than %d levels deep; --rules-max-depth raises the limit", lineNo, lim.MaxDepth)
		}
	}
	return nil
}
