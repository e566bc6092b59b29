package pv

import (
	"strconv"
	"strings"

	"gosips/lang/diag"
)

// parseTrans reads one "{class.name,args}" at text[p] == '{'. Braces nest
// (a PV argument may carry its own transformations); "\{" and "\}" do not
// count, so regular expressions can use them.
func parseTrans(text string, p, limit int) (*Trans, int, error) {
	open := p
	p++
	bs := p
	depth := 0
	for ; p < limit; p++ {
		c := text[p]
		if c == '\\' && p+1 < limit && (text[p+1] == '{' || text[p+1] == '}') {
			p++
			continue
		}
		if c == '{' {
			depth++
		} else if c == '}' {
			if depth == 0 {
				break
			}
			depth--
		}
	}
	if p >= limit {
		return nil, p, errAt(open, diag.CodeBadPV, "missing \"}\" at the end of the transformation", "")
	}
	t := &Trans{Raw: text[bs:p], Off: bs}
	if err := parseTransBody(text, bs, p, t); err != nil {
		return nil, p, err
	}
	return t, p + 1, nil
}

// parseTransBody splits "class.name,args" (text[bs:be]) and parses the
// arguments as the transformation declares them; an unknown transformation
// gets its arguments split generically and is reported by Resolve.
func parseTransBody(text string, bs, be int, t *Trans) error {
	body := text[bs:be]
	dot := strings.IndexByte(body, '.')
	if dot <= 0 {
		return errAt(bs, diag.CodeBadPV, "invalid transformation "+strconv.Quote("{"+body+"}"),
			"transformations are written {class.name[,args]}, e.g. {s.len}")
	}
	t.Class = strings.ToLower(strings.TrimSpace(body[:dot]))
	ns := bs + dot + 1
	ne := ns
	for ne < be && text[ne] != ',' {
		ne++
	}
	name := strings.TrimSpace(text[ns:ne])
	// nameaddr bodies may be selected by index: {nameaddr.1.uri}.
	if t.Class == "nameaddr" {
		if i := strings.LastIndexByte(name, '.'); i > 0 {
			sel, err := parseSelector(text, ns, ns+strings.Index(text[ns:ne], name)+i)
			if err != nil {
				return err
			}
			name = name[i+1:]
			defer func() { t.Args = append(t.Args, sel) }()
		}
	}
	t.Name = strings.ToLower(name)
	if name == "" {
		return errAt(ns, diag.CodeBadPV, "missing transformation name after \""+t.Class+".\"", "")
	}
	d, _ := LookupTrans(t.Class, t.Name)
	t.Def = d
	if ne >= be {
		return nil
	}
	p := ne + 1
	if d == nil {
		args, err := splitArgs(text, p, be)
		t.Args = args
		return err
	}
	for i := 0; ; i++ {
		kind := d.argKind(i)
		a, end, err := parseArg(text, p, be, kind)
		if err != nil {
			return err
		}
		t.Args = append(t.Args, a)
		if end >= be {
			return nil
		}
		if text[end] != ',' {
			return errAt(end, diag.CodeBadPV, "unexpected "+strconv.Quote(text[end:be])+" in the arguments of {"+t.Class+"."+t.Name+"}", "")
		}
		p = end + 1
	}
}

// parseSelector parses the index before the name in {nameaddr.N.name}.
func parseSelector(text string, s, e int) (TransArg, error) {
	a, end, err := parseArg(text, s, e, ArgInt)
	if err != nil {
		return a, err
	}
	if end != e {
		return a, errAt(end, diag.CodeBadPV, "invalid nameaddr index "+strconv.Quote(text[s:e]), "")
	}
	return a, nil
}

func skipWS(text string, p, e int) int {
	for p < e && (text[p] == ' ' || text[p] == '\t' || text[p] == '\n' || text[p] == '\r') {
		p++
	}
	return p
}

// parseArg reads one argument of the given kind from text[p:e] and returns
// the offset of the following "," (or e).
func parseArg(text string, p, e int, kind ArgKind) (TransArg, int, error) {
	switch kind {
	case ArgChar:
		// A single separator character, which may itself be ",".
		if p >= e {
			return TransArg{Off: p}, p, errAt(p, diag.CodeBadPV, "missing separator character", "")
		}
		return TransArg{Lit: text[p : p+1], Off: p}, p + 1, nil
	case ArgRest:
		if q := skipWS(text, p, e); q < e && text[q] == '$' {
			if spec, end, err := parseAt(text, q, e); err == nil && skipWS(text, end, e) == e {
				return TransArg{PV: spec, Off: q}, e, nil
			}
		}
		return TransArg{Lit: text[p:e], Off: p}, e, nil
	}
	p = skipWS(text, p, e)
	if p < e && text[p] == '$' && kind != ArgFill {
		spec, end, err := parseAt(text, p, e)
		if err != nil {
			return TransArg{}, end, err
		}
		return TransArg{PV: spec, Off: p}, skipWS(text, end, e), nil
	}
	switch kind {
	case ArgInt:
		s := p
		q := p
		if q < e && (text[q] == '+' || text[q] == '-') {
			q++
		}
		q = skipWS(text, q, e)
		ds := q
		for q < e && text[q] >= '0' && text[q] <= '9' {
			q++
		}
		if ds == q {
			return TransArg{}, q, errAt(s, diag.CodeBadPV, "expected a number or a variable, found "+strconv.Quote(text[s:argEnd(text, s, e)]), "")
		}
		n, err := strconv.ParseInt(text[ds:q], 10, 32)
		if err != nil {
			return TransArg{}, q, errAt(ds, diag.CodeBadPV, "number out of range: "+text[ds:q], "")
		}
		if text[s] == '-' {
			n = -n
		}
		return TransArg{Lit: text[s:q], IsInt: true, Int: n, Off: s}, skipWS(text, q, e), nil
	case ArgFill:
		end := argEnd(text, p, e)
		lit := strings.TrimRight(text[p:end], " \t")
		if len(lit) > 1 && (lit[0] == '"' || lit[0] == '\'') && lit[len(lit)-1] == lit[0] {
			lit = lit[1 : len(lit)-1]
		}
		return TransArg{Lit: lit, Off: p}, end, nil
	}
	end := argEnd(text, p, e)
	lit := strings.TrimRight(text[p:end], " \t")
	return TransArg{Lit: lit, Off: p}, end, nil
}

// argEnd finds the next "," not escaped by a backslash.
func argEnd(text string, p, e int) int {
	for q := p; q < e; q++ {
		if text[q] == ',' && (q == p || text[q-1] != '\\') {
			return q
		}
	}
	return e
}

// splitArgs splits the arguments of an unknown transformation.
func splitArgs(text string, p, e int) ([]TransArg, error) {
	var out []TransArg
	for {
		a, end, err := parseArg(text, p, e, ArgStr)
		if err != nil {
			return out, err
		}
		out = append(out, a)
		if end >= e {
			return out, nil
		}
		p = end + 1
	}
}
