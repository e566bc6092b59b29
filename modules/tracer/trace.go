package tracer

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/internal/hep"
	"gosips/sip"
)

// Scopes of trace().
const (
	scopeMessage = 'm'
	scopeTx      = 't'
	scopeDialog  = 'd'
	scopeB2B     = 'b'
)

// Leg flags of trace(): trace only the caller or only the callee side.
const (
	legCaller = 1 << iota
	legCallee
)

// instance is one trace() call's settings, kept by the transaction or
// dialog it follows.
type instance struct {
	id    *traceID
	attrs string
	corr  string
	legs  int
	sip   bool // "sip" is among the traced types
}

func (in *instance) wants(leg int) bool { return in.legs == 0 || in.legs&leg != 0 }

// record is one traced message.
type record struct {
	msg                  []byte
	callid, method, stat string
	fromTag              string
	fromProto, fromIP    string
	fromPort             int
	toProto, toIP        string
	toPort               int
	dir                  string
	reply                bool
}

// Funcs lists trace().
func (m *Module) Funcs() []api.Func {
	opt := func(n string) api.Arg { return api.Arg{Name: n, Type: api.ArgStr, Optional: true} }
	return []api.Func{{Name: "trace",
		Routes: api.RequestRoute | api.FailureRoute | api.OnReplyRoute | api.BranchRoute | api.LocalRoute,
		Args: []api.Arg{{Name: "trace_id", Type: api.ArgStr, Fixup: m.fixID},
			{Name: "scope", Type: api.ArgStr, Optional: true, Fixup: fixScope}, opt("type"), opt("trace_attrs"),
			{Name: "flags", Type: api.ArgStr, Optional: true, Fixup: fixFlags}, opt("correlation_id")},
		Returns: "1 traced, -1 tracing is off for the id or an error",
		Call:    m.trace}}
}

func (m *Module) fixID(_ *api.FixupCtx, a *api.FixArg) error {
	if _, ok := m.ids[a.Str]; !ok {
		return fmt.Errorf("no trace_id named %q", a.Str)
	}
	return nil
}

func fixScope(_ *api.FixupCtx, a *api.FixArg) error {
	if len(a.Str) != 1 || !strings.ContainsAny(strings.ToLower(a.Str), "mtdb") {
		return fmt.Errorf("bad scope %q (m, t, d or b)", a.Str)
	}
	if strings.ToLower(a.Str) == "b" {
		return fmt.Errorf("scope b (B2B sessions) is not implemented")
	}
	return nil
}

func fixFlags(_ *api.FixupCtx, a *api.FixArg) error {
	for _, c := range a.Str {
		if c != 'C' && c != 'c' {
			return fmt.Errorf("bad flag %q (C: caller side, c: callee side)", c)
		}
	}
	return nil
}

func (m *Module) trace(c *api.Ctx, a []any) api.Ret {
	s := func(i int) string { v, _ := a[i].(string); return v }
	name := s(0)
	id := m.lookup(name)
	if id == nil {
		c.Log.Error("trace: no trace_id named " + name)
		return api.RetFalse
	}
	if c.Msg == nil {
		return api.RetFalse
	}
	in := &instance{id: id, attrs: s(3), corr: s(5), sip: true}
	if t := s(2); t != "" {
		in.sip = false
		for _, p := range strings.Split(t, "|") {
			switch strings.TrimSpace(p) {
			case "sip":
				in.sip = true
			case "xlog", "rest":
				c.Log.Warn("trace: tracing of " + p + " messages is not implemented")
			default:
				c.Log.Error("trace: unknown type " + p)
				return api.RetFalse
			}
		}
	}
	for _, f := range s(4) {
		if f == 'C' {
			in.legs |= legCaller
		} else if f == 'c' {
			in.legs |= legCallee
		}
	}
	scope := byte(0)
	if sc := s(1); sc != "" {
		scope = strings.ToLower(sc)[0]
	}
	isReq := c.Msg.IsRequest()
	if scope == 0 {
		switch {
		case m.dlg != nil && isReq && c.Msg.MethodID() == sip.MethodInvite:
			scope = scopeDialog
		default:
			scope = scopeTx
		}
	}
	if scope == scopeDialog && (m.dlg == nil || !isReq || c.Msg.MethodID() != sip.MethodInvite || c.Msg.ToTag() != "") {
		c.Log.Warn("trace: can't trace dialog; tracing the transaction")
		scope = scopeTx
	}
	if scope == scopeTx && (!isReq || m.tm == nil) {
		if isReq && m.tm == nil {
			c.Log.Warn("trace: tm is not loaded; tracing the message only")
		}
		scope = scopeMessage
	}
	switch scope {
	case scopeDialog:
		m.traceDialog(c, in)
		m.traceTx(c, in)
	case scopeTx:
		m.traceTx(c, in)
	}
	if c.RouteType != api.LocalRoute || scope == scopeMessage {
		m.traceIn(c.Msg, in, legCaller)
	}
	return api.RetTrue
}

// lookup finds a trace id, static or made by trace_start.
func (m *Module) lookup(name string) *traceID {
	if id := m.ids[name]; id != nil {
		return id
	}
	m.dynMu.RLock()
	defer m.dynMu.RUnlock()
	return m.dyn[name]
}

// traceTx follows the transaction of the request in c: every branch sent,
// every reply received and every reply sent upstream.
func (m *Module) traceTx(c *api.Ctx, in *instance) {
	m.tm.HookTx(c, &api.TxHook{
		RequestOut: func(e *api.TxEvent) {
			from := e.Socket
			m.traceOut(e.Req, e.Raw, from, e.Dest, in, legCallee, "")
		},
		ReplyIn:    func(e *api.TxEvent) { m.traceReplyIn(e.Reply, e.Req, in) },
		WithTrying: true,
		ReplyOut: func(e *api.TxEvent) {
			dst, err := sip.ReplyDest(e.Req)
			if err != nil {
				return
			}
			var sock *sip.Socket
			if r := e.Req.Recv(); r != nil {
				sock = r.Socket
			}
			m.traceOut(e.Reply, e.Reply.Bytes(), sock, dst, in, legCaller, e.Req.Method())
		},
	})
}

// traceDialog traces the sequential requests of the dialog the initial
// INVITE in c creates, with their transactions.
func (m *Module) traceDialog(c *api.Ctx, in *instance) {
	d := m.dlg.Current(c)
	if d == nil {
		var err error
		if d, err = m.dlg.Create(c, ""); err != nil || d == nil {
			c.Log.Warn("trace: no dialog; tracing the transaction")
			return
		}
	}
	// A BYE ends the dialog (DlgCbTerminated) rather than being reported
	// as a request within it.
	d.Register(api.DlgCbReqWithin|api.DlgCbTerminated, func(e *api.DialogEventInfo) {
		if e.Ctx == nil || e.Msg == nil || !e.Msg.IsRequest() {
			return
		}
		leg := legCaller
		if e.Dir == api.DlgDirUpstream {
			leg = legCallee
		}
		m.traceIn(e.Msg, in, leg)
		if m.tm != nil {
			m.traceTx(e.Ctx, in) // an ACK is traced out when t_relay forwards it
		}
	})
}

func protoName(p sip.Proto) string {
	if p == sip.ProtoNone {
		return "udp"
	}
	return p.String()
}

// traceReplyIn traces a reply received for a transaction: its method
// column is the transaction's, as OpenSIPS' transaction callbacks write.
func (m *Module) traceReplyIn(msg, req *sip.Msg, in *instance) {
	m.traceInMethod(msg, in, legCallee, req.Method())
}

// traceIn traces a received message.
func (m *Module) traceIn(msg *sip.Msg, in *instance, leg int) { m.traceInMethod(msg, in, leg, "") }

func (m *Module) traceInMethod(msg *sip.Msg, in *instance, leg int, method string) {
	if !in.wants(leg) || !in.sip {
		return
	}
	r := m.newRecord(msg, msg.Raw(), "in")
	if method != "" {
		r.method = method
	}
	if rcv := msg.Recv(); rcv != nil {
		r.fromProto, r.fromIP, r.fromPort = protoName(rcv.Proto), rcv.Src.Addr().String(), int(rcv.Src.Port())
		local := rcv.Local
		if s := rcv.Socket; s != nil && s.AdvHost != "" {
			if a, err := netip.ParseAddr(s.AdvHost); err == nil {
				local = netip.AddrPortFrom(a, uint16(s.AdvertisedPort()))
			}
		}
		r.toProto, r.toIP, r.toPort = protoName(rcv.Proto), local.Addr().String(), int(local.Port())
	}
	m.save(r, in)
}

// traceOut traces a message sent from sock to dst.
func (m *Module) traceOut(msg *sip.Msg, raw []byte, sock *sip.Socket, dst sip.Dest, in *instance, leg int, method string) {
	if !in.wants(leg) || !in.sip || msg == nil {
		return
	}
	r := m.newRecord(msg, raw, "out")
	if method != "" {
		r.method = method
	}
	if msg.IsRequest() {
		switch {
		case len(raw) > 7 && strings.EqualFold(string(raw[:7]), "CANCEL "):
			r.method = "CANCEL"
		case len(raw) > 4 && strings.EqualFold(string(raw[:4]), "ACK "):
			r.method = "ACK"
		}
	}
	switch {
	case m.localAddr != "":
		r.fromProto, r.fromIP, r.fromPort = m.localProto, m.localAddr, m.localPort
	case sock != nil:
		r.fromProto, r.fromIP, r.fromPort = protoName(sock.Proto), sock.AdvertisedHost(), sock.AdvertisedPort()
	}
	if dst.Addr.IsValid() {
		r.toProto, r.toIP, r.toPort = protoName(dst.Proto), dst.Addr.Addr().String(), int(dst.Addr.Port())
	} else {
		r.toProto, r.toIP, r.toPort = "any", "255.255.255.255", 9
	}
	m.save(r, in)
}

func (m *Module) newRecord(msg *sip.Msg, raw []byte, dir string) *record {
	r := &record{msg: raw, callid: msg.CallID(), fromTag: msg.FromTag(), dir: dir}
	if msg.IsRequest() {
		r.method = msg.Method()
	} else {
		r.stat, r.reply = strconv.Itoa(msg.StatusCode()), true
	}
	return r
}

// save writes a record to every destination of the instance's trace id
// while tracing is on globally and for the id.
func (m *Module) save(r *record, in *instance) {
	id := in.id
	if !m.on.Load() || !id.on.Load() {
		return
	}
	now := time.Now()
	for _, d := range id.dests {
		var err error
		switch d.kind {
		case toDB:
			err = m.saveDB(d, r, in, now)
		case toHEP:
			err = m.sendHEP(d.hep, r, in, now)
		case toSIP:
			if m.core != nil {
				err = m.core.Send(d.sipDest, r.msg)
			}
		case toFile:
			err = m.writeFile(d, r, now)
		case toSyslog:
			m.log.Log(context.Background(), d.level, fmt.Sprintf("%s %s %s:%d -> %s:%d\n%s", r.dir, r.fromProto, r.fromIP, r.fromPort, r.toIP, r.toPort, r.msg))
		}
		if err != nil {
			m.log.Error("tracer: "+kindNames[d.kind]+" destination failed", "trace_id", id.name, "uri", d.uri, "err", err)
		}
	}
	if r.reply {
		if m.rpls != nil {
			m.rpls.Inc()
		}
	} else if m.reqs != nil {
		m.reqs.Inc()
	}
}

func (m *Module) saveDB(d *dest, r *record, in *instance, now time.Time) error {
	vals := []db.Value{
		db.StringValue(string(r.msg)), db.StringValue(r.callid), db.StringValue(r.method), db.StringValue(r.stat),
		db.StringValue(r.fromProto), db.StringValue(r.fromIP), db.IntValue(int64(r.fromPort)),
		db.StringValue(r.toProto), db.StringValue(r.toIP), db.IntValue(int64(r.toPort)),
		db.UnixValue(now.Unix()), db.StringValue(r.dir), db.StringValue(r.fromTag), db.StringValue(in.attrs),
	}
	cols := make([]string, len(dbColumns))
	for i, c := range dbColumns {
		cols[i] = m.col(c.name)
	}
	_, err := d.conn.Insert(context.Background(), d.table, cols, vals)
	return err
}

// sendHEP sends the record as OpenSIPS' tracer does: the SIP message as
// payload (a {"payload": ...} JSON object in HOMER 6 mode) and the Call-ID
// (or the forced correlation id) in a correlation-id chunk.
func (m *Module) sendHEP(d *hep.Dest, r *record, in *instance, now time.Time) error {
	src, err := addrPort(r.fromIP, r.fromPort)
	if err != nil {
		return err
	}
	dst, err := addrPort(r.toIP, r.toPort)
	if err != nil {
		return err
	}
	p := hep.Packet{Version: d.Version, Proto: hep.IPProto(r.fromProto), Src: src, Dst: dst,
		ProtoType: hep.TypeSIP, CaptureID: m.hep.CaptureID(), Payload: r.msg}
	p.SetTime(now)
	if !m.hep.Homer5() {
		p.Payload = hep.AppendJSON(nil, "payload", string(r.msg))
	}
	corr := r.callid
	if in.corr != "" {
		corr = in.corr
	}
	if corr != "" {
		p.Chunks = []hep.Chunk{{Vendor: 0, Type: hep.ChunkCorrelationID, Data: []byte(corr)}}
	}
	return m.hep.Send(d, &p)
}

func addrPort(ip string, port int) (netip.AddrPort, error) {
	a, err := netip.ParseAddr(strings.Trim(ip, "[]"))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("address %q is not an IP", ip)
	}
	if port == 0 {
		port = 5060
	}
	return netip.AddrPortFrom(a, uint16(port)), nil
}

// writeFile appends "in|out proto date time from -> to" and the message.
func (m *Module) writeFile(d *dest, r *record, now time.Time) error {
	m.fileMu.Lock()
	defer m.fileMu.Unlock()
	f, err := os.OpenFile(d.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, os.FileMode(m.fileMode))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "%s %s %s %s:%d -> %s:%d\n%s\n\n", r.dir, r.fromProto, now.Format("2006-01-02 15:04:05"), r.fromIP, r.fromPort, r.toIP, r.toPort, r.msg)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
