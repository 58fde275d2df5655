package falco

import (
	"strings"

	"github.com/scapql/scapql/translate/diag"
)

// Kind classifies a token.
type Kind int

// Token kinds. The Falco grammar is context-sensitive (a bare value may contain '<' or '!'),
// so the parser asks the lexer for the kind of token it expects next rather than lexing the
// whole filter up front.
const (
	KField       Kind = iota // proc.name
	KIdent                   // spawned_process
	KKeyword                 // and, or, not, not(
	KOperator                // =, contains, in, exists, ...
	KQuoted                  // "..." or '...' (Text unescaped)
	KBare                    // /etc/hosts
	KPunct                   // ( ) [ ] ,
	KTransformer             // tolower( (Text without the parenthesis)
)

// Token is a lexeme and the byte range it came from.
type Token struct {
	Kind Kind
	Text string // the lexeme; for KQuoted the unescaped value
	Raw  string // the source text
	Pos  int
	End  int
}

// lexer scans one filter; every method either consumes a token at the cursor and returns it
// with ok=true, or leaves the cursor untouched.
type lexer struct {
	src string
	pos int
}

func (l *lexer) eof() bool { return l.pos >= len(l.src) }

func (l *lexer) peek() byte {
	if l.pos < len(l.src) {
		return l.src[l.pos]
	}
	return 0
}

func (l *lexer) token(k Kind, start int) Token {
	raw := l.src[start:l.pos]
	return Token{Kind: k, Text: raw, Raw: raw, Pos: start, End: l.pos}
}

// isBlank is libsinsp's lex_blank set.
func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\b' || c == '\r' || c == '\n'
}

// isSpace is POSIX [:space:], used where libsinsp matches [[:space:]].
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isIdent(c byte) bool { return isAlpha(c) || isDigit(c) || c == '_' }

// blank skips blanks and reports whether there were any.
func (l *lexer) blank() bool {
	start := l.pos
	for l.pos < len(l.src) && isBlank(l.src[l.pos]) {
		l.pos++
	}
	return l.pos > start
}

// literal consumes s if the input continues with it.
func (l *lexer) literal(s string) (Token, bool) {
	if strings.HasPrefix(l.src[l.pos:], s) {
		start := l.pos
		l.pos += len(s)
		return l.token(KPunct, start), true
	}
	return Token{}, false
}

// word matches [a-zA-Z]+[a-zA-Z0-9_]* at i and returns its end, or i.
func (l *lexer) word(i int) int {
	if i >= len(l.src) || !isAlpha(l.src[i]) {
		return i
	}
	for i < len(l.src) && isIdent(l.src[i]) {
		i++
	}
	return i
}

// fieldName matches [a-zA-Z]+[a-zA-Z0-9_]*(\.[a-zA-Z]+[a-zA-Z0-9_]*)+.
func (l *lexer) fieldName() (Token, bool) {
	start := l.pos
	i := l.word(start)
	if i == start {
		return Token{}, false
	}
	segments := 0
	for i < len(l.src) && l.src[i] == '.' {
		j := l.word(i + 1)
		if j == i+1 {
			break
		}
		i = j
		segments++
	}
	if segments == 0 {
		return Token{}, false
	}
	l.pos = i
	return l.token(KField, start), true
}

// identifier matches [a-zA-Z]+[a-zA-Z0-9_]*.
func (l *lexer) identifier() (Token, bool) {
	start := l.pos
	i := l.word(start)
	if i == start {
		return Token{}, false
	}
	l.pos = i
	return l.token(KIdent, start), true
}

// transformer matches an identifier immediately followed by '(' (tolower(, val(, ...).
func (l *lexer) transformer() (Token, bool) {
	start := l.pos
	i := l.word(start)
	if i == start || i >= len(l.src) || l.src[i] != '(' {
		return Token{}, false
	}
	l.pos = i + 1
	return Token{Kind: KTransformer, Text: l.src[start:i], Raw: l.src[start:l.pos], Pos: start, End: l.pos}, true
}

// keyword consumes a connective ("and", "or") at the cursor.
func (l *lexer) keyword(kw string) (Token, bool) {
	if strings.HasPrefix(l.src[l.pos:], kw) {
		start := l.pos
		l.pos += len(kw)
		return l.token(KKeyword, start), true
	}
	return Token{}, false
}

// not matches `not` followed by at least one space (libsinsp's "not[[:space:]]+").
func (l *lexer) not() (Token, bool) {
	if !strings.HasPrefix(l.src[l.pos:], "not") {
		return Token{}, false
	}
	i := l.pos + 3
	j := i
	for j < len(l.src) && isSpace(l.src[j]) {
		j++
	}
	if j == i {
		return Token{}, false
	}
	start := l.pos
	l.pos = j
	return Token{Kind: KKeyword, Text: "not", Raw: l.src[start:i], Pos: start, End: i}, true
}

// Operators in the order libsinsp tries them (longest spelling first where one is a prefix
// of another).
var (
	unaryOps = []string{"exists"}
	numOps   = []string{"<=", "<", ">=", ">"}
	strOps   = []string{"==", "=", "!=", "glob", "iglob", "contains", "icontains", "bcontains",
		"startswith", "bstartswith", "endswith", "regex"}
	listOps = []string{"intersects", "in", "pmatch"}
)

// operator consumes one of ops. Word operators need a blank after them, list operators a
// blank or '('; symbols need nothing.
func (l *lexer) operator(ops []string, list bool) (Token, bool) {
	rest := l.src[l.pos:]
	for _, op := range ops {
		if !strings.HasPrefix(rest, op) {
			continue
		}
		if isAlpha(op[0]) && op != "exists" {
			next := byte(0)
			if len(rest) > len(op) {
				next = rest[len(op)]
			}
			if !(isBlank(next) || list && next == '(') {
				continue
			}
		}
		start := l.pos
		l.pos += len(op)
		return l.token(KOperator, start), true
	}
	return Token{}, false
}

// bare matches [^()"'[:space:]=,]+.
func (l *lexer) bare() (Token, bool) {
	start := l.pos
	i := start
	for i < len(l.src) {
		c := l.src[i]
		if c == '(' || c == ')' || c == '"' || c == '\'' || isSpace(c) || c == '=' || c == ',' {
			break
		}
		i++
	}
	if i == start {
		return Token{}, false
	}
	l.pos = i
	return l.token(KBare, start), true
}

// fieldArgBare matches the bare form of a field argument: [^][\"'[:space:]]+.
func (l *lexer) fieldArgBare() (Token, bool) {
	start := l.pos
	i := start
	for i < len(l.src) {
		c := l.src[i]
		if c == '[' || c == ']' || c == '"' || c == '\'' || isSpace(c) {
			break
		}
		i++
	}
	if i == start {
		return Token{}, false
	}
	l.pos = i
	return l.token(KBare, start), true
}

// quoted matches a "..." or '...' string; a backslash escapes the next character. The value
// is unescaped as libsinsp's unescape_str does, plus the \xHH escape of sysdig 0.29.3's parser.
func (l *lexer) quoted() (Token, bool, error) {
	q := l.peek()
	if q != '"' && q != '\'' {
		return Token{}, false, nil
	}
	start := l.pos
	var b strings.Builder
	i := start + 1
	for i < len(l.src) {
		c := l.src[i]
		if c == q {
			l.pos = i + 1
			t := l.token(KQuoted, start)
			t.Text = b.String()
			return t, true, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(l.src) {
			break
		}
		e := l.src[i+1]
		switch e {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case ' ', '\\':
			// libsinsp turns "\ " into a lone backslash (a legacy quirk kept for old rules).
			b.WriteByte('\\')
		case '/':
			b.WriteByte('/')
		case '"', '\'':
			if e != q {
				return Token{}, false, diag.Errorf(l.src, i, i+2, "invalid \\%c escape in %c-quoted string", e, q)
			}
			b.WriteByte(e)
		case 'x':
			if i+3 < len(l.src) && isHex(l.src[i+2]) && isHex(l.src[i+3]) {
				b.WriteByte(unhex(l.src[i+2])<<4 | unhex(l.src[i+3]))
				i += 4
				continue
			}
			return Token{}, false, diag.Errorf(l.src, i, min(i+4, len(l.src)), "invalid \\x escape: want two hex digits")
		default:
			return Token{}, false, diag.Errorf(l.src, i, i+2, "unsupported string escape sequence \\%c", e)
		}
		i += 2
	}
	return Token{}, false, diag.Errorf(l.src, start, len(l.src), "unterminated quoted string")
}

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
