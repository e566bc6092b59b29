package pv

import (
	"strconv"
	"strings"

	"gosips/lang/diag"
)

// Parse parses one PV token; raw starts with "$" and must hold exactly one
// PV. Only syntax is checked: names are bound by Table.Resolve.
func Parse(raw string) (*Spec, error) {
	s, end, err := parseAt(raw, 0, len(raw))
	if err != nil {
		return nil, err
	}
	if end < len(raw) {
		return nil, trailingError(raw, s, end)
	}
	return s, nil
}

// ParsePrefix parses the PV at the start of text and returns it with the
// number of bytes it spans; the rest of text is left alone.
func ParsePrefix(text string) (*Spec, int, error) {
	return parseAt(text, 0, len(text))
}

// trailingError explains text glued to a PV token, as in $hdr(Via)[1].
func trailingError(raw string, s *Spec, end int) error {
	rest := raw[end:]
	hint := ""
	switch {
	case rest[0] == '[' && !s.Bracketed:
		hint = "an index needs the $( ) form: write $(" + raw[1:end] + rest + ")"
	case rest[0] == '{' && !s.Bracketed:
		hint = "transformations need the $( ) form: write $(" + raw[1:end] + rest + ")"
	}
	return errAt(end, diag.CodeBadPV, "unexpected "+strconv.Quote(rest)+" after "+raw[:end], hint)
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}

// parseAt parses the PV starting at text[start] == '$', looking no further
// than limit. It returns the spec and the offset just past it. Offsets in
// errors and in the spec are offsets in text.
func parseAt(text string, start, limit int) (*Spec, int, error) {
	if start >= limit || text[start] != '$' {
		return nil, start, errAt(start, diag.CodeBadPV, "a variable must start with \"$\"", "")
	}
	s := &Spec{Off: start}
	p := start + 1
	if p < limit && text[p] == '(' {
		s.Bracketed = true
		p++
	}
	// "$$" is the literal dollar sign.
	if p < limit && text[p] == '$' {
		p++
		if s.Bracketed {
			if p >= limit || text[p] != ')' {
				return nil, p, errAt(p, diag.CodeBadPV, "missing \")\" after \"$($\"", "")
			}
			p++
		}
		s.Name = "$"
		s.Raw = text[start:p]
		return s, p, nil
	}
	if p < limit && text[p] == '<' {
		p++
		cs := p
		for p < limit && isNameChar(text[p]) {
			p++
		}
		if p >= limit || text[p] != '>' {
			return nil, p, errAt(p, diag.CodeBadPV, "missing \">\" at the end of the variable context", "contexts are written $(<request>pv) or $(<reply>pv)")
		}
		s.Context = text[cs:p]
		if s.Context == "" {
			return nil, p, errAt(p, diag.CodeBadPV, "empty variable context", "contexts are written $(<request>pv) or $(<reply>pv)")
		}
		p++
	}
	ns := p
	for p < limit && isNameChar(text[p]) {
		p++
	}
	s.Name = text[ns:p]
	if err := checkName(text, start, ns, p, s); err != nil {
		return nil, p, err
	}
	if !s.Bracketed {
		if p < limit && text[p] == '(' {
			var err error
			if p, err = parseInner(text, p, limit, s); err != nil {
				return nil, p, err
			}
		}
		s.Raw = text[start:p]
		return s, p, nil
	}
	if p < limit && text[p] == '(' {
		var err error
		if p, err = parseInner(text, p, limit, s); err != nil {
			return nil, p, err
		}
	}
	if p < limit && text[p] == '[' {
		var err error
		if p, err = parseIndex(text, p, limit, s); err != nil {
			return nil, p, err
		}
	}
	for {
		for p < limit && (text[p] == ' ' || text[p] == '\t') && len(s.Trans) > 0 {
			p++
		}
		if p >= limit || text[p] != '{' {
			break
		}
		t, end, err := parseTrans(text, p, limit)
		if err != nil {
			return nil, end, err
		}
		s.Trans = append(s.Trans, t)
		p = end
	}
	if p >= limit {
		return nil, p, errAt(p, diag.CodeBadPV, "missing \")\" at the end of "+text[start:p], "")
	}
	if text[p] != ')' {
		return nil, p, errAt(p, diag.CodeBadPV, "unexpected "+strconv.QuoteRune(rune(text[p]))+" in "+text[start:p+1],
			"after the name come (inner), [index], {transformations} and \")\"")
	}
	p++
	s.Raw = text[start:p]
	return s, p, nil
}

// checkName validates the PV name text[ns:p].
func checkName(text string, start, ns, p int, s *Spec) error {
	if s.Name == "" {
		hint := "write $$ for a literal \"$\""
		return errAt(ns, diag.CodeBadPV, "invalid variable name after \"$\"", hint)
	}
	if strings.HasSuffix(s.Name, ".") {
		base := strings.TrimRight(s.Name, ".")
		hint := ""
		if base != "" {
			hint = "a dot continues the name; write $(" + base + ")" + s.Name[len(base):] + " to end the variable before the dot"
		}
		return errAt(ns, diag.CodeBadPV, "invalid variable name \"$"+s.Name+"\"", hint)
	}
	return nil
}

// parseInner reads "(inner)" at text[p] == '(' with nested parentheses.
func parseInner(text string, p, limit int, s *Spec) (int, error) {
	open := p
	p++
	is := p
	depth := 0
	for ; p < limit; p++ {
		c := text[p]
		if c == '(' {
			depth++
		} else if c == ')' {
			if depth == 0 {
				break
			}
			depth--
		}
	}
	if p >= limit {
		return p, errAt(open, diag.CodeBadPV, "missing \")\" for \"$"+s.Name+"(\"", "")
	}
	if p == is {
		return p, errAt(p, diag.CodeBadPV, "empty name in \"$"+s.Name+"()\"", "")
	}
	s.HasInner = true
	s.Inner = text[is:p]
	s.InnerOff = is
	if s.Inner[0] == '$' {
		in, end, err := parseAt(text, is, p)
		if err != nil {
			return p, err
		}
		if end != p {
			return p, errAt(end, diag.CodeBadPV, "unexpected text after "+in.Raw+" in \"$"+s.Name+"(...)\"", "")
		}
		s.InnerPV = in
	} else if s.Name == "avp" && len(s.Inner) > 2 && s.Inner[1] == ':' && (s.Inner[0] == 's' || s.Inner[0] == 'i') {
		s.LegacyAVPPrefix = true
	}
	return p + 1, nil
}

// parseIndex reads "[idx]" at text[p] == '['.
func parseIndex(text string, p, limit int, s *Spec) (int, error) {
	open := p
	p++
	is := p
	depth := 0
	for ; p < limit; p++ {
		c := text[p]
		if c == '[' {
			depth++
		} else if c == ']' {
			if depth == 0 {
				break
			}
			depth--
		}
	}
	if p >= limit {
		return p, errAt(open, diag.CodeBadPV, "missing \"]\" in the index of $"+s.Name, "")
	}
	in := text[is:p]
	switch {
	case in == "":
		return p, errAt(is, diag.CodeBadPV, "empty index in $"+s.Name, "")
	case strings.EqualFold(in, "append"):
		s.Index.Kind = IdxAppend
	case in == "*":
		s.Index.Kind = IdxAll
	case in[0] == '$':
		ipv, end, err := parseAt(text, is, p)
		if err != nil {
			return p, err
		}
		if end != p {
			return p, errAt(end, diag.CodeBadPV, "unexpected text after "+ipv.Raw+" in the index", "")
		}
		s.Index = Index{Kind: IdxPV, PV: ipv}
	default:
		n, ok := parseSignedInt(in)
		if !ok && isWord(in) {
			s.Index = Index{Kind: IdxWord, Word: in}
			break
		}
		if !ok {
			return p, errAt(is, diag.CodeBadPV, "invalid index "+strconv.Quote(in),
				"an index is a number, -N from the end, *, append or a variable")
		}
		s.Index = Index{Kind: IdxInt, N: n}
	}
	return p + 1, nil
}

// parseSignedInt accepts [-]digits, as OpenSIPS index parsing does.
func parseSignedInt(s string) (int, bool) {
	neg := false
	if s != "" && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// isWord reports an identifier-like index ([insertAfter]); Resolve checks
// it against the PV's keywords.
func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}
