package rr

import (
	"strconv"
	"strings"
	"sync"

	"gosips/api"
	"gosips/sip"
)

// slotKey keys rr's per-message state in api.Ctx slots.
type slotKey struct{}

// state is rr's per-message context: parameters added by add_rr_param()
// before record_route(), whether a Record-Route was inserted (and how many
// headers), and the parameters of the Route loose_route() consumed.
type state struct {
	pending string
	rr      *rrText // the Record-Route inserted for this message
	params  string
	routed  bool
	ours    bool // loose_route() consumed a Route (or R-URI) of ours
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
// parameter for anything but UDP (as OpenSIPS' lumps print it). advHost
// and advPort, when set, replace the socket's (set_advertised_*).
func sockAddr(b *strings.Builder, s *sip.Socket, advHost string, advPort int) {
	var host string
	var port int
	if s != nil {
		host, port = s.AdvertisedHost(), s.AdvertisedPort()
	}
	if advHost != "" {
		host = advHost
	}
	if advPort != 0 {
		port = advPort
	}
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

// rrHeader writes one Record-Route header line around addr.
func rrHeader(b *strings.Builder, user, addr string, double bool, ftag, params string) {
	b.WriteString("Record-Route: <sip:")
	if user != "" {
		b.WriteString(user)
		b.WriteByte('@')
	}
	b.WriteString(addr)
	if double {
		b.WriteString(";r2=on")
	}
	b.WriteString(";lr")
	if ftag != "" {
		b.WriteString(";ftag=")
		b.WriteString(ftag)
	}
	b.WriteString(params)
	b.WriteString(">\r\n")
}

// presetHeader writes one record_route_preset() header line.
func presetHeader(b *strings.Builder, user, addr, ftag, params string) {
	b.WriteString("Record-Route: <sip:")
	if user != "" {
		b.WriteString(user)
		b.WriteByte('@')
	}
	b.WriteString(addr)
	if ftag != "" {
		b.WriteString(";ftag=")
		b.WriteString(ftag)
	}
	b.WriteString(";lr")
	b.WriteString(params)
	b.WriteString(">\r\n")
}

// rrText is one record_route() (or record_route_preset()) insertion. Its
// text is built when the request is sent, once the outgoing socket is
// known, as OpenSIPS' conditional lumps are: a second header (r2=on)
// when the request leaves from another socket than it came in on.
type rrText struct {
	double  bool // enable_double_rr
	in      *sip.Socket
	guess   *sip.Socket // the outgoing socket as known at record_route()
	user    string
	ftag    string
	advHost string
	advPort int
	preset  string // record_route_preset addresses instead of sockets
	preset2 string
	mu      sync.Mutex
	params  string // grows with add_rr_param() after insertion
}

// Text implements sip.SocketText.
func (t *rrText) Text(out *sip.Socket) string {
	t.mu.Lock()
	params := t.params
	t.mu.Unlock()
	var b strings.Builder
	if t.preset != "" {
		// OpenSIPS writes the addresses as given, the first on top,
		// ftag before lr, no r2 of its own.
		presetHeader(&b, t.user, t.preset, t.ftag, params)
		if t.preset2 != "" {
			presetHeader(&b, t.user, t.preset2, t.ftag, params)
		}
		return b.String()
	}
	if out == nil {
		out = t.guess
	}
	in := t.in
	double := t.double && in != nil && out != nil && out != in &&
		(out.Proto != in.Proto || out.AdvertisedHost() != in.AdvertisedHost() || out.AdvertisedPort() != in.AdvertisedPort())
	var a strings.Builder
	if double {
		sockAddr(&a, out, t.advHost, t.advPort)
		rrHeader(&b, t.user, a.String(), true, t.ftag, params)
		a.Reset()
	}
	sockAddr(&a, in, t.advHost, t.advPort)
	rrHeader(&b, t.user, a.String(), double, t.ftag, params)
	return b.String()
}

// newRRText fills the parts of a Record-Route taken from the request
// when record_route() runs.
func (r *RR) newRRText(c *api.Ctx, m *sip.Msg, params string) *rrText {
	t := &rrText{double: r.EnableDoubleRR != 0, params: params}
	if r.AddUsername != 0 {
		if u, err := sip.ParseURI(m.RURI()); err == nil {
			t.user = u.User
		}
	}
	if r.AppendFromtag != 0 {
		t.ftag = m.FromTag()
	}
	t.advHost, t.advPort = api.AdvertisedAddr(c, nil)
	return t
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
// one, else the socket for the next hop known now. The Record-Route text
// is fixed when the request is sent; this guess only serves messages
// serialised before (msg_apply_changes).
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
// socket than it came in on; that is decided when it is sent.
func (r *RR) recordRoute(c *api.Ctx, args []any) api.Ret {
	m := c.Msg
	if m == nil || !m.IsRequest() {
		return api.RetFalse
	}
	st := stateOf(c)
	if st.rr != nil {
		c.Log.Error("record_route: already done for this message")
		return api.RetFalse
	}
	t := r.newRRText(c, m, paramArg(args[0])+st.pending)
	if rcv := m.Recv(); rcv != nil {
		t.in = rcv.Socket
	}
	t.guess = outSocket(c, m)
	m.InsertRawFor(t)
	st.rr = t
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
	st := stateOf(c)
	t := r.newRRText(c, m, st.pending)
	t.preset = strings.TrimPrefix(addr, "sip:")
	if addr2, _ := args[1].(string); addr2 != "" {
		t.preset2 = strings.TrimPrefix(addr2, "sip:")
	}
	m.InsertRawFor(t)
	st.rr = t
	st.pending = ""
	return api.RetTrue
}

// addRRParam is add_rr_param(param): before record_route() it is kept for
// it; after, it joins the Record-Route text still to be written.
func (r *RR) addRRParam(c *api.Ctx, args []any) api.Ret {
	m := c.Msg
	p := paramArg(args[0])
	if m == nil || p == "" {
		return api.RetFalse
	}
	st := stateOf(c)
	t := st.rr
	if t == nil {
		// A copy of a record-routed request (failure_route): its
		// Record-Route is still to be written.
		for _, x := range m.SocketTexts() {
			if r, ok := x.(*rrText); ok {
				t = r
			}
		}
	}
	if t == nil {
		st.pending += p
		return api.RetTrue
	}
	t.mu.Lock()
	t.params += p
	t.mu.Unlock()
	return api.RetTrue
}

func ret(ok bool) api.Ret {
	if ok {
		return api.RetTrue
	}
	return api.RetFalse
}
