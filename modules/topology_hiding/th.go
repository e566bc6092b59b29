package topology_hiding

import (
	"fmt"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/sip"
)

// Flags are topology_hiding()'s flags.
type Flags struct {
	// KeepUser (U) passes the Contact username to the other side.
	KeepUser bool
	// DIDUser (D) carries the dialog id in the Contact username instead
	// of a URI parameter.
	DIDUser bool
	// KeepCaller, KeepCallee (a, A) keep the Contact advertised to that
	// side for the whole dialog (gosips always does).
	KeepCaller, KeepCallee bool
	// HideCallID (C) sends the callee an encoded Call-ID (dialogs only).
	HideCallID bool
}

// parseFlags parses the flag string of topology_hiding().
func parseFlags(s string) (Flags, error) {
	var f Flags
	for _, ch := range s {
		switch ch {
		case 'U':
			f.KeepUser = true
		case 'D':
			f.DIDUser = true
		case 'a':
			f.KeepCaller = true
		case 'A':
			f.KeepCallee = true
		case 'C':
			f.HideCallID = true
		case ' ':
		default:
			return f, fmt.Errorf("unknown flag %q (expected U, D, a, A or C)", ch)
		}
	}
	return f, nil
}

func flagsFixup(_ *api.FixupCtx, a *api.FixArg) error {
	f, err := parseFlags(a.Str)
	if err != nil {
		return err
	}
	a.Fixed = f
	return nil
}

// modeFixup checks the dlg_match_mode argument of topology_hiding_match.
func modeFixup(_ *api.FixupCtx, a *api.FixArg) error {
	switch strings.TrimSpace(a.Str) {
	case "0", "1", "2":
		a.Fixed = strings.TrimSpace(a.Str)
		return nil
	}
	return fmt.Errorf("dlg_match_mode %q: expected 0, 1 or 2", a.Str)
}

// dlgKey keys the topology hiding state in a dialog's attributes.
type dlgKey struct{}

// state is what topology hiding keeps for a dialog.
type state struct {
	flags Flags
	// callerUser and calleeUser are the Contact usernames advertised to
	// the caller and to the callee ("" = none).
	callerUser, calleeUser string
}

// slotKey keys, in a request's slots (kept by tm for its transaction),
// what the reply editor needs.
type slotKey struct{}

type reqState struct {
	d  api.Dialog
	st *state
	// fromCaller tells whether the request came from the caller (its
	// replies go back to the caller).
	fromCaller bool
	// noDlg is set for requests hidden without a dialog.
	noDlg *noDlgState
}

func (m *Module) topologyHiding(c *api.Ctx, args []any) api.Ret {
	req := c.Msg
	if req == nil || !req.IsRequest() || req.ToTag() != "" {
		m.log.Error("topology_hiding() must be called for an initial request")
		return api.RetFalse
	}
	var fl Flags
	switch v := args[0].(type) {
	case Flags:
		fl = v
	case string:
		var err error
		if fl, err = parseFlags(v); err != nil {
			m.log.Error("topology_hiding: " + err.Error())
			return api.RetFalse
		}
	}
	st := &state{flags: fl}
	if u, ok := args[1].(string); ok && u != "" {
		if !strings.Contains(u, "/") {
			st.callerUser, st.calleeUser = u, u
		} else {
			parts := strings.SplitN(u, "/", 3)
			if len(parts) > 1 {
				st.callerUser = parts[1]
			}
			if len(parts) > 2 {
				st.calleeUser = parts[2]
			}
		}
	}
	var d api.Dialog
	if m.dlg != nil {
		d = m.dlg.Current(c)
		if d == nil && m.ForceDialog != 0 && req.MethodID() == sip.MethodInvite {
			var err error
			if d, err = m.dlg.Create(c, ""); err != nil || d == nil {
				m.log.Error("topology_hiding: cannot create the dialog", "err", err)
				return api.RetFalse
			}
		}
	}
	if d == nil {
		return m.hideNoDialog(c, st)
	}
	if prev, ok := d.Attr(dlgKey{}).(*state); ok && prev != nil {
		// Already engaged for this dialog (a second call, a new branch).
		return api.RetTrue
	}
	d.SetModFlag(uint32(thOngoing | fl.bits()))
	d.SetAttr(dlgKey{}, st)
	// Kept with the dialog (and its database row) for a restart.
	if st.callerUser != "" {
		d.SetValue(m.CallerUsernameVar, api.StrValue(st.callerUser))
	}
	if st.calleeUser != "" {
		d.SetValue(m.CalleeUsernameVar, api.StrValue(st.calleeUser))
	}
	m.hideRequest(c, d, st, true)
	if fl.HideCallID {
		m.setCallID(req, m.encodeCallID(d.CallID()))
		d.SetCalleeCallID(m.encodeCallID(d.CallID()))
	}
	c.SetSlot(slotKey{}, &reqState{d: d, st: st, fromCaller: true})
	return api.RetTrue
}

// thOngoing marks a dialog as topology hidden in its module flags
// (TOPOH_ONGOING).
const thOngoing = 1 << 1

// restoreLoaded re-arms topology hiding for a dialog loaded from the
// database, from its module flags and stored usernames.
func (m *Module) restoreLoaded(e *api.DialogEventInfo) {
	d := e.Dialog
	if d == nil || !d.ModFlag(thOngoing) {
		return
	}
	st := &state{flags: Flags{KeepUser: d.ModFlag(flagKeepUser), HideCallID: d.ModFlag(flagHideCall),
		DIDUser: d.ModFlag(flagDIDInUser), KeepCaller: d.ModFlag(flagKeepAdvA), KeepCallee: d.ModFlag(flagKeepAdvB)}}
	if v, ok := d.Value(m.CallerUsernameVar); ok {
		st.callerUser = v.S
	}
	if v, ok := d.Value(m.CalleeUsernameVar); ok {
		st.calleeUser = v.S
	}
	d.SetAttr(dlgKey{}, st)
	if st.flags.HideCallID {
		d.SetCalleeCallID(m.encodeCallID(d.CallID()))
	}
}

// setCallID replaces the Call-ID the message is sent on with.
func (m *Module) setCallID(msg *sip.Msg, v string) {
	if f, ok := msg.FieldOf(sip.HdrCallID, ""); ok {
		msg.SetHeaderValue(f, v)
	}
}

// hideRequest strips the sender's path from a request and gives the
// receiver our Contact.
func (m *Module) hideRequest(c *api.Ctx, d api.Dialog, st *state, toCallee bool) {
	msg := c.Msg
	msg.RemoveHeaderOf(sip.HdrVia, "Via")
	msg.RemoveHeaderOf(sip.HdrRecordRoute, "Record-Route")
	msg.RemoveHeaderOf(sip.HdrRoute, "Route")
	cs, _, _ := msg.Contacts()
	if len(cs) == 0 {
		return
	}
	msg.RemoveHeaderOf(sip.HdrContact, "Contact")
	user := st.callerUser
	if toCallee {
		user = st.calleeUser
	}
	msg.InsertRawFor(&contactText{m: m, d: d, st: st, orig: cs[0], user: user})
}

// contactText is our Contact header for the socket a request leaves from.
type contactText struct {
	m    *Module
	d    api.Dialog
	st   *state
	orig sip.Contact
	user string
}

func (t *contactText) Text(out *sip.Socket) string {
	return "Contact: " + t.m.contact(t.d, t.st, t.orig, t.user, out) + "\r\n"
}

// contact builds the Contact advertised in place of orig: our address
// (the socket the message leaves from), the dialog id, and the username
// and parameters that pass.
func (m *Module) contact(d api.Dialog, st *state, orig sip.Contact, user string, out *sip.Socket) string {
	host, port := "127.0.0.1", 0
	if out != nil {
		host, port = out.AdvertisedHost(), out.AdvertisedPort()
	}
	u, _ := sip.ParseURI(orig.URI)
	switch {
	case st.flags.DIDUser:
		user = strings.ReplaceAll(d.DID(), ":", ".")
	case st.flags.KeepUser:
		user = u.User
	}
	var b strings.Builder
	b.WriteString("<sip:")
	if user != "" {
		b.WriteString(user)
		b.WriteByte('@')
	}
	b.WriteString(host)
	if port > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(port))
	}
	if !st.flags.DIDUser {
		b.WriteString(";" + m.dlg.RRParam() + "=" + d.DID())
	}
	for _, p := range m.uriParams {
		if v, ok := sip.Param(u.Params, p); ok {
			b.WriteString(";" + p)
			if v != "" {
				b.WriteString("=" + v)
			}
		}
	}
	if t := u.Params; t != "" {
		if v, ok := sip.Param(t, "transport"); ok && v != "" {
			b.WriteString(";transport=" + v)
		}
	}
	b.WriteByte('>')
	for _, p := range m.hdrPars {
		if v, ok := sip.Param(orig.Params, p); ok {
			b.WriteString(";" + p)
			if v != "" {
				b.WriteString("=" + v)
			}
		}
	}
	return b.String()
}

// match is topology_hiding_match(): it matches a sequential request to
// its topology hidden dialog, sends it to the other side's Contact
// through that side's route set, and hides the sender's path.
func (m *Module) match(c *api.Ctx, _ []any) api.Ret {
	req := c.Msg
	if req == nil || req.ToTag() == "" {
		return api.RetFalse
	}
	var d api.Dialog
	if m.dlg != nil {
		d = m.dlg.Match(c)
	}
	if d == nil {
		return m.matchNoDialog(c)
	}
	st, ok := d.Attr(dlgKey{}).(*state)
	if !ok {
		return api.RetFalse
	}
	caller := d.Leg(api.DlgCaller)
	fromCaller := req.FromTag() == caller.Tag
	target := caller
	if fromCaller {
		target = d.Leg(api.DlgCallee)
	}
	ct := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(target.Contact), "<"), ">")
	if ct == "" {
		m.log.Error("topology_hiding_match: the dialog has no contact for the other side", "did", d.DID())
		return api.RetFalse
	}
	m.hideRequest(c, d, st, fromCaller)
	if st.flags.HideCallID && fromCaller {
		m.setCallID(req, m.encodeCallID(d.CallID()))
	}
	req.SetRURI(ct)
	c.DstURI = ""
	if rs := strings.TrimSpace(target.RouteSet); rs != "" {
		req.InsertHeader("Route", rs)
		first, _, _ := strings.Cut(rs, ",")
		first = strings.TrimSpace(first)
		if i := strings.IndexByte(first, '<'); i >= 0 {
			first = first[i+1:]
			if j := strings.IndexByte(first, '>'); j >= 0 {
				first = first[:j]
			}
		}
		if u, err := sip.ParseURI(first); err == nil {
			if _, lr := sip.Param(u.Params, "lr"); lr {
				c.DstURI = first
			} else {
				// A strict router: it becomes the R-URI, the contact the
				// last Route.
				req.SetRURI(first)
			}
		}
	}
	if target.Socket != nil {
		c.ForceSocket = target.Socket
	}
	c.SetSlot(slotKey{}, &reqState{d: d, st: st, fromCaller: fromCaller})
	return api.RetTrue
}

// EditReply hides the path of the side that answered: the sender's Vias
// are restored (the other side only saw ours), Record-Route headers are
// dropped and the Contact becomes ours.
func (m *Module) EditReply(c *api.Ctx, req *sip.Msg, reply *sip.Msg) {
	rs, ok := c.Slot(slotKey{}).(*reqState)
	if !ok || req == nil {
		return
	}
	if rs.noDlg != nil {
		m.editReplyNoDialog(rs.noDlg, req, reply)
		return
	}
	if rs.st.flags.HideCallID {
		if rs.fromCaller {
			// From the callee, to the caller: its real Call-ID.
			if v, ok := m.decodeCallID(reply.CallID()); ok {
				m.setCallID(reply, v)
			}
		} else {
			m.setCallID(reply, m.encodeCallID(rs.d.CallID()))
		}
	}
	var vias strings.Builder
	req.EachHeader(sip.HdrVia, "Via", func(h sip.HeaderField) bool {
		vias.WriteString(req.String()[h.Start:h.End])
		return true
	})
	// The other side only saw our Via, which tm removed.
	reply.InsertRaw(vias.String())
	reply.RemoveHeaderOf(sip.HdrRecordRoute, "Record-Route")
	cs, _, _ := reply.Contacts()
	if len(cs) == 0 {
		return
	}
	reply.RemoveHeaderOf(sip.HdrContact, "Contact")
	var in *sip.Socket
	if r := req.Recv(); r != nil {
		in = r.Socket
	}
	user := rs.st.calleeUser
	if rs.fromCaller {
		user = rs.st.callerUser
	}
	reply.InsertRaw("Contact: " + m.contact(rs.d, rs.st, cs[0], user, in) + "\r\n")
}

var _ api.ReplyEditor = (*Module)(nil)
