// Package avpops is the AVP operations module of OpenSIPS up to 3.4
// (removed in 3.5: sqlops and script assignments replace it). It is kept
// so that legacy configs load; every function carries its modern form.
package avpops

import (
	"sync"

	"gosips/api"
	"gosips/modules/internal/usrprefs"
	"gosips/pv"
)

func init() {
	api.Register(api.ModuleInfo{Name: "avpops", Doc: "AVP operations (OpenSIPS <= 3.4; use sqlops and assignments)",
		New: func() api.Module { return New() }})
}

// AVPOps is one instance of the avpops module.
type AVPOps struct {
	// Prefs is the usr_preferences engine of avp_db_*, shared with sqlops.
	Prefs *usrprefs.Prefs

	pvs       usrprefs.PVCache
	substMu   sync.Mutex
	substDone map[*pv.Subst]bool
	patterns  sync.Map // compiled avp_check re/fm operands
}

// New returns an avpops instance with OpenSIPS 3.4 defaults.
func New() *AVPOps { return &AVPOps{Prefs: usrprefs.New()} }

// Params lists avpops' parameters.
func (m *AVPOps) Params() []api.Param {
	avpURL := api.FuncParam("avp_url", api.ParamStr, false, func(v api.ParamValue) error { return m.Prefs.AddURL(v.Str) })
	avpURL.Legacy = `modparam("avpops", "db_url", "...")`
	bufSize := api.FuncParam("buf_size", api.ParamInt, false, func(api.ParamValue) error { return nil })
	bufSize.Legacy = "remove it"
	return append(m.Prefs.Params("avp_table"), avpURL, bufSize)
}

// Validate checks that the db module of every db_url scheme is loaded.
func (m *AVPOps) Validate(vc *api.ValidateCtx) error { return m.Prefs.Validate(vc) }

var (
	_ api.Module    = (*AVPOps)(nil)
	_ api.Validator = (*AVPOps)(nil)
	_ api.Initer    = (*AVPOps)(nil)
	_ api.Closer    = (*AVPOps)(nil)
)
