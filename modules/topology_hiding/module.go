// Package topology_hiding hides the topology of a call from both of its
// sides: the Via, Record-Route and Route headers one side's path left in
// a request or reply never reach the other side, and each side sees gosips'
// address as the other side's Contact. Sequential requests are matched
// back to their dialog with topology_hiding_match() and routed to the
// other side from what the dialog learned.
package topology_hiding

import (
	"fmt"
	"log/slog"
	"strings"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "topology_hiding",
		Deps: []api.Dep{{Name: "tm"}, {Name: "dialog", Optional: true}},
		New:  func() api.Module { return New() },
		Doc:  "topology hiding of SIP dialogs",
	})
}

// Module is one instance of topology_hiding; the fields hold the modparams.
type Module struct {
	ForceDialog        int
	PassedURIParams    string
	PassedHdrParams    string
	CallIDPasswd       string
	CallIDPrefix       string
	ContactPasswd      string
	ContactParam       string
	ContactScheme      string
	CallerUsernameVar  string
	CalleeUsernameVar  string
	uriParams, hdrPars []string

	dlg api.DialogAPI
	log *slog.Logger
}

// New returns an instance with OpenSIPS 3.6's defaults.
func New() *Module {
	return &Module{CallIDPasswd: "OpenSIPS", CallIDPrefix: "DLGCH_", ContactPasswd: "ToPoCtPaSS",
		ContactParam: "thinfo", ContactScheme: "base64",
		CallerUsernameVar: "_th_contact_caller_username_var_", CalleeUsernameVar: "_th_contact_callee_username_var_",
		log: slog.New(slog.DiscardHandler)}
}

// Params lists the parameters (OpenSIPS 3.6 topology_hiding.c).
func (m *Module) Params() []api.Param {
	str := func(name string, dst *string, def string) api.Param {
		p := api.StrParam(name, dst)
		p.Default = def
		return p
	}
	force := api.IntParam("force_dialog", &m.ForceDialog)
	force.Default = "0"
	return []api.Param{
		force,
		{Name: "th_passed_contact_uri_params", Type: api.ParamStr, Set: func(v api.ParamValue) error {
			m.PassedURIParams, m.uriParams = v.Str, splitNames(v.Str)
			return nil
		}},
		{Name: "th_passed_contact_params", Type: api.ParamStr, Set: func(v api.ParamValue) error {
			m.PassedHdrParams, m.hdrPars = v.Str, splitNames(v.Str)
			return nil
		}},
		str("th_callid_passwd", &m.CallIDPasswd, "OpenSIPS"),
		str("th_callid_prefix", &m.CallIDPrefix, "DLGCH_"),
		str("th_contact_encode_passwd", &m.ContactPasswd, "ToPoCtPaSS"),
		str("th_contact_encode_param", &m.ContactParam, "thinfo"),
		{Name: "th_contact_encode_scheme", Type: api.ParamStr, Default: "base64", Set: func(v api.ParamValue) error {
			if v.Str != "base64" && v.Str != "base32" {
				return fmt.Errorf("unknown encoding scheme %q (expected base64 or base32)", v.Str)
			}
			m.ContactScheme = v.Str
			return nil
		}},
		str("th_contact_caller_username_var", &m.CallerUsernameVar, "_th_contact_caller_username_var_"),
		str("th_contact_callee_username_var", &m.CalleeUsernameVar, "_th_contact_callee_username_var_"),
	}
}

func splitNames(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Funcs lists the script functions.
func (m *Module) Funcs() []api.Func {
	return []api.Func{
		{Name: "topology_hiding", Routes: api.RequestRoute,
			Args: []api.Arg{
				{Name: "flags", Type: api.ArgStr, Optional: true, Fixup: flagsFixup},
				{Name: "usernames", Type: api.ArgStr, Optional: true},
			},
			Call: m.topologyHiding, Returns: "1 the dialog is topology hidden, -1 error"},
		{Name: "topology_hiding_match", Routes: api.RequestRoute,
			Args: []api.Arg{{Name: "dlg_match_mode", Type: api.ArgStr, Optional: true, Fixup: modeFixup}},
			Call: m.match, Returns: "1 matched and fixed, -1 not a topology hiding dialog"},
	}
}

// Init binds to the dialog module.
func (m *Module) Init(ic *api.InitCtx) error {
	m.log = ic.Log
	// Without the dialog module every call is hidden without a dialog.
	if d, ok := ic.Module("dialog").(api.DialogAPI); ok {
		m.dlg = d
		d.OnDialog(api.DlgCbLoaded, m.restoreLoaded)
	} else if m.ForceDialog != 0 {
		return fmt.Errorf("topology_hiding: force_dialog needs loadmodule \"dialog.so\"")
	}
	return nil
}

var (
	_ api.Initer = (*Module)(nil)
)
