package check

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/scapql/scapql/translate/ast"
	"github.com/scapql/scapql/translate/catalog"
	"github.com/scapql/scapql/translate/ir"
)

// lit is a literal not yet given a type: its text, how it was written and where.
type lit struct {
	text string
	kind ast.LitKind // Bare covers Wireshark unquoted words too
	node ast.Node
	neg  bool // Wireshark unary minus folded in
	ws   bool // written in the Wireshark dialect
}

var falcoInt = regexp.MustCompile(`^[+-]?[0-9]+$`)

// intText returns the literal as a decimal integer, following each dialect's number syntax.
func (l *lit) intText() (string, error) {
	if l.kind == ast.CharConst {
		v, _ := strconv.Atoi(l.text)
		if l.neg {
			v = -v
		}
		return strconv.Itoa(v), nil
	}
	t := strings.TrimSpace(l.text)
	var n *big.Int
	if !l.ws {
		// libsinsp reads integer fields with sscanf("%PRId64"): decimal only (0x10, 1.5 rejected).
		if !falcoInt.MatchString(t) {
			return "", fmt.Errorf("%q is not a valid number", l.text)
		}
		n, _ = new(big.Int).SetString(strings.TrimPrefix(t, "+"), 10)
	} else {
		var ok bool
		switch {
		case len(t) > 2 && (t[:2] == "0x" || t[:2] == "0X"):
			n, ok = new(big.Int).SetString(t[2:], 16)
		case len(t) > 2 && (t[:2] == "0b" || t[:2] == "0B"):
			n, ok = new(big.Int).SetString(t[2:], 2)
		case len(t) > 1 && t[0] == '0':
			n, ok = new(big.Int).SetString(t[1:], 8)
		default:
			n, ok = new(big.Int).SetString(t, 10)
		}
		if !ok || strings.ContainsAny(t, "+-_") {
			return "", fmt.Errorf("%q is not a valid number", l.text)
		}
	}
	if l.neg {
		n.Neg(n)
	}
	// Fields are at most 64 bits wide, signed or not.
	if n.Cmp(minInt64) < 0 || n.Cmp(maxUint64) > 0 {
		return "", fmt.Errorf("%s is out of the 64-bit range", l.text)
	}
	return n.String(), nil
}

var (
	minInt64  = new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 63))
	maxUint64 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 64), big.NewInt(1))
)

// convert gives the literal the type of the field it is compared with (kind), as libsinsp's
// value parser (Falco) or Wireshark's fvalue parser would.
func (l *lit) convert(kind ir.Kind, f *fieldRef) (*ir.Lit, error) {
	if l.kind == ast.CharConst && kind != ir.Int {
		return nil, fmt.Errorf("%s is a character constant (an integer) in Wireshark filters; write strings in double quotes", l.text)
	}
	if l.neg && kind != ir.Int && kind != ir.Double {
		return nil, fmt.Errorf("unary minus applies to numbers only")
	}
	switch kind {
	case ir.String:
		if !utf8.ValidString(l.text) {
			return nil, fmt.Errorf("string is not valid UTF-8 (the events table holds UTF-8 text)")
		}
		return &ir.Lit{K: ir.String, Str: l.text}, nil
	case ir.Int:
		s, err := l.intText()
		if err != nil && f != nil && f.field.Type == catalog.PORT && !l.ws {
			// PORT values may be service names, resolved with getservbyname (fd.sport=http).
			if p, ok := catalog.Service(l.text); ok {
				return &ir.Lit{K: ir.Int, Int: strconv.Itoa(p)}, nil
			}
			return nil, fmt.Errorf("%q is neither a port number nor a known service name", l.text)
		}
		if err != nil {
			return nil, err
		}
		return &ir.Lit{K: ir.Int, Int: s}, nil
	case ir.Double:
		v, err := strconv.ParseFloat(l.text, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a valid number", l.text)
		}
		if l.neg {
			v = -v
		}
		return &ir.Lit{K: ir.Double, Float: v}, nil
	case ir.Bool:
		switch {
		case l.text == "true" || l.text == "false":
			return &ir.Lit{K: ir.Bool, Bool: l.text == "true"}, nil
		case l.ws && strings.EqualFold(l.text, "true"), l.ws && strings.EqualFold(l.text, "false"):
			return &ir.Lit{K: ir.Bool, Bool: strings.EqualFold(l.text, "true")}, nil
		case l.ws:
			// Wireshark booleans also take numbers: non-zero is true.
			if s, err := l.intText(); err == nil {
				return &ir.Lit{K: ir.Bool, Bool: s != "0"}, nil
			}
			return nil, fmt.Errorf("%q is not a boolean (true, false, 1, 0)", l.text)
		}
		return nil, fmt.Errorf("%q is not a boolean: write true or false (lower case)", l.text)
	case ir.IP:
		a, err := netip.ParseAddr(l.text)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%q is not an IP address", l.text)
		}
		if f != nil && f.family == 4 && !a.Is4() || f != nil && f.family == 6 && !a.Is6() {
			return nil, fmt.Errorf("%q is not an IPv%d address, as %s needs", l.text, f.family, f.name)
		}
		return &ir.Lit{K: ir.IP, Str: IPText(a)}, nil
	case ir.Bytes:
		if b, ok := l.byteString(); ok {
			return &ir.Lit{K: ir.Bytes, Bytes: b}, nil
		}
		if l.ws && l.kind == ast.Bare {
			return nil, fmt.Errorf("%q is not a byte string (47:45:54) or a quoted string", l.text)
		}
		return &ir.Lit{K: ir.Bytes, Bytes: []byte(l.text)}, nil
	}
	return nil, fmt.Errorf("cannot compare with a %s", kind)
}

var byteSep = regexp.MustCompile(`^:?[0-9A-Fa-f]{2}(?:([:.-])[0-9A-Fa-f]{2}(?:[:.-][0-9A-Fa-f]{2})*)?$`)

// byteString parses a Wireshark byte string: 47:45:54, 47-45-54, 47.45.54, :47, or 474554.
func (l *lit) byteString() ([]byte, bool) {
	if !l.ws || l.kind != ast.Bare {
		return nil, false
	}
	t := l.text
	if byteSep.MatchString(t) {
		t = strings.NewReplacer(":", "", "-", "", ".", "").Replace(t)
	}
	b, err := hex.DecodeString(t)
	return b, err == nil && len(b) > 0
}

// hexBytes parses the hex string libsinsp's bcontains and bstartswith take.
func (l *lit) hexBytes() ([]byte, error) {
	b, err := hex.DecodeString(l.text)
	if err != nil || len(b) == 0 {
		return nil, fmt.Errorf("%q is not a hex byte string (e.g. 474554 for \"GET\")", l.text)
	}
	return b, nil
}

// prefix parses an address or CIDR network for IPNET fields (and Wireshark's a.b.c.d/n on
// addresses). A bare address is a full-length prefix.
func (l *lit) prefix(f *fieldRef) (netip.Prefix, error) {
	var p netip.Prefix
	var err error
	if strings.Contains(l.text, "/") {
		p, err = netip.ParsePrefix(l.text)
	} else {
		var a netip.Addr
		a, err = netip.ParseAddr(l.text)
		if err == nil && a.Zone() == "" {
			p = netip.PrefixFrom(a, a.BitLen())
		}
	}
	if err != nil || !p.IsValid() {
		return p, fmt.Errorf("%q is not an IP network (a.b.c.d/len or an IPv6 CIDR)", l.text)
	}
	if f != nil && (f.family == 4 && !p.Addr().Is4() || f.family == 6 && !p.Addr().Is6()) {
		return p, fmt.Errorf("%q is not an IPv%d network, as %s needs", l.text, f.family, f.name)
	}
	return p.Masked(), nil
}

// IPText renders an address as sysdig does (glibc inet_ntop): RFC 5952 compression, and an
// IPv4 tail for IPv4-mapped and IPv4-compatible IPv6 addresses.
func IPText(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	b := a.As16()
	zeros := true
	for _, x := range b[:12] {
		if x != 0 {
			zeros = false
		}
	}
	if zeros && (b[12] != 0 || b[13] != 0) {
		return "::" + netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}).String()
	}
	return a.String()
}
