package dialog

import (
	"gosips/api"
	"gosips/sip"
)

var reinviteReason = [2]string{"Caller ReINVITE Ping Timeout", "Callee ReINVITE Ping Timeout"}

// reinvitePing sends a re-INVITE to the sides of d flagged R (caller) or
// r (callee), in the other side's name and with the SDP that side last
// sent, so the media does not change; a 408 or 481 ends the dialog.
func (m *Module) reinvitePing(d *dlg) {
	if m.uac == nil {
		return
	}
	d.mu.Lock()
	if d.state != api.DlgStateConfirmed {
		d.mu.Unlock()
		return
	}
	var reqs [2]*api.UACRequest
	for side, f := range [2]uint32{flagReinvPingCaller, flagReinvPingCallee} {
		if d.flags&f == 0 || d.pingPending[side] {
			continue
		}
		other := &d.legs[1-side]
		extra := ""
		if other.contact != "" {
			extra = "Contact: <" + other.contact + ">"
		}
		r := d.requestTo("INVITE", api.DialogLegID(side), extra)
		if other.sdp != "" {
			r.Body, r.ContentType = other.sdp, "application/sdp"
		}
		d.pingPending[side] = true
		reqs[side] = r
	}
	d.mu.Unlock()
	for side, r := range reqs {
		if r == nil {
			continue
		}
		r.OnReply = func(rpl *sip.Msg, code int) {
			if code < 200 {
				return
			}
			d.mu.Lock()
			d.pingPending[side] = false
			d.mu.Unlock()
			switch {
			case code < 300:
				m.sendAck(r, rpl)
			case code == 408 || code == 481:
				_ = m.endDialog(d, reinviteReason[side], "")
			}
		}
		if err := m.uac.SendRequest(m.ctx(), r); err != nil {
			d.mu.Lock()
			d.pingPending[side] = false
			d.mu.Unlock()
			m.log.Debug("cannot send dialog re-INVITE ping", "callid", d.callID, "err", err)
		}
	}
}

// sendAck acknowledges the 2xx of a re-INVITE ping: same target, route
// set and CSeq number as the INVITE, a new Via branch.
func (m *Module) sendAck(inv *api.UACRequest, rpl *sip.Msg) {
	ref := m.core.Load()
	if ref == nil {
		return
	}
	core := ref.c
	next := inv.NextHop
	if next == "" {
		next = inv.RURI
	}
	dest, err := core.Resolve(m.ctx(), next, inv.Socket)
	if err != nil {
		m.log.Debug("cannot resolve the ACK destination", "uri", next, "err", err)
		return
	}
	sock := inv.Socket
	if sock == nil {
		sock = core.OutSocket(dest)
	}
	if sock == nil {
		return
	}
	if dest.Socket == nil {
		dest.Socket = sock
	}
	to := inv.To
	if rpl != nil {
		if v, ok := rpl.HeaderOf(sip.HdrTo, ""); ok {
			to = v
		}
	}
	hdrs := ""
	if ua := api.UserAgentOf(core); ua != "" {
		hdrs = "User-Agent: " + ua + "\r\n"
	}
	if rts := routeHeader(inv.Headers); rts != "" {
		hdrs = rts + hdrs
	}
	ack, err := sip.NewRequest(&sip.RequestSpec{Method: "ACK", RURI: inv.RURI,
		Via:  sip.FormatVia(dest.Proto.ViaName(), sock.AdvertisedHost(), sock.AdvertisedPort(), sip.NewBranch(), false),
		From: inv.From, To: to, CallID: inv.CallID, CSeq: inv.CSeq, Headers: hdrs})
	if err != nil {
		return
	}
	if err := core.Send(dest, ack.Bytes()); err != nil {
		m.log.Debug("cannot send the ACK of a re-INVITE ping", "err", err)
	}
}

// routeHeader returns the Route header line of a header block, if any.
func routeHeader(hdrs string) string {
	for len(hdrs) > 0 {
		line := hdrs
		rest := ""
		for i := 0; i+1 < len(hdrs); i++ {
			if hdrs[i] == '\r' && hdrs[i+1] == '\n' {
				line, rest = hdrs[:i+2], hdrs[i+2:]
				break
			}
		}
		if len(line) > 6 && (line[:6] == "Route:" || line[:6] == "route:") {
			return line
		}
		if rest == "" {
			break
		}
		hdrs = rest
	}
	return ""
}
