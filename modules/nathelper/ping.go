package nathelper

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"gosips/api"
	"gosips/sip"
)

// pinger sends the keep-alive pings of natping_interval and tracks the
// SIP pings of contacts marked for removal on timeout.
type pinger struct {
	m      *Module
	prefix string // Call-ID prefix of our SIP pings

	mu      sync.Mutex
	seq     uint64
	pending map[string]*pingCell // by Call-ID
	lost    map[uint64]int       // contact id -> pings not answered in a row
}

type pingCell struct {
	table, aor string
	id         uint64
	flags      uint32
	sent       time.Time
}

// nullPing is the 4-byte UDP keep-alive OpenSIPS sends.
var nullPing = []byte{0, 0, 0, 0}

func newPinger(m *Module) *pinger {
	return &pinger{m: m, prefix: fmt.Sprintf("nhp%08x", rand.Uint32()),
		pending: map[string]*pingCell{}, lost: map[uint64]int{}}
}

func (p *pinger) run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var tick uint64
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			p.check(ctx, now)
			if p.m.pingState.Load() != 0 {
				p.pingSlot(ctx, tick)
			}
			tick++
		}
	}
}

// pingSlot pings the contacts whose slot is due: each contact is pinged
// once per natping_interval, the contacts being spread over the seconds
// of the interval by a hash of their id.
func (p *pinger) pingSlot(ctx context.Context, tick uint64) {
	m := p.m
	iv := uint64(m.NATPingInterval)
	m.loc.EachContact(func(ct api.LocContact) {
		if m.PingNATedOnly != 0 && ct.CFlags&m.natFlag == 0 {
			return
		}
		h := fnv.New64a()
		h.Write([]byte(strconv.FormatUint(ct.ID, 10)))
		if h.Sum64()%iv != tick%iv {
			return
		}
		p.ping(ctx, ct)
	})
}

func (p *pinger) ping(ctx context.Context, ct api.LocContact) {
	m := p.m
	next := ct.URI
	if ct.Received != "" {
		next = ct.Received
	}
	if ct.Path != "" {
		if first := firstPathURI(ct.Path); first != "" {
			next = first
		}
	}
	dst, err := m.core.Resolve(ctx, next, ct.Socket)
	if err != nil {
		m.log.Debug("natping: cannot resolve next hop", "uri", next, "err", err)
		return
	}
	reliable := dst.Proto.Reliable()
	if reliable && m.NATPingTCP == 0 {
		return
	}
	if ct.CFlags&m.sipFlag != 0 && m.sipFlag != 0 {
		sock := m.core.OutSocket(dst)
		if sock == nil {
			m.log.Error("natping: no socket to send from", "dst", dst.String())
			return
		}
		callID, b := p.build(ct, sock, dst.Proto)
		if ct.CFlags&m.rmFlag != 0 && m.rmFlag != 0 {
			p.mu.Lock()
			p.pending[callID] = &pingCell{table: ct.Table, aor: ct.AOR, id: ct.ID, flags: ct.CFlags, sent: time.Now()}
			p.mu.Unlock()
		}
		if err := m.core.Send(dst, b); err != nil {
			m.log.Error("natping: SIP ping not sent", "dst", dst.String(), "err", err)
		}
		return
	}
	if reliable {
		// A stream gets the RFC 5626 CRLF keep-alive, not 4 null bytes.
		if err := m.core.Send(dst, []byte("\r\n\r\n")); err != nil {
			m.log.Debug("natping: keep-alive not sent", "dst", dst.String(), "err", err)
		}
		return
	}
	if err := m.core.Send(dst, nullPing); err != nil {
		m.log.Debug("natping: ping not sent", "dst", dst.String(), "err", err)
	}
}

// firstPathURI returns the URI of the first Path element.
func firstPathURI(path string) string {
	el, _, _ := strings.Cut(path, ",")
	na, err := sip.ParseNameAddr(el)
	if err != nil {
		return ""
	}
	return na.URI
}

// build makes the SIP ping request (OpenSIPS build_sipping).
func (p *pinger) build(ct api.LocContact, sock *sip.Socket, proto sip.Proto) (string, []byte) {
	m := p.m
	p.mu.Lock()
	p.seq++
	seq := p.seq
	p.mu.Unlock()
	host, port := sock.AdvertisedHost(), sock.AdvertisedPort()
	hp := host
	if strings.IndexByte(host, ':') >= 0 {
		hp = "[" + host + "]"
	}
	hp += ":" + strconv.Itoa(port)
	callID := fmt.Sprintf("%s-%x-%x@%s", p.prefix, seq, time.Now().Unix(), host)
	var b strings.Builder
	b.WriteString(m.SIPPingMethod + " " + ct.URI + " SIP/2.0\r\n")
	b.WriteString("Via: SIP/2.0/" + proto.ViaName() + " " + hp + ";branch=z9hG4bK" + p.prefix + "." + strconv.FormatUint(seq, 16) + "\r\n")
	if ct.Path != "" {
		b.WriteString("Route: " + ct.Path + "\r\n")
	}
	b.WriteString("From: <" + m.SIPPingFrom + ">;tag=" + strconv.FormatUint(seq, 16) + "\r\n")
	b.WriteString("To: <" + ct.URI + ">\r\n")
	b.WriteString("Call-ID: " + callID + "\r\n")
	b.WriteString("CSeq: 1 " + m.SIPPingMethod + "\r\n")
	b.WriteString("Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
	return callID, []byte(b.String())
}

// answered records a reply to one of our SIP pings; it reports whether
// the reply was ours.
func (p *pinger) answered(callID string, code int) bool {
	if !strings.HasPrefix(callID, p.prefix+"-") {
		return false
	}
	if p.m.ignore[code] {
		return true
	}
	p.mu.Lock()
	if cell, ok := p.pending[callID]; ok {
		delete(p.pending, callID)
		delete(p.lost, cell.id)
	}
	p.mu.Unlock()
	return true
}

// check counts the pings not answered within ping_threshold and removes
// the contacts that lost max_pings_lost in a row.
func (p *pinger) check(ctx context.Context, now time.Time) {
	m := p.m
	limit := time.Duration(m.PingThreshold) * time.Second
	var remove []*pingCell
	p.mu.Lock()
	for id, cell := range p.pending {
		if now.Sub(cell.sent) < limit {
			continue
		}
		delete(p.pending, id)
		p.lost[cell.id]++
		if p.lost[cell.id] >= m.MaxPingsLost {
			delete(p.lost, cell.id)
			remove = append(remove, cell)
		}
	}
	p.mu.Unlock()
	for _, cell := range remove {
		m.log.Info("natping: removing contact that stopped answering pings", "aor", cell.aor, "table", cell.table)
		if err := m.loc.RemoveContact(ctx, cell.table, cell.aor, cell.id); err != nil {
			m.log.Error("natping: cannot remove contact", "aor", cell.aor, "err", err)
		}
	}
}

// ReceiveReply implements api.ReplyReceiver: replies to our SIP pings
// are consumed here and never relayed.
func (m *Module) ReceiveReply(c *api.Ctx) bool {
	m.pingMu.Lock()
	p := m.pinger
	m.pingMu.Unlock()
	if p == nil || c.Msg == nil || c.Msg.IsRequest() {
		return false
	}
	return p.answered(c.Msg.CallID(), c.Msg.StatusCode())
}
