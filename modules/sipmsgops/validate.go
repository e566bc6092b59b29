package sipmsgops

import (
	"gosips/api"
	"gosips/sip"
)

// Return codes of sipmsg_validate(); the optional result variable gets the
// matching description.
const (
	validOK          api.Ret = 1
	invalidMsg       api.Ret = -1 // the message did not parse
	invalidHeaders   api.Ret = -2 // a mandatory header is missing or malformed
	invalidCSeq      api.Ret = -3
	invalidCL        api.Ret = -4 // Content-Length disagrees with the body
	invalidMaxFwd    api.Ret = -5
	invalidRURI      api.Ret = -6
	invalidTo        api.Ret = -7
	invalidFrom      api.Ret = -8
	invalidContact   api.Ret = -9
	invalidSDP       api.Ret = -10
	invalidViaHeader api.Ret = -11
)

// validate checks m and returns a code and its description.
func validate(m *sip.Msg, f ValidateFlags) (api.Ret, string) {
	if err := m.Err(); err != nil {
		return invalidMsg, "message does not parse: " + err.Error()
	}
	for _, h := range [...]sip.Hdr{sip.HdrVia, sip.HdrFrom, sip.HdrTo, sip.HdrCallID, sip.HdrCSeq} {
		if _, ok := m.HeaderOf(h, ""); !ok {
			return invalidHeaders, "missing " + h.String() + " header"
		}
	}
	if _, err := m.Vias(); err != nil {
		return invalidViaHeader, "bad Via header"
	}
	if _, _, err := m.CSeq(); err != nil {
		return invalidCSeq, "bad CSeq header"
	}
	if n, ok := m.ContentLength(); ok && n != len(m.Body()) && !m.HasEdits() {
		return invalidCL, "Content-Length does not match the body"
	}
	if f&ValidateNoMaxFwd == 0 && m.IsRequest() {
		if v, present := m.HeaderOf(sip.HdrMaxForwards, ""); present {
			if _, ok := m.MaxForwards(); !ok || v == "" {
				return invalidMaxFwd, "bad Max-Forwards header"
			}
		}
	}
	if f&ValidateHeaders != 0 {
		if _, err := m.From(); err != nil {
			return invalidFrom, "bad From header"
		}
		if _, err := m.To(); err != nil {
			return invalidTo, "bad To header"
		}
	}
	if f&ValidateRURI != 0 && m.IsRequest() {
		if _, err := sip.ParseURI(m.RURI()); err != nil {
			return invalidRURI, "bad Request-URI"
		}
	}
	if f&ValidateTo != 0 && !uriOK(m.To) {
		return invalidTo, "bad To URI"
	}
	if f&ValidateFrom != 0 && !uriOK(m.From) {
		return invalidFrom, "bad From URI"
	}
	if f&ValidateContact != 0 {
		cs, _, err := m.Contacts()
		if err != nil {
			return invalidContact, "bad Contact header"
		}
		for _, c := range cs {
			if _, err := sip.ParseURI(c.URI); err != nil {
				return invalidContact, "bad Contact URI"
			}
		}
	}
	if f&ValidateSDP != 0 {
		if p, ok := sdpPart(m); ok {
			if len(p.content) < 2 || p.content[:2] != "v=" {
				return invalidSDP, "bad SDP body"
			}
		}
	}
	return validOK, "ok"
}

func uriOK(get func() (sip.NameAddr, error)) bool {
	na, err := get()
	if err != nil {
		return false
	}
	_, err = sip.ParseURI(na.URI)
	return err == nil
}

// sipmsgValidate is sipmsg_validate([flags[, result]]).
func sipmsgValidate(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	if m == nil {
		return invalidMsg
	}
	var f ValidateFlags
	switch v := args[0].(type) {
	case ValidateFlags:
		f = v
	case string:
		a := &api.FixArg{Str: v}
		_ = validateFlagsFixup(nil, a)
		f, _ = a.Fixed.(ValidateFlags)
	}
	rc, why := validate(m, f)
	if res, ok := args[1].(api.PVRef); ok {
		if err := res.Set(c, api.StrValue(why)); err != nil {
			c.Log.Debug("sipmsg_validate: cannot set the result", "err", err)
		}
	}
	return rc
}
