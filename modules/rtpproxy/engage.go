package rtpproxy

import (
	"context"
	"strings"

	"gosips/api"
)

// engageKey holds a dialog's engage state (Dialog.Attr).
type engageKey struct{}

// engaged is what rtpproxy_engage() keeps in its dialog: the arguments
// reused for every later offer/answer, and whether the negotiation is
// late (an INVITE or UPDATE without SDP, answered by an offer).
type engaged struct {
	flags, ip string
	set       any // int64 set id, or nil for default_set
	late      bool
	hooked    bool
}

// engage is rtpproxy_engage(): it creates the dialog of an initial
// INVITE, relays its SDP (or notes a late negotiation) and lets the
// dialog drive the rest: the SDP of the replies to the INVITE, of
// sequential requests and their replies, and the session's deletion when
// the call fails or ends.
func (m *Module) engage(c *api.Ctx, args []any) api.Ret {
	msg := c.Msg
	if msg == nil || !msg.IsRequest() || msg.Method() != "INVITE" {
		c.Log.Error("rtpproxy_engage: this function can only be called from INVITE")
		return api.RetFalse
	}
	if msg.ToTag() != "" {
		c.Log.Error("rtpproxy_engage: function can only be called from the initial INVITE")
		return api.RetFalse
	}
	if m.dlg == nil {
		c.Log.Error(`rtpproxy_engage: needs loadmodule "dialog.so"`)
		return api.RetFalse
	}
	d, err := m.dlg.Create(c, "")
	if err != nil {
		c.Log.Error("rtpproxy_engage: error creating dialog", "err", err)
		return api.RetFalse
	}
	e, _ := d.Attr(engageKey{}).(*engaged)
	if e == nil {
		e = &engaged{}
	}
	e.flags, _ = args[0].(string)
	e.ip, _ = args[1].(string)
	if n, ok := args[2].(int64); ok {
		if m.sets.Load().ByID(int(n)) == nil {
			c.Log.Warn("rtpproxy_engage: no such set, using default_set", "set", n)
		} else {
			e.set = n
		}
	}
	if hasSDP(msg.Body()) {
		full := []any{args[0], args[1], e.set, args[3], args[4], nil}
		if r := m.offerAnswer(c, true, full); r != api.RetTrue {
			c.Log.Error("rtpproxy_engage: error forcing rtp proxy")
			return api.RetFalse
		}
	} else {
		e.late = true
	}
	d.SetAttr(engageKey{}, e)
	if e.hooked {
		return api.RetTrue
	}
	e.hooked = true
	d.Register(api.DlgCbResponseFwded|api.DlgCbResponseWithin|api.DlgCbReqWithin, m.engageEvent)
	d.Register(api.DlgCbFailed|api.DlgCbTerminated, m.engageClose)
	return api.RetTrue
}

// hasSDP reports a body that looks like SDP (a "v=" first line), as
// OpenSIPS' has_body_part(application/sdp) does for a single body.
func hasSDP(body string) bool {
	return strings.HasPrefix(strings.TrimLeft(body, " \t\r\n"), "v=")
}

// engageEvent handles a message of an engaged dialog: replies to the
// INVITE, sequential requests and their replies.
func (m *Module) engageEvent(ev *api.DialogEventInfo) {
	c, msg := ev.Ctx, ev.Msg
	if c == nil || msg == nil {
		return
	}
	if c.Log == nil {
		c.Log = m.log
	}
	e, _ := ev.Dialog.Attr(engageKey{}).(*engaged)
	if e == nil {
		return
	}
	_, method, err := msg.CSeq()
	if err != nil {
		c.Log.Error("rtpproxy_engage: cannot parse CSeq", "err", err)
		return
	}
	offer := e.late
	sdp := hasSDP(msg.Body())
	if method == "ACK" {
		switch {
		case !offer && sdp:
			c.Log.Error("rtpproxy_engage: not a late negotiation - ACK cannot have SDP body")
			return
		case offer && !sdp:
			c.Log.Error("rtpproxy_engage: ACK of a late negotiation that doesn't have SDP body")
			return
		case !sdp:
			return
		}
		e.late = false
	} else if !sdp {
		if msg.IsRequest() && (method == "INVITE" || method == "UPDATE") {
			e.late = true
		}
		return
	}
	saved := c.Msg
	c.Msg = msg
	defer func() { c.Msg = saved }()
	var ip any
	if e.ip != "" {
		ip = e.ip
	}
	m.offerAnswer(c, offer, []any{e.flags, ip, e.set, nil, nil, nil})
}

// engageClose deletes the session when the call fails or ends.
func (m *Module) engageClose(ev *api.DialogEventInfo) {
	d := ev.Dialog
	e, _ := d.Attr(engageKey{}).(*engaged)
	if e == nil {
		return
	}
	from, to := d.Leg(api.DlgCaller).Tag, d.Leg(api.DlgCallee).Tag
	cmd := "D " + d.CallID() + " " + from
	if to != "" {
		cmd += " " + to
	}
	c := ev.Ctx
	if c == nil {
		c = &api.Ctx{Context: context.Background()}
	}
	if c.Log == nil {
		c.Log = m.log
	}
	if _, _, err := m.command(c, m.set(e.set), d.CallID(), cmd, nil, false); err != nil {
		c.Log.Error("rtpproxy_engage: deleting the session failed", "callid", d.CallID(), "err", err)
	}
}
