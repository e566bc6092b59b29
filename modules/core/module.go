// Package core declares the OpenSIPS core as a module: the global
// parameters ("name = value" lines), the core script functions and the
// grammar builtins xlog/xdbg/log. It is always loaded and cannot be named
// in loadmodule.
package core

import (
	"sync/atomic"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "core",
		Core: true,
		Doc:  "global parameters and core script functions",
		New:  func() api.Module { return New() },
	})
}

// Core is one instance of the core module. Its Config holds the global
// parameters after the config's "name = value" lines were applied.
type Core struct {
	Config Config

	// bl holds the destination blacklists, built on first use.
	bl blacklistSet
	// sr is the status-report registry sr_check_status() reads.
	sr atomic.Pointer[api.StatusReports]

	// Statistics updated by core functions (forward()).
	fwdRequests, dropRequests *api.Stat

	// events is the event interface (nil before Init).
	events        *api.Events
	tcpDisconnect *api.Event
}

// New returns a core instance with OpenSIPS 3.6 defaults.
func New() *Core {
	return &Core{Config: DefaultConfig()}
}

// Global returns the value a global parameter was set to, or its default
// for the parameters that have one; legacy names that map onto a modern
// parameter are reported under the modern name.
func (c *Core) Global(name string) (api.Value, bool) {
	if v, ok := c.Config.set[name]; ok {
		return v, true
	}
	v, ok := c.Config.defaults()[name]
	return v, ok
}

// IsSet reports whether the config set a global parameter explicitly.
func (c *Core) IsSet(name string) bool {
	_, ok := c.Config.set[name]
	return ok
}

var (
	_ api.Module     = (*Core)(nil)
	_ api.Initer     = (*Core)(nil)
	_ api.MIExporter = (*Core)(nil)
)
