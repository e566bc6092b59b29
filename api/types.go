// Package api is the contract between the script runtime and the modules:
// what a module exports (parameters, script functions with typed arguments
// and fixups, route flags, MI commands, dependencies, lifecycle) and the
// per-message context its functions run with. It is the Go counterpart of
// OpenSIPS' module_exports.
package api

import "strings"

// RouteType is a bit set of route kinds a function may be used in.
type RouteType uint16

const (
	RequestRoute RouteType = 1 << iota
	FailureRoute
	OnReplyRoute
	BranchRoute
	ErrorRoute
	LocalRoute
	StartupRoute
	TimerRoute
	EventRoute

	AllRoutes = RequestRoute | FailureRoute | OnReplyRoute | BranchRoute | ErrorRoute |
		LocalRoute | StartupRoute | TimerRoute | EventRoute
)

var routeTypeNames = [...]string{"request_route", "failure_route", "onreply_route",
	"branch_route", "error_route", "local_route", "startup_route", "timer_route", "event_route"}

// String lists the set members by their script block names.
func (t RouteType) String() string {
	if t == 0 {
		return "none"
	}
	var parts []string
	for i, n := range routeTypeNames {
		if t&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, ", ")
}

// BlockName names a single route type as its block is written in a script
// ("route" for the request route).
func (t RouteType) BlockName() string {
	if t == RequestRoute {
		return "route"
	}
	for i, n := range routeTypeNames {
		if t == 1<<i {
			return n
		}
	}
	return t.String()
}

// Ret is a script return code: >0 true, <0 false, 0 stops the script.
type Ret int

// Common return codes.
const (
	RetTrue  Ret = 1
	RetFalse Ret = -1
	RetStop  Ret = 0
)

// ValueFlags tell which forms a Value carries.
type ValueFlags uint8

const (
	VNull ValueFlags = 1 << iota
	VInt
	VStr
)

// Value is a script value: NULL, an integer, a string, or an integer that
// also has a string form (as OpenSIPS PVs do).
type Value struct {
	Flags ValueFlags
	I     int64
	S     string
}

// Null is the NULL value.
var Null = Value{Flags: VNull}

// IntValue makes an integer value.
func IntValue(i int64) Value { return Value{Flags: VInt, I: i} }

// StrValue makes a string value.
func StrValue(s string) Value { return Value{Flags: VStr, S: s} }

// IsNull reports whether v is NULL (the zero Value counts as NULL too).
func (v Value) IsNull() bool { return v.Flags&(VInt|VStr) == 0 }

// IsInt reports whether v has an integer form.
func (v Value) IsInt() bool { return v.Flags&VInt != 0 }

// IsStr reports whether v has a string form.
func (v Value) IsStr() bool { return v.Flags&VStr != 0 }
