package auth

import (
	"strings"

	"gosips/api"
	"gosips/pv"
	"gosips/sip"
)

// rpid returns the rpid AVP's string value ("" when unset or not a string).
func (m *Module) rpid(c *api.Ctx) string {
	if m.rpidAVP == "" {
		return ""
	}
	var st *pv.AVPStore
	if h, ok := c.Priv.(pv.AVPHolder); ok {
		st = h.AVPs()
	} else if s, ok := c.AVPs.(*pv.AVPStore); ok {
		st = s
	}
	if st == nil {
		return ""
	}
	v := st.Get(m.rpidAVP, 0)
	if !v.IsStr() {
		return ""
	}
	return v.S
}

// appendRPIDHF appends "Remote-Party-ID: <prefix><rpid><suffix>"; prefix
// and suffix come together or not at all (then the module params apply).
func (m *Module) appendRPIDHF(c *api.Ctx, args []any) api.Ret {
	prefix, hasP := args[0].(string)
	suffix, hasS := args[1].(string)
	if hasP != hasS {
		m.log.Error("append_rpid_hf: give both prefix and suffix, or none")
		return api.RetFalse
	}
	if !hasP {
		prefix, suffix = m.RPIDPrefix, m.RPIDSuffix
	}
	rpid := m.rpid(c)
	if rpid == "" || c.Msg == nil {
		return api.RetFalse
	}
	c.Msg.AppendRaw("Remote-Party-ID: " + prefix + rpid + suffix + "\r\n")
	return api.RetTrue
}

// isRPIDUserE164 checks that the rpid AVP's URI user is "+" and 2 to 15
// digits.
func (m *Module) isRPIDUserE164(c *api.Ctx, _ []any) api.Ret {
	rpid := m.rpid(c)
	if rpid == "" {
		return api.RetFalse
	}
	uri := rpid
	if strings.ContainsRune(rpid, '<') {
		na, err := sip.ParseNameAddr(rpid)
		if err != nil {
			return api.RetFalse
		}
		uri = na.URI
	}
	u, err := sip.ParseURI(uri)
	if err != nil || !isE164(u.User) {
		return api.RetFalse
	}
	return api.RetTrue
}

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
