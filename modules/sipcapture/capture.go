package sipcapture

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/internal/digest"
	"gosips/internal/hep"
	"gosips/pv"
	"gosips/sip"
)

// Funcs lists the script functions.
func (m *Module) Funcs() []api.Func {
	routes := api.RequestRoute | api.FailureRoute | api.OnReplyRoute | api.BranchRoute | api.LocalRoute
	opt := func(n string) api.Arg { return api.Arg{Name: n, Type: api.ArgStr, Optional: true} }
	return []api.Func{
		{Name: "sip_capture", Routes: routes,
			Args:    []api.Arg{{Name: "table_name", Type: api.ArgStr, Optional: true, Fixup: fixTable}, opt("custom_field1"), opt("custom_field2"), opt("custom_field3")},
			Returns: "1 the message was stored, -1 capture off, not a HEP message or a database error",
			Call: func(c *api.Ctx, a []any) api.Ret {
				s := func(i int) string { v, _ := a[i].(string); return v }
				table := s(0)
				if table == "" {
					table = m.table
				}
				if !m.on.Load() {
					return api.RetFalse
				}
				var r *hep.Received
				if m.hepCaptureOn != 0 {
					if r = m.packet(c); r == nil {
						c.Log.Warn("sip_capture: not a hep message")
						return api.RetFalse
					}
				}
				if err := m.store(c.Context, c.Msg, r, table, s(1), s(2), s(3)); err != nil {
					c.Log.Error("sip_capture: " + err.Error())
					return api.RetFalse
				}
				return api.RetTrue
			}},
		{Name: "report_capture", Routes: routes,
			Args: []api.Arg{{Name: "correlation_id", Type: api.ArgStr}, {Name: "table_name", Type: api.ArgStr, Optional: true, Fixup: fixTable},
				{Name: "proto_type", Type: api.ArgInt, Optional: true}}},
		{Name: "hep_set", Routes: routes,
			Args:    []api.Arg{{Name: "chunk_id", Type: api.ArgStr, Fixup: fixChunkID}, {Name: "chunk_data", Type: api.ArgStr}, {Name: "data_type", Type: api.ArgStr, Optional: true, Fixup: fixDataType}, {Name: "vendor_id", Type: api.ArgStr, Optional: true}},
			Returns: "1 the chunk was set, -1 not a HEPv3 message or a bad value",
			Call:    m.hepSet},
		{Name: "hep_get", Routes: routes,
			Args:    []api.Arg{{Name: "chunk_id", Type: api.ArgStr, Fixup: fixChunkID}, {Name: "data_type", Type: api.ArgStr, Optional: true, Fixup: fixDataType}, {Name: "chunk_data_pv", Type: api.ArgVar, Optional: true, Writable: true}, {Name: "vendor_id_pv", Type: api.ArgVar, Optional: true, Writable: true}},
			Returns: "1 the chunk was found, -1 otherwise",
			Call:    m.hepGet},
		{Name: "hep_del", Routes: routes,
			Args:    []api.Arg{{Name: "chunk_id", Type: api.ArgStr, Fixup: fixChunkID}},
			Returns: "1 the chunk was removed, -1 otherwise",
			Call:    m.hepDel},
		{Name: "hep_relay", Routes: routes, Returns: "1 the HEP packet was sent to $du (or the R-URI), -1 otherwise",
			Call: m.hepRelay},
		{Name: "hep_resume_sip", Routes: api.RequestRoute, Returns: "0: stops the hep_route; the main request route runs next",
			Call: func(c *api.Ctx, _ []any) api.Ret {
				if f, ok := c.Slot(slotKey{}).(*resumeFlag); ok {
					f.on = true
					return api.RetStop
				}
				c.Log.Error("hep_resume_sip: only allowed in the hep_route")
				return api.RetFalse
			}},
	}
}

func fixTable(_ *api.FixupCtx, a *api.FixArg) error {
	_, _, err := splitTable(a.Str)
	return err
}

// splitTable splits "homer_%m_%d" into the prefix and the strftime
// suffix, and checks both.
func splitTable(t string) (prefix, suffix string, err error) {
	prefix, suffix = t, ""
	if i := strings.IndexByte(t, '%'); i >= 0 {
		prefix, suffix = t[:i], t[i:]
	}
	if err := db.CheckIdent(prefix + strings.ReplaceAll(strftime(suffix, time.Unix(0, 0).UTC()), "-", "_")); err != nil {
		return "", "", err
	}
	return prefix, suffix, nil
}

// tableName expands the strftime suffix at t, in UTC as OpenSIPS does.
func tableName(format string, t time.Time) string {
	i := strings.IndexByte(format, '%')
	if i < 0 {
		return format
	}
	return format[:i] + strftime(format[i:], t.UTC())
}

// strftime implements the conversions a table suffix uses.
func strftime(f string, t time.Time) string {
	var b strings.Builder
	two := func(n int) { b.WriteByte(byte('0' + n/10%10)); b.WriteByte(byte('0' + n%10)) }
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		switch f[i] {
		case 'Y':
			b.WriteString(strconv.Itoa(t.Year()))
		case 'y':
			two(t.Year() % 100)
		case 'm':
			two(int(t.Month()))
		case 'd':
			two(t.Day())
		case 'e':
			if t.Day() < 10 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.Itoa(t.Day()))
		case 'H':
			two(t.Hour())
		case 'M':
			two(t.Minute())
		case 'S':
			two(t.Second())
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case 'a':
			b.WriteString(t.Weekday().String()[:3])
		case 'b':
			b.WriteString(t.Month().String()[:3])
		case 'u':
			wd := int(t.Weekday())
			if wd == 0 {
				wd = 7
			}
			b.WriteString(strconv.Itoa(wd))
		case 'w':
			b.WriteString(strconv.Itoa(int(t.Weekday())))
		case 'F':
			b.WriteString(t.Format("2006-01-02"))
		case 's':
			b.WriteString(strconv.FormatInt(t.Unix(), 10))
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(f[i])
		}
	}
	return b.String()
}

// store inserts one row for msg, from the HEP packet r when it came in one.
func (m *Module) store(ctx context.Context, msg *sip.Msg, r *hep.Received, tableFmt, cf1, cf2, cf3 string) error {
	if msg == nil {
		return errors.New("nothing to capture")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	now := time.Now()
	var micro int64
	node := m.node
	var p *hep.Packet
	if r != nil {
		p = &r.Packet
	}
	switch {
	case p != nil && p.Version == 3:
		micro = int64(p.TimeSec)*1_000_000 + int64(p.TimeUsec)
		node = m.node + ":" + strconv.FormatUint(uint64(p.CaptureID), 10)
	case p != nil && p.Version == 2:
		micro = int64(p.TimeSec)*1_000_000 + int64(p.TimeUsec)
		node = m.node + ":" + strconv.FormatUint(uint64(p.CaptureID), 10)
	default:
		micro = now.UnixMicro()
	}
	var method, replyReason, ruri, ruriUser, ruriDomain string
	if msg.IsRequest() {
		method, ruri = msg.Method(), msg.RURI()
		u, err := sip.ParseURI(ruri)
		if err != nil {
			return fmt.Errorf("bad request URI: %w", err)
		}
		ruriUser, ruriDomain = u.User, u.Host
	} else {
		method, replyReason = strconv.Itoa(msg.StatusCode()), msg.Reason()
	}
	var fromUser, fromTag, fromDomain, toUser, toTag, toDomain string
	if f, err := msg.From(); err == nil {
		u, err := sip.ParseURI(f.URI)
		if err != nil {
			return fmt.Errorf("bad From URI: %w", err)
		}
		fromUser, fromDomain, fromTag = u.User, u.Host, f.Tag
	}
	if t, err := msg.To(); err == nil {
		u, err := sip.ParseURI(t.URI)
		if err != nil {
			return fmt.Errorf("bad To URI: %w", err)
		}
		toUser, toDomain, toTag = u.User, u.Host, t.Tag
	}
	pidUser := ""
	for _, h := range []sip.Hdr{sip.HdrPAssertedIdentity, sip.HdrPPreferredIdentity} {
		if v, ok := msg.HeaderOf(h, ""); ok {
			if na, err := sip.ParseNameAddr(v); err == nil {
				if u, err := sip.ParseURI(na.URI); err == nil {
					pidUser = u.User
				}
			}
			break
		}
	}
	authUser := ""
	for _, h := range []sip.Hdr{sip.HdrProxyAuthorization, sip.HdrAuthorization} {
		if v, ok := msg.HeaderOf(h, ""); ok {
			if cr, err := digest.ParseCredentials(v); err == nil {
				authUser, _, _ = strings.Cut(cr.Username, "@")
			}
			break
		}
	}
	contactIP, contactPort := "", 0
	if cs, _, err := msg.Contacts(); err == nil && len(cs) > 0 {
		if u, err := sip.ParseURI(cs[0].URI); err == nil {
			contactIP, contactPort = u.Host, u.Port
		}
	}
	hdr := func(name string) string { v, _ := msg.Header(name); return v }
	via1, _ := msg.HeaderOf(sip.HdrVia, "")
	branch := ""
	if v, err := msg.TopVia(); err == nil {
		branch = v.Branch
	}
	cseq, _ := msg.HeaderOf(sip.HdrCSeq, "")
	origIP, origPort := hdr("X-OIP"), 0
	if h, port, ok := strings.Cut(origIP, ":"); ok {
		origIP = h
		origPort, _ = strconv.Atoi(port)
	}
	rtpStat := hdr("X-RTP-Stat")
	if rtpStat == "" {
		rtpStat = hdr("P-RTP-Stat")
	}
	var proto, family int
	var src, dst netip.AddrPort
	raw := msg.Raw()
	corr := ""
	if p != nil {
		proto, family, src, dst = int(p.Proto), int(p.Family), p.Src, p.Dst
		raw = p.Payload
		if p.Version == 3 {
			want := uint16(hep.ChunkExtraCorrelation)
			if m.hep == nil || m.hep.Homer5() {
				want = hep.ChunkCorrelationID
			}
			for _, c := range p.Chunks {
				if c.Type == want {
					corr = string(c.Data)
					break
				}
			}
		}
	} else if rcv := msg.Recv(); rcv != nil {
		proto, src, dst = int(rcv.Proto), rcv.Src, rcv.Local
		family = hep.FamilyIPv4
		if src.Addr().Is6() {
			family = hep.FamilyIPv6
		}
	}
	typ := 1
	if !msg.IsRequest() {
		typ = 2
	}
	vals := map[string]db.Value{
		"date": db.UnixValue(micro / 1_000_000), "micro_ts": db.BigIntValue(micro),
		"method": db.StringValue(method), "reply_reason": db.StringValue(replyReason),
		"ruri": db.StringValue(ruri), "ruri_user": db.StringValue(ruriUser),
		"from_user": db.StringValue(fromUser), "from_tag": db.StringValue(fromTag),
		"to_user": db.StringValue(toUser), "to_tag": db.StringValue(toTag),
		"pid_user": db.StringValue(pidUser), "contact_user": db.StringValue(""),
		"auth_user": db.StringValue(authUser), "callid": db.StringValue(msg.CallID()),
		"callid_aleg": db.StringValue(hdr("X-CID")), "via_1": db.StringValue(via1),
		"via_1_branch": db.StringValue(branch), "cseq": db.StringValue(cseq),
		"reason": db.StringValue(hdr("Reason")), "content_type": db.StringValue(msg.ContentType()),
		"auth": db.StringValue(""), "user_agent": db.StringValue(hdr("User-Agent")),
		"source_ip": db.StringValue(src.Addr().String()), "source_port": db.IntValue(int64(src.Port())),
		"destination_ip": db.StringValue(dst.Addr().String()), "destination_port": db.IntValue(int64(dst.Port())),
		"contact_ip": db.StringValue(contactIP), "contact_port": db.IntValue(int64(contactPort)),
		"originator_ip": db.StringValue(origIP), "originator_port": db.IntValue(int64(origPort)),
		"proto": db.IntValue(int64(proto)), "family": db.IntValue(int64(family)),
		"rtp_stat": db.StringValue(rtpStat), "type": db.IntValue(int64(typ)),
		"node": db.StringValue(node), "correlation_id": db.StringValue(corr),
		"from_domain": db.StringValue(fromDomain), "to_domain": db.StringValue(toDomain),
		"ruri_domain": db.StringValue(ruriDomain), "msg": db.StringValue(string(raw)),
		"custom_field1": db.StringValue(cf1), "custom_field2": db.StringValue(cf2), "custom_field3": db.StringValue(cf3),
	}
	cols := make([]string, 0, len(columns))
	row := make([]db.Value, 0, len(columns))
	for _, c := range columns {
		cols = append(cols, m.col(c.name))
		row = append(row, vals[c.name])
	}
	table := tableName(tableFmt, now)
	m.ensureTable(ctx, table)
	if _, err := m.dbh.Conn.Insert(ctx, table, cols, row); err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	if msg.IsRequest() {
		if m.reqs != nil {
			m.reqs.Inc()
		}
	} else if m.rpls != nil {
		m.rpls.Inc()
	}
	return nil
}

// ensureTable creates a capture table (a time-suffixed one included) from
// the sip_capture definition the first time its name comes up, unless it
// exists (OpenSIPS expects them made beforehand, by a rotation script).
func (m *Module) ensureTable(ctx context.Context, name string) {
	if _, done := m.created.LoadOrStore(name, true); done {
		return
	}
	tc, ok := m.dbh.Conn.(db.TableCreator)
	t := captureTable(name)
	if !ok || t == nil || len(m.cols) > 0 {
		return
	}
	if _, err := tc.CreateTable(ctx, t); err != nil {
		m.log.Warn("sipcapture: cannot create table", "table", name, "err", err)
	}
}

// MICommands lists sip_capture.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{{Name: "sip_capture", Help: "show or set the capture state (on/off)",
		Recipes: [][]string{{}, {"capture_mode"}},
		Handler: func(_ context.Context, p api.MIParams) (any, error) {
			if v, ok := p["capture_mode"]; ok {
				s, _ := v.(string)
				switch strings.ToLower(s) {
				case "on":
					m.on.Store(true)
				case "off":
					m.on.Store(false)
				default:
					return nil, &api.MIError{Code: 400, Msg: "Bad parameter value"}
				}
				return "OK", nil
			}
			if m.on.Load() {
				return map[string]any{"Capture": "on"}, nil
			}
			return map[string]any{"Capture": "off"}, nil
		}}}
}

// PVs lists $hep_net and $HEPVERSION.
func (m *Module) PVs() []pv.Def {
	return []pv.Def{
		{Name: "hep_net", Module: "sipcapture", Inner: pv.NeedInner, Doc: "layer 3/4 data of the node the HEP packet came from",
			ParseInner: func(inner string) (any, error) {
				switch inner {
				case "proto_family", "proto_id", "src_ip", "dst_ip", "src_port", "dst_port":
					return inner, nil
				}
				return nil, fmt.Errorf("unknown $hep_net name %q (proto_family, proto_id, src_ip, dst_ip, src_port, dst_port)", inner)
			},
			Get: func(c *api.Ctx, s *pv.Spec) (api.Value, error) {
				r := m.packet(c)
				if r == nil {
					return api.Null, nil
				}
				name, _ := s.Parsed.(string)
				switch name {
				case "proto_family":
					if r.Src.Addr().Is6() {
						return api.StrValue("AF_INET6"), nil
					}
					return api.StrValue("AF_INET"), nil
				case "proto_id":
					if r.Proto == "hep_tcp" {
						return api.IntValue(protoHEPTCP), nil
					}
					return api.IntValue(protoHEPUDP), nil
				case "src_ip":
					return api.StrValue(r.Src.Addr().String()), nil
				case "dst_ip":
					return api.StrValue(r.Local.Addr().String()), nil
				case "src_port":
					return api.IntValue(int64(r.Src.Port())), nil
				case "dst_port":
					return api.IntValue(int64(r.Local.Port())), nil
				}
				return api.Null, nil
			}},
		{Name: "HEPVERSION", Module: "sipcapture", Doc: "version of the received HEP packet",
			Get: func(c *api.Ctx, _ *pv.Spec) (api.Value, error) {
				r := m.packet(c)
				if r == nil {
					return api.Null, nil
				}
				return api.IntValue(int64(r.Packet.Version)), nil
			}},
	}
}

// OpenSIPS' PROTO_HEP_UDP and PROTO_HEP_TCP, which $hep_net(proto_id)
// shows.
const (
	protoHEPUDP = 10
	protoHEPTCP = 11
)
