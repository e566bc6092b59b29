package dispatcher

import (
	"context"
	"fmt"
	"slices"

	"gosips/api"
	"gosips/sip"
)

// probeTarget is one destination to ping, copied out of the lock.
type probeTarget struct {
	part   *Partition
	set    int
	uri    string
	socket string
	always bool
}

// probe sends a ping (OPTIONS by default) to every destination that is
// probing (or to every non-inactive one with ds_probing_mode 1 or
// probe_mode 1), as OpenSIPS's ds_check_timer.
func (m *Module) probe(ctx context.Context) {
	var targets []probeTarget
	for _, p := range m.allPartitions() {
		pd := p.rt
		if pd == nil {
			continue
		}
		pd.mu.RLock()
		for _, s := range pd.data.setsOrNil() {
			if len(m.ProbingList) > 0 && !slices.Contains(m.ProbingList, s.id) {
				continue
			}
			for _, d := range s.dests {
				if d.flags&flagInactive != 0 {
					continue
				}
				if m.ProbingMode == 1 || d.flags&(flagProbing|flagPermProbe) != 0 {
					targets = append(targets, probeTarget{part: p, set: s.id, uri: d.uri,
						socket: d.socket, always: d.flags&flagPermProbe != 0})
				}
			}
		}
		pd.mu.RUnlock()
	}
	for _, t := range targets {
		m.ping(ctx, t)
	}
}

// ping sends one probe through tm; its final reply updates the state.
func (m *Module) ping(ctx context.Context, t probeTarget) {
	method, from := m.PingMethod, m.PingFrom
	if t.part.PingMethod != "" {
		method = t.part.PingMethod
	}
	if t.part.PingFrom != "" {
		from = t.part.PingFrom
	}
	hdrs := ""
	if m.PingMaxFwd >= 0 {
		hdrs = fmt.Sprintf("Max-Forwards: %d\r\n", m.PingMaxFwd)
	}
	req := &api.UACRequest{
		Method:  method,
		RURI:    t.uri,
		From:    "<" + from + ">",
		To:      "<" + t.uri + ">",
		Headers: hdrs,
		OnReply: func(_ *sip.Msg, code int) { m.probeReply(t, code) },
	}
	if err := m.uac.SendRequest(ctx, req); err != nil {
		m.log.Error("failed to send probe, setting it to probing", "uri", t.uri, "set", t.set, "err", err)
		m.setProbing(t, "failed to send probe")
	}
}

// probeReply applies a probe's final reply: 200 or an options_reply_codes
// code makes the destination active again; otherwise, when every
// destination is probed, it counts towards probing.
func (m *Module) probeReply(t probeTarget, code int) {
	ok := code == 200 || slices.Contains(m.replyCodes, code)
	if ok {
		pd := t.part.rt
		pd.mu.Lock()
		if s := pd.data.set(t.set); s != nil {
			if d := s.findDest(t.uri); d != nil {
				before := d.active()
				m.setState(d, flagInactive|flagProbing, false, false, true)
				if before != d.active() {
					s.recalc()
					m.log.Info("destination state changed", "set", s.id, "uri", d.uri,
						"state", d.stateName(), "reason", "200 OK probing reply")
				}
			}
		}
		pd.mu.Unlock()
		return
	}
	if m.ProbingMode == 1 || t.always {
		m.setProbing(t, "negative probing reply")
	}
}

// setProbing counts a probing failure (the state flips at the threshold).
func (m *Module) setProbing(t probeTarget, reason string) {
	pd := t.part.rt
	pd.mu.Lock()
	defer pd.mu.Unlock()
	s := pd.data.set(t.set)
	if s == nil {
		return
	}
	d := s.findDest(t.uri)
	if d == nil {
		return
	}
	before := d.active()
	m.setState(d, flagProbing, true, true, false)
	if before != d.active() {
		s.recalc()
		m.log.Info("destination state changed", "set", s.id, "uri", d.uri, "state", d.stateName(), "reason", reason)
	}
}
