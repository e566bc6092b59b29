package sipmsgops

import (
	"strings"

	"gosips/api"
	"gosips/sip"
)

// ruriOf parses the current R-URI.
func ruriOf(c *api.Ctx) (*sip.Msg, sip.URI, bool) {
	m := msgOf(c)
	if m == nil || !m.IsRequest() {
		return nil, sip.URI{}, false
	}
	u, err := sip.ParseURI(m.RURI())
	if err != nil {
		c.Log.Debug("bad request uri", "uri", m.RURI(), "err", err)
		return nil, u, false
	}
	return m, u, true
}

// ruriHasParam is ruri_has_param(name[, value]).
func ruriHasParam(c *api.Ctx, args []any) api.Ret {
	_, u, ok := ruriOf(c)
	name, _ := args[0].(string)
	if !ok || name == "" {
		return api.RetFalse
	}
	v, present := u.Param(name)
	if !present {
		return api.RetFalse
	}
	if args[1] == nil {
		// Without a value only a parameter without one matches.
		return ret(v == "")
	}
	want, _ := args[1].(string)
	return ret(v == want)
}

// ruriAddParam is ruri_add_param("name[=value]").
func ruriAddParam(c *api.Ctx, args []any) api.Ret {
	m, u, ok := ruriOf(c)
	p, _ := args[0].(string)
	p = strings.TrimPrefix(p, ";")
	if !ok || p == "" {
		return api.RetFalse
	}
	if u.Params == "" {
		u.Params = p
	} else {
		u.Params += ";" + p
	}
	m.SetRURI(u.String())
	return api.RetTrue
}

// ruriDelParam is ruri_del_param(name).
func ruriDelParam(c *api.Ctx, args []any) api.Ret {
	m, u, ok := ruriOf(c)
	name, _ := args[0].(string)
	if !ok || name == "" {
		return api.RetFalse
	}
	var kept []string
	found := false
	for _, p := range strings.Split(u.Params, ";") {
		k, _, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), name) {
			found = true
			continue
		}
		if p != "" {
			kept = append(kept, p)
		}
	}
	if !found {
		return api.RetFalse
	}
	u.Params = strings.Join(kept, ";")
	m.SetRURI(u.String())
	return api.RetTrue
}

// ruriTel2SIP is ruri_tel2sip(): tel:NUMBER;params becomes
// sip:NUMBER;params@FROM-HOST;user=phone (RFC 3261 §19.1.6).
func ruriTel2SIP(c *api.Ctx, _ []any) api.Ret {
	m, u, ok := ruriOf(c)
	if !ok {
		return api.RetFalse
	}
	if !u.IsTel() {
		return api.RetTrue
	}
	from, err := m.From()
	if err != nil {
		return api.RetFalse
	}
	fu, err := sip.ParseURI(from.URI)
	if err != nil || fu.Host == "" {
		return api.RetFalse
	}
	user := u.User
	if u.Params != "" {
		user += ";" + u.Params
	}
	m.SetRURI("sip:" + user + "@" + fu.HostPort() + ";user=phone")
	return api.RetTrue
}

// isE164 reports whether s is "+" followed by 2 to 15 digits.
func isE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isURIUserE164 is is_uri_user_e164(uri).
func isURIUserE164(c *api.Ctx, args []any) api.Ret {
	s, _ := args[0].(string)
	u, err := sip.ParseURI(strings.TrimSpace(s))
	if err != nil {
		return api.RetFalse
	}
	return ret(isE164(u.User))
}
