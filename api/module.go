package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"

	"gosips/lang/diag"
)

// Module is one instance of a module, made fresh by ModuleInfo.New for every
// config load. Parameters bind to its fields. Optional lifecycle steps are
// the interfaces Initer, Starter, Closer and MIExporter.
type Module interface {
	Params() []Param
	Funcs() []Func
}

// Initer runs after all modparams are set and before fixups (mod_init).
type Initer interface {
	Init(ic *InitCtx) error
}

// Validator checks a module's settings against the rest of the config (for
// example that the db_* module for its db_url scheme is loaded). It runs in
// check mode too, after modparams and before Init; it must not open files,
// sockets or databases.
type Validator interface {
	Validate(vc *ValidateCtx) error
}

// ValidateCtx gives Validate what it needs.
type ValidateCtx struct {
	// Loaded reports whether a module is loaded.
	Loaded func(name string) bool
	// Global returns a core parameter's value.
	Global func(name string) (Value, bool)
	// Warn reports a non-fatal finding against the module's loadmodule line.
	Warn func(msg, hint string)
}

// Starter runs once the script is compiled, before traffic; it owns the
// module's timers and goroutines, which must stop when ctx is cancelled.
type Starter interface {
	Start(ctx context.Context) error
}

// Closer releases resources at shutdown, in reverse load order.
type Closer interface {
	Close() error
}

// MIExporter lists management commands.
type MIExporter interface {
	MICommands() []MICommand
}

// Dep is a dependency on another module.
type Dep struct {
	Name string
	// AnyOf lists alternatives: the dependency is met when any is loaded
	// (signaling needs sl or tm). Name is then only the label in messages.
	AnyOf    []string
	Optional bool
}

// ModuleInfo describes a module to the registry.
type ModuleInfo struct {
	Name string
	Deps []Dep
	New  func() Module
	// Core marks the always-loaded core module (it cannot be loadmodule'd).
	Core bool
	// Doc is a one-line description.
	Doc string
	// LegacyNames are older names of this module (dbtext for db_text) that
	// loadmodule accepts with a legacy warning.
	LegacyNames []string
}

// ParamType is the type a module parameter accepts: an int, a string or
// either (OpenSIPS declares some params for both).
type ParamType uint8

const (
	ParamInt ParamType = 1 << iota
	ParamStr
)

func (t ParamType) String() string {
	switch t {
	case ParamInt:
		return "integer"
	case ParamStr:
		return "string"
	}
	return "integer or string"
}

// ParamValue is one modparam value as written.
type ParamValue struct {
	Pos   diag.Pos
	IsInt bool
	Int   int64
	Str   string
}

// Param is a module parameter. Set validates and stores the value; it is
// called once per modparam line (Multi params accumulate).
type Param struct {
	Name    string
	Type    ParamType
	Multi   bool
	Default string // shown in docs and hints
	Set     func(v ParamValue) error
	// Legacy, when set, marks an old name kept for old configs; the text is
	// the modern form, shown as the hint of a legacy warning.
	Legacy string
	// Deprecated, when set, is the hint of a deprecation warning.
	Deprecated string
	// Ignored, when set, marks a parameter that is accepted and stored but
	// has no effect yet (not implemented); the text says what is missing.
	// check warns on every use with code not-implemented.
	Ignored string
}

// IgnoredParam marks p as accepted but not implemented yet (see
// Param.Ignored).
func IgnoredParam(p Param, why string) Param {
	p.Ignored = why
	return p
}

// IntParam binds an integer parameter to dst.
func IntParam(name string, dst *int) Param {
	return Param{Name: name, Type: ParamInt, Set: func(v ParamValue) error { *dst = int(v.Int); return nil }}
}

// StrParam binds a string parameter to dst.
func StrParam(name string, dst *string) Param {
	return Param{Name: name, Type: ParamStr, Set: func(v ParamValue) error { *dst = v.Str; return nil }}
}

// FuncParam is a parameter handled by a setter; multi marks accumulating
// params (credential, shvset, partition...).
func FuncParam(name string, t ParamType, multi bool, set func(v ParamValue) error) Param {
	return Param{Name: name, Type: t, Multi: multi, Set: set}
}

// ArgType is the kind of a script function argument (CMD_PARAM_*).
type ArgType uint8

const (
	// ArgInt: NUMBER literal or PV holding an integer; a quoted "10" is rejected.
	ArgInt ArgType = iota
	// ArgStr: STRING (a format, PV-interpolated unless NoExpand) or PV; a bare number is rejected.
	ArgStr
	// ArgVar: a pseudo-variable (usually an output variable).
	ArgVar
	// ArgRegex: STRING compiled at load time, or PV compiled at run time.
	ArgRegex
)

func (t ArgType) String() string {
	switch t {
	case ArgInt:
		return "integer"
	case ArgStr:
		return "string"
	case ArgVar:
		return "variable"
	case ArgRegex:
		return "regex"
	}
	return "?"
}

// Arg describes one parameter of a script function.
type Arg struct {
	Name     string
	Type     ArgType
	Optional bool
	// Static: a literal without any "$" (flag names, table names).
	Static bool
	// NoExpand: the string is taken literally, not parsed as a format.
	NoExpand bool
	// Writable: for ArgVar, the variable must be writable.
	Writable bool
	// Fixup validates and pre-compiles the argument at load time. It runs
	// for literal values only (a PV is checked by its type) unless
	// FixupDynamic is set.
	Fixup        func(fc *FixupCtx, a *FixArg) error
	FixupDynamic bool
}

// FixArg is an argument as the fixup sees it.
type FixArg struct {
	Pos   diag.Pos
	Given bool // false when the slot was left empty
	Const bool // a literal (string or number) with no PV inside
	Str   string
	Int   int64
	// Fixed, when set by the fixup, is the value handed to Func.Call in
	// place of the literal.
	Fixed any
}

// FixupCtx gives fixups what they may need from the loading script.
type FixupCtx struct {
	// Route reports whether a route of that kind and name is defined.
	Route func(kind RouteType, name string) bool
	// MsgFlag and BranchFlag allocate (or look up) a named flag.
	MsgFlag    func(name string) (int, error)
	BranchFlag func(name string) (int, error)
	// Module returns a loaded module instance by name, or nil.
	Module func(name string) Module
	// Check is set while only checking (no run); fixups must not open
	// files, sockets or databases then.
	Check bool
	// Events is the event interface; fixups of event names publish them.
	Events *Events
	Log    *slog.Logger
	// Legacy reports an accepted old form (a warning with the modern form
	// as hint); Warn any other non-fatal finding.
	Legacy func(msg, hint string)
	Warn   func(msg, hint string)
}

// Func is a script function.
type Func struct {
	Name   string
	Args   []Arg
	Routes RouteType
	// Call runs the function. args[i] is nil for an omitted optional
	// argument; otherwise the fixup's Fixed value, or the evaluated value:
	// int64 (ArgInt), string (ArgStr), PVRef (ArgVar), *regexp.Regexp
	// (ArgRegex). A nil Call means "not implemented yet": check reports
	// every use (code not-implemented) and gosips run refuses to start with
	// a script that uses it. The same holds for a PV without a getter, a
	// transformation without an evaluator and an MI command without a
	// handler (which answers "command not implemented").
	Call func(c *Ctx, args []any) Ret
	// Async marks functions usable in async()/launch().
	Async bool
	// Returns documents the return codes.
	Returns string
	// Legacy, when set, marks an old name or form kept for old configs; the
	// text is the modern form, shown as the hint of a legacy warning.
	Legacy string
}

// PVRef is a pseudo-variable handed to a function as an ArgVar argument.
type PVRef interface {
	Get(c *Ctx) (Value, error)
	Set(c *Ctx, v Value) error
	Name() string
}

// Regex is the compiled form of an ArgRegex argument.
type Regex = regexp.Regexp

// MICommand is a management command.
type MICommand struct {
	Name    string
	Aliases []string
	// Help is the one-line description the "help" command prints.
	Help string
	// Recipes lists the accepted parameter-name sets; a call must match one.
	// An empty recipe means "no parameters".
	Recipes   [][]string
	NamedOnly bool
	Handler   func(ctx context.Context, p MIParams) (any, error)
}

// MIParams are the parameters of one MI call, by name.
type MIParams map[string]any

// MIError is an error with an MI/JSON-RPC code.
type MIError struct {
	Code int
	Msg  string
}

func (e *MIError) Error() string { return e.Msg }

// ErrMINoResult is what a handler returns where an OpenSIPS handler
// returns NULL (a failure it reports no detail of): the answer is the
// JSON-RPC "Server error" OpenSIPS sends then.
var ErrMINoResult = errors.New("Command handler returned null")

// InitCtx is what a module gets at Init time.
type InitCtx struct {
	Log *slog.Logger
	// Module returns another loaded module's instance, or nil.
	Module func(name string) Module
	// Global returns a core parameter's value.
	Global func(name string) (Value, bool)
	// ConfigDir is the directory of the main config file.
	ConfigDir string
	// MsgFlag and BranchFlag allocate (or look up) a named flag, for params
	// holding flag names (nat_bflag, tcp_persistent_flag...).
	MsgFlag    func(name string) (int, error)
	BranchFlag func(name string) (int, error)
	// Stats is the statistics registry; modules create their counters in
	// the group named after them (registrar:accepted_regs).
	Stats *Stats
	// Events is the event interface: modules publish their events and
	// transport modules register here.
	Events *Events
}

// HintError is an error a parameter setter or a fixup returns to tell the
// user how to fix the input; check prints Hint under the message.
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }

// ErrorHint returns the hint of a HintError inside err, or "".
func ErrorHint(err error) string {
	var he *HintError
	if errors.As(err, &he) {
		return he.Hint
	}
	return ""
}

// PositiveParam binds an integer parameter that must be above zero.
func PositiveParam(name string, dst *int) Param {
	return Param{Name: name, Type: ParamInt, Set: func(v ParamValue) error {
		if v.Int <= 0 {
			return fmt.Errorf("%s must be positive, got %d", name, v.Int)
		}
		*dst = int(v.Int)
		return nil
	}}
}

// NonNegParam binds an integer parameter that must not be negative;
// def is the default shown in docs.
func NonNegParam(name string, dst *int, def string) Param {
	return Param{Name: name, Type: ParamInt, Default: def, Set: func(v ParamValue) error {
		if v.Int < 0 {
			return fmt.Errorf("%s must not be negative, got %d", name, v.Int)
		}
		*dst = int(v.Int)
		return nil
	}}
}

// RouteNamer is implemented by modules whose parameters name script
// routes (script_helper's sequential_route): check counts those routes as
// used and warns when one is not defined.
type RouteNamer interface {
	NamedRoutes() []NamedRoute
}

// NamedRoute is a route a module parameter names.
type NamedRoute struct {
	Param string
	Kind  RouteType
	Name  string
}
