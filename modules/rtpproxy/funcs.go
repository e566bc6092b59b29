package rtpproxy

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/internal/mediarelay"
	"gosips/internal/sdp"
	"gosips/pv"
)

// Funcs lists the script functions (OpenSIPS 3.6 rtpproxy.c), plus the
// 1.x names force_rtp_proxy / unforce_rtp_proxy kept for old configs.
func (m *Module) Funcs() []api.Func {
	rofbl := api.RequestRoute | api.OnReplyRoute | api.FailureRoute | api.BranchRoute | api.LocalRoute
	rol := api.RequestRoute | api.OnReplyRoute | api.LocalRoute
	str := func(n string) api.Arg { return api.Arg{Name: n, Type: api.ArgStr, Optional: true} }
	setID := api.Arg{Name: "set_id", Type: api.ArgInt, Optional: true}
	out := func(n string) api.Arg { return api.Arg{Name: n, Type: api.ArgVar, Optional: true, Writable: true} }
	oaArgs := []api.Arg{str("flags"), str("ip_address"), setID, out("sock_var"), out("ret_var"), out("body_var")}
	need := func(n string) api.Arg { return api.Arg{Name: n, Type: api.ArgVar, Writable: true} }
	return []api.Func{
		{Name: "rtpproxy_offer", Routes: rofbl, Args: oaArgs, Returns: "1 SDP rewritten, -1 error",
			Call: func(c *api.Ctx, args []any) api.Ret { return m.offerAnswer(c, true, args) }},
		{Name: "rtpproxy_answer", Routes: rofbl, Args: oaArgs, Returns: "1 SDP rewritten, -1 error",
			Call: func(c *api.Ctx, args []any) api.Ret { return m.offerAnswer(c, false, args) }},
		{Name: "rtpproxy_unforce", Routes: rofbl, Args: []api.Arg{setID, out("sock_var")}, Returns: "1 done, -1 error",
			Call: func(c *api.Ctx, args []any) api.Ret { return m.unforce(c, args[0], args[1]) }},
		{Name: "rtpproxy_engage", Routes: rofbl,
			Args:    []api.Arg{str("flags"), str("ip_address"), setID, out("sock_var"), out("ret_var")},
			Returns: "1 engaged, -1 error", Call: m.engage},
		{Name: "rtpproxy_start_recording", Routes: api.RequestRoute | api.OnReplyRoute | api.BranchRoute | api.FailureRoute,
			Args:    []api.Arg{setID, out("sock_var"), str("flags"), str("destination"), {Name: "medianum", Type: api.ArgInt, Optional: true}},
			Returns: "1 sent, -1 error", Call: m.startRecording},
		{Name: "rtpproxy_stream2uac", Routes: rol,
			Args:    []api.Arg{{Name: "prompt_name", Type: api.ArgStr}, {Name: "count", Type: api.ArgInt}, setID, out("sock_var")},
			Returns: "1 sent, -1 error", Call: func(c *api.Ctx, args []any) api.Ret { return m.stream(c, args, true) }},
		{Name: "rtpproxy_stream2uas", Routes: rol,
			Args:    []api.Arg{{Name: "prompt_name", Type: api.ArgStr}, {Name: "count", Type: api.ArgInt}, setID, out("sock_var")},
			Returns: "1 sent, -1 error", Call: func(c *api.Ctx, args []any) api.Ret { return m.stream(c, args, false) }},
		{Name: "rtpproxy_stop_stream2uac", Routes: rol, Args: []api.Arg{setID, out("sock_var")}, Returns: "1 sent, -1 error",
			Call: func(c *api.Ctx, args []any) api.Ret { return m.stopStream(c, args, true) }},
		{Name: "rtpproxy_stop_stream2uas", Routes: rol, Args: []api.Arg{setID, out("sock_var")}, Returns: "1 sent, -1 error",
			Call: func(c *api.Ctx, args []any) api.Ret { return m.stopStream(c, args, false) }},
		{Name: "rtpproxy_stats", Routes: rofbl,
			Args:    []api.Arg{need("up_var"), need("down_var"), need("sent_var"), need("fail_var"), setID, out("sock_var")},
			Returns: "1 ok, -1 error, -8 no such session", Call: m.stats},
		{Name: "rtpproxy_all_stats", Routes: rofbl, Args: []api.Arg{need("stats_avp"), setID, out("sock_var")},
			Returns: "1 ok, -1 error, -2 bad answer", Call: m.allStats},
		{Name: "force_rtp_proxy", Routes: rofbl, Args: []api.Arg{str("flags"), str("ip_address")},
			Legacy:  `rtpproxy_offer() on requests, rtpproxy_answer() on replies`,
			Returns: "1 SDP rewritten, -1 error",
			Call: func(c *api.Ctx, args []any) api.Ret {
				full := []any{args[0], args[1], nil, nil, nil, nil}
				return m.offerAnswer(c, c.Msg != nil && c.Msg.IsRequest(), full)
			}},
		{Name: "unforce_rtp_proxy", Routes: rofbl, Legacy: "rtpproxy_unforce()", Returns: "1 done, -1 error",
			Call: func(c *api.Ctx, _ []any) api.Ret { return m.unforce(c, nil, nil) }},
	}
}

// tags are the Call-ID and tags of the message.
type tags struct{ callID, from, to string }

func msgTags(c *api.Ctx) (tags, error) {
	msg := c.Msg
	if msg == nil {
		return tags{}, errors.New("no message")
	}
	t := tags{callID: msg.CallID(), from: msg.FromTag(), to: msg.ToTag()}
	if t.callID == "" {
		return t, errors.New("can't get Call-Id field")
	}
	if t.from == "" {
		return t, errors.New("can't get From tag")
	}
	return t, nil
}

// set returns the set of a set_id argument (nil: default_set).
func (m *Module) set(arg any) *mediarelay.Set {
	id := m.DefaultSet
	if n, ok := arg.(int64); ok {
		id = int(n)
	}
	return m.sets.Load().ByID(id)
}

// pick selects a node: the one named by sock_var (or by rtp_relay, a
// URL) when it holds a usable node of the set, else by Call-ID.
func pick(c *api.Ctx, s *mediarelay.Set, callID string, sock any, ignore mediarelay.IgnoreList) *mediarelay.Node {
	if url, ok := sock.(string); ok && url != "" {
		if n := mediarelay.Lookup(s, url); n != nil && !n.Disabled() && !ignore.Has(n) {
			return n
		}
	}
	if ref, ok := sock.(api.PVRef); ok {
		if v, err := ref.Get(c); err == nil && v.IsStr() && v.S != "" {
			if n := mediarelay.Lookup(s, v.S); n != nil && !n.Disabled() && !ignore.Has(n) {
				return n
			}
		}
	}
	return mediarelay.Select(s, callID, ignore)
}

func setSock(c *api.Ctx, sock any, n *mediarelay.Node) {
	if ref, ok := sock.(api.PVRef); ok {
		if err := ref.Set(c, api.StrValue(n.URL)); err != nil {
			c.Log.Error("rtpproxy: setting sock_var failed", "err", err)
		}
	}
}

// errorCode returns n for an "En" answer, 0 otherwise.
func errorCode(reply string) int {
	if len(reply) >= 2 && reply[0] == 'E' {
		n, err := strconv.Atoi(strings.TrimSpace(reply[1:]))
		if err == nil {
			return n
		}
		return -1
	}
	return 0
}

// command sends cmd to a node of s. With failover, a node that does not
// answer or reports an internal error (E7-E10) is disabled and the next
// one is tried (OpenSIPS does so for session creation only).
func (m *Module) command(c *api.Ctx, s *mediarelay.Set, callID, cmd string, sock any, failover bool) (string, *mediarelay.Node, error) {
	if s == nil {
		return "", nil, errors.New("could not find rtpproxy set")
	}
	ctx := c.Context
	if ctx == nil {
		ctx = context.Background()
	}
	var ignore mediarelay.IgnoreList
	for {
		n := pick(c, s, callID, sock, ignore)
		if n == nil {
			return "", nil, errors.New("no available proxies")
		}
		raw, err := n.Call(ctx, []byte(cmd), m.tout, m.Retr, m.disableTout())
		reply := strings.TrimSpace(string(raw))
		if err == nil {
			code := errorCode(reply)
			if code >= 7 && code <= 10 {
				n.Disable(m.disableTout())
				err = fmt.Errorf("rtpproxy internal error E%d", code)
			} else {
				setSock(c, sock, n)
				return reply, n, nil
			}
		}
		c.Log.Error("rtpproxy: node failed", "node", n.URL, "err", err)
		if !failover || errors.Is(err, context.Canceled) {
			return "", n, err
		}
		ignore = append(ignore, n)
	}
}

// oaFlags are the parsed rtpproxy_offer/answer flags.
type oaFlags struct {
	opts                                      string // command modifiers (A, I, E, S, unknown letters)
	rep, ttl                                  string // Z<n>, t<n>/T<n>
	lookup, keep, force, real, commIP, origIP bool
}

func parseOAFlags(s string) oaFlags {
	var f oaFlags
	digits := func(i int) (string, int) {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		return s[i+1 : j], j - 1
	}
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case 'a', 'A':
			f.opts += "A"
			f.real = true
		case 'i', 'I':
			f.opts += "I"
		case 'e', 'E':
			f.opts += "E"
		case 'l', 'L':
			f.lookup = true
		case 'k', 'K':
			f.keep = true
		case 'f', 'F':
			f.force = true
		case 'r', 'R':
			f.real = true
		case 'c', 'C':
			f.commIP = true
		case 'o', 'O':
			f.origIP = true
		case 'w', 'W', 's', 'S':
			f.opts += "S"
		case 't', 'T':
			d, j := digits(i)
			f.ttl += string(ch) + d
			i = j
		case 'z', 'Z':
			d, j := digits(i)
			f.rep += "Z" + d
			i = j
		case 'd', 'D':
			_, i = digits(i) // DTMF catching needs notifications: ignored
		case 'n', 'N':
			if i+1 < len(s) && s[i+1] == '<' {
				if k := strings.IndexByte(s[i:], '>'); k > 0 {
					i += k
				}
			}
		default:
			f.opts += string(ch)
		}
	}
	return f
}

// hasMarker reports whether the body already carries nortpproxy_str at
// the start of a line (the session was proxied before).
func hasMarker(body, marker string) bool {
	if marker == "" {
		return false
	}
	for i := 0; ; {
		k := strings.Index(body[i:], marker)
		if k < 0 {
			return false
		}
		if p := i + k; p > 0 && (body[p-1] == '\n' || body[p-1] == '\r') {
			return true
		}
		i += k + len(marker)
	}
}

func (m *Module) offerAnswer(c *api.Ctx, offer bool, args []any) api.Ret {
	flagStr, _ := args[0].(string)
	ipArg, _ := args[1].(string)
	sock, retVar, bodyVar := args[3], args[4], args[5]
	t, err := msgTags(c)
	if err != nil {
		c.Log.Error("rtpproxy: " + err.Error())
		return api.RetFalse
	}
	body := ""
	if ref, ok := bodyVar.(api.PVRef); ok {
		if v, err := ref.Get(c); err == nil && v.IsStr() {
			body = v.S
		}
	}
	if body == "" {
		body = c.Msg.Body()
	}
	r := &oaCall{offer: offer, flags: flagStr, ip: ipArg, set: m.set(args[2]), sock: sock, t: t, body: body}
	nb, ok := m.oa(c, r, retVar)
	if !ok {
		return api.RetFalse
	}
	if nb == "" {
		return api.RetTrue
	}
	if ref, ok := bodyVar.(api.PVRef); ok {
		if err := ref.Set(c, api.StrValue(nb)); err != nil {
			c.Log.Error("rtpproxy: setting body_var failed", "err", err)
			return api.RetFalse
		}
		return api.RetTrue
	}
	c.Msg.SetBody(nb, "")
	return api.RetTrue
}

// oaCall is one offer or answer: the flags and address of the script
// function (or of rtp_relay), the set, a node forced by sock_var (a
// PVRef) or by rtp_relay (a URL), the call's identifiers and the SDP.
type oaCall struct {
	offer     bool
	flags, ip string
	set       *mediarelay.Set
	sock      any
	t         tags
	body      string
	// used is the node that answered.
	used *mediarelay.Node
}

// oa sends the commands of an offer or answer for every stream of r.body
// and returns the rewritten SDP ("" with ok when nothing is to change:
// the k flag).
func (m *Module) oa(c *api.Ctx, r *oaCall, retVar any) (string, bool) {
	f := parseOAFlags(r.flags)
	ipArg, sock, t, offer, body := r.ip, r.sock, r.t, r.offer, r.body
	create := offer
	from, to := t.from, t.to
	msg := c.Msg
	switch {
	case f.lookup:
		if to == "" {
			to = "dummy"
		}
		create = false
		if offer {
			from, to = to, from
		}
	case msg != nil && ((!msg.IsRequest() && offer) || (msg.IsRequest() && !offer)):
		if to == "" {
			return "", false
		}
		from, to = to, from
	}
	if body == "" {
		c.Log.Error("rtpproxy: no SDP body")
		return "", false
	}
	proxied := hasMarker(body, m.NoRTPProxy)
	if proxied && !f.force {
		return "", false
	}
	s, err := sdp.Parse(strings.TrimLeft(body, " \t\r\n"))
	if err != nil {
		c.Log.Error("rtpproxy: bad SDP, message left unchanged", "err", err)
		return "", false
	}
	if lead := len(body) - len(s.Body); lead > 0 {
		s, _ = sdp.Parse(body[lead:])
		body = body[lead:]
	}
	if len(s.Media) == 0 {
		c.Log.Error("rtpproxy: no m= in session")
		return "", false
	}
	set := r.set
	var src netip.Addr
	if msg != nil {
		if rcv := msg.Recv(); rcv != nil && rcv.Src.IsValid() {
			src = rcv.Src.Addr().Unmap()
		}
	}
	var edits []sdp.Edit
	sessConnDone, originDone := false, false
	medianum := 0
	letter := "L"
	if create {
		letter = "U"
	}
	for i := range s.Media {
		md := &s.Media[i]
		medianum++
		conn := s.ConnFor(i)
		if conn == nil {
			c.Log.Error("rtpproxy: can't find media IP in the message")
			return "", false
		}
		if md.Port.Value == "0" {
			continue
		}
		newIP := conn.Value
		v6 := conn.Family == "IP6"
		if !f.real && src.IsValid() {
			newIP, v6 = src.String(), src.Is6()
		}
		cmd := letter + f.opts
		if v6 {
			cmd += "6"
		}
		cmd += f.rep
		cmd += " " + t.callID + " " + newIP + " " + md.Port.Value + " " + from + ";" + strconv.Itoa(medianum)
		if to != "" {
			cmd += " " + to + ";" + strconv.Itoa(medianum)
		}
		reply, node, err := m.command(c, set, t.callID, cmd, sock, create)
		if err != nil {
			c.Log.Error("rtpproxy: "+err.Error(), "callid", t.callID)
			return "", false
		}
		if code := errorCode(reply); code != 0 {
			c.Log.Error("rtpproxy: unhandled rtpproxy error", "reply", reply, "node", node.URL)
			return "", false
		}
		r.used = node
		fields := strings.Fields(reply)
		port := 0
		if len(fields) > 0 {
			port, _ = strconv.Atoi(fields[0])
		}
		if port <= 0 || port > 65535 {
			if port != 0 || !f.lookup {
				c.Log.Error("rtpproxy: incorrect port in reply from rtp proxy", "reply", reply)
			}
			return "", false
		}
		relayV6 := len(fields) >= 3 && strings.HasPrefix(fields[2], "6")
		relayIP := ""
		switch {
		case conn.IsNull():
			relayIP = "0.0.0.0"
			if relayV6 {
				relayIP = "::"
			}
		case ipArg != "":
			relayIP = ipArg
		case len(fields) >= 2:
			relayIP = fields[1]
		default:
			if msg != nil {
				if rcv := msg.Recv(); rcv != nil && rcv.Local.IsValid() {
					relayIP = rcv.Local.Addr().Unmap().String()
				}
			}
		}
		if ref, ok := retVar.(api.PVRef); ok {
			if err := ref.Set(c, api.StrValue(relayIP+":"+strconv.Itoa(port))); err != nil {
				c.Log.Error("rtpproxy: setting ret_var failed", "err", err)
			}
		}
		if f.keep {
			continue
		}
		fam := "IP4"
		if relayV6 {
			fam = "IP6"
		}
		addr := func(a *sdp.Addr) {
			if a.Family != fam {
				edits = append(edits, sdp.Edit{Start: a.FamStart, End: a.End, Text: fam + " " + relayIP})
			} else {
				edits = append(edits, sdp.Edit{Start: a.Start, End: a.End, Text: relayIP})
			}
		}
		if f.origIP && !originDone && s.Origin != nil {
			addr(s.Origin)
			originDone = true
		}
		if md.Conn != nil {
			addr(md.Conn)
			if f.commIP && s.Conn != nil && !sessConnDone {
				addr(s.Conn)
				sessConnDone = true
			}
		} else if !sessConnDone {
			addr(s.Conn)
			sessConnDone = true
		}
		edits = append(edits, sdp.Edit{Start: md.Port.Start, End: md.Port.End, Text: strconv.Itoa(port)})
		if k := strings.Index(body[md.Start:md.End], "\na=rtcp:"); k >= 0 {
			ls := md.Start + k + 1
			le := strings.IndexAny(body[ls:], "\r\n")
			if le < 0 {
				le = len(body) - ls
			}
			edits = append(edits, sdp.Edit{Start: ls, End: ls + le,
				Text: "a=rtcp:" + strconv.Itoa(port+1) + " IN " + fam + " " + relayIP})
		}
	}
	if f.keep {
		return "", true
	}
	if !proxied && m.NoRTPProxy != "" {
		end := len(body)
		text := m.NoRTPProxy + "\r\n"
		if !strings.HasSuffix(body, "\n") {
			text = "\r\n" + m.NoRTPProxy + "\r\n"
		}
		edits = append(edits, sdp.Edit{Start: end, End: end, Text: text})
	}
	return sdp.Apply(body, edits), true
}

func (m *Module) unforce(c *api.Ctx, setArg, sock any) api.Ret {
	if c.Msg == nil {
		return api.RetTrue
	}
	t, err := msgTags(c)
	if err != nil {
		c.Log.Error("rtpproxy: " + err.Error())
		return api.RetFalse
	}
	cmd := "D " + t.callID + " " + t.from
	if t.to != "" {
		cmd += " " + t.to
	}
	if _, _, err := m.command(c, m.set(setArg), t.callID, cmd, sock, false); err != nil {
		c.Log.Error("rtpproxy: "+err.Error(), "callid", t.callID)
		return api.RetFalse
	}
	return api.RetTrue
}

func (m *Module) stream(c *api.Ctx, args []any, toUAC bool) api.Ret {
	t, err := msgTags(c)
	if err != nil {
		c.Log.Error("rtpproxy: " + err.Error())
		return api.RetFalse
	}
	name, _ := args[0].(string)
	count, _ := args[1].(int64)
	a, b := t.from, t.to
	if !toUAC {
		if t.to == "" {
			return api.RetFalse
		}
		a, b = t.to, t.from
	}
	cmd := fmt.Sprintf("P%d %s %s session %s;1", count, t.callID, name, a)
	if b != "" {
		cmd += " " + b + ";1"
	}
	return m.simpleCmd(c, args[2], args[3], t.callID, cmd, capCodecs)
}

func (m *Module) stopStream(c *api.Ctx, args []any, toUAC bool) api.Ret {
	t, err := msgTags(c)
	if err != nil {
		c.Log.Error("rtpproxy: " + err.Error())
		return api.RetFalse
	}
	a, b := t.from, t.to
	if !toUAC {
		if t.to == "" {
			return api.RetFalse
		}
		a, b = t.to, t.from
	}
	cmd := "S " + t.callID + " " + a + ";1"
	if b != "" {
		cmd += " " + b + ";1"
	}
	return m.simpleCmd(c, args[0], args[1], t.callID, cmd, capCodecs)
}

// simpleCmd sends a command needing capability cp and checks for an
// error answer.
func (m *Module) simpleCmd(c *api.Ctx, setArg, sock any, callID, cmd, cp string) api.Ret {
	s := m.set(setArg)
	if s == nil {
		c.Log.Error("rtpproxy: no set found")
		return api.RetFalse
	}
	if n := pick(c, s, callID, sock, nil); n != nil && cp != "" && !hasCap(n, cp) {
		c.Log.Error("rtpproxy: the selected RTPproxy does not support the command", "node", n.URL, "capability", cp)
		return api.RetFalse
	}
	reply, _, err := m.command(c, s, callID, cmd, sock, false)
	if err != nil {
		c.Log.Error("rtpproxy: "+err.Error(), "callid", callID)
		return api.RetFalse
	}
	if code := errorCode(reply); code != 0 {
		c.Log.Error("rtpproxy: error answer", "reply", reply)
		return api.RetFalse
	}
	return api.RetTrue
}

func (m *Module) startRecording(c *api.Ctx, args []any) api.Ret {
	t, err := msgTags(c)
	if err != nil {
		c.Log.Error("rtpproxy: " + err.Error())
		return api.RetFalse
	}
	flags, _ := args[2].(string)
	dest, _ := args[3].(string)
	if dest == "" {
		cmd := "R" + flags + " " + t.callID + " " + t.from
		if t.to != "" {
			cmd += " " + t.to
		}
		return m.simpleCmd(c, args[0], args[1], t.callID, cmd, capRecord)
	}
	streams := []int{1}
	if n, ok := args[4].(int64); ok && n > 0 {
		streams = []int{int(n)}
	} else if s, err := sdp.Parse(c.Msg.Body()); err == nil && len(s.Media) > 1 {
		streams = streams[:0]
		for i := range s.Media {
			streams = append(streams, i+1)
		}
	}
	for _, n := range streams {
		cmd := fmt.Sprintf("C%s %s %s %s;%d", flags, t.callID, dest, t.from, n)
		if t.to != "" {
			cmd += fmt.Sprintf(" %s;%d", t.to, n)
		}
		if r := m.simpleCmd(c, args[0], args[1], t.callID, cmd, capRecord); r != api.RetTrue {
			return r
		}
	}
	return api.RetTrue
}

func (m *Module) stats(c *api.Ctx, args []any) api.Ret {
	t, err := msgTags(c)
	if err != nil {
		c.Log.Error("rtpproxy: " + err.Error())
		return api.RetFalse
	}
	a, b := t.from, t.to
	if !c.Msg.IsRequest() {
		a, b = t.to, t.from
	}
	cmd := "Q " + t.callID + " " + a + ";1 " + b + ";1"
	s := m.set(args[4])
	if n := pick(c, s, t.callID, args[5], nil); n != nil && !hasCap(n, capStats) {
		c.Log.Error("rtpproxy: RTPProxy does not support statistics query", "node", n.URL)
		return api.RetFalse
	}
	reply, _, err := m.command(c, s, t.callID, cmd, args[5], false)
	if err != nil {
		c.Log.Error("rtpproxy: "+err.Error(), "callid", t.callID)
		return api.RetFalse
	}
	switch code := errorCode(reply); {
	case code == 8:
		c.Log.Error("rtpproxy: RTPProxy cannot find session")
		return -8
	case code != 0:
		c.Log.Error("rtpproxy: error answer", "reply", reply)
		return api.Ret(-code)
	}
	f := strings.Fields(reply)
	if len(f) < 5 {
		c.Log.Error("rtpproxy: invalid statistics answer", "reply", reply)
		return -2
	}
	for i, ref := range args[:4] {
		n, err := strconv.ParseInt(f[i+1], 10, 64)
		if err != nil {
			c.Log.Error("rtpproxy: invalid statistics answer", "reply", reply)
			return -2
		}
		if r, ok := ref.(api.PVRef); ok {
			if err := r.Set(c, api.IntValue(n)); err != nil {
				c.Log.Error("rtpproxy: cannot store statistic", "err", err)
			}
		}
	}
	return api.RetTrue
}

// allStatNames are the statistics rtpproxy_all_stats() stores, in AVP
// index order; they are asked five at a time.
var allStatNames = []string{"ttl", "npkts_ina", "npkts_ino", "nrelayed", "ndropped",
	"rtpa_nsent", "rtpa_nrcvd", "rtpa_ndups", "rtpa_nlost", "rtpa_perrs"}

func (m *Module) allStats(c *api.Ctx, args []any) api.Ret {
	ref, _ := args[0].(api.PVRef)
	if ref == nil {
		return api.RetFalse
	}
	spec, err := pv.Parse(ref.Name())
	h, ok := c.Priv.(pv.AVPHolder)
	if err != nil || spec.Name != "avp" || spec.Inner == "" || !ok {
		c.Log.Error("rtpproxy_all_stats: the first argument must be an AVP", "var", ref.Name())
		return api.RetFalse
	}
	t, err := msgTags(c)
	if err != nil {
		c.Log.Error("rtpproxy: " + err.Error())
		return api.RetFalse
	}
	a, b := t.from, t.to
	if !c.Msg.IsRequest() {
		a, b = t.to, t.from
	}
	s := m.set(args[1])
	if n := pick(c, s, t.callID, args[2], nil); n != nil && !hasCap(n, capStatsExtra) {
		c.Log.Error("rtpproxy: RTPProxy does not support all statistics query", "node", n.URL)
		return api.RetFalse
	}
	var vals []int64
	for i := 0; i < len(allStatNames); i += 5 {
		cmd := "Q " + t.callID + " " + a + ";1 " + b + ";1 " + strings.Join(allStatNames[i:min(i+5, len(allStatNames))], " ")
		reply, _, err := m.command(c, s, t.callID, cmd, args[2], false)
		if err != nil || errorCode(reply) != 0 {
			c.Log.Error("rtpproxy: statistics query failed", "reply", reply, "err", err)
			return -2
		}
		for _, f := range strings.Fields(reply) {
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				c.Log.Error("rtpproxy: invalid statistic value", "value", f)
				return -2
			}
			vals = append(vals, n)
		}
	}
	if len(vals) != len(allStatNames) {
		c.Log.Error("rtpproxy: unexpected number of statistics", "got", len(vals), "want", len(allStatNames))
		return -2
	}
	st := h.AVPs()
	st.DelAll(spec.Inner)
	for _, v := range vals {
		st.Append(spec.Inner, api.IntValue(v))
	}
	return api.RetTrue
}
