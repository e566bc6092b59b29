// Package uac declares the uac module: client-side From/To rewriting with
// restoration, and digest authentication of relayed requests.
package uac

import (
	"fmt"
	"strings"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "uac",
		Deps: []api.Dep{{Name: "tm"}, {Name: "rr", Optional: true}, {Name: "dialog", Optional: true}, {Name: "uac_auth", Optional: true}},
		New:  func() api.Module { return New() },
		Doc:  "From/To rewriting and client-side authentication",
	})
}

// Restore modes.
const (
	RestoreNone   = "none"
	RestoreManual = "manual"
	RestoreAuto   = "auto"
)

// Module is one uac instance; the fields hold the modparams.
type Module struct {
	RRFromStoreParam string
	RRToStoreParam   string
	RestoreMode      string
	RestorePasswd    string
	ForceDialog      int
	restoreModeSet   bool

	// Legacy holds values of 1.x params moved to uac_auth, by name.
	Legacy map[string]api.ParamValue

	// dlg is the dialog module, when loaded.
	dlg api.DialogAPI
}

// New returns a uac instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{RRFromStoreParam: "vsf", RRToStoreParam: "vst", RestoreMode: RestoreAuto,
		Legacy: map[string]api.ParamValue{}}
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	ps := []api.Param{
		api.StrParam("rr_from_store_param", &m.RRFromStoreParam),
		api.StrParam("rr_to_store_param", &m.RRToStoreParam),
		api.FuncParam("restore_mode", api.ParamStr, false, m.setRestoreMode),
		api.StrParam("restore_passwd", &m.RestorePasswd),
		api.IntParam("force_dialog", &m.ForceDialog),

		// 1.x names.
		{Name: "rr_store_param", Type: api.ParamStr, Legacy: `modparam("uac", "rr_from_store_param", ...)`,
			Set: func(v api.ParamValue) error { m.RRFromStoreParam = v.Str; return nil }},
		{Name: "from_restore_mode", Type: api.ParamStr | api.ParamInt, Legacy: `modparam("uac", "restore_mode", "auto")`,
			Set: m.setRestoreMode},
		{Name: "from_passwd", Type: api.ParamStr, Legacy: `modparam("uac", "restore_passwd", ...)`,
			Set: func(v api.ParamValue) error { m.RestorePasswd = v.Str; return nil }},
	}
	for _, n := range []string{"credential", "auth_username_avp", "auth_realm_avp", "auth_password_avp"} {
		name := n
		ps = append(ps, api.Param{Name: name, Type: api.ParamStr, Multi: name == "credential",
			Legacy: fmt.Sprintf(`loadmodule "uac_auth.so" and modparam("uac_auth", "%s", ...)`, name),
			Set:    func(v api.ParamValue) error { m.Legacy[name] = v; return nil }})
	}
	return ps
}

// setRestoreMode accepts none/manual/auto (case-insensitive); the old
// integer form 0/1/2 maps to the same order.
func (m *Module) setRestoreMode(v api.ParamValue) error {
	m.restoreModeSet = true
	modes := []string{RestoreNone, RestoreManual, RestoreAuto}
	if v.IsInt {
		if v.Int < 0 || v.Int > 2 {
			return fmt.Errorf("invalid restore mode %d (0 none, 1 manual, 2 auto)", v.Int)
		}
		m.RestoreMode = modes[v.Int]
		return nil
	}
	if v.Str == "" {
		m.restoreModeSet = false
		return nil
	}
	for _, md := range modes {
		if strings.EqualFold(v.Str, md) {
			m.RestoreMode = md
			return nil
		}
	}
	return fmt.Errorf("unsupported restore_mode %q (none, manual or auto)", v.Str)
}

// Validate checks the modules the settings need: rr when From/To are
// restored, uac_auth for the moved credentials.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if vc.Loaded == nil {
		return nil
	}
	// As in OpenSIPS, only an explicit restore_mode pulls in rr.
	if m.restoreModeSet && m.RestoreMode != RestoreNone && !vc.Loaded("rr") {
		return fmt.Errorf("restore_mode %q needs loadmodule \"rr.so\" (or set restore_mode \"none\")", m.RestoreMode)
	}
	if _, ok := m.Legacy["credential"]; ok && !vc.Loaded("uac_auth") {
		return fmt.Errorf("credential moved to uac_auth: loadmodule \"uac_auth.so\" and set it there")
	}
	return nil
}

var _ api.Validator = (*Module)(nil)
