package topology_hiding

import (
	"strconv"
	"strings"

	"gosips/api"
	"gosips/pv"
	"gosips/sip"
)

// Topology hiding without a dialog: nothing is kept in memory. The
// Contact advertised to one side carries, in the th_contact_encode_param
// URI parameter, the other side's route set, real Contact, the flags and
// the socket facing it; a sequential request comes back to that Contact
// and topology_hiding_match() rebuilds its R-URI, Route set and socket
// from it. This is how OpenSIPS hides non-INVITE dialogs (SUBSCRIBE) and
// INVITE dialogs when the script creates no dialog.

// noDlgState is what the reply editor needs for a request hidden without
// a dialog.
type noDlgState struct {
	flags Flags
	// initial is set for the initial request: its replies get back the
	// Record-Route set of the caller's side (reqRR).
	initial bool
	reqRR   string
	// routes, when set, is the route set encoded in the reply's Contact
	// (a sequential request: the one it was sent through); else the
	// reply's own Record-Route set, reversed.
	routes string
	// user is the Contact username advertised in the replies ("" = none
	// or the replier's with U).
	user string
}

// hideNoDialog hides an initial request without a dialog.
func (m *Module) hideNoDialog(c *api.Ctx, st *state) api.Ret {
	req := c.Msg
	if st.flags.HideCallID {
		m.log.Warn("topology_hiding: the Call-ID cannot be hidden without a dialog")
	}
	if st.flags.DIDUser {
		m.log.Warn("topology_hiding: no dialog id to put in the Contact username without a dialog")
	}
	rr := routeSet(req, false)
	req.RemoveHeaderOf(sip.HdrVia, "Via")
	req.RemoveHeaderOf(sip.HdrRecordRoute, "Record-Route")
	if !m.encodeContact(req, st.flags, rr, st.calleeUser, recvSocket(req), nil) {
		return api.RetFalse
	}
	ns := &noDlgState{flags: st.flags, initial: true, reqRR: rr}
	if !st.flags.KeepUser {
		ns.user = st.callerUser
	}
	c.SetSlot(slotKey{}, &reqState{st: st, fromCaller: true, noDlg: ns})
	return api.RetTrue
}

// matchNoDialog is topology_hiding_match() for a request that belongs
// to no dialog: it must be addressed to us, carry no Route header and
// have our thinfo parameter in its R-URI.
func (m *Module) matchNoDialog(c *api.Ctx) api.Ret {
	req := c.Msg
	u, err := sip.ParseURI(req.RURI())
	if err != nil {
		return api.RetFalse
	}
	port := u.Port
	if port == 0 {
		port = sip.ParseProto(u.Transport()).DefaultPort()
	}
	if c.Core == nil || !c.Core.IsMyself(u.HostNoBrackets(), port) {
		return api.RetFalse
	}
	if _, ok := req.HeaderOf(sip.HdrRoute, "Route"); ok {
		return api.RetFalse
	}
	v, ok := u.Param(m.ContactParam)
	if !ok || v == "" {
		return api.RetFalse
	}
	info, err := m.decodeInfo(v)
	if err != nil {
		m.log.Error("topology_hiding_match: cannot decode the contact information", "err", err)
		return api.RetFalse
	}
	flagBits, _ := strconv.Atoi(info.flags)
	fl := Flags{KeepUser: flagBits&flagKeepUser != 0}
	ownRR := routeSet(req, false)
	req.RemoveHeaderOf(sip.HdrVia, "Via")
	req.RemoveHeaderOf(sip.HdrRecordRoute, "Record-Route")
	rs := splitRoutes(info.routes)
	strict := false
	if len(rs) > 0 {
		if ru, err := sip.ParseURI(routeURI(rs[0])); err == nil {
			_, lr := ru.Param("lr")
			strict = !lr
		}
	}
	c.DstURI = ""
	used := ""
	if !strict {
		if info.contact != "" {
			req.SetRURI(info.contact)
		}
		if info.routes != "" {
			req.InsertHeader("Route", info.routes)
			c.DstURI = routeURI(rs[0])
			used = info.routes
		}
	} else {
		// The next hop is a strict router: it becomes the R-URI and the
		// Contact the last Route.
		req.SetRURI(routeURI(rs[0]))
		rest := rs[1:]
		if info.contact != "" {
			rest = append(rest, "<"+info.contact+">")
		}
		if len(rest) > 0 {
			req.InsertHeader("Route", strings.Join(rest, ","))
		}
		if len(rs) > 1 {
			used = strings.Join(rs[1:], ",")
		}
	}
	if info.socket != "" {
		if s := m.findSocket(c, info.socket); s != nil {
			c.ForceSocket = s
		} else {
			m.log.Warn("topology_hiding_match: the encoded socket is not ours", "socket", info.socket)
		}
	}
	if !m.encodeContact(req, fl, ownRR, "", recvSocket(req), nil) {
		return api.RetFalse
	}
	c.SetSlot(slotKey{}, &reqState{st: &state{flags: fl}, noDlg: &noDlgState{flags: fl, routes: used}})
	return api.RetTrue
}

// editReplyNoDialog hides the path of the side that answered a request
// hidden without a dialog.
func (m *Module) editReplyNoDialog(ns *noDlgState, req, reply *sip.Msg) {
	routes := ns.routes
	if routes == "" {
		routes = routeSet(reply, true)
	}
	reply.RemoveHeaderOf(sip.HdrRecordRoute, "Record-Route")
	restoreVias(req, reply)
	if ns.initial && ns.reqRR != "" {
		// The caller's side keeps its own Record-Route set.
		reply.InsertRaw("Record-Route: " + ns.reqRR + "\r\n")
	}
	if code := reply.StatusCode(); code >= 300 && code < 400 {
		return
	}
	m.encodeContact(reply, ns.flags, routes, ns.user, recvSocket(reply), recvSocket(req))
}

// restoreVias puts the request's Vias back into a reply: the other side
// only saw ours, which tm removed.
func restoreVias(req, reply *sip.Msg) {
	var vias strings.Builder
	req.EachHeader(sip.HdrVia, "Via", func(h sip.HeaderField) bool {
		vias.WriteString(req.String()[h.Start:h.End])
		return true
	})
	reply.InsertRaw(vias.String())
}

// encodeContact replaces the Contact of msg by ours carrying the encoded
// information: routes towards the side msg came from, its Contact, the
// flags and bind, the socket facing that side. out is the socket msg
// leaves from when known (replies); requests get the text of the socket
// tm sends them from. A message without Contact is left alone.
func (m *Module) encodeContact(msg *sip.Msg, fl Flags, routes, user string, bind, out *sip.Socket) bool {
	cs, _, err := msg.Contacts()
	if err != nil || len(cs) != 1 {
		if err != nil || len(cs) > 1 {
			m.log.Error("topology_hiding: bad Contact header")
			return false
		}
		return true
	}
	orig := cs[0]
	u, _ := sip.ParseURI(orig.URI)
	if user == "" && fl.KeepUser {
		user = u.User
	}
	info := &ctInfo{routes: routes, contact: orig.URI, flags: strconv.Itoa(fl.bits())}
	if bind != nil {
		info.socket = bind.String()
	}
	enc, err := m.encodeInfo(info)
	if err != nil {
		m.log.Error("topology_hiding: cannot encode the contact", "err", err)
		return false
	}
	var tail strings.Builder
	tail.WriteString(";" + m.ContactParam + "=" + enc)
	for _, p := range m.uriParams {
		sip.EachParam(u.Params, func(name, value string) bool {
			if strings.EqualFold(name, p) {
				tail.WriteString(";" + name)
				if value != "" {
					tail.WriteString("=" + value)
				}
			}
			return true
		})
	}
	tail.WriteByte('>')
	for _, p := range m.hdrPars {
		sip.EachParam(orig.Params, func(name, value string) bool {
			if strings.EqualFold(name, p) {
				tail.WriteString(";" + name)
				if value != "" {
					tail.WriteString("=" + value)
				}
			}
			return true
		})
	}
	msg.RemoveHeaderOf(sip.HdrContact, "Contact")
	ct := &encodedContact{user: user, tail: tail.String()}
	if out != nil || !msg.IsRequest() {
		msg.InsertRaw(ct.Text(out))
	} else {
		msg.InsertRawFor(ct)
	}
	return true
}

// encodedContact is the Contact header of hiding without a dialog, for
// the socket the message leaves from.
type encodedContact struct {
	user, tail string
}

func (t *encodedContact) Text(out *sip.Socket) string {
	var b strings.Builder
	b.WriteString("Contact: <sip:")
	if t.user != "" {
		b.WriteString(t.user + "@")
	}
	host, port := "127.0.0.1", 0
	if out != nil {
		host, port = out.AdvertisedHost(), out.AdvertisedPort()
	}
	b.WriteString(host)
	if port > 0 {
		b.WriteString(":" + strconv.Itoa(port))
	}
	if out != nil && out.Proto != sip.ProtoUDP && out.Proto != sip.ProtoNone {
		b.WriteString(";transport=" + out.Proto.String())
	}
	b.WriteString(t.tail)
	b.WriteString("\r\n")
	return b.String()
}

// routeSet returns the Record-Route set of msg as one comma-separated
// value, reversed for replies (the route set seen from the caller).
func routeSet(msg *sip.Msg, reverse bool) string {
	rrs, err := msg.RecordRoutes()
	if err != nil || len(rrs) == 0 {
		return ""
	}
	s := msg.String()
	parts := make([]string, len(rrs))
	for i, r := range rrs {
		j := i
		if reverse {
			j = len(rrs) - 1 - i
		}
		parts[j] = s[r.Start:r.End]
	}
	return strings.Join(parts, ",")
}

// recvSocket is the socket msg was received on (nil for local ones).
func recvSocket(msg *sip.Msg) *sip.Socket {
	if r := msg.Recv(); r != nil {
		return r.Socket
	}
	return nil
}

// findSocket maps an encoded socket ("udp:127.0.0.1:5060") to ours.
func (m *Module) findSocket(c *api.Ctx, s string) *sip.Socket {
	sock, err := sip.ParseSocket(s)
	if err != nil {
		return nil
	}
	f, ok := c.Core.(pv.SocketFinder)
	if !ok {
		return nil
	}
	return f.FindSocket(sock.Proto, sock.IP, sock.Port)
}
