package lang

import (
	"fmt"
	"net"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"gosips/lang/ast"
	"gosips/lang/diag"
)

// globalParam lowers "name = value [;]" from its tokens; the scanner gives
// the value as one raw token, decoded here.
func (lw *lowerer) globalParam(toks []lexer.Token, eof lexer.Position) (ast.Item, diag.List) {
	var errs diag.List
	name := toks[0]
	gp := &ast.GlobalParam{At: dpos(name.Pos), Name: name.Value}
	i := 2
	if i < len(toks) && toks[i].Type == tokRaw {
		gp.Value = lw.value(name.Value, toks[i])
		i++
	} else {
		errs.Add(dpos(endOf(toks[1])), diag.CodeSyntax, fmt.Sprintf("missing value for %q", name.Value), "")
	}
	if i < len(toks) && toks[i].Type == tokPunct && toks[i].Value == ";" {
		gp.Semi = lw.topSemi(&toks[i])
		i++
	}
	if i < len(toks) {
		errs.Add(dpos(toks[i].Pos), diag.CodeSyntax,
			fmt.Sprintf("unexpected %s after the value of %q", describe(toks[i]), name.Value), "")
	}
	return gp, errs
}

// value decodes the raw text of a global parameter value.
func (lw *lowerer) value(name string, t lexer.Token) *ast.Value {
	raw := t.Value
	v := &ast.Value{At: dpos(t.Pos), End: dpos(endOf(t)), Raw: raw}
	switch name {
	case "socket", "listen":
		if s, legacy, err := parseSocket(raw, t.Pos); err == nil {
			v.Kind, v.Socket = ast.ValSocket, s
			if legacy {
				lw.addLegacy(t.Pos, endOf(t), "listen-without-proto", name+"="+raw,
					"name the protocol: "+name+"=udp:"+raw)
			}
			return v
		} else if !strings.HasPrefix(raw, "bond:") {
			lw.errorf(t.Pos, "write proto:host[:port], e.g. udp:127.0.0.1:5060", "bad %s definition: %v", name, err)
		}
	case "udp_workers", "tcp_workers", "timer_workers":
		if f := strings.Fields(raw); len(f) > 1 {
			if n, err := parseInt(f[0]); err == nil {
				v.Kind, v.Int, v.Extra = ast.ValInt, n, f[1:]
				return v
			}
		}
	}
	if strs, ok := splitStrings(raw); ok {
		var b strings.Builder
		for _, s := range strs {
			u, _ := unquote(s)
			b.WriteString(u)
			if len(strs) > 1 {
				v.Parts = append(v.Parts, u)
			}
		}
		v.Kind, v.Str = ast.ValString, b.String()
		return v
	}
	if n, err := parseInt(raw); err == nil {
		v.Kind, v.Int = ast.ValInt, n
		return v
	}
	if isHostName(raw) {
		v.Kind, v.Str = ast.ValID, raw
		return v
	}
	v.Kind = ast.ValRaw
	return v
}

// splitStrings splits `"a" "b"` into its quoted pieces; ok is false unless
// the whole text is quoted strings separated by blanks.
func splitStrings(raw string) ([]string, bool) {
	var out []string
	i := 0
	for i < len(raw) {
		switch raw[i] {
		case ' ', '\t', '\r', '\n':
			i++
			continue
		case '"', '\'':
			q := raw[i]
			j := i + 1
			for j < len(raw) && raw[j] != q {
				if q == '"' && raw[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(raw) {
				return nil, false
			}
			out = append(out, raw[i:j+1])
			i = j + 1
		default:
			return nil, false
		}
	}
	return out, len(out) > 0
}

// isHostName accepts an identifier or a dotted/dashed host name.
func isHostName(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isWordChar(c) && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

// socketFlags are the socket options that take no value.
var socketFlags = map[string]bool{
	"anycast": true, "frag": true, "reuse_port": true, "accept_subdomain": true,
	"allow_proxy_protocol": true, "send_proxy_protocol": true, "proxy_protocol": true,
}

// socketValued are the socket options followed by a value.
var socketValued = map[string]bool{
	"as": true, "use_workers": true, "tag": true, "use_auto_scaling_profile": true, "tos": true,
	"use_children": true,
}

// parseSocket decodes proto:host[:ports] followed by options. legacy is set
// for the old form without a protocol.
func parseSocket(raw string, at lexer.Position) (*ast.Socket, bool, error) {
	fields, offs := fieldsWithOffsets(raw)
	if len(fields) == 0 {
		return nil, false, fmt.Errorf("empty definition")
	}
	def := fields[0]
	s := &ast.Socket{At: dpos(at)}
	legacy := false
	rest := def
	if i := strings.IndexByte(def, ':'); i > 0 && isProto(def[:i]) && !isPortSpec(def[i+1:]) {
		s.Proto, rest = def[:i], def[i+1:]
	} else {
		legacy = true
	}
	switch {
	case strings.HasPrefix(rest, "["):
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return nil, false, fmt.Errorf(`missing "]" after IPv6 address`)
		}
		s.Host = rest[:j+1]
		if after := rest[j+1:]; after != "" {
			if after[0] != ':' {
				return nil, false, fmt.Errorf("unexpected %q after host", after)
			}
			s.Port = after[1:]
		}
	case net.ParseIP(rest) != nil:
		s.Host = rest
	default:
		if k := strings.LastIndexByte(rest, ':'); k >= 0 {
			s.Host, s.Port = rest[:k], rest[k+1:]
		} else {
			s.Host = rest
		}
	}
	if s.Host == "" {
		return nil, false, fmt.Errorf("missing host")
	}
	if s.Port != "" && !isPortSpec(s.Port) {
		return nil, false, fmt.Errorf("bad port %q", s.Port)
	}
	for i := 1; i < len(fields); i++ {
		name := strings.ToLower(fields[i])
		opt := ast.SocketOption{At: dpos(advance(at, offs[i])), Name: name}
		switch {
		case socketFlags[name]:
		case socketValued[name]:
			if i+1 >= len(fields) {
				return nil, false, fmt.Errorf("socket option %q needs a value", name)
			}
			i++
			opt.Value = fields[i]
		default:
			return nil, false, fmt.Errorf("unknown socket option %q", fields[i])
		}
		s.Options = append(s.Options, opt)
	}
	return s, legacy, nil
}

func advance(p lexer.Position, n int) lexer.Position {
	p.Column += n
	p.Offset += n
	return p
}

func fieldsWithOffsets(s string) ([]string, []int) {
	var f []string
	var o []int
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			break
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' {
			j++
		}
		f = append(f, s[i:j])
		o = append(o, i)
		i = j
	}
	return f, o
}

func isProto(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c == '_' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return s != ""
}

// isPortSpec accepts a port, a range or a list of them: 5060, 5060-5070,5080.
func isPortSpec(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isDigit(c) && c != '-' && c != ',' {
			return false
		}
	}
	return true
}
