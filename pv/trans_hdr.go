package pv

import (
	"strings"

	"gosips/api"
)

// Transformations over header-like text: param lists, name-addr bodies,
// Via bodies and CSV lines.
func init() {
	RegisterTrans(
		TransDef{Class: "param", Name: "value", MinArgs: 1, MaxArgs: 1, Apply: plValue},
		TransDef{Class: "param", Name: "exist", MinArgs: 1, MaxArgs: 1, Apply: plExist},
		TransDef{Class: "param", Name: "exists", MinArgs: 1, MaxArgs: 1, Apply: plExist},
		TransDef{Class: "param", Name: "valueat", MinArgs: 1, MaxArgs: 1, Kinds: []ArgKind{ArgInt}, Apply: func(in api.Value, a []api.Value) (api.Value, error) { return plAt(in, a, false) }},
		TransDef{Class: "param", Name: "name", MinArgs: 1, MaxArgs: 1, Kinds: []ArgKind{ArgInt}, Apply: func(in api.Value, a []api.Value) (api.Value, error) { return plAt(in, a, true) }},
		TransDef{Class: "param", Name: "count", Apply: plCount},

		naDef("uri", 0, func(b *nameAddr, _ []api.Value) api.Value { return strOrNull(b.URI) }),
		naDef("name", 0, func(b *nameAddr, _ []api.Value) api.Value { return strOrNull(b.Display) }),
		naDef("len", 0, func(b *nameAddr, _ []api.Value) api.Value { return IntStr(int64(len(b.Body))) }),
		naDef("params", 0, func(b *nameAddr, _ []api.Value) api.Value { return strOrNull(b.Params) }),
		naDef("param", 1, func(b *nameAddr, a []api.Value) api.Value {
			v, _ := paramListFind(b.Params, Str(a[0]), true)
			return strOrNull(v)
		}),

		TransDef{Class: "csv", Name: "count", Apply: csvCount},
		TransDef{Class: "csv", Name: "value", MinArgs: 1, MaxArgs: 1, Kinds: []ArgKind{ArgInt}, Apply: csvValue},
	)
	for _, f := range []string{"name", "version", "transport", "host", "domain", "port", "params", "comment", "branch", "received", "rport"} {
		RegisterTrans(viaDef(f))
	}
	RegisterTrans(TransDef{Class: "via", Name: "param", MinArgs: 1, MaxArgs: 1, Apply: viaParam})
}

// forEachParam walks a ";"-separated list, honouring double quotes; values
// lose their quotes. It stops when fn returns false.
func forEachParam(list string, fn func(name, value string) bool) {
	for list != "" {
		end := len(list)
		inQ := false
		for i := 0; i < len(list); i++ {
			c := list[i]
			if c == '"' {
				inQ = !inQ
			} else if c == '\\' && inQ {
				i++
			} else if c == ';' && !inQ {
				end = i
				break
			}
		}
		item := list[:end]
		if end < len(list) {
			list = list[end+1:]
		} else {
			list = ""
		}
		if strings.TrimSpace(item) == "" {
			continue
		}
		n, v := splitParam(item)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		if !fn(n, v) {
			return
		}
	}
}

// paramListFind looks a name up; exact asks for a case-sensitive match.
func paramListFind(list, name string, exact bool) (string, bool) {
	var val string
	found := false
	forEachParam(list, func(n, v string) bool {
		if n == name || !exact && strings.EqualFold(n, name) {
			val, found = v, true
			return false
		}
		return true
	})
	return val, found
}

func plValue(in api.Value, a []api.Value) (api.Value, error) {
	s, err := inputStr(in)
	if err != nil {
		return api.Null, err
	}
	name, err := argStr(a[0], "parameter name")
	if err != nil {
		return api.Null, err
	}
	if v, ok := paramListFind(s, name, false); ok {
		return api.StrValue(v), nil
	}
	return api.Null, nil
}

func plExist(in api.Value, a []api.Value) (api.Value, error) {
	s, err := inputStr(in)
	if err != nil {
		return api.Null, err
	}
	name, err := argStr(a[0], "parameter name")
	if err != nil {
		return api.Null, err
	}
	if _, ok := paramListFind(s, name, false); ok {
		return IntStr(1), nil
	}
	return IntStr(0), nil
}

func plCount(in api.Value, _ []api.Value) (api.Value, error) {
	s, err := inputStr(in)
	if err != nil {
		return api.Null, err
	}
	n := 0
	forEachParam(s, func(string, string) bool { n++; return true })
	return IntStr(int64(n)), nil
}

// plAt returns the value (or the name) of the idx-th parameter; a negative
// index counts from the end; out of range is NULL.
func plAt(in api.Value, a []api.Value, name bool) (api.Value, error) {
	s, err := inputStr(in)
	if err != nil {
		return api.Null, err
	}
	idx, err := argInt(a[0], "index")
	if err != nil {
		return api.Null, err
	}
	if idx < 0 {
		n := 0
		forEachParam(s, func(string, string) bool { n++; return true })
		idx += n
		if idx < 0 {
			return api.Null, nil
		}
	}
	out := api.Null
	i := 0
	forEachParam(s, func(n, v string) bool {
		if i == idx {
			if name {
				out = api.StrValue(n)
			} else {
				out = api.StrValue(v)
			}
			return false
		}
		i++
		return true
	})
	return out, nil
}

// nameAddr is one `"Display" <uri>;params` body.
type nameAddr struct {
	Body, Display, URI, Params string
}

// splitTopLevel splits on sep outside quotes and angle brackets.
func splitTopLevel(s string, sep byte, fn func(part string) bool) {
	inQ, inA := false, false
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' && !inA:
			inQ = !inQ
		case c == '\\' && inQ:
			i++
		case c == '<' && !inQ:
			inA = true
		case c == '>' && !inQ:
			inA = false
		case c == sep && !inQ && !inA:
			if !fn(s[start:i]) {
				return
			}
			start = i + 1
		}
	}
	fn(s[start:])
}

func parseNameAddr(s string) (nameAddr, bool) {
	s = strings.TrimSpace(s)
	na := nameAddr{Body: s}
	if s == "" {
		return na, false
	}
	lt := -1
	inQ := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' {
			inQ = !inQ
		} else if c == '\\' && inQ {
			i++
		} else if c == '<' && !inQ {
			lt = i
			break
		}
	}
	if inQ {
		return na, false
	}
	if lt >= 0 {
		gt := strings.IndexByte(s[lt:], '>')
		if gt < 0 {
			return na, false
		}
		na.Display = strings.TrimSpace(s[:lt])
		na.URI = strings.TrimSpace(s[lt+1 : lt+gt])
		rest := strings.TrimSpace(s[lt+gt+1:])
		if rest != "" {
			if rest[0] != ';' {
				return na, false
			}
			na.Params = strings.TrimSpace(rest[1:])
		}
	} else {
		if sc := strings.IndexByte(s, ';'); sc >= 0 {
			na.URI = strings.TrimSpace(s[:sc])
			na.Params = strings.TrimSpace(s[sc+1:])
		} else {
			na.URI = s
		}
		if strings.ContainsAny(na.URI, " \t\"") {
			return na, false
		}
	}
	return na, na.URI != ""
}

// naDef declares a nameaddr.* transformation with nargs own arguments; one
// more trailing argument, when given, selects the body by index
// ({nameaddr.1.uri}).
func naDef(name string, nargs int, get func(b *nameAddr, a []api.Value) api.Value) TransDef {
	kinds := []ArgKind{ArgInt}
	if nargs == 1 {
		kinds = []ArgKind{ArgStr, ArgInt}
	}
	return TransDef{Class: "nameaddr", Name: name, MinArgs: nargs, MaxArgs: nargs + 1, Kinds: kinds,
		Apply: func(in api.Value, a []api.Value) (api.Value, error) {
			s, err := inputStr(in)
			if err != nil {
				return api.Null, err
			}
			idx, hasIdx := 0, len(a) > nargs
			if hasIdx {
				if idx, err = argInt(a[nargs], "index"); err != nil {
					return api.Null, err
				}
			}
			var bodies []nameAddr
			bad := false
			splitTopLevel(s, ',', func(part string) bool {
				na, ok := parseNameAddr(part)
				if !ok {
					bad = true
					return false
				}
				bodies = append(bodies, na)
				return hasIdx
			})
			if bad || len(bodies) == 0 {
				return api.Null, transErr("invalid name-addr %q", s)
			}
			if idx < 0 {
				idx += len(bodies)
			}
			if idx < 0 || idx >= len(bodies) {
				return api.Null, nil
			}
			return get(&bodies[idx], a), nil
		}}
}

// via is a parsed Via body.
type via struct {
	Name, Version, Transport, Host, Port, Params, Comment string
	PortNo                                                int
}

func parseVia(s string) (via, bool) {
	var v via
	fields := [3]*string{&v.Name, &v.Version, &v.Transport}
	rest := s
	for i := range fields {
		rest = strings.TrimLeft(rest, " \t\r\n")
		end := 0
		for end < len(rest) && rest[end] != '/' && rest[end] != ' ' && rest[end] != '\t' {
			end++
		}
		*fields[i] = rest[:end]
		if *fields[i] == "" {
			return v, false
		}
		rest = strings.TrimLeft(rest[end:], " \t\r\n")
		if i < 2 {
			if rest == "" || rest[0] != '/' {
				return v, false
			}
			rest = rest[1:]
		}
	}
	rest = strings.TrimSpace(rest)
	if c := strings.IndexByte(rest, ','); c >= 0 {
		rest = strings.TrimSpace(rest[:c])
	}
	if op := strings.IndexByte(rest, '('); op >= 0 {
		cl := strings.LastIndexByte(rest, ')')
		if cl < op {
			return v, false
		}
		v.Comment = rest[op+1 : cl]
		rest = strings.TrimSpace(rest[:op])
	}
	hostport := rest
	if sc := strings.IndexByte(rest, ';'); sc >= 0 {
		hostport, v.Params = strings.TrimSpace(rest[:sc]), strings.TrimSpace(rest[sc+1:])
	}
	if hostport == "" {
		return v, false
	}
	if hostport[0] == '[' {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return v, false
		}
		v.Host, hostport = hostport[:end+1], hostport[end+1:]
	} else if c := strings.IndexByte(hostport, ':'); c >= 0 {
		v.Host, hostport = hostport[:c], hostport[c:]
	} else {
		v.Host, hostport = hostport, ""
	}
	if hostport != "" {
		if hostport[0] != ':' {
			return v, false
		}
		v.Port = strings.TrimSpace(hostport[1:])
		n, ok := strictInt(v.Port)
		if !ok || n < 0 || n > 65535 {
			return v, false
		}
		v.PortNo = int(n)
	}
	return v, v.Host != ""
}

func viaInput(in api.Value) (via, error) {
	if !in.IsStr() || len(in.S) <= 2 {
		return via{}, errTransInput
	}
	v, ok := parseVia(in.S)
	if !ok {
		return v, transErr("invalid via %q", in.S)
	}
	return v, nil
}

func viaDef(field string) TransDef {
	return TransDef{Class: "via", Name: field, Apply: func(in api.Value, _ []api.Value) (api.Value, error) {
		v, err := viaInput(in)
		if err != nil {
			return api.Null, err
		}
		switch field {
		case "name":
			return strOrNull(v.Name), nil
		case "version":
			return strOrNull(v.Version), nil
		case "transport":
			return strOrNull(v.Transport), nil
		case "host", "domain":
			return strOrNull(v.Host), nil
		case "port":
			if v.Port == "" {
				return api.Null, nil
			}
			return api.Value{Flags: api.VInt | api.VStr, I: int64(v.PortNo), S: v.Port}, nil
		case "params":
			return strOrNull(v.Params), nil
		case "comment":
			return strOrNull(v.Comment), nil
		}
		val, _ := paramListFind(v.Params, field, false)
		return strOrNull(val), nil
	}}
}

func viaParam(in api.Value, a []api.Value) (api.Value, error) {
	v, err := viaInput(in)
	if err != nil {
		return api.Null, err
	}
	name, err := argStr(a[0], "parameter name")
	if err != nil {
		return api.Null, err
	}
	if val, ok := paramListFind(v.Params, name, false); ok {
		return api.StrValue(val), nil
	}
	return api.Null, nil
}

// csvFields splits an RFC 4180 line.
func csvFields(s string) ([]string, bool) {
	var out []string
	for {
		if len(s) > 0 && s[0] == '"' {
			var b strings.Builder
			i := 1
			for {
				if i >= len(s) {
					return nil, false
				}
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						b.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			out = append(out, b.String())
			if i >= len(s) {
				return out, true
			}
			if s[i] != ',' {
				return nil, false
			}
			s = s[i+1:]
			continue
		}
		c := strings.IndexByte(s, ',')
		if c < 0 {
			return append(out, s), true
		}
		out = append(out, s[:c])
		s = s[c+1:]
	}
}

func csvInput(in api.Value) ([]string, error) {
	s, err := inputStr(in)
	if err != nil {
		return nil, err
	}
	f, ok := csvFields(strings.TrimRight(s, "\r\n"))
	if !ok {
		return nil, transErr("invalid csv %q", s)
	}
	return f, nil
}

func csvCount(in api.Value, _ []api.Value) (api.Value, error) {
	f, err := csvInput(in)
	if err != nil {
		return api.Null, err
	}
	return IntStr(int64(len(f))), nil
}

func csvValue(in api.Value, a []api.Value) (api.Value, error) {
	f, err := csvInput(in)
	if err != nil {
		return api.Null, err
	}
	idx, err := argInt(a[0], "index")
	if err != nil {
		return api.Null, err
	}
	if idx < 0 {
		idx += len(f)
	}
	if idx < 0 || idx >= len(f) {
		return api.Null, transErr("index out of bounds")
	}
	return api.StrValue(f[idx]), nil
}
