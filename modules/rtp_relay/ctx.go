package rtp_relay

import (
	"strconv"
	"strings"
	"sync"

	"gosips/api"
	"gosips/sip"
)

// The kinds of per-peer settings of $rtp_relay (OpenSIPS
// rtp_relay_var_flags), in the order of their names.
const (
	flagSelf = iota
	flagPeer
	flagIP
	flagType
	flagIface
	flagBody
	flagDelete
	nFlags
	flagDisabled = nFlags
)

var flagNames = [...]string{"flags", "peer", "ip", "type", "iface", "body", "delete", "disabled"}

// flagByName resolves a $rtp_relay name (any case); -1 when unknown.
func flagByName(s string) int {
	for i, n := range flagNames {
		if strings.EqualFold(s, n) {
			return i
		}
	}
	return -1
}

const (
	caller = 0
	callee = 1
	// allBranches is the index of settings and sessions shared by every
	// branch.
	allBranches = -1
)

// leg is one participant: its tag (From tag of the caller, To tag of a
// callee once known), the branch it belongs to and its settings.
type leg struct {
	tag      string
	index    int
	flags    [nFlags]string
	disabled bool
	peer     *leg
}

// session is the relaying of one branch (or of all of them) through an
// engine.
type session struct {
	index  int
	engine *engine
	set    int
	node   string
	legs   [2]*leg
	// pending: an offer was made and the relay session is not deleted;
	// success: the branch was answered; late: the offer comes in the reply.
	pending, success, late bool
}

func (s *session) disabled() bool {
	return (s.legs[caller] != nil && s.legs[caller].disabled) || (s.legs[callee] != nil && s.legs[callee].disabled)
}

// relayCtx is the rtp_relay state of one call (OpenSIPS rtp_relay_ctx):
// kept in the message's slots until the transaction, then in the dialog.
type relayCtx struct {
	mu sync.Mutex
	// callID, fromTag, toTag, flags and del are $rtp_relay_ctx; the tags
	// are filled from the dialog when the call is answered.
	callID, fromTag, toTag, flags, del string
	dlgCallID                          string
	engaged, established               bool
	est                                *session
	sessions                           []*session
	legs                               []*leg
}

// ctxKey keys the call's relayCtx in message slots and dialog attributes.
type ctxKey struct{}

// getLeg finds a leg by tag, then (unless only the tag may match) by
// branch index (OpenSIPS rtp_relay_get_leg).
func (rc *relayCtx) getLeg(tag string, idx int) *leg {
	if tag != "" {
		for _, l := range rc.legs {
			if l.tag == tag {
				return l
			}
		}
		if idx == allBranches {
			return nil
		}
	}
	for _, l := range rc.legs {
		if l.index == idx {
			return l
		}
	}
	return nil
}

// peerLeg finds the leg facing p before the call is established.
func (rc *relayCtx) peerLeg(p *leg) *leg {
	for _, l := range rc.legs {
		if l == p {
			continue
		}
		if l.tag == "" {
			if p.tag != "" && l.index == allBranches {
				return l
			}
		} else {
			return l
		}
	}
	return nil
}

func (rc *relayCtx) newLeg(tag string, idx int) *leg {
	l := &leg{tag: tag, index: idx}
	rc.legs = append([]*leg{l}, rc.legs...)
	return l
}

func (s *session) pushLeg(l *leg, typ int) {
	if l == nil || s.legs[typ] == l {
		return
	}
	s.legs[typ] = l
	l.peer = s.legs[1-typ]
	if l.peer != nil {
		l.peer.peer = l
	}
}

// fillLeg attaches to s the leg of that tag and branch, or the one shared
// by every branch.
func (rc *relayCtx) fillLeg(s *session, typ int, tag string, idx int) {
	l := rc.getLeg(tag, idx)
	p := s.legs[1-typ]
	if l == p {
		l = nil
	}
	if l == nil && idx != allBranches {
		if l = rc.getLeg(tag, allBranches); l == p {
			l = nil
		}
	}
	s.pushLeg(l, typ)
}

func (rc *relayCtx) newSess(e *engine, set int, tag string, idx int) *session {
	s := &session{index: idx, engine: e, set: set}
	// The caller is known by its tag: a branch index designates callees.
	rc.fillLeg(s, caller, tag, allBranches)
	rc.fillLeg(s, callee, "", idx)
	rc.sessions = append([]*session{s}, rc.sessions...)
	return s
}

// sess returns the session of a branch, or the one of every branch.
func (rc *relayCtx) sess(idx int) *session {
	for _, s := range rc.sessions {
		if s.index == idx {
			return s
		}
	}
	if idx != allBranches {
		return rc.sess(allBranches)
	}
	return nil
}

func (rc *relayCtx) freeSess(s *session) {
	for i, x := range rc.sessions {
		if x == s {
			rc.sessions = append(rc.sessions[:i], rc.sessions[i+1:]...)
			return
		}
	}
}

// legType tells whether the sender of a sequential request is the caller
// or the callee of the established session; -1 when unknown.
func (rc *relayCtx) legType(msg *sip.Msg) int {
	if rc.est == nil || msg == nil {
		return -1
	}
	ft := msg.FromTag()
	if ft == "" {
		return -1
	}
	l := rc.getLeg(ft, allBranches)
	if l == nil {
		return -1
	}
	for t := caller; t <= callee; t++ {
		if rc.est.legs[t] == l {
			return t
		}
	}
	return -1
}

func (s *session) flag(typ, f int) string {
	if l := s.legs[typ]; l != nil {
		return l.flags[f]
	}
	return ""
}

// exchange builds what the engine gets for an offer or answer of the
// party typ (OpenSIPS rtp_relay_offer/answer): the peer's address and
// type, the interfaces, then the call-wide, own and peer flags.
func (rc *relayCtx) exchange(s *session, typ int, msg *sip.Msg, offer bool) *api.RTPRelaySession {
	p := 1 - typ
	rs := &api.RTPRelaySession{Branch: s.index, Set: s.set, Node: s.node,
		IP: s.flag(p, flagIP), Type: s.flag(p, flagType), InIface: s.flag(typ, flagIface),
		OutIface: s.flag(p, flagIface), CtxFlags: rc.flags, Flags: s.flag(typ, flagSelf),
		PeerFlags: s.flag(p, flagPeer)}
	rs.CallID = rc.callID
	if rs.CallID == "" {
		rs.CallID = rc.dlgCallID
	}
	// The offerer's tag goes first: the caller's for an offer from the
	// caller or an answer from the callee. Until the call is answered,
	// the messages of the INVITE transaction tell the tags.
	callerTag, calleeTag := rc.fromTag, rc.toTag
	if !rc.established && msg != nil {
		if callerTag == "" {
			callerTag = msg.FromTag()
		}
		if calleeTag == "" {
			calleeTag = msg.ToTag()
		}
	}
	if (typ == caller) == offer {
		rs.FromTag, rs.ToTag = callerTag, calleeTag
	} else {
		rs.FromTag, rs.ToTag = calleeTag, callerTag
	}
	if b := s.flag(typ, flagBody); b != "" {
		rs.Body = b
	} else if msg != nil {
		rs.Body = sdpBody(msg)
	}
	return rs
}

// sdpBody is the SDP of a message, "" when it has none.
func sdpBody(m *sip.Msg) string {
	b := m.Body()
	if b == "" || !strings.Contains(strings.ToLower(m.ContentType()), "application/sdp") {
		return ""
	}
	return b
}

// offer relays the SDP of party typ; it returns the new body ("" when
// nothing was done).
func (rc *relayCtx) offer(c *api.Ctx, s *session, typ int, msg *sip.Msg) string {
	rs := rc.exchange(s, typ, msg, true)
	if rs.Body == "" {
		return ""
	}
	body, err := s.engine.RTPRelayOffer(c, rs)
	if err != nil {
		logOf(c).Error("rtp_relay: could not engage offer", "engine", s.engine.name, "err", err)
		return ""
	}
	s.set, s.node = rs.Set, rs.Node
	s.pending = true
	return body
}

func (rc *relayCtx) answer(c *api.Ctx, s *session, typ int, msg *sip.Msg) string {
	rs := rc.exchange(s, typ, msg, false)
	if rs.Body == "" {
		return ""
	}
	body, err := s.engine.RTPRelayAnswer(c, rs)
	if err != nil {
		logOf(c).Error("rtp_relay: could not engage answer", "engine", s.engine.name, "err", err)
		return ""
	}
	if rs.Node != "" {
		s.node = rs.Node
	}
	return body
}

// del ends the relay session (OpenSIPS rtp_relay_delete).
func (rc *relayCtx) delete(c *api.Ctx, s *session, typ int) {
	rs := &api.RTPRelaySession{Branch: allBranches, Set: s.set, Node: s.node, CallID: rc.callID,
		FromTag: rc.fromTag, ToTag: rc.toTag, CtxFlags: rc.del, Flags: s.flag(typ, flagDelete)}
	if rs.CallID == "" {
		rs.CallID = rc.dlgCallID
	}
	if c != nil && c.Msg != nil {
		if rs.CallID == "" {
			rs.CallID = c.Msg.CallID()
		}
		if rs.FromTag == "" {
			rs.FromTag = c.Msg.FromTag()
		}
	}
	if err := s.engine.RTPRelayDelete(c, rs); err != nil {
		logOf(c).Error("rtp_relay: could not delete the relay session", "engine", s.engine.name, "err", err)
		return
	}
	s.pending = false
}

// miObject is the call as rtp_relay_list and dlg_list show it.
func (rc *relayCtx) miObject(withCallID bool) map[string]any {
	o := map[string]any{}
	s := rc.est
	if s == nil {
		return o
	}
	if withCallID && rc.dlgCallID != "" {
		o["callid"] = rc.dlgCallID
	}
	o["caller"] = miLeg(s.legs[caller])
	o["callee"] = miLeg(s.legs[callee])
	o["relay"] = s.engine.name
	o["node"] = s.node
	o["set"] = s.set
	if s.index != allBranches {
		o["branch"] = s.index
	}
	cx := map[string]any{}
	for k, v := range map[string]string{"callid": rc.callID, "from-tag": rc.fromTag, "to-tag": rc.toTag,
		"flags": rc.flags, "delete": rc.del} {
		if v != "" {
			cx[k] = v
		}
	}
	o["ctx"] = cx
	return o
}

var miLegNames = [nFlags]string{"flags", "peer", "IP", "type", "interface", "body", "delete"}

func miLeg(l *leg) map[string]any {
	o := map[string]any{}
	if l == nil {
		return o
	}
	if l.tag != "" {
		o["tag"] = l.tag
	}
	for i, v := range l.flags {
		if v != "" {
			o[miLegNames[i]] = v
		}
	}
	return o
}

func logOf(c *api.Ctx) interface {
	Error(string, ...any)
} {
	if c != nil && c.Log != nil {
		return c.Log
	}
	return discard{}
}

type discard struct{}

func (discard) Error(string, ...any) {}

func itoa(i int) string { return strconv.Itoa(i) }
