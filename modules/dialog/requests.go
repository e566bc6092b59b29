package dialog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gosips/api"
	"gosips/sip"
)

// requestTo builds a request of the proxy towards one side of d, as sent
// by the other side (BYE, OPTIONS ping); mu held. Its CSeq follows the
// other side's and the requests injected so far.
func (d *dlg) requestTo(method string, to api.DialogLegID, extra string) *api.UACRequest {
	from := 1 - to
	tl, fl := &d.legs[to], &d.legs[from]
	fromURI, toURI := d.fromURI, d.toURI
	if to == api.DlgCaller {
		fromURI, toURI = d.toURI, d.fromURI
	}
	n, _ := strconv.ParseUint(fl.cseq, 10, 32)
	tl.injected++
	n += uint64(tl.injected)
	d.dirty = true
	ruri := tl.contact
	if ruri == "" {
		ruri = toURI
	}
	var hdrs strings.Builder
	next := ""
	if len(tl.routeSet) > 0 {
		hdrs.WriteString("Route: ")
		hdrs.WriteString(strings.Join(tl.routeSet, ", "))
		hdrs.WriteString("\r\n")
		next = strings.Trim(tl.routeSet[0], "<>")
	}
	for _, h := range []string{d.m.ExtraHdrs, extra} {
		if h = strings.TrimRight(h, "\r\n"); h != "" {
			hdrs.WriteString(strings.ReplaceAll(strings.ReplaceAll(h, "\r\n", "\n"), "\n", "\r\n"))
			hdrs.WriteString("\r\n")
		}
	}
	callID := d.callID
	if to == api.DlgCallee && d.calleeCallID != "" {
		callID = d.calleeCallID
	}
	return &api.UACRequest{Method: method, RURI: ruri,
		From: "<" + fromURI + ">;tag=" + fl.tag, To: "<" + toURI + ">;tag=" + tl.tag,
		CallID: callID, CSeq: uint32(n), Headers: hdrs.String(), NextHop: next, Socket: tl.socket}
}

var errNotConfirmed = errors.New("dialog is not confirmed")

// endDialog sends BYE to both sides (dlg_end_dlg, lifetime timeout with
// the B flag, dead pinged side); the dialog ends with the first final
// reply to either BYE, or at once when none could be sent.
func (m *Module) endDialog(d *dlg, reason, extra string) error {
	d.mu.Lock()
	if d.state != api.DlgStateConfirmed && d.state != api.DlgStateConfirmedNA {
		d.mu.Unlock()
		return errNotConfirmed
	}
	if d.endReason == "" {
		d.endReason = reason
	}
	reqs := []*api.UACRequest{d.requestTo("BYE", api.DlgCallee, extra), d.requestTo("BYE", api.DlgCaller, extra)}
	d.mu.Unlock()
	var once sync.Once
	end := func() { once.Do(func() { m.terminate(d, nil, reason, api.DlgDirNone) }) }
	if m.uac == nil {
		end()
		return nil
	}
	var failed atomic.Int32
	for _, r := range reqs {
		r.OnReply = func(_ *sip.Msg, code int) {
			if code >= 200 {
				end()
			}
		}
		if err := m.uac.SendRequest(m.ctx(), r); err != nil {
			m.log.Warn("cannot send BYE", "callid", d.callID, "to", r.RURI, "err", err)
			if failed.Add(1) == int32(len(reqs)) {
				end()
			}
		}
	}
	return nil
}

// Terminate implements api.DialogAPI.
func (m *Module) Terminate(di api.Dialog, reason string) error {
	d, ok := di.(*dlg)
	if !ok || d == nil {
		return errors.New("no dialog")
	}
	return m.endDialog(d, reason, "")
}

func (m *Module) ctx() context.Context {
	if m.root != nil {
		return m.root
	}
	return context.Background()
}

// expire handles the lifetime timer of d: the dlg_on_timeout route may
// extend it; else the dialog ends, with BYEs both ways for the B flag.
func (m *Module) expire(d *dlg) {
	if m.stopping.Load() {
		return
	}
	d.mu.Lock()
	if d.state == api.DlgStateUnconfirmed || d.state == api.DlgStateEarly {
		d.mu.Unlock()
		m.fail(d, nil, nil)
		return
	}
	if d.state != api.DlgStateConfirmed && d.state != api.DlgStateConfirmedNA {
		d.mu.Unlock()
		return
	}
	at := d.expiresAt
	if time.Now().Before(at) {
		// Re-armed meanwhile.
		d.mu.Unlock()
		return
	}
	onTimeout := d.onTimeout
	d.mu.Unlock()
	if onTimeout != "" {
		m.runDlgRoute(d, onTimeout)
		d.mu.Lock()
		extended := d.expiresAt.After(at) && d.state != api.DlgStateDeleted
		d.mu.Unlock()
		if extended {
			return
		}
	}
	d.mu.Lock()
	bye := d.flags&flagByeOnTimeout != 0
	d.mu.Unlock()
	m.stats.expired.Inc()
	if bye {
		reason := "Lifetime Timeout"
		d.mu.Lock()
		if d.flags&flagRaceOccurred != 0 {
			reason = "SIP Race Condition"
		}
		d.mu.Unlock()
		if err := m.endDialog(d, reason, ""); err == nil {
			return
		}
	}
	d.mu.Lock()
	if d.state == api.DlgStateDeleted {
		d.mu.Unlock()
		return
	}
	prev := d.state
	d.state = api.DlgStateDeleted
	d.end = time.Now()
	if d.endReason == "" {
		d.endReason = "Lifetime Timeout"
	}
	d.dropProfiles()
	ev := m.stateEvent(d, prev)
	d.mu.Unlock()
	m.raiseState(ev)
	m.stats.active.Dec()
	d.run(api.DlgCbExpired, nil, nil, api.DlgDirNone)
	m.dbRemove(d)
	m.destroy(d)
}

// runDlgRoute runs a route armed by dlg_on_timeout/answer/hangup with the
// dialog as context and no SIP message.
func (m *Module) runDlgRoute(d *dlg, name string) {
	ref := m.core.Load()
	if ref == nil {
		return
	}
	c := ref.c.NewCtx(m.ctx(), api.RequestRoute, nil)
	setCurrent(c, d, api.DlgDirNone)
	if _, ok := ref.c.RunRoute(c, api.RequestRoute, name); !ok {
		m.log.Error("dialog route not found", "route", name)
	}
	ref.c.ReleaseCtx(c)
}

// everyDialog runs fn on every dialog each interval seconds until ctx
// ends; a zero interval disables it. The pinging loops use it.
func (m *Module) everyDialog(ctx context.Context, interval int, fn func(*dlg)) {
	defer m.wg.Done()
	iv := m.sec(interval)
	if iv <= 0 {
		return
	}
	tk := time.NewTicker(iv)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		for _, d := range m.tab.all() {
			fn(d)
		}
	}
}

var pingReason = [2]string{"Caller Ping Timeout", "Callee Ping Timeout"}

// ping pings the flagged sides of d.
func (m *Module) ping(d *dlg) {
	if m.uac == nil {
		return
	}
	d.mu.Lock()
	// Not before the ACK: a ping must not overtake it.
	if d.state != api.DlgStateConfirmed {
		d.mu.Unlock()
		return
	}
	var reqs [2]*api.UACRequest
	for side, f := range [2]uint32{flagPingCaller, flagPingCallee} {
		if d.flags&f != 0 && !d.pingPending[side] {
			d.pingPending[side] = true
			reqs[side] = d.requestTo("OPTIONS", api.DialogLegID(side), "")
		}
	}
	d.mu.Unlock()
	for side, r := range reqs {
		if r == nil {
			continue
		}
		r.OnReply = func(_ *sip.Msg, code int) {
			if code < 200 {
				return
			}
			d.mu.Lock()
			d.pingPending[side] = false
			d.mu.Unlock()
			if code == 408 || code == 481 {
				_ = m.endDialog(d, pingReason[side], "")
			}
		}
		if err := m.uac.SendRequest(m.ctx(), r); err != nil {
			d.mu.Lock()
			d.pingPending[side] = false
			d.mu.Unlock()
			m.log.Debug("cannot send dialog ping", "callid", d.callID, "err", err)
		}
	}
}

// Start arms the timers of the dialogs loaded from the database and the
// pinging loop.
func (m *Module) Start(ctx context.Context) error {
	m.root, m.cancel = context.WithCancel(ctx)
	if m.DBMode != 0 {
		if err := m.dbStart(m.root); err != nil {
			return fmt.Errorf("dialog: %w", err)
		}
	}
	// OPTIONS pings every options_ping_interval; re-INVITE pings (a 408
	// or 481 ends the dialog with BYEs, see ping and reinvitePing) every
	// reinvite_ping_interval.
	m.wg.Add(2)
	go m.everyDialog(m.root, m.OptionsPingInterval, m.ping)
	go m.everyDialog(m.root, m.ReinvitePingInterval, m.reinvitePing)
	return nil
}

// Close stops the timers and, with db_mode 2 or 3, writes the dialogs.
func (m *Module) Close() error {
	if !m.stopping.CompareAndSwap(false, true) {
		return nil
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
	for _, d := range m.tab.all() {
		d.mu.Lock()
		m.timers.stop(d)
		d.mu.Unlock()
	}
	return m.dbClose()
}

var (
	_ api.Starter = (*Module)(nil)
	_ api.Closer  = (*Module)(nil)
)
