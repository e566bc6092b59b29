package sipmsgops

import (
	"math/bits"
	"strings"

	"gosips/api"
	"gosips/sip"
)

// sipToOS maps the bit index of a sip.Method to OpenSIPS' method bit.
var sipToOS = [...]uint32{
	MethodInvite, MethodAck, MethodBye, MethodCancel, MethodRegister, MethodOptions, MethodInfo,
	MethodUpdate, MethodPrack, MethodSubscribe, MethodNotify, MethodMessage, MethodRefer, MethodPublish,
	0, // extension methods
}

// methodBit returns the OpenSIPS bit of the message's method (the CSeq
// method of a reply); 0 for extension methods.
func methodBit(m *sip.Msg) uint32 {
	id := m.MethodID()
	if id == sip.MethodOther {
		// Known methods written in lower case still count as known.
		id = sip.LookupMethod(m.Method())
	}
	if i := bits.TrailingZeros32(uint32(id)); i < len(sipToOS) {
		return sipToOS[i]
	}
	return 0
}

// isMethod is is_method(list).
func isMethod(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	if m == nil {
		return api.RetFalse
	}
	var ms Methods
	switch v := args[0].(type) {
	case Methods:
		ms = v
	case string:
		var err error
		if ms, err = ParseMethods(v); err != nil {
			c.Log.Error("is_method: bad method list", "list", v, "err", err)
			return api.RetFalse
		}
	default:
		return api.RetFalse
	}
	if ms.Other != "" {
		return ret(strings.EqualFold(m.Method(), ms.Other))
	}
	return ret(methodBit(m)&ms.Mask != 0)
}

// hasToTag is has_totag().
func hasToTag(c *api.Ctx, _ []any) api.Ret {
	m := msgOf(c)
	return ret(m != nil && m.ToTag() != "")
}

// isPrivacy is is_privacy(type): the Privacy header lists that value.
func isPrivacy(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	if m == nil {
		return api.RetFalse
	}
	var want Privacy
	switch v := args[0].(type) {
	case Privacy:
		want = v
	case string:
		i := indexFold(PrivacyNames, strings.TrimSpace(v))
		if i < 0 {
			return api.RetFalse
		}
		want = Privacy(1 << i)
	}
	found := false
	m.EachHeader(sip.HdrPrivacy, "", func(h sip.HeaderField) bool {
		for _, tok := range strings.FieldsFunc(h.Value, func(r rune) bool { return r == ';' || r == ',' }) {
			if i := indexFold(PrivacyNames, strings.TrimSpace(tok)); i >= 0 && Privacy(1<<i) == want {
				found = true
				return false
			}
		}
		return true
	})
	return ret(found)
}

// changeReplyStatus is change_reply_status(code, reason) in an
// onreply_route. As in OpenSIPS, a reply cannot become or stop being a
// provisional or a 2xx reply.
func changeReplyStatus(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	if m == nil || m.IsRequest() {
		return api.RetFalse
	}
	code, ok := args[0].(int64)
	if !ok || code < 100 || code > 699 {
		c.Log.Error("change_reply_status: bad code", "code", args[0])
		return api.RetFalse
	}
	old := m.StatusCode()
	if (old < 200) != (code < 200) || (old/100 == 2) != (code/100 == 2) {
		c.Log.Error("change_reply_status: cannot change the reply class", "from", old, "to", code)
		return api.RetFalse
	}
	reason, _ := args[1].(string)
	line := m.FirstLine()
	start := strings.Index(m.String(), line)
	if start < 0 || len(line) < 12 {
		return api.RetFalse
	}
	// "SIP/2.0 " is 8 bytes; the code and reason follow.
	if err := m.ReplaceRange(start+8, start+len(line), itoa3(code)+" "+reason); err != nil {
		return api.RetFalse
	}
	// Later processing (tm) reads the status from the parsed message.
	m.ApplyChanges()
	return api.RetTrue
}

func itoa3(n int64) string {
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
}
