// Package runtime compiles a parsed opensips.cfg into a checked Script:
// globals applied, modules instantiated with their modparams, every name
// resolved, arguments fixed up and route types checked over the route call
// graph. Check mode stops there; run mode also initialises the modules.
package runtime

import (
	"fmt"
	"gosips/runtime/legacy"
	"log/slog"
	"path"
	"regexp"
	"sort"
	"strings"

	"gosips/api"
	"gosips/lang/ast"
	"gosips/lang/diag"
	"gosips/pv"
)

// Options control Compile.
type Options struct {
	// Registry supplies the modules; nil means api.Default().
	Registry *api.Registry
	// Check compiles without initialising modules (no files, sockets or
	// databases are touched).
	Check bool
	Log   *slog.Logger
	// ConfigDir is the directory of the main config file.
	ConfigDir string
	// Reuse compiles the routes of a new version of a script against the
	// running script's module instances (reload_routes): loadmodule must
	// name the same modules, global parameters and modparams are not
	// applied again (they need a restart), modules are not initialised.
	Reuse *Script
}

// Module is a loaded module instance.
type Module struct {
	Name     string
	Info     *api.ModuleInfo
	Inst     api.Module
	At       diag.Pos // the loadmodule line (zero for core)
	funcs    map[string]*api.Func
	initDone bool
}

// SocketDef is one listening socket from socket=/listen= or the command line.
type SocketDef struct {
	At    diag.Pos
	Proto string
	Host  string
	Port  string
	// Advertised host and port ("as" option).
	AdvHost string
	AdvPort string
	Workers int
	Tag     string
}

// Script is a compiled, checked script.
type Script struct {
	File     *ast.File
	Modules  []*Module // core first, then loadmodule order
	byName   map[string]*Module
	Globals  map[string]api.Value
	Sockets  []SocketDef
	Aliases  []string
	Routes   *RouteTable
	MsgFlags *FlagSet
	BrFlags  *FlagSet
	// Calls records every resolved function call, by AST node.
	Calls map[*ast.Call]*CallInfo
	// RouteCalls records route(x) calls used as conditions or values.
	RouteCalls map[*ast.Call]*ast.RouteCall
	// Stats holds the statistics of the core and the modules.
	Stats *api.Stats
	// Events is the event interface (published events, transports,
	// subscriptions).
	Events *api.Events
	// PVs records every resolved pseudo-variable, by AST node.
	PVs     map[*ast.PV]*pv.Spec
	pvTable *pv.Table
}

// Module returns a loaded module by name, or nil.
func (s *Script) Module(name string) *Module { return s.byName[name] }

// Loaded reports whether a module is loaded.
func (s *Script) Loaded(name string) bool { _, ok := s.byName[name]; return ok }

// Compile checks f and builds a Script. The diagnostics hold errors and
// warnings; the Script is nil only when compilation could not proceed.
func Compile(f *ast.File, opts Options) (*Script, diag.List) {
	c := newCompiler(f, opts)
	c.legacyWarnings()
	c.items()
	c.checkDeps()
	c.validate()
	if !opts.Check && opts.Reuse == nil && !c.diags.HasErrors() {
		c.initModules()
	}
	c.resolveRoutes()
	c.diags.Sort()
	return c.script, c.diags
}

type compiler struct {
	opts   Options
	reg    *api.Registry
	file   *ast.File
	script *Script
	diags  diag.List
	log    *slog.Logger
	// mpath seen, for hints only.
	mpath []string
}

func newCompiler(f *ast.File, opts Options) *compiler {
	reg := opts.Registry
	if reg == nil {
		reg = api.Default()
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Script{
		File:       f,
		byName:     map[string]*Module{},
		Globals:    map[string]api.Value{},
		Routes:     newRouteTable(),
		MsgFlags:   newFlagSet("message"),
		BrFlags:    newFlagSet("branch"),
		Calls:      map[*ast.Call]*CallInfo{},
		PVs:        map[*ast.PV]*pv.Spec{},
		RouteCalls: map[*ast.Call]*ast.RouteCall{},
		Stats:      api.NewStats(),
		Events:     api.NewEvents(),
	}
	c := &compiler{opts: opts, reg: reg, file: f, script: s, log: log}
	if r := opts.Reuse; r != nil {
		// Live modules keep their statistics and flag bits; new flag
		// names get the next free bits in copies of the sets.
		s.Stats, s.Events = r.Stats, r.Events
		s.MsgFlags, s.BrFlags = r.MsgFlags.clone(), r.BrFlags.clone()
		s.Globals, s.Sockets, s.Aliases = r.Globals, r.Sockets, r.Aliases
	}
	c.loadCore()
	return c
}

func (c *compiler) loadCore() {
	for _, name := range c.reg.Names() {
		info, _ := c.reg.Lookup(name)
		if info.Core {
			c.addModule(info, diag.Pos{})
		}
	}
}

func (c *compiler) addModule(info *api.ModuleInfo, at diag.Pos) *Module {
	m := &Module{Name: info.Name, Info: info, At: at, funcs: map[string]*api.Func{}}
	if r := c.opts.Reuse; r != nil {
		old := r.byName[info.Name]
		if old == nil {
			c.diags.Add(at, diag.CodeUnknownModule, fmt.Sprintf("module %s is not loaded by the running server: loading modules needs a restart", info.Name), "")
			m.Inst = info.New()
		} else {
			m.Inst, m.initDone = old.Inst, true
		}
	} else {
		m.Inst = info.New()
	}
	for _, fn := range m.Inst.Funcs() {
		fn := fn
		m.funcs[fn.Name] = &fn
	}
	c.script.Modules = append(c.script.Modules, m)
	c.script.byName[info.Name] = m
	return m
}

// legacyWarnings turns the parser's tolerated legacy constructs into warnings.
func (c *compiler) legacyWarnings() {
	for _, u := range c.file.Legacy {
		msg := "legacy syntax: " + u.Text
		if u.Kind != "" {
			msg = fmt.Sprintf("legacy syntax (%s): %s", u.Kind, strings.TrimSpace(u.Text))
		}
		c.legacy(u.At, msg, u.Hint)
	}
}

// legacy reports a legacy construct; the hint points at gosips port.
func (c *compiler) legacy(at diag.Pos, msg, modern string) {
	hint := "run \"gosips port\" to rewrite it"
	switch {
	case modern == "":
	case looksLikeCode(modern):
		hint = "use " + modern + "; \"gosips port\" rewrites it"
	default:
		hint = modern + "; \"gosips port\" rewrites it"
	}
	c.diags.Warn(at, diag.CodeLegacy, msg, hint)
}

func (c *compiler) items() {
	for _, it := range c.file.Items {
		switch it := it.(type) {
		case *ast.GlobalParam:
			if c.opts.Reuse == nil {
				c.global(it)
			}
		case *ast.LoadModule:
			c.loadModule(it)
		case *ast.ModParam:
			if c.opts.Reuse == nil {
				c.modparam(it)
			}
		case *ast.Route:
			c.script.Routes.add(c, it)
		}
	}
}

// Globals with structured values decoded here rather than by a setter.
var structuredGlobals = map[string]bool{
	"socket": true, "listen": true, "alias": true, "auto_scaling_profile": true, "dst_blacklist": true,
}

func (c *compiler) coreParams() map[string]api.Param {
	core := c.coreModule()
	out := map[string]api.Param{}
	if core == nil {
		return out
	}
	for _, p := range core.Inst.Params() {
		out[p.Name] = p
	}
	return out
}

func (c *compiler) coreModule() *Module {
	for _, m := range c.script.Modules {
		if m.Info.Core {
			return m
		}
	}
	return nil
}

func (c *compiler) global(g *ast.GlobalParam) {
	params := c.coreParams()
	p, ok := params[g.Name]
	if !ok {
		names := make([]string, 0, len(params))
		for n := range params {
			names = append(names, n)
		}
		c.diags.Add(g.At, diag.CodeUnknownGlobal, fmt.Sprintf("unknown global parameter %q", g.Name), diag.DidYouMean(g.Name, names))
		return
	}
	if p.Legacy != "" {
		c.legacy(g.At, fmt.Sprintf("global parameter %q was removed from OpenSIPS", g.Name), p.Legacy)
	} else if p.Deprecated != "" {
		c.diags.Warn(g.At, diag.CodeDeprecated, fmt.Sprintf("global parameter %q is deprecated", g.Name), p.Deprecated)
	}
	if p.Ignored != "" {
		c.diags.Warn(g.At, diag.CodeNotImplemented, fmt.Sprintf("global parameter %q is not implemented yet: the value is ignored", g.Name), p.Ignored)
	}
	v := g.Value
	if v == nil {
		c.diags.Add(g.At, diag.CodeGlobalValue, fmt.Sprintf("%s: missing value", g.Name), "")
		return
	}
	if structuredGlobals[g.Name] {
		c.structuredGlobal(g, p)
		return
	}
	pv, err := paramValue(v, p.Type)
	if err != nil {
		c.diags.Add(v.At, diag.CodeGlobalValue, fmt.Sprintf("%s: %v", g.Name, err), "")
		return
	}
	if err := p.Set(pv); err != nil {
		c.diags.Add(v.At, diag.CodeGlobalValue, fmt.Sprintf("%s: %v", g.Name, err), "")
		return
	}
	if pv.IsInt {
		c.script.Globals[g.Name] = api.IntValue(pv.Int)
	} else {
		c.script.Globals[g.Name] = api.StrValue(pv.Str)
	}
	if g.Name == "mpath" {
		c.mpath = append(c.mpath, pv.Str)
	}
}

// paramValue converts a global/modparam value to the type a param accepts.
func paramValue(v *ast.Value, t api.ParamType) (api.ParamValue, error) {
	pv := api.ParamValue{Pos: v.At}
	switch v.Kind {
	case ast.ValInt:
		if t&api.ParamInt == 0 {
			return pv, fmt.Errorf("expected a string, got the number %s (quote it)", v.Raw)
		}
		pv.IsInt, pv.Int = true, v.Int
	case ast.ValString:
		if t&api.ParamStr == 0 {
			return pv, fmt.Errorf("expected an integer, got the string %q (remove the quotes)", v.Str)
		}
		pv.Str = v.Str
	case ast.ValID:
		if t&api.ParamStr == 0 {
			return pv, fmt.Errorf("expected an integer, got %q", v.Str)
		}
		pv.Str = v.Str
	default:
		if t&api.ParamStr == 0 {
			return pv, fmt.Errorf("expected an integer, got %q", v.Raw)
		}
		pv.Str = v.Raw
	}
	return pv, nil
}

func (c *compiler) structuredGlobal(g *ast.GlobalParam, p api.Param) {
	v := g.Value
	switch g.Name {
	case "socket", "listen":
		if g.Name == "listen" {
			c.diags.Warn(g.At, diag.CodeDeprecated, `"listen" is deprecated since OpenSIPS 3.1`, `use "socket=" instead`)
		}
		if v.Kind != ast.ValSocket || v.Socket == nil {
			c.diags.Add(v.At, diag.CodeGlobalValue, fmt.Sprintf("%s: expected proto:host[:port], got %q", g.Name, v.Raw), `e.g. socket=udp:127.0.0.1:5060`)
			return
		}
		s := v.Socket
		def := SocketDef{At: v.At, Proto: strings.ToLower(s.Proto), Host: s.Host, Port: s.Port}
		if def.Proto == "" {
			def.Proto = "udp"
		}
		switch def.Proto {
		case "udp", "tcp", "tls", "ws", "wss", "hep_udp", "hep_tcp", "hep_tls":
		default:
			c.diags.Add(v.At, diag.CodeGlobalValue, fmt.Sprintf("%s: protocol %q is not supported by gosips", g.Name, s.Proto), "gosips supports udp, tcp, tls, ws and wss")
			return
		}
		for _, o := range s.Options {
			switch o.Name {
			case "as":
				host, port, _ := strings.Cut(o.Value, ":")
				def.AdvHost, def.AdvPort = host, port
			case "use_workers":
				fmt.Sscan(o.Value, &def.Workers)
			case "tag":
				def.Tag = o.Value
			}
		}
		c.script.Sockets = append(c.script.Sockets, def)
	case "alias":
		c.script.Aliases = append(c.script.Aliases, strings.Fields(strings.ReplaceAll(v.Raw, `"`, ""))...)
	}
	if p.Set != nil {
		_ = p.Set(api.ParamValue{Pos: v.At, Str: v.Raw})
	}
}

// moduleName turns a loadmodule path into a module name: directories and
// the .so suffix are dropped ("modules/tm/tm.so" → "tm").
func moduleName(p string) string {
	base := path.Base(strings.TrimRight(p, "/"))
	base = strings.TrimSuffix(base, ".so")
	return base
}

// Modules that exist in OpenSIPS but not in gosips, for a precise message.
func (c *compiler) loadModule(l *ast.LoadModule) {
	raw := l.Path
	if raw == "" {
		c.diags.Add(l.PathAt, diag.CodeUnknownModule, "loadmodule: empty module name", "")
		return
	}
	name := moduleName(raw)
	if strings.HasSuffix(raw, "/") {
		// Damaged copies write the directory only: modules/tm/.
		name = path.Base(strings.TrimRight(raw, "/"))
	}
	if strings.Contains(raw, "/") {
		c.legacy(l.PathAt, fmt.Sprintf("loadmodule with a path %q", raw), fmt.Sprintf(`loadmodule "%s.so" (and mpath)`, name))
	}
	info, ok := c.reg.Lookup(name)
	if !ok {
		// Old names (dbtext → db_text).
		for _, n := range c.reg.Names() {
			inf, _ := c.reg.Lookup(n)
			for _, old := range inf.LegacyNames {
				if old == name {
					info, ok = inf, true
					c.legacy(l.PathAt, fmt.Sprintf("module %q was renamed %q", name, inf.Name), fmt.Sprintf(`loadmodule "%s.so"`, inf.Name))
				}
			}
		}
	}
	if !ok {
		if to, renamed := legacy.Renamed(name); renamed {
			// mysql → db_mysql, uri_db → uri: the history knows the new name.
			if inf, have := c.reg.Lookup(to); have && !inf.Core {
				msg, hint := legacy.ModuleHint(name, c.have)
				c.legacy(l.PathAt, msg, hint)
				info, ok = inf, true
			}
		}
	}
	if !ok {
		if hint, known := retiredModules[name]; known {
			c.legacy(l.PathAt, fmt.Sprintf("module %q no longer exists in OpenSIPS 3.x", name), hint)
			return
		}
		msg, hint := legacy.ModuleHint(name, c.have)
		if msg == "" {
			msg, hint = "gosips does not provide it", c.moduleHint(name)
		}
		c.diags.Add(l.PathAt, diag.CodeUnknownModule, fmt.Sprintf("unknown module %q: %s", name, msg), hint)
		return
	}
	if info.Core {
		c.diags.Add(l.PathAt, diag.CodeUnknownModule, fmt.Sprintf("%q is part of the core and cannot be loaded", name), "")
		return
	}
	if m := c.script.byName[info.Name]; m != nil {
		c.diags.Warn(l.PathAt, diag.CodeDuplicateModule, fmt.Sprintf("module %q is already loaded at %s", info.Name, m.At), "remove the second loadmodule line")
		return
	}
	c.addModule(info, l.PathAt)
}

// retiredModules are modules whose functionality moved into the core, so an
// old loadmodule line can simply be dropped.
var retiredModules = map[string]string{
	"xlog":        "remove the line: xlog() is part of the core since OpenSIPS 1.6",
	"event_route": "remove the line: event_route is part of the core",
	"print":       "remove the line: the print module no longer exists",
}

// have reports whether gosips provides a loadable module.
func (c *compiler) have(name string) bool {
	inf, ok := c.reg.Lookup(name)
	return ok && !inf.Core
}

func (c *compiler) moduleHint(name string) string {
	if h := diag.DidYouMean(name, c.reg.Names()); h != "" {
		return h
	}
	return "gosips provides: " + strings.Join(c.loadableNames(), ", ")
}

func (c *compiler) loadableNames() []string {
	var out []string
	for _, n := range c.reg.Names() {
		if inf, _ := c.reg.Lookup(n); !inf.Core {
			out = append(out, n)
		}
	}
	return out
}

func (c *compiler) modparam(mp *ast.ModParam) {
	re, err := regexp.Compile("(?i)^(" + mp.Module + ")$")
	if err != nil {
		c.diags.Add(mp.ModAt, diag.CodeModparamModule, fmt.Sprintf("modparam: bad module name pattern %q", mp.Module), "")
		return
	}
	var matched []*Module
	for _, m := range c.script.Modules {
		if !m.Info.Core && re.MatchString(m.Name) {
			matched = append(matched, m)
		}
	}
	if len(matched) == 0 {
		hint := ""
		if info, ok := c.reg.Lookup(mp.Module); ok && !info.Core {
			hint = fmt.Sprintf(`add loadmodule "%s.so" before this line`, mp.Module)
		} else if h := diag.DidYouMean(mp.Module, c.loadedNames()); h != "" {
			hint = h
		}
		c.diags.Add(mp.ModAt, diag.CodeModparamModule, fmt.Sprintf("modparam: module %q is not loaded", mp.Module), hint)
		return
	}
	for _, m := range matched {
		c.setModparam(m, mp)
	}
}

func (c *compiler) loadedNames() []string {
	var out []string
	for _, m := range c.script.Modules {
		if !m.Info.Core {
			out = append(out, m.Name)
		}
	}
	return out
}

func (c *compiler) setModparam(m *Module, mp *ast.ModParam) {
	params := m.Inst.Params()
	var p *api.Param
	names := make([]string, 0, len(params))
	for i := range params {
		names = append(names, params[i].Name)
		if params[i].Name == mp.Param {
			p = &params[i]
		}
	}
	if p == nil {
		hint := diag.DidYouMean(mp.Param, names)
		if why, ok := legacy.ParamHint(m.Name, mp.Param); ok {
			hint = why
		}
		c.diags.Add(mp.ParamAt, diag.CodeModparamUnknown, fmt.Sprintf("module %s has no parameter %q", m.Name, mp.Param), hint)
		return
	}
	if p.Legacy != "" {
		c.legacy(mp.ParamAt, fmt.Sprintf("parameter %q of module %s was removed from OpenSIPS", mp.Param, m.Name), p.Legacy)
	} else if p.Deprecated != "" {
		c.diags.Warn(mp.ParamAt, diag.CodeDeprecated, fmt.Sprintf("parameter %q of module %s is deprecated", mp.Param, m.Name), p.Deprecated)
	}
	if p.Ignored != "" {
		c.diags.Warn(mp.ParamAt, diag.CodeNotImplemented, fmt.Sprintf("parameter %q of module %s is not implemented yet: the value is ignored", mp.Param, m.Name), p.Ignored)
	}
	if mp.Value == nil {
		c.diags.Add(mp.At, diag.CodeModparamValue, "modparam: missing value", "")
		return
	}
	pv, err := paramValue(mp.Value, p.Type)
	if err != nil {
		// OpenSIPS rejects the type mismatch; old configs quote numbers, so
		// accept a quoted integer for an integer parameter as legacy.
		if mp.Value.Kind == ast.ValString && p.Type&api.ParamInt != 0 {
			if n, ok := parseIntLiteral(mp.Value.Str); ok {
				c.legacy(mp.Value.At, fmt.Sprintf("%s %s: integer parameter given as a string %q", m.Name, mp.Param, mp.Value.Str), mp.Value.Str+" without quotes")
				pv = api.ParamValue{Pos: mp.Value.At, IsInt: true, Int: n}
				err = nil
			}
		}
		if err != nil {
			c.diags.Add(mp.Value.At, diag.CodeModparamType, fmt.Sprintf("%s %s: %v", m.Name, mp.Param, err), "")
			return
		}
	}
	if err := p.Set(pv); err != nil {
		c.diags.Add(mp.Value.At, diag.CodeModparamValue, fmt.Sprintf("%s %s: %v", m.Name, mp.Param, err), api.ErrorHint(err))
	}
}

// checkDeps verifies every loaded module's dependencies, and that a
// transport module is loaded for every socket protocol.
func (c *compiler) checkDeps() {
	for _, sd := range c.script.Sockets {
		mod := "proto_" + sd.Proto
		if strings.HasPrefix(sd.Proto, "hep_") {
			mod = "proto_hep" // hep_udp, hep_tcp and hep_tls sockets
		}
		if _, known := c.reg.Lookup(mod); known && !c.script.Loaded(mod) {
			c.diags.Add(sd.At, diag.CodeModuleDep, fmt.Sprintf("socket %s:%s needs the %s transport module", sd.Proto, sd.Host, mod), fmt.Sprintf(`add loadmodule "%s.so"`, mod))
		}
	}
	for _, m := range c.script.Modules {
		for _, d := range m.Info.Deps {
			if d.Optional {
				continue
			}
			alts := d.AnyOf
			if len(alts) == 0 {
				alts = []string{d.Name}
			}
			found := false
			for _, a := range alts {
				if c.script.Loaded(a) {
					found = true
				}
			}
			if !found {
				loads := make([]string, len(alts))
				for i, a := range alts {
					loads[i] = fmt.Sprintf(`loadmodule "%s.so"`, a)
				}
				c.diags.Add(m.At, diag.CodeModuleDep, fmt.Sprintf("module %s requires %s", m.Name, strings.Join(alts, " or ")), "add "+strings.Join(loads, " or "))
			}
		}
	}
}

func (c *compiler) global0(name string) (api.Value, bool) {
	v, ok := c.script.Globals[name]
	return v, ok
}

// validate runs the modules' Validate hooks.
func (c *compiler) validate() {
	for _, m := range c.script.Modules {
		v, ok := m.Inst.(api.Validator)
		if !ok {
			continue
		}
		at := m.At
		name := m.Name
		vc := &api.ValidateCtx{
			Loaded: c.script.Loaded,
			Global: c.global0,
			Warn: func(msg, hint string) {
				c.diags.Warn(at, diag.CodeModparamValue, name+": "+msg, hint)
			},
		}
		if err := v.Validate(vc); err != nil {
			c.diags.Add(at, diag.CodeModparamValue, fmt.Sprintf("%s: %v", name, err), "")
		}
	}
}

// initOrder sorts modules so that dependencies come first; ties keep
// loadmodule order.
func (c *compiler) initOrder() []*Module {
	var out []*Module
	seen := map[string]bool{}
	var visit func(m *Module)
	visit = func(m *Module) {
		if seen[m.Name] {
			return
		}
		seen[m.Name] = true
		for _, d := range m.Info.Deps {
			alts := d.AnyOf
			if len(alts) == 0 {
				alts = []string{d.Name}
			}
			for _, a := range alts {
				if dm := c.script.byName[a]; dm != nil {
					visit(dm)
				}
			}
		}
		out = append(out, m)
	}
	for _, m := range c.script.Modules {
		visit(m)
	}
	return out
}

func (c *compiler) initModules() {
	for _, m := range c.initOrder() {
		in, ok := m.Inst.(api.Initer)
		if !ok {
			m.initDone = true
			continue
		}
		ic := &api.InitCtx{
			Log: c.log.With("module", m.Name),
			Module: func(name string) api.Module {
				if dm := c.script.byName[name]; dm != nil {
					return dm.Inst
				}
				return nil
			},
			Global:     c.global0,
			ConfigDir:  c.opts.ConfigDir,
			MsgFlag:    c.script.MsgFlags.Get,
			BranchFlag: c.script.BrFlags.Get,
			Stats:      c.script.Stats,
			Events:     c.script.Events,
		}
		if err := in.Init(ic); err != nil {
			c.diags.Add(m.At, diag.CodeModparamValue, fmt.Sprintf("%s: initialisation failed: %v", m.Name, err), "")
			return
		}
		m.initDone = true
	}
}

// Close releases the modules that were initialised, in reverse order.
func (s *Script) Close() error {
	var errs []string
	for i := len(s.Modules) - 1; i >= 0; i-- {
		m := s.Modules[i]
		if cl, ok := m.Inst.(api.Closer); ok && m.initDone {
			if err := cl.Close(); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", m.Name, err))
			}
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("closing modules: %s", strings.Join(errs, "; "))
	}
	return nil
}

// looksLikeCode tells a modern form written as script text ("$avp(x)",
// "sethost()") from a sentence ("give the port in every socket").
func looksLikeCode(s string) bool {
	if !strings.Contains(s, " ") {
		return true
	}
	return strings.ContainsAny(strings.SplitN(s, " ", 2)[0], "($\"=[:.")
}
