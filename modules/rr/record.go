package rr

import (
	"strconv"
	"strings"

	"gosips/api"
	"gosips/modules/core"
	"gosips/sip"
)

// slotKey keys rr's per-message state in api.Ctx slots.
type slotKey struct{}

// state is rr's per-message context: parameters added by add_rr_param()
// before record_route(), whether a Record-Route was inserted (and how many
// headers), and the parameters of the Route loose_route() consumed.
type state struct {
	pending  string
	inserted int
	params   string
	routed   bool
	ours     bool // loose_route() consumed a Route (or R-URI) of ours
}

func stateOf(c *api.Ctx) *state {
	if s, ok := c.Slot(slotKey{}).(*state); ok {
		return s
	}
	s := &state{}
	c.SetSlot(slotKey{}, s)
	return s
}

// sockAddr formats the address part of a Record-Route URI for socket s:
// host, the port unless it is 5060 and not advertised, and a transport
// parameter for anything but UDP (as OpenSIPS' lumps print it).
func sockAddr(b *strings.Builder, c *api.Ctx, s *sip.Socket) {
	host, port := core.AdvertisedAddr(c, s)
	if strings.IndexByte(host, ':') >= 0 && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	b.WriteString(host)
	if port != 0 && (port != 5060 || (s != nil && s.AdvPort != 0)) {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(port))
	}
	if s != nil && s.Proto != sip.ProtoUDP && s.Proto != sip.ProtoNone {
		b.WriteString(";transport=")
		b.WriteString(s.Proto.String())
	}
}

// rrHeader builds one Record-Route header line around addr.
func (r *RR) rrHeader(m *sip.Msg, addr string, double bool, params string) string {
	var b strings.Builder
	b.WriteString("Record-Route: <sip:")
	if r.AddUsername != 0 {
		if u, err := sip.ParseURI(m.RURI()); err == nil && u.User != "" {
			b.WriteString(u.User)
			b.WriteByte('@')
		}
	}
	b.WriteString(addr)
	if double {
		b.WriteString(";r2=on")
	}
	b.WriteString(";lr")
	if r.AppendFromtag != 0 {
		if tag := m.FromTag(); tag != "" {
			b.WriteString(";ftag=")
			b.WriteString(tag)
		}
	}
	b.WriteString(params)
	b.WriteString(">\r\n")
	return b.String()
}

// paramArg normalises a parameter string to start with ';'.
func paramArg(a any) string {
	p, _ := a.(string)
	p = strings.TrimSpace(p)
	if p != "" && p[0] != ';' {
		p = ";" + p
	}
	return p
}

// outSocket guesses the socket the request will leave from: the forced
// one, else the first socket of the next hop's protocol.
func outSocket(c *api.Ctx, m *sip.Msg) *sip.Socket {
	if c.ForceSocket != nil {
		return c.ForceSocket
	}
	t, err := sip.NextHop(m.RURI(), c.DstURI)
	if err != nil || c.Core == nil {
		return nil
	}
	return c.Core.OutSocket(sip.Dest{Proto: t.Proto})
}

// recordRoute is record_route([params]). With enable_double_rr, a second
// header is added when the request leaves over another protocol or
// socket than it came in on, as far as that is known now (the next hop's
// transport or a forced socket).
func (r *RR) recordRoute(c *api.Ctx, args []any) api.Ret {
	m := c.Msg
	if m == nil || !m.IsRequest() {
		return api.RetFalse
	}
	st := stateOf(c)
	if st.inserted > 0 {
		c.Log.Error("record_route: already done for this message")
		return api.RetFalse
	}
	var in *sip.Socket
	if rcv := m.Recv(); rcv != nil {
		in = rcv.Socket
	}
	params := paramArg(args[0]) + st.pending
	out := outSocket(c, m)
	double := r.EnableDoubleRR != 0 && in != nil && out != nil && out != in &&
		(out.Proto != in.Proto || out.AdvertisedHost() != in.AdvertisedHost() || out.AdvertisedPort() != in.AdvertisedPort())
	var text strings.Builder
	if double {
		var a strings.Builder
		sockAddr(&a, c, out)
		text.WriteString(r.rrHeader(m, a.String(), true, params))
	}
	var a strings.Builder
	sockAddr(&a, c, in)
	text.WriteString(r.rrHeader(m, a.String(), double, params))
	m.InsertRaw(text.String())
	st.inserted = 1
	if double {
		st.inserted = 2
	}
	st.pending = ""
	return api.RetTrue
}

// recordRoutePreset is record_route_preset(addr[, addr2]): the given
// address instead of the socket's; with addr2 two headers, addr2 (the
// outbound side) on top.
func (r *RR) recordRoutePreset(c *api.Ctx, args []any) api.Ret {
	m := c.Msg
	addr, _ := args[0].(string)
	if m == nil || !m.IsRequest() || addr == "" {
		return api.RetFalse
	}
	addr = strings.TrimPrefix(addr, "sip:")
	st := stateOf(c)
	params := st.pending
	var text string
	if addr2, _ := args[1].(string); addr2 != "" {
		text = r.rrHeader(m, strings.TrimPrefix(addr2, "sip:"), true, params) + r.rrHeader(m, addr, true, params)
		st.inserted = 2
	} else {
		text = r.rrHeader(m, addr, false, params)
		st.inserted = 1
	}
	m.InsertRaw(text)
	st.pending = ""
	return api.RetTrue
}

// addRRParam is add_rr_param(param): before record_route() it is kept for
// it; after, the message is rebuilt so that our Record-Route headers can
// be edited.
func (r *RR) addRRParam(c *api.Ctx, args []any) api.Ret {
	m := c.Msg
	p := paramArg(args[0])
	if m == nil || p == "" {
		return api.RetFalse
	}
	st := stateOf(c)
	if st.inserted == 0 {
		st.pending += p
		return api.RetTrue
	}
	m.ApplyChanges()
	n := 0
	ok := true
	m.EachHeader(sip.HdrRecordRoute, "", func(h sip.HeaderField) bool {
		if n == st.inserted {
			return false
		}
		n++
		gt := strings.LastIndexByte(h.Value, '>')
		if gt < 0 {
			ok = false
			return false
		}
		ok = m.ReplaceRange(h.VStart+gt, h.VStart+gt, p) == nil && ok
		return true
	})
	return ret(ok && n == st.inserted)
}

func ret(ok bool) api.Ret {
	if ok {
		return api.RetTrue
	}
	return api.RetFalse
}
