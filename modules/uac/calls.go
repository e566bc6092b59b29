package uac

import (
	"strconv"

	"gosips/api"
	"gosips/internal/digest"
	uacauth "gosips/modules/uac_auth"
	"gosips/sip"
)

func (m *Module) callReplace(to bool) func(c *api.Ctx, args []any) api.Ret {
	return func(c *api.Ctx, args []any) api.Ret {
		var display *string
		if s, ok := args[0].(string); ok {
			display = &s
		}
		uri, _ := args[1].(string)
		return m.replace(c, display, uri, to)
	}
}

func (m *Module) callRestore(to bool) func(c *api.Ctx, _ []any) api.Ret {
	return func(c *api.Ctx, _ []any) api.Ret {
		if m.RestoreMode == RestoreNone {
			return api.RetFalse
		}
		if !m.restore(c, to) {
			return api.RetFalse
		}
		return api.RetTrue
	}
}

// callAuth is uac_auth([algorithms]): answer the 401/407 of the failure
// route with credentials from uac_auth, on the request the script will
// relay again, whose CSeq goes up by one.
func (m *Module) callAuth(c *api.Ctx, args []any) api.Ret {
	var algs digest.Algorithms
	switch v := args[0].(type) {
	case digest.Algorithms:
		algs = v
	case string:
		if v != "" {
			a, err := digest.ParseAlgorithms(v)
			if err != nil {
				c.Log.Error("uac_auth: " + err.Error())
				return api.RetFalse
			}
			algs = a
		}
	}
	if c.Msg == nil || c.Reply == nil || !c.Msg.IsRequest() {
		c.Log.Error("uac_auth: no challenge reply (call it in failure_route)")
		return api.RetFalse
	}
	code := c.Reply.StatusCode()
	if code != 401 && code != 407 {
		c.Log.Error("uac_auth: the reply is not a challenge", "code", code)
		return api.RetFalse
	}
	var store *uacauth.Module
	if c.Core != nil {
		store, _ = c.Core.Module("uac_auth").(*uacauth.Module)
	}
	if store == nil {
		c.Log.Error("uac_auth: the uac_auth module is not loaded")
		return api.RetFalse
	}
	ch, err := uacauth.PickChallenge(c.Reply, algs)
	if err != nil {
		c.Log.Error("uac_auth: unable to extract a compatible authentication challenge", "err", err)
		return api.RetFalse
	}
	cred, ok := store.Credential(c, ch.Realm)
	if !ok {
		c.Log.Debug("uac_auth: no credential for realm", "realm", ch.Realm)
		return api.RetFalse
	}
	uri := c.Msg.RURI()
	body := ""
	if ch.QopAuthInt && !ch.QopAuth {
		body = c.Msg.Body()
	}
	hv := uacauth.Authorization(ch, cred, c.Msg.Method(), uri, body)
	name := uacauth.HeaderName(code)
	c.Msg.RemoveHeader(name)
	c.Msg.AppendHeader(name, hv)
	if !shiftCSeq(c) {
		c.Log.Warn("uac_auth: failure to increment the CSeq header")
		return api.RetFalse
	}
	// An initial request marks its dialog so that the caller's later
	// requests get the same CSeq shift (the Record-Route parameter
	// OpenSIPS calls "aci"; without dialog support the shift stays one).
	if c.Msg.ToTag() == "" && c.Core != nil {
		if rr, ok := c.Core.Module("rr").(api.RRAPI); ok && !rr.AddRRParam(c, ";"+cseqParam+"=1") {
			c.Log.Error("uac_auth: cannot add the Record-Route parameter")
			return api.RetFalse
		}
	}
	return api.RetTrue
}

// cseqParam is the Record-Route parameter marking a dialog whose
// downstream CSeq is one above the caller's.
const cseqParam = "aci"

// shiftCSeq raises the CSeq of the request in c by one and arranges for
// the replies relayed to the caller to carry its own CSeq back.
func shiftCSeq(c *api.Ctx) bool {
	orig, _, err := c.Msg.CSeq()
	if err != nil {
		return false
	}
	if _, err := incCSeq(c.Msg, 1); err != nil {
		return false
	}
	if c.Core == nil {
		return true
	}
	if h, ok := c.Core.Module("tm").(api.TxHooks); ok {
		h.HookTx(c, &api.TxHook{ReplyOut: func(e *api.TxEvent) {
			if !e.Local && e.Reply != nil {
				setCSeq(e.Reply, orig)
			}
		}})
	}
	return true
}

// setCSeq gives a reply the CSeq number n.
func setCSeq(m *sip.Msg, n uint32) {
	num, method, err := m.CSeq()
	if err != nil || num == n {
		return
	}
	if f, ok := m.FieldOf(sip.HdrCSeq, ""); ok {
		m.SetHeaderValue(f, strconv.FormatUint(uint64(n), 10)+" "+method)
	}
}

// authRouteCheck runs when loose_route() used a Route of ours: a
// downstream request of a dialog whose INVITE uac_auth() answered gets
// the same CSeq shift (OpenSIPS rr_uac_auth_checker).
func (m *Module) authRouteCheck(c *api.Ctx, params string) {
	if _, ok := sip.Param(params, cseqParam); !ok || c.Msg == nil {
		return
	}
	if rr, ok := c.Core.Module("rr").(api.RRAPI); ok {
		if up, known := rr.Direction(c); known && up {
			return
		}
	}
	if !shiftCSeq(c) {
		c.Log.Warn("uac: failure to increment the CSeq header")
	}
}

func (m *Module) callIncCSeq(c *api.Ctx, args []any) api.Ret {
	n, _ := args[0].(int64)
	if c.Msg == nil || !c.Msg.IsRequest() {
		return api.RetFalse
	}
	if _, err := incCSeq(c.Msg, int(n)); err != nil {
		c.Log.Error("uac_inc_cseq: " + err.Error())
		return api.RetFalse
	}
	return api.RetTrue
}
