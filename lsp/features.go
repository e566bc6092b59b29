package lsp

import (
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	protocol "github.com/tliron/glsp/protocol_3_16"

	"gosips/lang"
	"gosips/lang/diag"
	"gosips/lang/format"
	"gosips/runtime"
)

// check is gosips check on the document's current text.
func check(d *document) diag.List {
	f, diags := lang.Parse(d.path, []byte(d.text), lang.Options{AllErrors: true})
	if diags.HasErrors() || f == nil {
		return diags
	}
	s, cd := runtime.Compile(f, runtime.Options{Check: true, ConfigDir: filepath.Dir(d.path)})
	if s != nil {
		s.Close()
	}
	return append(diags, cd...)
}

func (s *Server) diagnostics(d *document) []protocol.Diagnostic {
	out := []protocol.Diagnostic{}
	source := "gosips"
	for _, x := range check(d) {
		if x.Pos.File != d.path || !x.Pos.IsValid() {
			continue
		}
		off := x.Pos.Offset
		if off <= 0 && x.Pos.Line-1 < len(d.lineOff) {
			off = d.lineOff[x.Pos.Line-1] + max(x.Pos.Col-1, 0)
		}
		sev := protocol.DiagnosticSeverityError
		if x.Severity == diag.Warning {
			sev = protocol.DiagnosticSeverityWarning
		}
		msg := x.Msg
		if x.Hint != "" {
			msg += "\nhint: " + x.Hint
		}
		dg := protocol.Diagnostic{Range: d.rangeOf(off, wordEnd(d.text, off)), Severity: &sev, Source: &source, Message: msg}
		if x.Code != "" {
			dg.Code = &protocol.IntegerOrString{Value: x.Code}
		}
		out = append(out, dg)
	}
	return out
}

// wordEnd extends a diagnostic over the word (or the character) at off.
func wordEnd(text string, off int) int {
	if off >= len(text) {
		return off
	}
	end := off
	for end < len(text) && (isWordByte(text[end]) || text[end] == '$') {
		end++
	}
	if end == off {
		end++
	}
	return end
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (d *document) rangeOf(start, end int) protocol.Range {
	l1, c1 := d.position(start)
	l2, c2 := d.position(end)
	return protocol.Range{
		Start: protocol.Position{Line: protocol.UInteger(l1), Character: protocol.UInteger(c1)},
		End:   protocol.Position{Line: protocol.UInteger(l2), Character: protocol.UInteger(c2)},
	}
}

func (d *document) tokRange(t lang.Token) protocol.Range { return d.rangeOf(t.Pos.Offset, t.End()) }

func markdown(s string) protocol.MarkupContent {
	return protocol.MarkupContent{Kind: protocol.MarkupKindMarkdown, Value: s}
}

// pvName is the name of a PV token: $ru → ru, $var(x) → var, $(avp(a)[1]) → avp.
func pvName(text string) string {
	n := strings.TrimPrefix(text, "$")
	n = strings.TrimPrefix(n, "(")
	if i := strings.IndexAny(n, "([{)"); i >= 0 {
		n = n[:i]
	}
	return n
}

// modparamArg tells which argument of a modparam(...) token i is (0-based),
// with the module named by the first, or -1.
func (d *document) modparamArg(i int) (int, string) {
	arg := 0
	module := ""
	for j := d.prev(i); j >= 0; j = d.prev(j) {
		t := d.toks[j]
		switch {
		case t.Kind == lang.TokPunct && t.Text == ",":
			arg++
		case t.Kind == lang.TokString:
			module = unquote(t.Text)
		case t.Kind == lang.TokPunct && t.Text == "(":
			if k := d.prev(j); k >= 0 && d.toks[k].Text == "modparam" {
				if arg == 0 {
					module = unquote(d.toks[i].Text)
				}
				return arg, module
			}
			return -1, ""
		default:
			return -1, ""
		}
	}
	return -1, ""
}

func (s *Server) hover(d *document, pos protocol.Position) *protocol.Hover {
	i := d.tokenAt(d.offset(int(pos.Line), int(pos.Character)))
	if i < 0 {
		return nil
	}
	t := d.toks[i]
	var md string
	switch t.Kind {
	case lang.TokIdent:
		if fns := s.cat.funcs[t.Text]; len(fns) > 0 {
			var parts []string
			for _, f := range fns {
				parts = append(parts, funcDoc(f))
			}
			md = strings.Join(parts, "\n---\n")
		} else if r := d.refAt(t); r != nil {
			md = s.routeHover(d, r)
		}
	case lang.TokPV:
		if p, ok := s.cat.pvs[pvName(t.Text)]; ok {
			md = pvDoc(p)
		}
	case lang.TokString, lang.TokNumber:
		if arg, module := d.modparamArg(i); arg == 0 {
			if info := s.cat.modules[module]; info != nil {
				md = moduleDoc(info)
			}
		} else if arg == 1 {
			for _, p := range s.cat.params[module] {
				if p.Name == unquote(t.Text) {
					md = paramDoc(module, p)
				}
			}
		} else if j := d.prev(i); j >= 0 && d.toks[j].Text == "loadmodule" {
			if info := s.cat.modules[moduleName(t.Text)]; info != nil {
				md = moduleDoc(info)
			}
		} else if r := d.refAt(t); r != nil {
			md = s.routeHover(d, r)
		}
	case lang.TokKeyword:
		if routeKinds[t.Text] {
			md = "`" + t.Text + "` block"
		}
	}
	if md == "" {
		return nil
	}
	r := d.tokRange(t)
	return &protocol.Hover{Contents: markdown(md), Range: &r}
}

func (s *Server) routeHover(d *document, r *routeRef) string {
	label := r.kind + "[" + r.name + "]"
	def := d.def(r.kind, r.name)
	if def == nil {
		return "`" + label + "` is not defined in this file"
	}
	return "`" + label + "` defined at line " + strconv.Itoa(def.at.Line)
}

// moduleName turns a loadmodule path into a module name.
func moduleName(s string) string {
	return strings.TrimSuffix(filepath.Base(unquote(s)), ".so")
}

// refAt is the route reference made by token t, or nil.
func (d *document) refAt(t lang.Token) *routeRef {
	for i := range d.refs {
		if d.refs[i].tok.Pos.Offset == t.Pos.Offset {
			return &d.refs[i]
		}
	}
	return nil
}

var (
	reModparamParam = regexp.MustCompile(`modparam\(\s*"([^"]+)"\s*,\s*"([^"]*)$`)
	reModparamMod   = regexp.MustCompile(`(?:modparam\(\s*|loadmodule\s+)"([^"]*)$`)
	reRouteCall     = regexp.MustCompile(`\broute\(\s*([A-Za-z0-9_]*)$`)
	reArm           = regexp.MustCompile(`\b(t_on_failure|t_on_reply|t_on_branch)\(\s*"([^"]*)$`)
	rePV            = regexp.MustCompile(`\$[A-Za-z_.]*$`)
	reWord          = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*$`)
)

var scriptKeywords = []string{"if", "else", "switch", "case", "default", "break", "while", "for", "return",
	"exit", "drop", "route", "failure_route", "onreply_route", "branch_route", "error_route",
	"local_route", "startup_route", "timer_route", "event_route", "loadmodule", "modparam"}

func (s *Server) complete(d *document, pos protocol.Position) protocol.CompletionList {
	off := d.offset(int(pos.Line), int(pos.Character))
	before := d.lineBefore(off)
	var items []protocol.CompletionItem
	add := func(label string, kind protocol.CompletionItemKind, detail, doc string) {
		it := protocol.CompletionItem{Label: label, Kind: &kind}
		if detail != "" {
			it.Detail = &detail
		}
		if doc != "" {
			it.Documentation = markdown(doc)
		}
		items = append(items, it)
	}
	switch {
	case reModparamParam.MatchString(before):
		m := reModparamParam.FindStringSubmatch(before)
		for _, p := range s.cat.params[m[1]] {
			if strings.HasPrefix(p.Name, m[2]) {
				add(p.Name, protocol.CompletionItemKindProperty, p.Type.String(), paramDoc(m[1], p))
			}
		}
	case reModparamMod.MatchString(before):
		prefix := reModparamMod.FindStringSubmatch(before)[1]
		for _, n := range s.cat.names {
			if info := s.cat.modules[n]; !info.Core && strings.HasPrefix(n, prefix) {
				add(n, protocol.CompletionItemKindModule, "", moduleDoc(info))
			}
		}
	case reArm.MatchString(before):
		m := reArm.FindStringSubmatch(before)
		for _, def := range d.defs {
			if def.kind == armKinds[m[1]] && def.name != "" && strings.HasPrefix(def.name, m[2]) {
				add(def.name, protocol.CompletionItemKindFunction, def.kind, "")
			}
		}
	case reRouteCall.MatchString(before):
		prefix := reRouteCall.FindStringSubmatch(before)[1]
		for _, def := range d.defs {
			if def.kind == "route" && def.name != "" && strings.HasPrefix(def.name, prefix) {
				add(def.name, protocol.CompletionItemKindFunction, "route", "")
			}
		}
	case rePV.MatchString(before):
		typed := rePV.FindString(before)
		start := off - len(typed)
		r := d.rangeOf(start, off)
		for _, n := range s.cat.pvNames {
			label := "$" + n
			if !strings.HasPrefix(label, typed) {
				continue
			}
			kind := protocol.CompletionItemKindVariable
			doc := pvDoc(s.cat.pvs[n])
			items = append(items, protocol.CompletionItem{Label: label, Kind: &kind, Documentation: markdown(doc),
				TextEdit: protocol.TextEdit{Range: r, NewText: label}})
		}
	default:
		prefix := reWord.FindString(before)
		loaded := d.loadedModules()
		var names []string
		for n, fns := range s.cat.funcs {
			if !strings.HasPrefix(n, prefix) {
				continue
			}
			for _, f := range fns {
				if loaded == nil || loaded[f.module] || s.cat.modules[f.module] != nil && s.cat.modules[f.module].Core {
					names = append(names, n)
					break
				}
			}
		}
		sort.Strings(names)
		for _, n := range names {
			f := s.cat.funcs[n][0]
			add(n, protocol.CompletionItemKindFunction, n+"("+argList(f.fn.Args)+") — "+f.module, funcDoc(f))
		}
		for _, k := range scriptKeywords {
			if strings.HasPrefix(k, prefix) {
				add(k, protocol.CompletionItemKindKeyword, "", "")
			}
		}
	}
	if items == nil {
		items = []protocol.CompletionItem{}
	}
	return protocol.CompletionList{IsIncomplete: false, Items: items}
}

// loadedModules are the modules the document loads, or nil when it loads
// none (a fragment: every module's functions are offered).
func (d *document) loadedModules() map[string]bool {
	var m map[string]bool
	for i, t := range d.toks {
		if t.Kind == lang.TokKeyword && t.Text == "loadmodule" {
			if j := d.next(i); j >= 0 && d.toks[j].Kind == lang.TokString {
				if m == nil {
					m = map[string]bool{}
				}
				m[moduleName(d.toks[j].Text)] = true
			}
		}
	}
	return m
}

func (s *Server) definition(d *document, pos protocol.Position) *protocol.Location {
	i := d.tokenAt(d.offset(int(pos.Line), int(pos.Character)))
	if i < 0 {
		return nil
	}
	t := d.toks[i]
	if t.Kind == lang.TokDirective {
		if p := d.includeTarget(t); p != "" {
			return &protocol.Location{URI: pathURI(p)}
		}
		return nil
	}
	r := d.refAt(t)
	if r == nil {
		return nil
	}
	def := d.def(r.kind, r.name)
	if def == nil {
		return nil
	}
	rng := d.rangeOf(def.at.Offset, def.at.Offset+len(def.kind))
	if def.nameTok != nil {
		rng = d.tokRange(*def.nameTok)
	}
	return &protocol.Location{URI: d.uri, Range: rng}
}

func (s *Server) references(d *document, pos protocol.Position, withDecl bool) []protocol.Location {
	i := d.tokenAt(d.offset(int(pos.Line), int(pos.Character)))
	if i < 0 {
		return nil
	}
	r := d.refAt(d.toks[i])
	if r == nil {
		return nil
	}
	def := d.def(r.kind, r.name)
	var out []protocol.Location
	for _, o := range d.refs {
		if o.kind != r.kind || o.name != r.name {
			continue
		}
		if !withDecl && def != nil && def.nameTok != nil && def.nameTok.Pos.Offset == o.tok.Pos.Offset {
			continue
		}
		out = append(out, protocol.Location{URI: d.uri, Range: d.tokRange(o.tok)})
	}
	return out
}

func (s *Server) symbols(d *document) []protocol.DocumentSymbol {
	out := []protocol.DocumentSymbol{}
	for _, def := range d.defs {
		name := def.kind
		if def.name != "" {
			name += "[" + def.name + "]"
		}
		end := def.end + 1
		if def.end < 0 {
			end = def.at.Offset + len(def.kind)
		}
		sel := d.rangeOf(def.at.Offset, def.at.Offset+len(def.kind))
		if def.nameTok != nil {
			sel = d.tokRange(*def.nameTok)
		}
		out = append(out, protocol.DocumentSymbol{Name: name, Kind: protocol.SymbolKindFunction,
			Range: d.rangeOf(def.at.Offset, end), SelectionRange: sel})
	}
	return out
}

func (s *Server) format(d *document) ([]protocol.TextEdit, error) {
	out, err := format.Source(d.path, []byte(d.text))
	if err != nil {
		return nil, err
	}
	if string(out) == d.text {
		return []protocol.TextEdit{}, nil
	}
	return []protocol.TextEdit{{Range: d.rangeOf(0, len(d.text)), NewText: string(out)}}, nil
}
