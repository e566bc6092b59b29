// Package script_helper embeds the default routing of simple setups: it
// record-routes initial requests before the request route runs, relays
// sequential requests by their Route headers without running it, and can
// create a dialog for every initial INVITE.
package script_helper

import (
	"errors"
	"fmt"
	"sync"

	"gosips/api"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{Name: "script_helper", Doc: "default record-routing and sequential request handling",
		Deps: []api.Dep{{Name: "rr"}, {Name: "sl"}, {Name: "tm"}},
		New:  func() api.Module { return &Module{} }})
}

// Module is one instance of script_helper.
type Module struct {
	UseDialog         int
	CreateDialogFlags string
	SequentialRoute   string

	rr     api.RRRouter
	tm     api.TMRelayer
	sl     api.Replier
	dlg    api.DialogAPI
	noSeq  sync.Once
	hasSeq bool
}

// Params lists script_helper's parameters (OpenSIPS 3.6 script_helper.c).
func (m *Module) Params() []api.Param {
	return []api.Param{
		{Name: "use_dialog", Type: api.ParamInt, Default: "0", Set: func(v api.ParamValue) error {
			m.UseDialog = int(v.Int)
			return nil
		}},
		{Name: "create_dialog_flags", Type: api.ParamStr, Default: `""`, Set: func(v api.ParamValue) error {
			m.CreateDialogFlags = v.Str
			return nil
		}},
		{Name: "sequential_route", Type: api.ParamStr, Set: func(v api.ParamValue) error {
			m.SequentialRoute = v.Str
			m.hasSeq = v.Str != ""
			return nil
		}},
	}
}

// Funcs: script_helper exports no script function.
func (m *Module) Funcs() []api.Func { return nil }

// Validate requires the dialog module when use_dialog is set (OpenSIPS'
// modparam dependency).
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if m.UseDialog != 0 && !vc.Loaded("dialog") {
		return &api.HintError{Err: errors.New(`use_dialog needs the dialog module`),
			Hint: `loadmodule "dialog.so" before script_helper, or set use_dialog to 0`}
	}
	return nil
}

// Init binds the rr, tm, sl and (with use_dialog) dialog APIs.
func (m *Module) Init(ic *api.InitCtx) error {
	var ok bool
	if m.rr, ok = ic.Module("rr").(api.RRRouter); !ok {
		return errors.New("script_helper: the rr module does not offer its routing API")
	}
	if m.tm, ok = ic.Module("tm").(api.TMRelayer); !ok {
		return errors.New("script_helper: the tm module does not offer its relay API")
	}
	if m.sl, ok = ic.Module("sl").(api.Replier); !ok {
		return errors.New("script_helper: the sl module does not offer its reply API")
	}
	if m.UseDialog != 0 {
		if m.dlg, ok = ic.Module("dialog").(api.DialogAPI); !ok {
			return errors.New("script_helper: use_dialog is set but the dialog module is not loaded")
		}
		if fc, ok := ic.Module("dialog").(api.DialogFlagChecker); ok {
			if err := fc.CheckCreateFlags(m.CreateDialogFlags); err != nil {
				return fmt.Errorf("script_helper: create_dialog_flags: %w", err)
			}
		}
	}
	return nil
}

// FilterRequest implements api.RequestFilter: the default logic, run
// before the request route (OpenSIPS' pre-script callback). It returns
// false when the request was handled here and the request route must not
// run.
func (m *Module) FilterRequest(c *api.Ctx) bool {
	msg := c.Msg
	to, err := msg.To()
	if err != nil || msg.CallID() == "" {
		c.Log.Error("script_helper: failed to parse To/Call-ID header", "err", err)
		return false
	}
	method := msg.MethodID()
	seq := false
	if to.Tag != "" {
		seq = true
		if method == sip.MethodInvite {
			m.rr.RecordRoute(c)
		}
		if m.rr.LooseRoute(c) < 0 {
			if m.dlg != nil && m.dlg.Match(c) == nil {
				c.Log.Debug("script_helper: no dialog for the sequential request",
					"method", msg.Method(), "callid", msg.CallID())
			}
			if method == sip.MethodAck {
				if m.tm.CheckTrans(c) > 0 {
					m.tm.Relay(c)
				}
				return false
			}
			m.reply(c, 404, "Not Here")
			return false
		}
	}
	if method == sip.MethodCancel {
		if m.tm.CheckTrans(c) > 0 {
			m.tm.Relay(c)
		}
		return false
	}
	if m.tm.CheckTrans(c) == api.RetStop {
		return false
	}
	if seq {
		if m.hasSeq {
			if _, ok := c.Core.RunRoute(c, api.RequestRoute, m.SequentialRoute); !ok {
				m.noSeq.Do(func() {
					c.Log.Error("script_helper: sequential_route does not exist, ignoring it", "route", m.SequentialRoute)
				})
			} else if dropped(c) {
				return false
			}
		}
		if m.tm.Relay(c) < 0 {
			m.reply(c, 500, "Server Internal Error")
		}
		return false
	}
	if method != sip.MethodRegister && method != sip.MethodMessage {
		m.rr.RecordRoute(c)
	}
	if m.dlg != nil && method == sip.MethodInvite {
		if _, err := m.dlg.Create(c, m.CreateDialogFlags); err != nil {
			c.Log.Error("script_helper: cannot create the dialog", "err", err)
		}
	}
	return true
}

func (m *Module) reply(c *api.Ctx, code int, reason string) {
	if err := m.sl.Reply(c, code, reason, "", ""); err != nil {
		c.Log.Error("script_helper: cannot send the reply", "code", code, "err", err)
	}
}

// dropped reports whether the route just run on c executed drop (exit
// does not stop the relaying, as in OpenSIPS).
func dropped(c *api.Ctx) bool {
	if d, ok := c.Priv.(interface{ Dropped() bool }); ok {
		return d.Dropped()
	}
	return false
}

var (
	_ api.Module        = (*Module)(nil)
	_ api.Initer        = (*Module)(nil)
	_ api.Validator     = (*Module)(nil)
	_ api.RequestFilter = (*Module)(nil)
)

// NamedRoutes implements api.RouteNamer: sequential_route names a request
// route.
func (m *Module) NamedRoutes() []api.NamedRoute {
	if m.SequentialRoute == "" {
		return nil
	}
	return []api.NamedRoute{{Param: "sequential_route", Kind: api.RequestRoute, Name: m.SequentialRoute}}
}
