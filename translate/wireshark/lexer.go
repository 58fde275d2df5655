package wireshark

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/scapql/scapql/translate/diag"
)

// Kind classifies a token.
type Kind int

// Token kinds, after Wireshark's epan/dfilter/scanner.l.
const (
	EOF Kind = iota
	LParen
	RParen
	LBrace
	RBrace
	Comma
	DotDot
	Slice // [ranges], Text holds what is between the brackets
	Cmp   // == != === !== > >= < <= and their word forms; Text normalised to the symbol
	Contains
	Matches
	Not
	And
	Or
	Xor
	In
	Any
	All
	Plus
	Minus
	Star
	Slash
	Percent
	BitAnd
	String    // "..." (Text unescaped)
	RawString // r"..." (Text with backslashes kept)
	Char      // 'x' (Text is the decimal value)
	Word      // field, literal, number or function name
	DotWord   // .field (Text without the dot)
)

// Token is a lexeme and the byte range it came from.
type Token struct {
	Kind Kind
	Text string
	Pos  int
	End  int
}

type lexer struct {
	src string
	pos int
}

// keywords are the word spellings of operators; a longer word (android) is not a keyword.
var keywords = map[string]Token{
	"eq": {Kind: Cmp, Text: "=="}, "any_eq": {Kind: Cmp, Text: "=="},
	"ne": {Kind: Cmp, Text: "!="}, "all_ne": {Kind: Cmp, Text: "!="},
	"all_eq": {Kind: Cmp, Text: "==="}, "any_ne": {Kind: Cmp, Text: "!=="},
	"gt": {Kind: Cmp, Text: ">"}, "ge": {Kind: Cmp, Text: ">="},
	"lt": {Kind: Cmp, Text: "<"}, "le": {Kind: Cmp, Text: "<="},
	"contains": {Kind: Contains}, "matches": {Kind: Matches},
	"not": {Kind: Not}, "and": {Kind: And}, "or": {Kind: Or}, "xor": {Kind: Xor},
	"in": {Kind: In}, "any": {Kind: Any}, "all": {Kind: All},
	"bitand": {Kind: BitAnd}, "bitwise_and": {Kind: BitAnd},
}

// symbols, longest first so === wins over ==.
var symbols = []struct {
	s    string
	kind Kind
}{
	{"===", Cmp}, {"!==", Cmp}, {"==", Cmp}, {"!=", Cmp}, {">=", Cmp}, {"<=", Cmp},
	{"&&", And}, {"||", Or}, {"^^", Xor}, {"..", DotDot},
	{">", Cmp}, {"<", Cmp}, {"!", Not}, {"~", Matches},
	{"(", LParen}, {")", RParen}, {"{", LBrace}, {"}", RBrace}, {",", Comma},
	{"+", Plus}, {"-", Minus}, {"*", Star}, {"/", Slash}, {"%", Percent}, {"&", BitAnd},
}

func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == ':'
}

func isWordChar(c byte) bool {
	return isWordStart(c) || c == '-' || c == '/' || c == '.'
}

// next returns the next token or a positioned error.
func (l *lexer) next() (Token, error) {
	for l.pos < len(l.src) && strings.IndexByte(" \t\n\r", l.src[l.pos]) >= 0 {
		l.pos++
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return Token{Kind: EOF, Pos: start, End: start}, nil
	}
	c := l.src[l.pos]
	switch {
	case c == '"':
		return l.str(start, false)
	case (c == 'r' || c == 'R') && l.pos+1 < len(l.src) && l.src[l.pos+1] == '"':
		return l.str(start, true)
	case c == '\'':
		return l.char(start)
	case c == '[':
		return l.slice(start)
	case c == '$' || c == '@' || c == '#':
		what := map[byte]string{'$': "field references ($)", '@': "raw field values (@)", '#': "protocol layers (#)"}[c]
		return Token{}, diag.Errorf(l.src, start, start+1, "%s have no meaning for a capture table and are not supported", what)
	case c == '.' && l.pos+1 < len(l.src) && isWordStart(l.src[l.pos+1]) && l.src[l.pos+1] != ':':
		l.pos++
		t := l.word(l.pos)
		return Token{Kind: DotWord, Text: t.Text, Pos: start, End: l.pos}, nil
	case isWordStart(c):
		t := l.word(start)
		if k, ok := keywords[t.Text]; ok {
			k.Pos, k.End = t.Pos, t.End
			if k.Text == "" {
				k.Text = t.Text
			}
			return k, nil
		}
		return t, nil
	}
	for _, s := range symbols {
		if strings.HasPrefix(l.src[l.pos:], s.s) {
			l.pos += len(s.s)
			return Token{Kind: s.kind, Text: s.s, Pos: start, End: l.pos}, nil
		}
	}
	if c < 0x20 || c >= 0x7f {
		return Token{}, diag.Errorf(l.src, start, start+1, "non-printable or non-ASCII characters may only appear inside double quotes")
	}
	return Token{}, diag.Errorf(l.src, start, start+1, "%q was unexpected in this context", string(c))
}

// word scans a field name, literal or number: [[:alnum:]_:][[:alnum:]_:/.-]*, never containing
// "..", which ends the word (80..90 is a range).
func (l *lexer) word(start int) Token {
	i := start
	for i < len(l.src) && isWordChar(l.src[i]) {
		if l.src[i] == '.' && (i+1 >= len(l.src) || !isWordChar(l.src[i+1]) || l.src[i+1] == '.') {
			break
		}
		i++
	}
	l.pos = i
	return Token{Kind: Word, Text: l.src[start:i], Pos: start, End: i}
}

// str scans "..." with C escapes, or r"..." where backslashes are kept.
func (l *lexer) str(start int, raw bool) (Token, error) {
	i := start + 1
	if raw {
		i++
	}
	var b strings.Builder
	for i < len(l.src) {
		c := l.src[i]
		if c == '"' {
			l.pos = i + 1
			k := String
			if raw {
				k = RawString
			}
			return Token{Kind: k, Text: b.String(), Pos: start, End: l.pos}, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(l.src) {
			break
		}
		if raw {
			b.WriteString(l.src[i : i+2])
			i += 2
			continue
		}
		n, err := l.escape(&b, i)
		if err != nil {
			return Token{}, err
		}
		i += n
	}
	return Token{}, diag.Errorf(l.src, start, len(l.src), "the final quote is missing from this string")
}

// escape decodes the escape sequence at i into b and returns its length.
func (l *lexer) escape(b *strings.Builder, i int) (int, error) {
	e := l.src[i+1]
	simple := map[byte]byte{'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v', '\\': '\\', '\'': '\'', '"': '"'}
	if v, ok := simple[e]; ok {
		b.WriteByte(v)
		return 2, nil
	}
	switch {
	case e >= '0' && e <= '7':
		j := i + 1
		for j < len(l.src) && j < i+4 && l.src[j] >= '0' && l.src[j] <= '7' {
			j++
		}
		v, _ := strconv.ParseUint(l.src[i+1:j], 8, 16)
		if v > 0xff {
			return 0, diag.Errorf(l.src, i, j, "%s is larger than 255", l.src[i:j])
		}
		b.WriteByte(byte(v))
		return j - i, nil
	case e == 'x':
		j := i + 2
		for j < len(l.src) && j < i+4 && isHex(l.src[j]) {
			j++
		}
		if j == i+2 {
			return 0, diag.Errorf(l.src, i, i+2, "\\x needs one or two hex digits")
		}
		v, _ := strconv.ParseUint(l.src[i+2:j], 16, 8)
		b.WriteByte(byte(v))
		return j - i, nil
	case e == 'u' || e == 'U':
		n := 4
		if e == 'U' {
			n = 8
		}
		j := i + 2
		for j < len(l.src) && j < i+2+n && isHex(l.src[j]) {
			j++
		}
		v, err := strconv.ParseUint(l.src[i+2:j], 16, 32)
		if j-(i+2) != n || err != nil || v < 0xa0 && v != 0x24 && v != 0x40 && v != 0x60 ||
			v >= 0xd800 && v <= 0xdfff || v > 0x10ffff {
			return 0, diag.Errorf(l.src, i, j, "%s is not a valid universal character name", l.src[i:j])
		}
		b.WriteRune(rune(v))
		return j - i, nil
	}
	return 0, diag.Errorf(l.src, i, i+2, "\\%c is not a valid character escape sequence", e)
}

// char scans a character constant 'x', '\n', '\x41', '\101' into its integer value.
func (l *lexer) char(start int) (Token, error) {
	end := start + 1
	for end < len(l.src) && l.src[end] != '\'' {
		if l.src[end] == '\\' {
			end++
		}
		end++
	}
	if end >= len(l.src) {
		return Token{}, diag.Errorf(l.src, start, len(l.src), "the final quote is missing from this character constant")
	}
	body := l.src[start+1 : end]
	l.pos = end + 1
	bad := diag.Errorf(l.src, start, l.pos, "%s is not a valid character constant (in Wireshark '...' is one character, an integer; write strings in double quotes)", l.src[start:l.pos])
	var v rune
	switch {
	case body == "":
		return Token{}, bad
	case body[0] != '\\':
		r, n := utf8.DecodeRuneInString(body)
		if n != len(body) || r < 0x20 || r == 0x7f {
			return Token{}, bad
		}
		v = r
	default:
		var b strings.Builder
		sub := lexer{src: "'" + body + "'"}
		n, err := sub.escape(&b, 1)
		if err != nil || n != len(body) {
			return Token{}, bad
		}
		r, sz := utf8.DecodeRuneInString(b.String())
		if sz == len(b.String()) && r != utf8.RuneError {
			v = r
		} else {
			v = rune(b.String()[0])
		}
	}
	return Token{Kind: Char, Text: strconv.Itoa(int(v)), Pos: start, End: l.pos}, nil
}

// slice scans [ranges] (Wireshark's RANGE start condition: anything up to ']').
func (l *lexer) slice(start int) (Token, error) {
	end := strings.IndexByte(l.src[start:], ']')
	if end < 0 {
		return Token{}, diag.Errorf(l.src, start, len(l.src), "the right bracket is missing from this slice")
	}
	l.pos = start + end + 1
	return Token{Kind: Slice, Text: l.src[start+1 : start+end], Pos: start, End: l.pos}, nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
