package rtpengine

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/internal/bencode"
)

// relayFlags builds the flags string of an rtp_relay exchange as OpenSIPS'
// rtpengine_get_call_flags: the call's identifiers, the interfaces, the
// peer's media type, then the call-wide, own and peer flags.
func relayFlags(s *api.RTPRelaySession, withIfaces bool) string {
	var b strings.Builder
	add := func(k, v string) {
		if v == "" {
			return
		}
		if k != "" {
			b.WriteString(k)
			b.WriteByte('=')
		}
		b.WriteString(v)
		b.WriteByte(' ')
	}
	add("call-id", s.CallID)
	add("from-tag", s.FromTag)
	add("to-tag", s.ToTag)
	if withIfaces {
		add("in-iface", s.InIface)
		add("out-iface", s.OutIface)
		add("", s.Type)
	}
	add("", s.CtxFlags)
	add("", s.Flags)
	add("", s.PeerFlags)
	if s.Branch >= 0 {
		b.WriteString("via-branch-param=br" + strconv.Itoa(s.Branch))
	}
	return strings.TrimSpace(b.String())
}

// relayCtx returns c, or a bare context for exchanges without a message.
func (m *Module) relayCtx(c *api.Ctx) *api.Ctx {
	if c != nil {
		return c
	}
	return &api.Ctx{Context: context.Background(), Log: m.log}
}

func (m *Module) relayOfferAnswer(c *api.Ctx, o op, s *api.RTPRelaySession) (string, error) {
	c = m.relayCtx(c)
	body := s.Body
	if body == "" && c.Msg != nil {
		body = c.Msg.Body()
	}
	if body == "" {
		return "", m.fail(c, errors.New("can't extract body from the message"))
	}
	set := s.Set
	r := &request{op: o, flags: relayFlags(s, true), body: &body, set: &set, node: s.Node}
	reply, err := m.call(c, r)
	if err != nil {
		return "", err
	}
	if res, _ := bencode.Str(reply, "result"); res != "ok" {
		return "", m.fail(c, errors.New(`proxy didn't return "ok" result`))
	}
	sdp, ok := bencode.Str(reply, "sdp")
	if !ok {
		return "", m.fail(c, errors.New("failed to extract sdp body from proxy reply"))
	}
	if r.used != nil {
		s.Node, s.Set = r.used.URL, r.used.SetID
	}
	return sdp, nil
}

// RTPRelayOffer implements api.RTPRelayEngine.
func (m *Module) RTPRelayOffer(c *api.Ctx, s *api.RTPRelaySession) (string, error) {
	return m.relayOfferAnswer(c, opOffer, s)
}

// RTPRelayAnswer implements api.RTPRelayEngine.
func (m *Module) RTPRelayAnswer(c *api.Ctx, s *api.RTPRelaySession) (string, error) {
	return m.relayOfferAnswer(c, opAnswer, s)
}

// RTPRelayDelete implements api.RTPRelayEngine.
func (m *Module) RTPRelayDelete(c *api.Ctx, s *api.RTPRelaySession) error {
	c = m.relayCtx(c)
	set := s.Set
	_, err := m.call(c, &request{op: opDelete, flags: relayFlags(s, false), set: &set, node: s.Node})
	return err
}

var _ api.RTPRelayEngine = (*Module)(nil)
