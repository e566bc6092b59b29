// Package puadialoginfo is the pua_dialoginfo module: it follows the
// dialogs marked with dialoginfo_set() and publishes their state
// (trying, early, confirmed, terminated) as dialog-info documents for
// the caller and the callee through pua, for busy lamp fields.
package puadialoginfo

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"gosips/api"
	"gosips/modules/internal/presxml"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "pua_dialoginfo",
		Deps: []api.Dep{{Name: "dialog"}, {Name: "pua"}},
		New:  func() api.Module { return New() },
		Doc:  "publish the state of dialogs as dialog-info (busy lamp fields)",
	})
}

// Module is one pua_dialoginfo instance.
type Module struct {
	IncludeCallID      int
	IncludeLocalRemote int
	IncludeTags        int
	CallerConfirmed    int
	PublishOnTrying    int
	PresenceServer     string
	CallerSpec         string
	CalleeSpec         string
	OsipsPS            int
	NoPublishFlag      string

	log *slog.Logger
	dlg api.DialogAPI
	pua api.Publisher
}

// New returns a pua_dialoginfo instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{IncludeCallID: 1, IncludeLocalRemote: 1, IncludeTags: 1, OsipsPS: 1}
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.IntParam("include_callid", &m.IncludeCallID),
		api.IntParam("include_localremote", &m.IncludeLocalRemote),
		api.IntParam("include_tags", &m.IncludeTags),
		api.IntParam("caller_confirmed", &m.CallerConfirmed),
		api.IntParam("publish_on_trying", &m.PublishOnTrying),
		api.StrParam("presence_server", &m.PresenceServer),
		api.IgnoredParam(api.StrParam("caller_spec_param", &m.CallerSpec), "the caller is always the From URI"),
		api.IgnoredParam(api.StrParam("callee_spec_param", &m.CalleeSpec), "the callee is always the request-URI"),
		api.IntParam("osips_ps", &m.OsipsPS),
		api.IgnoredParam(api.StrParam("nopublish_flag", &m.NoPublishFlag), "every marked dialog is published"),
	}
}

// Funcs declares dialoginfo_set and the per-branch functions (not
// implemented).
func (m *Module) Funcs() []api.Func {
	return []api.Func{
		{Name: "dialoginfo_set", Routes: api.RequestRoute,
			Args:    []api.Arg{{Name: "side", Type: api.ArgStr, Optional: true, Fixup: sideFixup}},
			Returns: "1 the dialog will be published; -1 error",
			Call: func(c *api.Ctx, args []any) api.Ret {
				side, _ := args[0].(string)
				return m.set(c, side)
			}},
		{Name: "dialoginfo_set_branch_callee", Routes: api.BranchRoute,
			Args: []api.Arg{{Name: "callee", Type: api.ArgStr}}},
		{Name: "dialoginfo_mute_branch", Routes: api.BranchRoute,
			Args: []api.Arg{{Name: "side", Type: api.ArgStr, Optional: true}}},
	}
}

// sideFixup checks a literal side ("A", "B" or both).
func sideFixup(_ *api.FixupCtx, a *api.FixArg) error {
	for _, r := range a.Str {
		if r != 'A' && r != 'B' {
			return errors.New(`side must be made of "A" (caller) and "B" (callee)`)
		}
	}
	return nil
}

// Init binds the dialog and pua modules.
func (m *Module) Init(ic *api.InitCtx) error {
	m.log = ic.Log
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if ic.Module == nil {
		return errors.New("pua_dialoginfo: no module lookup")
	}
	var ok bool
	if m.dlg, ok = ic.Module("dialog").(api.DialogAPI); !ok {
		return errors.New("pua_dialoginfo: the dialog module is not loaded")
	}
	if m.pua, ok = ic.Module("pua").(api.Publisher); !ok {
		return errors.New("pua_dialoginfo: the pua module is not loaded")
	}
	return nil
}

// call is what is published for one dialog.
type call struct {
	// callerPres and calleePres are the presentities (sip:user@host);
	// caller and callee the parties as the INVITE named them.
	callerPres, calleePres string
	caller, callee         presxml.DialogPart
	callID, fromTag        string
	pubCaller, pubCall     bool
}

// set is dialoginfo_set([side]).
func (m *Module) set(c *api.Ctx, side string) api.Ret {
	msg := c.Msg
	if msg == nil || !msg.IsRequest() || msg.MethodID() != sip.MethodInvite {
		c.Log.Error("dialoginfo_set: not an INVITE")
		return api.RetFalse
	}
	d := m.dlg.Current(c)
	if d == nil {
		var err error
		if d, err = m.dlg.Create(c, ""); err != nil {
			c.Log.Error("dialoginfo_set: cannot create the dialog", "err", err)
			return api.RetFalse
		}
	}
	from, err := msg.From()
	if err != nil {
		return api.RetFalse
	}
	to, _ := msg.To()
	k := &call{callID: msg.CallID(), fromTag: from.Tag, callerPres: plainURI(from.URI), calleePres: plainURI(c.RURI()),
		caller:    presxml.DialogPart{URI: from.URI, Display: from.DisplayName()},
		callee:    presxml.DialogPart{URI: c.RURI(), Display: to.DisplayName()},
		pubCaller: side == "" || strings.Contains(side, "A"), pubCall: side == "" || strings.Contains(side, "B")}
	d.Register(api.DlgCbEarly|api.DlgCbConfirmed|api.DlgCbFailed|api.DlgCbTerminated|api.DlgCbExpired,
		func(e *api.DialogEventInfo) { m.onEvent(k, e) })
	if m.PublishOnTrying != 0 {
		m.publish(k, "trying", "", 0)
	}
	return api.RetTrue
}

// plainURI drops the port-less parameters and headers of a URI: the
// presentity is sip:user@host.
func plainURI(uri string) string {
	u, err := sip.ParseURI(strings.TrimSpace(uri))
	if err != nil || u.Host == "" {
		return uri
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme == "" {
		scheme = "sip"
	}
	if u.User == "" {
		return scheme + ":" + u.Host
	}
	return scheme + ":" + u.User + "@" + u.Host
}

// onEvent publishes the state a dialog event brings.
func (m *Module) onEvent(k *call, e *api.DialogEventInfo) {
	toTag := ""
	lifetime := 0
	if e.Dialog != nil {
		toTag = e.Dialog.Leg(api.DlgCallee).Tag
		lifetime = int(e.Dialog.Lifetime().Seconds())
	}
	if toTag == "" && e.Msg != nil && !e.Msg.IsRequest() {
		toTag = e.Msg.ToTag()
	}
	switch e.Type {
	case api.DlgCbEarly:
		m.publish(k, "early", toTag, 0)
	case api.DlgCbConfirmed:
		if lifetime <= 0 {
			lifetime = 43200
		}
		m.publish(k, "confirmed", toTag, lifetime)
	case api.DlgCbFailed, api.DlgCbTerminated, api.DlgCbExpired:
		m.publish(k, "terminated", toTag, -1)
	}
}

// publish sends the state of the dialog for the caller and the callee;
// expires 0 uses pua's default, -1 ends the publication (Expires: 0).
func (m *Module) publish(k *call, state, toTag string, expires int) {
	exp := expires
	switch {
	case expires < 0:
		exp = 0
	case expires == 0:
		exp = -1
	}
	send := func(pres string, entity, peer presxml.DialogPart, initiator bool, local, remote, st string) {
		doc := presxml.DialogDoc{Entity: pres, Local: entity, Peer: peer, ID: k.callID, CallID: k.callID, State: st,
			Initiator: initiator, LocalTag: local, RemoteTag: remote, WithCallID: m.IncludeCallID != 0,
			WithTags: m.IncludeTags != 0, WithLocalRemote: m.IncludeLocalRemote != 0}
		p := &api.Publication{PresURI: pres, ID: k.callID, Event: "dialog",
			ContentType: "application/dialog-info+xml", Body: string(doc.Build()), Expires: exp,
			OutboundProxy: m.PresenceServer}
		if err := m.pua.Publish(context.Background(), p); err != nil {
			m.log.Error("publishing dialog state failed", "presentity", pres, "state", st, "err", err)
		}
	}
	if k.pubCaller {
		st := state
		if st == "early" && m.CallerConfirmed != 0 {
			st = "confirmed"
		}
		send(k.callerPres, k.caller, k.callee, true, k.fromTag, toTag, st)
	}
	if k.pubCall && state != "trying" {
		send(k.calleePres, k.callee, k.caller, false, toTag, k.fromTag, state)
	}
}

var _ api.Initer = (*Module)(nil)
