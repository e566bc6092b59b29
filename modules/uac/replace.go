package uac

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/sip"
)

// rrEncoding is OpenSIPS's encoding of the stored URI: base64 with '-'
// as padding, so that it fits in a URI parameter.
var rrEncoding = base64.StdEncoding.WithPadding('-')

// encodeStore builds the RR parameter value that lets the original URI be
// recovered from the new one: old XOR "<new>", optionally XORed with
// restore_passwd, then encoded.
func encodeStore(oldURI, newAngled, passwd string) string {
	a, b := []byte(oldURI), []byte(newAngled)
	if len(a) < len(b) {
		a, b = b, a
	}
	buf := append([]byte(nil), a...)
	for i := range b {
		buf[i] ^= b[i]
	}
	for i := range buf {
		if passwd != "" {
			buf[i] ^= passwd[i%len(passwd)]
		}
	}
	return rrEncoding.EncodeToString(buf)
}

// decodeStore recovers the other URI from the parameter and the URI the
// header now holds (restore_uri).
func decodeStore(param, current, passwd string) (string, error) {
	buf, err := rrEncoding.DecodeString(param)
	if err != nil {
		return "", fmt.Errorf("invalid stored uri %q: %w", param, err)
	}
	for i := range buf {
		if passwd != "" {
			buf[i] ^= passwd[i%len(passwd)]
		}
	}
	if len(buf) < len(current) {
		return "", fmt.Errorf("stored uri shorter than the current one")
	}
	for i := 0; i < len(current); i++ {
		buf[i] ^= current[i]
	}
	if len(buf) == len(current) {
		buf = []byte(strings.TrimRight(string(buf), "\x00"))
	}
	if len(buf) == 0 {
		return "", fmt.Errorf("stored uri decodes to nothing")
	}
	return string(buf), nil
}

// hdrField returns the From (to=false) or To header field and its parsed
// value.
func hdrField(m *sip.Msg, to bool) (sip.HeaderField, sip.NameAddr, error) {
	t := sip.HdrFrom
	get := m.From
	if to {
		t, get = sip.HdrTo, m.To
	}
	f, ok := m.FieldOf(t, "")
	if !ok {
		return f, sip.NameAddr{}, fmt.Errorf("no %s header", t)
	}
	na, err := get()
	if err != nil {
		return f, na, fmt.Errorf("cannot parse %s: %w", t, err)
	}
	return f, na, nil
}

// quoteDisplay turns a run-time display name into its header form.
func quoteDisplay(s string) string {
	if s == "" || isToken(s) || len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// buildValue writes a From/To value: display, "<uri>", header params.
func buildValue(display, uri, params string) string {
	var b strings.Builder
	if display != "" {
		b.WriteString(display)
		b.WriteByte(' ')
	}
	b.WriteString(uri)
	if params != "" {
		b.WriteByte(';')
		b.WriteString(params)
	}
	return b.String()
}

// replace is uac_replace_from/to: rewrite the display name (nil display =
// keep it, "" = remove it) and the URI, and store what is needed to
// restore the original in a Record-Route parameter.
func (m *Module) replace(c *api.Ctx, display *string, uri string, to bool) api.Ret {
	msg := c.Msg
	what := "uac_replace_from"
	if to {
		what = "uac_replace_to"
	}
	if msg == nil || !msg.IsRequest() {
		return api.RetFalse
	}
	if m.RestoreMode == RestoreAuto && uri != "" && msg.ToTag() != "" {
		c.Log.Error(what + ": declining to replace in a sequential request in auto mode (has To tag)")
		return api.RetFalse
	}
	f, na, err := hdrField(msg, to)
	if err != nil {
		c.Log.Error(what+": "+err.Error(), "callid", msg.CallID())
		return api.RetFalse
	}
	disp := na.Display
	if display != nil {
		disp = quoteDisplay(*display)
	}
	newURI := "<" + na.URI + ">"
	if uri != "" {
		if _, err := sip.ParseURI(uri); err != nil {
			c.Log.Error(what+": bad uri", "uri", uri, "err", err)
			return api.RetFalse
		}
		newURI = "<" + uri + ">"
	}
	if uri != "" && m.RestoreMode != RestoreNone {
		remember(c, to, na)
	}
	msg.SetHeaderValue(f, buildValue(disp, newURI, na.Params))
	if uri == "" || m.RestoreMode == RestoreNone {
		return api.RetTrue
	}
	if m.storeInDialog(c, to, na.URI, newURI) {
		return api.RetTrue
	}
	param := m.RRFromStoreParam
	if to {
		param = m.RRToStoreParam
	}
	enc := encodeStore(na.URI, newURI, m.RestorePasswd)
	if !callRR(c, "add_rr_param", ";"+param+"="+enc) {
		c.Log.Error(what + ": add_rr_param failed (is rr loaded?)")
		return api.RetFalse
	}
	return api.RetTrue
}

// callRR calls one of rr's script functions through its export table.
func callRR(c *api.Ctx, name string, args ...any) bool {
	if c.Core == nil {
		return false
	}
	mod := c.Core.Module("rr")
	if mod == nil {
		return false
	}
	for _, f := range mod.Funcs() {
		if f.Name == name && f.Call != nil {
			full := make([]any, len(f.Args))
			copy(full, args)
			return f.Call(c, full) > 0
		}
	}
	return false
}

// storedParam finds the store parameter in the Route headers that point
// to us, with the ftag of that Route (for the direction).
func storedParam(c *api.Ctx, name string) (val, ftag string, ok bool) {
	routes, err := c.Msg.Routes()
	if err != nil {
		return "", "", false
	}
	for _, r := range routes {
		u, err := sip.ParseURI(r.URI)
		if err != nil {
			continue
		}
		v, found := u.Param(name)
		if !found || v == "" {
			continue
		}
		if c.Core != nil && !c.Core.IsMyself(u.HostNoBrackets(), u.Port) {
			continue
		}
		ftag, _ = u.Param("ftag")
		return v, ftag, true
	}
	return "", "", false
}

// restore is restore_uri: in a sequential request, put back the URI the
// replace changed. fromParam selects the From store (vsf) or the To store
// (vst). Downstream requests get the new URI in the header it was set
// in; upstream ones get the original in the opposite header.
func (m *Module) restore(c *api.Ctx, toParam bool) bool {
	msg := c.Msg
	if msg == nil || !msg.IsRequest() {
		return false
	}
	name := m.RRFromStoreParam
	if toParam {
		name = m.RRToStoreParam
	}
	val, ftag, ok := storedParam(c, name)
	if !ok {
		return false
	}
	upstream := ftag != "" && msg.FromTag() != "" && msg.FromTag() != ftag
	// The From store is restored in To for upstream requests, and the To
	// store in From.
	inTo := upstream != toParam
	f, na, err := hdrField(msg, inTo)
	if err != nil {
		c.Log.Error("uac restore: " + err.Error())
		return false
	}
	// Upstream requests carry "<new>" and get the bare original back;
	// downstream ones carry the original and get "<new>".
	current := na.URI
	if upstream {
		current = "<" + na.URI + ">"
	}
	other, err := decodeStore(val, current, m.RestorePasswd)
	if err != nil {
		c.Log.Error("uac restore: "+err.Error(), "callid", msg.CallID())
		return false
	}
	uri := other
	if !upstream {
		uri = strings.TrimSuffix(strings.TrimPrefix(other, "<"), ">")
	}
	remember(c, inTo, na)
	msg.SetHeaderValue(f, buildValue(na.Display, "<"+uri+">", na.Params))
	return true
}

// FilterRequest implements the automatic restore: in auto mode every
// sequential request whose Route carries a store parameter of ours is
// fixed before the script runs, as OpenSIPS does from loose_route().
func (m *Module) FilterRequest(c *api.Ctx) bool {
	if m.RestoreMode != RestoreAuto || c.Msg == nil || !c.Msg.IsRequest() || c.Msg.ToTag() == "" {
		return true
	}
	if _, ok := c.Msg.Header("Route"); !ok {
		return true
	}
	m.restore(c, false)
	m.restore(c, true)
	return true
}

// incCSeq adds n to the CSeq number of the request.
func incCSeq(msg *sip.Msg, n int) (uint32, error) {
	num, method, err := msg.CSeq()
	if err != nil {
		return 0, err
	}
	f, ok := msg.FieldOf(sip.HdrCSeq, "")
	if !ok {
		return 0, fmt.Errorf("no CSeq header")
	}
	next := uint32(int64(num) + int64(n))
	msg.SetHeaderValue(f, strconv.FormatUint(uint64(next), 10)+" "+method)
	return next, nil
}

var _ api.RequestFilter = (*Module)(nil)
