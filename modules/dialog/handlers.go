package dialog

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/sip"
)

// curKey keys the dialog of the message in api.Ctx slots.
type curKey struct{}

// current is the dialog a message belongs to and its direction.
type current struct {
	d   *dlg
	dir api.DialogDir
	// prevCSeq is the sender's CSeq before this request (validate_dialog).
	prevCSeq uint32
}

func setCurrent(c *api.Ctx, d *dlg, dir api.DialogDir) {
	c.SetSlot(curKey{}, &current{d: d, dir: dir})
}

// cur returns the dialog of the message in c: the one create_dialog() or
// the matching stored, else (replies, failure routes, local requests) the
// dialog of the request's Call-ID and tags.
func (m *Module) cur(c *api.Ctx) (*dlg, api.DialogDir) {
	if c == nil {
		return nil, api.DlgDirNone
	}
	if cu, ok := c.Slot(curKey{}).(*current); ok && cu.d != nil {
		return cu.d, cu.dir
	}
	if c.RouteType == api.RequestRoute || c.RouteType&(api.StartupRoute|api.TimerRoute|api.EventRoute) != 0 {
		return nil, api.DlgDirNone
	}
	msg := c.Req
	if msg == nil {
		msg = c.Msg
	}
	if msg == nil || (msg.MethodID() != sip.MethodInvite && msg.ToTag() == "") {
		return nil, api.DlgDirNone
	}
	d, dir := m.tab.byCallID(msg.CallID(), msg.FromTag(), msg.ToTag())
	if d == nil && msg.ToTag() != "" && c.Reply != nil {
		d, dir = m.tab.byCallID(msg.CallID(), msg.FromTag(), "")
	}
	return d, dir
}

// Current implements api.DialogAPI.
func (m *Module) Current(c *api.Ctx) api.Dialog {
	if d, _ := m.cur(c); d != nil {
		return d
	}
	return nil
}

// ByDID implements api.DialogAPI.
func (m *Module) ByDID(did string) api.Dialog {
	e, i, ok := parseDID(did)
	if !ok {
		return nil
	}
	if d := m.tab.byID(e, i); d != nil {
		return d
	}
	return nil
}

// ByCallID implements api.DialogAPI.
func (m *Module) ByCallID(callID, fromTag string) api.Dialog {
	if d, _ := m.tab.byCallID(callID, fromTag, ""); d != nil {
		return d
	}
	return nil
}

// createFlagNames are the 4.x names of create_dialog()'s flags
// ("bye-on-timeout,options-ping-caller"), accepted beside the 3.x letters.
var createFlagNames = map[string]rune{
	"bye-on-timeout": 'B', "options-ping-caller": 'P', "options-ping-callee": 'p',
	"reinvite-ping-caller": 'R', "reinvite-ping-callee": 'r', "end-on-race-condition": 'E',
}

// createFlags parses create_dialog()'s flags: 3.x letters ("BPp") or a
// comma-separated list of 4.x names.
func createFlags(s string) (uint32, error) {
	if strings.ContainsAny(s, ",-") {
		var letters []rune
		for _, name := range strings.Split(s, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			ch, ok := createFlagNames[name]
			if !ok {
				if name == "auto-prack" {
					return 0, fmt.Errorf("create_dialog flag %q is not implemented in gosips", name)
				}
				return 0, fmt.Errorf("unknown create_dialog flag %q", name)
			}
			letters = append(letters, ch)
		}
		s = string(letters)
	}
	var f uint32
	for _, ch := range s {
		switch ch {
		case 'B':
			f |= flagByeOnTimeout
		case 'P':
			f |= flagPingCaller
		case 'p':
			f |= flagPingCallee
		case 'R':
			f |= flagReinvPingCaller
		case 'r':
			f |= flagReinvPingCallee
		case 'E':
			f |= flagEndOnRace
		case ' ', ',':
		default:
			return 0, fmt.Errorf("unknown create_dialog flag %q (expected B, P, p, R, r, E)", ch)
		}
	}
	// Re-INVITE pinging wins over OPTIONS pinging of the same side.
	if f&flagReinvPingCaller != 0 {
		f &^= flagPingCaller
	}
	if f&flagReinvPingCallee != 0 {
		f &^= flagPingCallee
	}
	return f, nil
}

var errNotInitial = errors.New("create_dialog: not an initial INVITE")

// setupGuard bounds the life of a dialog that is never answered nor
// failed by its INVITE transaction.
const setupGuard = 10 * time.Minute

// Create implements api.DialogAPI.
func (m *Module) Create(c *api.Ctx, flags string) (api.Dialog, error) {
	f, err := createFlags(flags)
	if err != nil {
		return nil, err
	}
	d, err := m.create(c, f)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// create makes the dialog of the initial INVITE in c (create_dialog()).
func (m *Module) create(c *api.Ctx, flags uint32) (*dlg, error) {
	if d, _ := m.cur(c); d != nil {
		return d, nil
	}
	req := c.Msg
	if req == nil || req.MethodID() != sip.MethodInvite || req.ToTag() != "" || c.RouteType != api.RequestRoute {
		return nil, errNotInitial
	}
	from, err := req.From()
	if err != nil {
		return nil, fmt.Errorf("create_dialog: From: %w", err)
	}
	to, err := req.To()
	if err != nil {
		return nil, fmt.Errorf("create_dialog: To: %w", err)
	}
	cseq, _, err := req.CSeq()
	if err != nil {
		return nil, fmt.Errorf("create_dialog: CSeq: %w", err)
	}
	m.learnCore(c)
	now := time.Now()
	d := &dlg{m: m, callID: req.CallID(), fromURI: from.URI, toURI: to.URI,
		state: api.DlgStateUnconfirmed, created: now, lifetime: m.sec(m.DefaultTimeout),
		flags: flags | flagIsInit, delDelay: m.sec(m.DeleteDelay)}
	cl := &d.legs[api.DlgCaller]
	cl.tag = from.Tag
	cl.cseq = strconv.FormatUint(uint64(cseq), 10)
	cl.sdp = sdpOf(req)
	cl.contact = firstContact(req)
	cl.routeSet = routeSetOf(c, req, false)
	if r := req.Recv(); r != nil {
		cl.socket = r.Socket
	}
	m.tab.insert(d)
	// A dialog whose INVITE never becomes a transaction (the script
	// replied statelessly or dropped it) gets no reply: it is failed
	// once no INVITE transaction could still be running.
	d.mu.Lock()
	m.timers.schedule(d, now.Add(setupGuard))
	d.mu.Unlock()
	if m.MatchMode != matchDIDNone && m.rr != nil {
		m.rr.AddRRParam(c, ";"+m.RRParam_+"="+d.rrDID())
	}
	m.tm.HookTx(c, &api.TxHook{
		ReplyOut:  func(e *api.TxEvent) { m.initialReply(d, e) },
		Deleted:   func(*api.TxEvent) { m.initialGone(d) },
		Cancelled: func(*api.TxEvent) { m.initialCancelled(d) },
	})
	setCurrent(c, d, api.DlgDirNone)
	m.stats.processed.Inc()
	m.runGlobal(api.DlgCbCreated, d, c)
	return d, nil
}

// firstContact returns the URI of the first Contact of m.
func firstContact(m *sip.Msg) string {
	cs, _, err := m.Contacts()
	if err != nil || len(cs) == 0 {
		return ""
	}
	return cs[0].URI
}

// routeSetOf extracts the route set towards the sender of m from its
// Record-Route headers without our own entries: for a request (the
// caller's side) they are in order; for a reply (the callee's side) the
// entries above ours, nearest first.
func routeSetOf(c *api.Ctx, m *sip.Msg, reply bool) []string {
	rrs, err := m.RecordRoutes()
	if err != nil || len(rrs) == 0 {
		return nil
	}
	mine := func(na *sip.NameAddr) bool {
		if c == nil || c.Core == nil {
			return false
		}
		u, err := sip.ParseURI(na.URI)
		if err != nil {
			return false
		}
		port := u.Port
		if port == 0 {
			port = 5060
		}
		return c.Core.IsMyself(u.HostNoBrackets(), port)
	}
	var out []string
	if !reply {
		for i := range rrs {
			if !mine(&rrs[i]) {
				out = append(out, "<"+rrs[i].URI+">")
			}
		}
		return out
	}
	n := len(rrs)
	for i := range rrs {
		if mine(&rrs[i]) {
			n = i
			break
		}
	}
	for i := n - 1; i >= 0; i-- {
		out = append(out, "<"+rrs[i].URI+">")
	}
	return out
}

// initialReply follows the replies to the initial INVITE relayed or sent
// upstream: early on a provisional reply with a To tag, confirmed on 2xx,
// failed on a negative final reply.
func (m *Module) initialReply(d *dlg, e *api.TxEvent) {
	rpl, code := e.Reply, e.Code
	d.run(api.DlgCbResponseFwded, e.Ctx, rpl, api.DlgDirUpstream)
	if c := e.Ctx; c != nil {
		setCurrent(c, d, api.DlgDirUpstream)
		m.learnCore(c)
	}
	switch {
	case code < 200:
		if rpl == nil || rpl.ToTag() == "" {
			return
		}
		d.mu.Lock()
		if d.state != api.DlgStateUnconfirmed {
			d.mu.Unlock()
			return
		}
		d.state = api.DlgStateEarly
		d.setCallee(e.Ctx, rpl)
		ev := m.stateEvent(d, api.DlgStateUnconfirmed)
		d.mu.Unlock()
		m.raiseState(ev)
		m.stats.early.Inc()
		d.run(api.DlgCbEarly, e.Ctx, rpl, api.DlgDirUpstream)
	case code < 300:
		d.mu.Lock()
		prev := d.state
		if prev != api.DlgStateUnconfirmed && prev != api.DlgStateEarly {
			d.mu.Unlock()
			return
		}
		d.state = api.DlgStateConfirmedNA
		d.setCallee(e.Ctx, rpl)
		d.start = time.Now()
		if d.flags&flagEndOnRace != 0 && d.flags&(flagWasCancelled|flagHasBye) != 0 {
			// A 2xx that crossed a CANCEL or an early BYE (RFC 5407):
			// the call ends after race_condition_timeout.
			d.lifetime = time.Duration(m.RaceConditionTimeout) * time.Second
			d.flags |= flagRaceOccurred
		}
		d.expiresAt = d.start.Add(d.lifetime)
		m.timers.schedule(d, d.expiresAt)
		d.flags |= flagNew
		d.dirty = true
		onAnswer := d.onAnswer
		ev := m.stateEvent(d, prev)
		d.mu.Unlock()
		m.raiseState(ev)
		if prev == api.DlgStateEarly {
			m.stats.early.Dec()
		}
		m.stats.active.Inc()
		m.dbUpdate(d)
		d.run(api.DlgCbConfirmed, e.Ctx, rpl, api.DlgDirUpstream)
		if onAnswer != "" {
			m.runDlgRoute(d, onAnswer)
		}
	default:
		m.fail(d, e.Ctx, rpl)
	}
}

// initialCancelled marks a dialog whose INVITE was cancelled; with the E
// flag, a call already answered ends after race_condition_timeout.
func (m *Module) initialCancelled(d *dlg) {
	d.mu.Lock()
	defer d.mu.Unlock()
	confirmed := d.state == api.DlgStateConfirmed || d.state == api.DlgStateConfirmedNA
	if d.flags&flagEndOnRace != 0 && confirmed {
		// Before flagWasCancelled, which freezes the timeout.
		d.setTimeoutLocked(time.Duration(m.RaceConditionTimeout) * time.Second)
		d.flags |= flagRaceOccurred
	}
	d.flags |= flagWasCancelled
}

// setCallee records the callee's side from a reply with a To tag; mu
// held.
func (d *dlg) setCallee(c *api.Ctx, rpl *sip.Msg) {
	l := &d.legs[api.DlgCallee]
	l.tag = rpl.ToTag()
	if l.cseq == "" {
		// The callee has sent no request yet.
		l.cseq = "0"
	}
	if ct := firstContact(rpl); ct != "" {
		l.contact = ct
	}
	l.routeSet = routeSetOf(c, rpl, true)
	if sdp := sdpOf(rpl); sdp != "" {
		l.sdp = sdp
	}
	if r := rpl.Recv(); r != nil && r.Socket != nil {
		l.socket = r.Socket
	} else if l.socket == nil {
		l.socket = d.legs[api.DlgCaller].socket
	}
	d.hasCallee = true
}

// fail ends a dialog that was never confirmed.
func (m *Module) fail(d *dlg, c *api.Ctx, rpl *sip.Msg) {
	d.mu.Lock()
	prev := d.state
	if prev != api.DlgStateUnconfirmed && prev != api.DlgStateEarly {
		d.mu.Unlock()
		return
	}
	d.state = api.DlgStateDeleted
	d.end = time.Now()
	d.dropProfiles()
	ev := m.stateEvent(d, prev)
	d.mu.Unlock()
	m.raiseState(ev)
	if prev == api.DlgStateEarly {
		m.stats.early.Dec()
	}
	m.stats.failed.Inc()
	d.run(api.DlgCbFailed, c, rpl, api.DlgDirUpstream)
	m.destroy(d)
}

// initialGone handles the end of the INVITE transaction: a dialog still
// not answered then failed without a final reply.
func (m *Module) initialGone(d *dlg) {
	m.fail(d, nil, nil)
}

// destroy removes an ended dialog from memory (after delete_delay) and
// runs the destroy callbacks.
func (m *Module) destroy(d *dlg) {
	d.mu.Lock()
	if d.removed {
		d.mu.Unlock()
		return
	}
	d.removed = true
	m.timers.stop(d)
	delay := d.delDelay
	d.mu.Unlock()
	gone := func() {
		m.tab.remove(d)
		d.run(api.DlgCbDestroy, nil, nil, api.DlgDirNone)
	}
	if delay > 0 {
		time.AfterFunc(delay, gone)
		return
	}
	gone()
}

// onRoute is rr's callback: loose_route() consumed a Route of ours.
func (m *Module) onRoute(c *api.Ctx, params string) {
	if d, _ := m.cur(c); d != nil {
		return
	}
	m.matchRequest(c, m.MatchMode, params, true)
}

// Match implements api.DialogAPI.
func (m *Module) Match(c *api.Ctx) api.Dialog {
	if d := m.matchFn(c, m.MatchMode); d != nil {
		return d
	}
	return nil
}

// matchFn is match_dialog([mode]).
func (m *Module) matchFn(c *api.Ctx, mode int) *dlg {
	if d, _ := m.cur(c); d != nil {
		return d
	}
	params := ""
	if c.Msg != nil {
		if rts, err := c.Msg.Routes(); err == nil && len(rts) > 0 {
			if u, err := sip.ParseURI(rts[0].URI); err == nil {
				params = u.Params
			}
		}
	}
	return m.matchRequest(c, mode, params, false)
}

// matchRequest matches a sequential request by the did parameter of our
// Route and/or by Call-ID and tags, and processes it.
func (m *Module) matchRequest(c *api.Ctx, mode int, params string, viaRR bool) *dlg {
	req := c.Msg
	if req == nil || !req.IsRequest() || req.ToTag() == "" {
		return nil
	}
	ftag, ttag := req.FromTag(), req.ToTag()
	var d *dlg
	dir := api.DlgDirNone
	if mode != matchDIDNone {
		if v, ok := sip.Param(params, m.RRParam_); ok {
			if e, id, ok := parseDID(v); ok {
				if x := m.tab.byID(e, id); x != nil && x.callID == req.CallID() {
					if dd, ok := x.matchTags(ftag, ttag); ok {
						d, dir = x, dd
					}
				}
			}
		}
	}
	if d == nil && mode != matchDIDOnly {
		d, dir = m.tab.byCallID(req.CallID(), ftag, ttag)
	}
	if d == nil {
		return nil
	}
	m.sequential(c, d, dir)
	return d
}

// sequential processes a request within dialog d.
func (m *Module) sequential(c *api.Ctx, d *dlg, dir api.DialogDir) {
	cu := &current{d: d, dir: dir}
	c.SetSlot(curKey{}, cu)
	m.learnCore(c)
	req := c.Msg
	src := api.DlgCaller
	if dir == api.DlgDirUpstream {
		src = api.DlgCallee
	}
	n, _, _ := req.CSeq()
	meth := req.MethodID()
	d.mu.Lock()
	if p, err := strconv.ParseUint(d.legs[src].cseq, 10, 32); err == nil {
		cu.prevCSeq = uint32(p)
	}
	if meth != sip.MethodAck && meth != sip.MethodCancel && n > 0 {
		d.legs[src].cseq = strconv.FormatUint(uint64(n), 10)
		d.dirty = true
	}
	state := d.state
	shift := d.legs[1-src].injected
	if dir == api.DlgDirNone {
		shift = 0
	}
	d.mu.Unlock()
	if shift > 0 && n > 0 {
		m.shiftCSeq(c, n, shift, meth != sip.MethodAck)
	}
	switch meth {
	case sip.MethodBye:
		if state == api.DlgStateEarly || state == api.DlgStateUnconfirmed {
			d.mu.Lock()
			race := d.flags&flagEndOnRace != 0
			if race {
				// An early BYE is only noted: a 2xx crossing it
				// confirms the call, which then ends after
				// race_condition_timeout.
				d.flags |= flagHasBye
				d.markChanged()
			}
			d.mu.Unlock()
			if race {
				return
			}
		}
		reason := "Downstream BYE"
		if dir == api.DlgDirUpstream {
			reason = "Upstream BYE"
		}
		m.terminate(d, c, reason, dir)
		return
	case sip.MethodAck:
		d.mu.Lock()
		var ev api.EventParams
		if d.state == api.DlgStateConfirmedNA {
			d.state = api.DlgStateConfirmed
			d.markChanged()
			ev = m.stateEvent(d, api.DlgStateConfirmedNA)
		}
		d.mu.Unlock()
		m.raiseState(ev)
		m.dbUpdate(d)
		// An ACK is an in-dialog request too (DLGCB_REQ_WITHIN): it
		// carries the answer of a late negotiation.
		if state != api.DlgStateDeleted {
			d.run(api.DlgCbReqWithin, c, req, dir)
		}
		return
	}
	if state == api.DlgStateDeleted {
		return
	}
	d.run(api.DlgCbReqWithin, c, req, dir)
	if meth == sip.MethodCancel {
		return
	}
	reqContact := ""
	if meth == sip.MethodInvite || meth == sip.MethodUpdate {
		reqContact = firstContact(req)
	}
	m.tm.HookTx(c, &api.TxHook{ReplyOut: func(e *api.TxEvent) {
		if e.Ctx != nil {
			setCurrent(e.Ctx, d, dir)
		}
		d.run(api.DlgCbResponseWithin, e.Ctx, e.Reply, dir)
		if e.Code < 200 || e.Code >= 300 || e.Local || reqContact == "" {
			return
		}
		// A target refresh: both sides may have a new Contact.
		d.mu.Lock()
		d.legs[src].contact = reqContact
		if ct := firstContact(e.Reply); ct != "" {
			d.legs[1-src].contact = ct
		}
		d.markChanged()
		d.mu.Unlock()
		m.dbUpdate(d)
	}})
}

// terminate ends a confirmed (or early) dialog: BYE received, BYEs sent
// by the timeout or dlg_end_dlg.
func (m *Module) terminate(d *dlg, c *api.Ctx, reason string, dir api.DialogDir) bool {
	d.mu.Lock()
	prev := d.state
	if prev == api.DlgStateDeleted {
		d.mu.Unlock()
		return false
	}
	d.state = api.DlgStateDeleted
	d.end = time.Now()
	d.flags |= flagHasBye
	if d.endReason == "" {
		d.endReason = reason
	}
	m.timers.stop(d)
	d.dropProfiles()
	onHangup := d.onHangup
	ev := m.stateEvent(d, prev)
	d.mu.Unlock()
	m.raiseState(ev)
	switch prev {
	case api.DlgStateEarly:
		m.stats.early.Dec()
		m.stats.failed.Inc()
	case api.DlgStateUnconfirmed:
		m.stats.failed.Inc()
	default:
		m.stats.active.Dec()
	}
	var msg *sip.Msg
	if c != nil {
		msg = c.Msg
	}
	if onHangup != "" {
		m.runDlgRoute(d, onHangup)
	}
	d.run(api.DlgCbTerminated, c, msg, dir)
	m.dbRemove(d)
	m.destroy(d)
	return true
}

// sdpOf returns the SDP body of m, if any.
func sdpOf(m *sip.Msg) string {
	if ct := m.ContentType(); ct == "" || !strings.Contains(strings.ToLower(ct), "application/sdp") {
		return ""
	}
	return m.Body()
}

// shiftCSeq raises the CSeq of a sequential request by the number of
// requests the proxy injected towards its destination, and lowers it
// back in the replies relayed for it.
func (m *Module) shiftCSeq(c *api.Ctx, n, shift uint32, replies bool) {
	setCSeq(c.Msg, n+shift)
	if !replies {
		return
	}
	m.tm.HookTx(c, &api.TxHook{ReplyOut: func(e *api.TxEvent) {
		if e.Reply != nil && !e.Local {
			setCSeq(e.Reply, n)
		}
	}})
}

// setCSeq rewrites the number of m's CSeq header.
func setCSeq(m *sip.Msg, n uint32) {
	_, meth, err := m.CSeq()
	if err != nil {
		return
	}
	if f, ok := m.FieldOf(sip.HdrCSeq, ""); ok {
		m.SetHeaderValue(f, strconv.FormatUint(uint64(n), 10)+" "+meth)
	}
}
