package uac

import (
	"gosips/api"
	"gosips/internal/digest"
	uacauth "gosips/modules/uac_auth"
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
	if _, err := incCSeq(c.Msg, 1); err != nil {
		c.Log.Warn("uac_auth: failure to increment the CSeq header", "err", err)
		return api.RetFalse
	}
	return api.RetTrue
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
