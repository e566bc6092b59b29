package rtpengine

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/internal/bencode"
	"gosips/internal/mediarelay"
	"gosips/sip"
)

// op is an ng command.
type op string

const (
	opOffer          op = "offer"
	opAnswer         op = "answer"
	opDelete         op = "delete"
	opQuery          op = "query"
	opStartRecording op = "start recording"
	opStopRecording  op = "stop recording"
	opPauseRecording op = "pause recording"
	opPlayMedia      op = "play media"
	opStopMedia      op = "stop media"
	opBlockMedia     op = "block media"
	opUnblockMedia   op = "unblock media"
	opBlockDTMF      op = "block DTMF"
	opUnblockDTMF    op = "unblock DTMF"
	opStartForward   op = "start forwarding"
	opStopForward    op = "stop forwarding"
	opPlayDTMF       op = "play DTMF"
)

// mediaOp reports the commands that only send from-tag when directional.
func (o op) media() bool {
	switch o {
	case opPlayMedia, opStopMedia, opBlockMedia, opUnblockMedia, opBlockDTMF, opUnblockDTMF,
		opStartForward, opStopForward:
		return true
	}
	return false
}

var transports = [...]string{"RTP/AVP", "RTP/SAVP", "RTP/AVPF", "RTP/SAVPF", "UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVPF"}

// ngFlags is the outcome of parsing a flags string (OpenSIPS parse_flags).
type ngFlags struct {
	dict         map[string]any
	flags        []any
	direction    []any
	replace      []any
	rtcpMux      []any
	transport    int
	callID       string
	fromTag      string
	toTag        string
	to           bool
	directional  bool
	via          int // 0 none, 1/2 Via number, 3 auto, 4 given value, -1 extra id
	viaBranch    string
	receivedFrom string
}

// parseFlags reads the space-separated flags; tokens the module does not
// know go to the daemon as is ("key" in flags, "key=value" as an entry).
func parseFlags(s string, o *op, f *ngFlags) error {
	offerAnswer := *o == opOffer || *o == opAnswer
	var inIface, outIface string
	for _, tok := range strings.Fields(s) {
		key, val, hasVal := strings.Cut(tok, "=")
		bad := func(msg string) error {
			if hasVal {
				return fmt.Errorf("error processing flag %q (value %q): %s", key, val, msg)
			}
			return fmt.Errorf("error processing flag %q: %s", key, msg)
		}
		switch key {
		case "RTP":
			f.transport |= 0x100
			f.transport &^= 0x001
			continue
		case "AVP":
			f.transport |= 0x100
			f.transport &^= 0x002
			continue
		case "SRTP":
			f.transport |= 0x101
			continue
		case "AVPF":
			f.transport |= 0x102
			continue
		case "RTP/AVP":
			f.transport = 0x100
			continue
		case "RTP/SAVP":
			f.transport = 0x101
			continue
		case "RTP/AVPF":
			f.transport = 0x102
			continue
		case "RTP/SAVPF":
			f.transport = 0x103
			continue
		case "UDP/TLS/RTP/SAVP":
			f.transport = 0x104
			continue
		case "UDP/TLS/RTP/SAVPF":
			f.transport = 0x105
			continue
		case "to-tag":
			if hasVal {
				f.toTag = val
			}
			f.to = true
			continue
		case "callid", "call-id":
			if !hasVal {
				if key == "callid" {
					break
				}
				return bad("missing value")
			}
			f.callID = val
			continue
		case "internal", "external":
			if inIface != "" {
				outIface = key
			} else {
				inIface = key
			}
			continue
		case "in-iface":
			inIface = val
			continue
		case "out-iface":
			outIface = val
			continue
		case "from-tag":
			if !hasVal {
				return bad("missing value")
			}
			f.fromTag, f.directional = val, true
			continue
		case "via-branch":
			if !hasVal {
				return bad("missing value")
			}
			switch {
			case strings.HasPrefix(val, "1"), strings.HasPrefix(val, "2"):
				f.via = int(val[0] - '0')
			case val == "auto":
				f.via = 3
			case val == "extra":
				f.via = -1
			default:
				return bad("invalid value")
			}
			continue
		case "via-branch-param":
			f.via, f.viaBranch = 4, val
			continue
		case "repacketize":
			if !hasVal {
				return bad("missing value")
			}
			n, err := strconv.Atoi(leadingDigits(val))
			if err != nil || n == 0 {
				return bad("invalid value")
			}
			f.dict["repacketize"] = int64(n)
			continue
		case "directional":
			f.directional = true
			f.flags = append(f.flags, key)
			continue
		case "force-answer":
			if *o != opOffer {
				return bad("cannot force answer in non-offer command")
			}
			*o = opAnswer
			continue
		case "delete-delay":
			if !hasVal {
				return bad("missing value")
			}
			n, err := strconv.Atoi(val)
			if err != nil {
				return bad("invalid value")
			}
			f.dict["delete-delay"] = int64(n)
			continue
		case "media-address":
			if !hasVal {
				return bad("missing value")
			}
		case "received-from":
			if hasVal {
				f.receivedFrom = val
			}
			continue
		case "address-family":
			if !hasVal {
				return bad("missing value")
			}
			if val != "IP4" && val != "IP6" {
				return bad("invalid value")
			}
			f.dict["address family"] = val
			continue
		case "replace-origin", "replace-username", "replace-SDP-version", "replace-zero-address",
			"replace-session-name", "replace-session-connection":
			if offerAnswer {
				f.replace = append(f.replace, replaceNames[key])
			}
			continue
		case "rtcp-mux-demux", "rtcp-mux-offer", "rtcp-mux-reject", "rtcp-mux-accept", "rtcp-mux-require":
			if offerAnswer {
				f.rtcpMux = append(f.rtcpMux, strings.TrimPrefix(key, "rtcp-mux-"))
			}
			continue
		}
		if !hasVal {
			f.flags = append(f.flags, key)
		} else {
			f.dict[key] = val
		}
	}
	switch {
	case inIface != "" && outIface != "":
		if offerAnswer {
			f.direction = []any{inIface, outIface}
		}
	case inIface != "":
		return errors.New("in-iface value without out-iface")
	case outIface != "":
		return errors.New("out-iface value without in-iface")
	}
	return nil
}

var replaceNames = map[string]string{
	"replace-origin": "origin", "replace-username": "username", "replace-SDP-version": "SDP version",
	"replace-zero-address": "zero address", "replace-session-name": "session name",
	"replace-session-connection": "session-connection",
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

// request is one command to build and send.
type request struct {
	op    op
	flags string
	body  *string        // the SDP for offer/answer
	extra map[string]any // entries set by the function (play DTMF code)
	sock  api.PVRef      // sock_var
	// set and node, when set, pick the set and the node (rtp_relay); used
	// is the node that answered.
	set  *int
	node string
	used *mediarelay.Node
}

// build turns a request into the ng dictionary (OpenSIPS
// rtpe_function_call_prepare); it returns the final op (force-answer).
func (m *Module) build(c *api.Ctx, r *request) (map[string]any, string, error) {
	f := &ngFlags{dict: map[string]any{}}
	for k, v := range r.extra {
		f.dict[k] = v
	}
	o := r.op
	if o == opOffer || o == opAnswer {
		if r.body != nil {
			f.dict["sdp"] = *r.body
		}
	}
	f.to = o != opDelete
	if err := parseFlags(r.flags, &o, f); err != nil {
		return nil, "", err
	}
	msg := c.Msg
	if f.callID == "" && msg != nil {
		f.callID = msg.CallID()
	}
	if f.callID == "" {
		return nil, "", errors.New("can't get Call-Id field")
	}
	if f.toTag == "" && msg != nil {
		f.toTag = msg.ToTag()
	}
	if f.fromTag == "" && msg != nil {
		f.fromTag = msg.FromTag()
	}
	if f.fromTag == "" {
		return nil, "", errors.New("can't get From tag")
	}
	d := f.dict
	if len(f.direction) > 0 {
		d["direction"] = f.direction
	}
	if len(f.flags) > 0 {
		d["flags"] = f.flags
	}
	if len(f.replace) > 0 {
		d["replace"] = f.replace
	}
	if f.transport&0x100 != 0 {
		d["transport-protocol"] = transports[f.transport&0x7]
	}
	if len(f.rtcpMux) > 0 {
		d["rtcp-mux"] = f.rtcpMux
	}
	d["call-id"] = f.callID
	if f.via != 0 {
		vb, err := m.viaBranch(c, f)
		if err != nil {
			return nil, "", err
		}
		d["via-branch"] = vb
	}
	if msg != nil {
		src := ""
		if f.receivedFrom != "" {
			ip, err := netip.ParseAddr(f.receivedFrom)
			if err != nil {
				return nil, "", errors.New("received-from value is not an IP")
			}
			src = ip.String()
		} else if rcv := msg.Recv(); rcv != nil && rcv.Src.IsValid() {
			src = rcv.Src.Addr().Unmap().String()
		}
		if src != "" {
			fam := "IP4"
			if strings.Contains(src, ":") {
				fam = "IP6"
			}
			d["received-from"] = []any{fam, src}
		}
	}
	isReq := msg != nil && msg.IsRequest()
	isReply := msg != nil && !msg.IsRequest()
	switch {
	case o.media():
		if f.directional {
			d["from-tag"] = f.fromTag
		}
	case f.directional || (isReq && o != opAnswer) || (isReply && (o == opDelete || o == opAnswer)):
		if o != opDelete {
			d["from-tag"] = f.fromTag
		}
		if o != opPlayMedia && o != opStopMedia && f.to && f.toTag != "" && r.extra == nil {
			d["to-tag"] = f.toTag
		}
	default:
		if f.toTag == "" {
			return nil, "", errors.New("no to-tag present")
		}
		d["from-tag"] = f.toTag
		if r.extra == nil {
			d["to-tag"] = f.fromTag
		}
	}
	d["command"] = string(o)
	return d, f.callID, nil
}

// viaBranch picks the via-branch value of the flags.
func (m *Module) viaBranch(c *api.Ctx, f *ngFlags) (string, error) {
	switch f.via {
	case 4:
		if f.viaBranch != "" {
			return f.viaBranch, nil
		}
	case -1:
		if m.extraID != nil {
			if v, err := m.extraID.Get(c); err == nil && !v.IsNull() {
				return valueStr(v), nil
			}
		}
	default:
		if c.Msg != nil {
			n := f.via
			if n == 3 {
				n = 1
				if !c.Msg.IsRequest() {
					n = 2
				}
			}
			if vias, err := c.Msg.Vias(); err == nil && len(vias) >= n && vias[n-1].Branch != "" {
				return vias[n-1].Branch, nil
			}
		}
	}
	return "", errors.New("can't get Via branch/extra ID")
}

func valueStr(v api.Value) string {
	if v.IsStr() {
		return v.S
	}
	if v.IsInt() {
		return strconv.FormatInt(v.I, 10)
	}
	return ""
}

// failoverErrors are the daemon errors after which another node is tried.
var failoverErrors = []string{"Parallel session limit reached", "Ran out of ports"}

func (m *Module) isFailoverError(reason string) bool {
	for _, e := range failoverErrors {
		if strings.EqualFold(reason, e) {
			return true
		}
	}
	for _, re := range m.extraFailover {
		if re.MatchString(reason) {
			return true
		}
	}
	return false
}

// errProxy is an error answer of the daemon.
type errProxy struct{ reason string }

func (e *errProxy) Error() string { return "proxy replied with error: " + e.reason }

// call builds and sends a request with node selection and failover
// (OpenSIPS rtpe_function_call); it returns the reply dictionary.
func (m *Module) call(c *api.Ctx, r *request) (map[string]any, error) {
	d, callID, err := m.build(c, r)
	if err != nil {
		return nil, m.fail(c, fmt.Errorf("could not parse flags: %w", err))
	}
	eng := m.engines.Load()
	var s *mediarelay.Set
	if r.set != nil && *r.set >= 0 {
		if s = eng.ByID(*r.set); s == nil {
			c.Log.Warn("rtpengine: set not available, using the default one", "set", *r.set)
			s = eng.ByID(0)
		}
	} else {
		s = m.currentSet(c, eng)
	}
	if s == nil {
		return nil, m.fail(c, errors.New("no valid set selected"))
	}
	forced := r.node
	if r.sock != nil {
		if v, err := r.sock.Get(c); err == nil && !v.IsNull() {
			forced = valueStr(v)
		}
	}
	ctx := c.Context
	if ctx == nil {
		ctx = context.Background()
	}
	payload, err := bencode.Encode(nil, d)
	if err != nil {
		return nil, m.fail(c, err)
	}
	var ignore mediarelay.IgnoreList
	var failed *mediarelay.Node
	for {
		var n *mediarelay.Node
		switch {
		case forced != "":
			n = mediarelay.Lookup(s, forced)
			if n != nil && (n.Disabled() || ignore.Has(n)) {
				n = nil
			}
			if n == nil && r.op == opOffer {
				n = mediarelay.Select(s, callID, ignore)
			}
			forced = ""
		default:
			n = mediarelay.Select(s, callID, ignore)
		}
		if n == nil {
			return nil, m.fail(c, errors.New("no available proxies"))
		}
		reply, err := m.send(ctx, n, payload)
		if err == nil {
			if res, _ := bencode.Str(reply, "result"); res == "error" {
				reason, _ := bencode.Str(reply, "error-reason")
				c.Log.Error("rtpengine: proxy replied with error", "node", n.URL, "reason", reason)
				if m.isFailoverError(reason) {
					ignore = append(ignore, n)
					continue
				}
				return nil, m.fail(c, &errProxy{reason})
			}
			r.used = n
			if r.sock != nil {
				if err := r.sock.Set(c, api.StrValue(n.URL)); err != nil {
					c.Log.Error("rtpengine: setting sock_var failed", "err", err)
				}
			}
			return reply, nil
		}
		c.Log.Error("rtpengine: proxy does not respond, disabling it", "node", n.URL, "err", err)
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, m.fail(c, err)
		}
		if n == failed {
			ignore = append(ignore, n)
			failed = nil
		} else {
			failed = n
		}
	}
}

// fail logs err and stores it in error_pv.
func (m *Module) fail(c *api.Ctx, err error) error {
	c.Log.Error("rtpengine: " + err.Error())
	if m.errPV != nil {
		msg := err.Error()
		var pe *errProxy
		if errors.As(err, &pe) {
			msg = pe.reason
		}
		if e := m.errPV.Set(c, api.StrValue(msg)); e != nil {
			c.Log.Error("rtpengine: setting error_pv failed", "err", e)
		}
	}
	return err
}

// send runs one ng exchange with a node.
func (m *Module) send(ctx context.Context, n *mediarelay.Node, payload []byte) (map[string]any, error) {
	raw, err := n.Call(ctx, payload, m.tout(), m.Retr, m.disableTout())
	if err != nil {
		return nil, err
	}
	v, err := bencode.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("failed to decode bencoded reply: %w", err)
	}
	d, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("failed to decode bencoded reply: not a dictionary")
	}
	return d, nil
}

// setKey holds the set chosen by rtpengine_use_set() for one message.
type setKey struct{}

// currentSet is the set of rtpengine_use_set() or setid_avp, else the
// default set 0.
func (m *Module) currentSet(c *api.Ctx, eng *mediarelay.Sets) *mediarelay.Set {
	if id, ok := c.Slot(setKey{}).(int); ok {
		return eng.ByID(id)
	}
	if m.setidAVP != nil {
		if v, err := m.setidAVP.Get(c); err == nil && !v.IsNull() {
			id := int(v.I)
			if !v.IsInt() {
				n, err := strconv.Atoi(v.S)
				if err != nil {
					return nil
				}
				id = n
			}
			return eng.ByID(id)
		}
	}
	return eng.ByID(0)
}

// offerAnswer runs an offer or answer and replaces the body (or stores
// the new SDP in sdp_var).
func (m *Module) offerAnswer(c *api.Ctx, o op, args []any) api.Ret {
	flags, _ := args[0].(string)
	sock, _ := args[1].(api.PVRef)
	out, _ := args[2].(api.PVRef)
	var body string
	given := false
	if b, ok := args[3].(string); ok {
		body, given = b, true
	} else if c.Msg != nil {
		body = c.Msg.Body()
	}
	if body == "" {
		m.fail(c, errors.New("can't extract body from the message"))
		return api.RetFalse
	}
	reply, err := m.call(c, &request{op: o, flags: flags, body: &body, sock: sock})
	if err != nil {
		return api.RetFalse
	}
	if res, _ := bencode.Str(reply, "result"); res != "ok" {
		m.fail(c, errors.New(`proxy didn't return "ok" result`))
		return api.RetFalse
	}
	sdp, ok := bencode.Str(reply, "sdp")
	if !ok {
		m.fail(c, errors.New("failed to extract sdp body from proxy reply"))
		return api.RetFalse
	}
	switch {
	case out != nil:
		if err := out.Set(c, api.StrValue(sdp)); err != nil {
			c.Log.Error("rtpengine: setting sdp_var failed", "err", err)
		}
	case c.Msg != nil && (!given || c.Msg.Body() != ""):
		c.Msg.SetBody(sdp, "")
	default:
		m.fail(c, errors.New("cannot change old body"))
		return api.RetFalse
	}
	return api.RetTrue
}

// simple runs a command whose answer only needs to be "ok"-ish.
func (m *Module) simple(c *api.Ctx, o op, flags string, sock api.PVRef, extra map[string]any) (map[string]any, bool) {
	reply, err := m.call(c, &request{op: o, flags: flags, sock: sock, extra: extra})
	if err != nil {
		return nil, false
	}
	return reply, true
}

// statsKey caches the reply of the last delete or query of the message
// for $rtpstat.
type statsKey struct{}

func (m *Module) delete(c *api.Ctx, flags string, sock api.PVRef) api.Ret {
	reply, ok := m.simple(c, opDelete, flags, sock, nil)
	if !ok {
		return api.RetFalse
	}
	c.SetSlot(statsKey{}, reply)
	return api.RetTrue
}

// manage picks offer, answer or delete from the message (OpenSIPS
// rtpengine_manage).
func (m *Module) manage(c *api.Ctx, args []any) api.Ret {
	msg := c.Msg
	if msg == nil {
		return api.RetFalse
	}
	_, method, err := msg.CSeq()
	if err != nil {
		c.Log.Error("rtpengine_manage: no CSeq header")
		return api.RetFalse
	}
	flags, _ := args[0].(string)
	sock, _ := args[1].(api.PVRef)
	mid := sip.LookupMethod(method)
	switch mid {
	case sip.MethodInvite, sip.MethodAck, sip.MethodCancel, sip.MethodBye, sip.MethodUpdate, sip.MethodPrack:
	default:
		return api.RetFalse
	}
	if mid == sip.MethodCancel || mid == sip.MethodBye {
		return m.delete(c, flags, sock)
	}
	hasSDP := false
	if b, ok := args[3].(string); ok {
		hasSDP = b != ""
	} else {
		hasSDP = msg.Body() != "" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(msg.ContentType())), "application/sdp")
	}
	if msg.IsRequest() {
		if !hasSDP {
			return api.RetFalse
		}
		switch mid {
		case sip.MethodAck, sip.MethodPrack:
			return m.offerAnswer(c, opAnswer, args)
		case sip.MethodInvite:
			if c.RouteType == api.FailureRoute {
				return m.delete(c, flags, sock)
			}
		}
		return m.offerAnswer(c, opOffer, args)
	}
	if msg.StatusCode() >= 300 {
		return m.delete(c, flags, sock)
	}
	if hasSDP {
		return m.offerAnswer(c, opAnswer, args)
	}
	return api.RetFalse
}
