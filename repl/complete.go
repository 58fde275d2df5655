package repl

import (
	"context"
	"database/sql"
	"github.com/scapql/scapql/follow"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/scapql/scapql/report"
)

// completer implements readline.AutoCompleter for the shell.
type completer struct{ s *Shell }

// Do returns the completions of the word before pos, as the suffixes to insert.
func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	word, cands := c.s.complete(string(line[:pos]))
	n := len([]rune(word))
	var out [][]rune
	for _, cand := range cands {
		rc := []rune(cand)
		if len(rc) >= n {
			out = append(out, rc[n:])
		}
	}
	return out, n
}

// completionCache keeps what completion asks the database.
type completionCache struct {
	mu     sync.Mutex
	tables []string
	values map[string][]string // field -> distinct values in the loaded events
	valid  bool
}

func (c *completionCache) invalidate() {
	c.mu.Lock()
	c.valid = false
	c.tables, c.values = nil, nil
	c.mu.Unlock()
}

// sqlWords are the SQL keywords completion offers (besides the statement starters).
var sqlWords = strings.Fields(`ALL AND ANY AS ASC BETWEEN BY CASE CAST COUNT DESC DISTINCT ELSE END
	EXCLUDE EXISTS FALSE FILTER FULL GROUP HAVING ILIKE IN INNER INTERVAL INTO IS JOIN LATERAL LEFT LIKE
	LIMIT NOT NULL NULLS OFFSET ON OR ORDER OUTER OVER PARTITION QUALIFY REGEXP_MATCHES RIGHT SIMILAR
	THEN TRUE UNION USING WHEN WHERE WINDOW`)

// filterWords are the display filter operators completion offers.
var filterWords = strings.Fields(`and or not in contains icontains bcontains startswith bstartswith
	endswith glob iglob regex exists intersects pmatch matches`)

var (
	// eqRe matches "FIELD =", "FIELD ==", "FIELD !=", "FIELD eq" ... before a value.
	eqRe = regexp.MustCompile(`([A-Za-z_][\w.\[\]]*)\s*(?:===|!==|==|!=|=|<>|\b(?i:eq|ne|any_eq|all_eq)\b)\s*['"]?$`)
	// inRe matches "FIELD in (a, b, " and "FIELD in {a b " before a value.
	inRe = regexp.MustCompile(`([A-Za-z_][\w.\[\]]*)\s+(?i:in|intersects)\s*[({]([^(){}]*[,\s])?\s*['"]?$`)
)

// complete returns the word being completed at the end of text and the candidates for it.
func (s *Shell) complete(text string) (string, []string) {
	trimmed := strings.TrimLeft(text, " \t")
	if strings.HasPrefix(trimmed, ".") {
		return s.completeMeta(trimmed)
	}
	return s.completeStatement(text)
}

func (s *Shell) completeMeta(text string) (string, []string) {
	name, arg, hasArg := strings.Cut(text, " ")
	if !hasArg {
		var out []string
		for _, c := range metaCommands {
			out = append(out, c.name+" ")
		}
		return name, matching(name, out)
	}
	arg = strings.TrimLeft(arg, " ")
	last := arg
	if i := strings.LastIndexAny(arg, " \t"); i >= 0 {
		last = arg[i+1:]
	}
	switch name {
	case ".mode":
		return last, matching(last, modes)
	case ".timer":
		return last, matching(last, []string{"on", "off"})
	case ".dialect":
		return last, matching(last, []string{"auto", "falco", "wireshark"})
	case ".schema":
		return last, matching(last, s.tableNames())
	case ".help":
		var out []string
		for _, c := range metaCommands {
			out = append(out, c.name)
		}
		return last, matching(last, out)
	case ".open", ".output", ".rules", ".read":
		return last, completeFile(last)
	case ".export":
		if !strings.ContainsAny(arg, " \t") {
			return last, completeFile(last)
		}
		_, stmt, _ := strings.Cut(arg, " ")
		return s.completeStatement(stmt)
	case ".fields":
		return last, matching(last, fieldNames())
	case ".columns":
		w := arg
		if i := strings.LastIndexAny(arg, ", "); i >= 0 {
			w = arg[i+1:]
		}
		return w, matching(w, fieldNames())
	case ".translate":
		return s.completeStatement(arg)
	case ".capture":
		if _, filter, ok := strings.Cut(arg, " "); ok {
			return s.completeStatement(filter) // the filter after the duration
		}
	case ".color":
		if !strings.ContainsAny(arg, " \t") {
			return last, append(matching(last, []string{"auto", "on", "off"}), completeFile(last)...)
		}
	case ".scope":
		if !strings.ContainsAny(arg, " \t") {
			return last, matching(last, append(follow.KindNames(), "off"))
		}
	case ".follow":
		if !strings.ContainsAny(arg, " \t") {
			return last, matching(last, follow.Formats)
		}
	case ".report":
		if !strings.ContainsAny(arg, " \t") {
			return last, matching(last, report.Names())
		}
		if tables, err := report.SQL(strings.Fields(arg)[0]); err == nil {
			var names []string
			for _, t := range tables {
				names = append(names, t.Name)
			}
			return last, matching(last, names)
		}
	}
	return last, nil
}

// completeStatement completes SQL or a display filter.
func (s *Shell) completeStatement(text string) (string, []string) {
	// A value after "FIELD =" or inside "FIELD in (".
	before, word := splitValueWord(text)
	if m := eqRe.FindStringSubmatch(before); m != nil {
		if vals, ok := s.fieldValues(m[1]); ok {
			return word, matching(word, vals)
		}
	}
	if m := inRe.FindStringSubmatch(before); m != nil {
		if vals, ok := s.fieldValues(m[1]); ok {
			return word, matching(word, vals)
		}
	}

	word = lastWord(text)
	if word == "" {
		return "", nil
	}
	head := strings.TrimSpace(text[:len(text)-len(word)])
	head = strings.TrimLeft(head, ":?/")
	var cands []string
	if strings.HasPrefix(word, "evt.arg.") || strings.HasPrefix(word, "evt.rawarg.") {
		loadCatalogue()
		prefix := word[:strings.LastIndexByte(word, '.')+1]
		for _, p := range catalogue.params {
			cands = append(cands, prefix+p)
		}
		return word, matching(word, cands)
	}
	cands = append(cands, fieldNames()...)
	if !strings.Contains(word, ".") {
		upper := word == strings.ToUpper(word) && strings.ToLower(word) != word
		addWords := func(ws []string) {
			for _, w := range ws {
				if upper {
					cands = append(cands, strings.ToUpper(w)+" ")
				} else {
					cands = append(cands, strings.ToLower(w)+" ")
				}
			}
		}
		if head == "" {
			var starts []string
			for w := range sqlStarts {
				starts = append(starts, w)
			}
			addWords(starts)
		} else {
			addWords(sqlWords)
			for _, w := range filterWords {
				cands = append(cands, w+" ")
			}
		}
		cands = append(cands, s.tableNames()...)
		cands = append(cands, s.macroNames()...)
	}
	return word, matching(word, cands)
}

// splitValueWord splits text before the value being typed: the value is what follows the
// last blank, quote, comma, "(" or "{" (or "=").
func splitValueWord(text string) (before, word string) {
	i := strings.LastIndexAny(text, " \t'\",({=")
	return text[:i+1], text[i+1:]
}

// lastWord is the field, keyword or name being typed at the end of text.
func lastWord(text string) string {
	i := len(text)
	for i > 0 {
		r := rune(text[i-1])
		if r == '_' || r == '.' || r == '[' || r == ']' || r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			i--
			continue
		}
		break
	}
	return text[i:]
}

// matching returns the candidates that start with prefix (case-insensitively), sorted and
// without duplicates; a candidate keeps the case the user typed for the prefix.
func matching(prefix string, cands []string) []string {
	lp := strings.ToLower(prefix)
	seen := map[string]bool{}
	var out []string
	for _, c := range cands {
		if len(c) < len(prefix) || strings.ToLower(c[:len(prefix)]) != lp {
			continue
		}
		c = prefix + c[len(prefix):]
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// completeFile completes a path.
func completeFile(word string) []string {
	dir, base := filepath.Split(word)
	readDir := dir
	if readDir == "" {
		readDir = "."
	}
	ents, err := os.ReadDir(expandHome(readDir))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if !strings.HasPrefix(n, base) || strings.HasPrefix(n, ".") && !strings.HasPrefix(base, ".") {
			continue
		}
		if e.IsDir() {
			n += "/"
		}
		out = append(out, dir+n)
	}
	sort.Strings(out)
	return out
}

// tableNames lists the tables, cached until a statement or .open changes them.
func (s *Shell) tableNames() []string {
	s.comp.mu.Lock()
	defer s.comp.mu.Unlock()
	if !s.comp.valid {
		s.comp.tables, _ = s.tables()
		s.comp.values = map[string][]string{}
		s.comp.valid = true
	}
	return s.comp.tables
}

// macroNames lists the macros and lists of the loaded rules.
func (s *Shell) macroNames() []string {
	if s.ruleset == nil {
		return nil
	}
	var out []string
	for _, m := range s.ruleset.Macros() {
		out = append(out, m.Name)
	}
	for _, l := range s.ruleset.Lists() {
		out = append(out, l.Name)
	}
	return out
}

// fixedValues are the values of fields that completion knows without the data (the
// catalogue's own lists of values); the loaded events add theirs.
var fixedValues = map[string]func() []string{
	"evt.type":    func() []string { loadCatalogue(); return catalogue.events },
	"evt.dir":     func() []string { return []string{">", "<"} },
	"evt.res":     func() []string { loadCatalogue(); return append([]string{"SUCCESS"}, catalogue.errnos...) },
	"fd.typechar": func() []string { return strings.Fields("f 4 6 u p e s l i o") },
	"fd.l4proto":  func() []string { return strings.Fields("tcp udp icmp raw") },
	"fd.type": func() []string {
		return strings.Fields("file directory ipv4 ipv6 unix pipe event signalfd eventpoll inotify")
	},
}

// fixedOnly fields complete from the catalogue alone (the data holds a subset).
var fixedOnly = map[string]bool{"evt.type": true, "evt.dir": true, "evt.res": true}

// fieldValues returns the values to offer after "FIELD =": the event types for evt.type and
// the like, and for text fields the distinct values of the loaded events.
func (s *Shell) fieldValues(field string) ([]string, bool) {
	var fixed []string
	if f, ok := fixedValues[field]; ok {
		fixed = f()
		if fixedOnly[field] {
			return fixed, true
		}
	}
	fi, ok := lookupField(field)
	if !ok || fi.Type != "CHARBUF" || !fi.Supported {
		return fixed, fixed != nil
	}
	vals := s.dataValues(field)
	if fixed != nil {
		vals = append(append([]string(nil), fixed...), vals...)
	}
	return vals, true
}

// dataValues returns the distinct values of a text field in the loaded events (looked up
// once, within a fraction of a second; nil if that is not enough).
func (s *Shell) dataValues(field string) []string {
	s.tableNames() // validates the cache
	s.comp.mu.Lock()
	vals, ok := s.comp.values[field]
	s.comp.mu.Unlock()
	if ok {
		return vals
	}
	conn, err := s.connection()
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	q := distinctQuery(columnExpr(field))
	if _, err = s.prepare(ctx, q); err == nil {
		vals, err = distinctValues(ctx, conn, q)
	}
	if err != nil {
		vals = nil // too slow or no such column: not asked again until the data changes
	}
	s.comp.mu.Lock()
	if s.comp.values != nil {
		s.comp.values[field] = vals
	}
	s.comp.mu.Unlock()
	return vals
}

// distinctQuery asks for up to 500 distinct values of expr in events.
func distinctQuery(expr string) string {
	return "SELECT DISTINCT CAST(" + expr + " AS VARCHAR) AS v FROM events WHERE v IS NOT NULL LIMIT 500"
}

// distinctValues returns the values of distinctQuery's q that can be typed as one word,
// sorted.
func distinctValues(ctx context.Context, conn *sql.Conn, q string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vals []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		if v != "" && !strings.ContainsAny(v, " \t\n'\",(){}") {
			vals = append(vals, v)
		}
	}
	sort.Strings(vals)
	return vals, rows.Err()
}
