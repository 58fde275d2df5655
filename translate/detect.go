package translate

import (
	"regexp"
	"strings"

	"github.com/scapql/scapql/translate/catalog"
)

var (
	wsFieldSpelling = regexp.MustCompile(`(^|[^\w.])(evt\.arg|proc\.aname|proc\.apid|proc\.aexepath|proc\.acmdline)\.[0-9]+\b|\bfd\.[cslr]ip\.v[46]\b`)
	wsSetOpen       = regexp.MustCompile(`\bin\s*\{`)
	wsByteString    = regexp.MustCompile(`^:?[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})+$`)
	wsRawString     = regexp.MustCompile(`(^|[\s(=!<>~{,])[rR]"`)
	wsFieldRHS      = regexp.MustCompile(`(?:==|!=|<=|>=|<|>)\s*([A-Za-z][\w]*(?:\.[\w]+)+)`)
	wsWords         = map[string]bool{"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true,
		"any_eq": true, "all_eq": true, "any_ne": true, "all_ne": true, "matches": true, "xor": true,
		"any": true, "all": true, "bitand": true}
)

// PrefersWireshark reports whether filter has a token only the Wireshark dialect has (the
// rule is in the package documentation). Quoted strings are skipped.
func PrefersWireshark(filter string) bool {
	code := stripStrings(filter)
	for _, sym := range []string{"&&", "||", "^^", "===", "!==", "~"} {
		if strings.Contains(code, sym) {
			return true
		}
	}
	for i := 0; i < len(code); i++ {
		if code[i] == '!' && (i+1 >= len(code) || code[i+1] != '=') {
			return true
		}
	}
	if wsSetOpen.MatchString(code) || wsFieldSpelling.MatchString(code) {
		return true
	}
	// r"..." raw strings: the prefix survives stripping as a lone r before a quote.
	if wsRawString.MatchString(code) {
		return true
	}
	// A field on the right of == (proc.name == proc.pname) compares two fields in Wireshark;
	// Falco would read a string.
	for _, m := range wsFieldRHS.FindAllStringSubmatch(code, -1) {
		if _, ok := catalog.Lookup(m[1]); ok {
			return true
		}
	}
	for _, w := range strings.FieldsFunc(code, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '(' || r == ')' || r == ','
	}) {
		if wsWords[w] || wsByteString.MatchString(w) {
			return true
		}
	}
	return false
}

// stripStrings blanks out the contents of "..." and '...' so markers inside strings do not
// count; the quotes themselves stay.
func stripStrings(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		q := b[i]
		if q != '"' && q != '\'' {
			continue
		}
		j := i + 1
		for j < len(b) && b[j] != q {
			if b[j] == '\\' && j+1 < len(b) {
				b[j] = ' '
				j++
			}
			b[j] = ' '
			j++
		}
		i = j
	}
	return string(b)
}
