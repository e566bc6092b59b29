package rtpproxy

import (
	"context"
	"errors"
	"strconv"

	"gosips/api"
	"gosips/internal/mediarelay"
)

// relayCtx returns c, or a bare context for exchanges without a message.
func (m *Module) relayCtx(c *api.Ctx) *api.Ctx {
	if c != nil {
		return c
	}
	return &api.Ctx{Context: context.Background(), Log: m.log}
}

// relayTags are the Call-ID and tags of an rtp_relay exchange: those
// given, else the message's; a branch of its own gets its own Call-ID
// (rtpproxy has no notion of branches).
func relayTags(c *api.Ctx, s *api.RTPRelaySession, needFrom bool) (tags, error) {
	t := tags{callID: s.CallID, from: s.FromTag, to: s.ToTag}
	if msg := c.Msg; msg != nil {
		if t.callID == "" {
			t.callID = msg.CallID()
		}
		if t.from == "" {
			t.from = msg.FromTag()
		}
		if t.to == "" {
			t.to = msg.ToTag()
		}
	}
	if t.callID == "" {
		return t, errors.New("can't get Call-Id field")
	}
	if needFrom && t.from == "" {
		return t, errors.New("can't get From tag")
	}
	if s.Branch >= 0 {
		t.callID += "-" + strconv.Itoa(s.Branch)
	}
	return t, nil
}

// relaySet is the set of an rtp_relay session: the one given, else (or
// when it does not exist) default_set.
func (m *Module) relaySet(c *api.Ctx, id int) *mediarelay.Set {
	sets := m.sets.Load()
	if id >= 0 {
		if s := sets.ByID(id); s != nil {
			return s
		}
		c.Log.Warn("rtpproxy: set not available, using the default one", "set", id)
	}
	return sets.ByID(m.DefaultSet)
}

func (m *Module) relayOfferAnswer(c *api.Ctx, offer bool, s *api.RTPRelaySession) (string, error) {
	c = m.relayCtx(c)
	t, err := relayTags(c, s, true)
	if err != nil {
		return "", err
	}
	set := m.relaySet(c, s.Set)
	if set == nil {
		return "", errors.New("no rtpproxy set available")
	}
	body := s.Body
	if body == "" && c.Msg != nil {
		body = c.Msg.Body()
	}
	// The flags of both peers and of the call are rtpproxy's letters,
	// concatenated as OpenSIPS does.
	flags := s.Type + s.InIface + s.OutIface + s.CtxFlags + s.Flags + s.PeerFlags
	r := &oaCall{offer: offer, flags: flags, ip: s.IP, set: set, sock: s.Node, t: t, body: body}
	nb, ok := m.oa(c, r, nil)
	if !ok {
		return "", errors.New("rtpproxy offer/answer failed")
	}
	if r.used != nil {
		s.Node, s.Set = r.used.URL, set.ID
	}
	if nb == "" {
		nb = body
	}
	return nb, nil
}

// RTPRelayOffer implements api.RTPRelayEngine.
func (m *Module) RTPRelayOffer(c *api.Ctx, s *api.RTPRelaySession) (string, error) {
	return m.relayOfferAnswer(c, true, s)
}

// RTPRelayAnswer implements api.RTPRelayEngine.
func (m *Module) RTPRelayAnswer(c *api.Ctx, s *api.RTPRelaySession) (string, error) {
	return m.relayOfferAnswer(c, false, s)
}

// RTPRelayDelete implements api.RTPRelayEngine.
func (m *Module) RTPRelayDelete(c *api.Ctx, s *api.RTPRelaySession) error {
	c = m.relayCtx(c)
	t, err := relayTags(c, s, false)
	if err != nil {
		return err
	}
	set := m.relaySet(c, s.Set)
	if set == nil {
		return errors.New("no rtpproxy set available")
	}
	if s.Node != "" && mediarelay.Lookup(set, s.Node) == nil {
		return errors.New("could not use node " + s.Node + " for delete")
	}
	cmd := "D " + t.callID + " " + t.from
	if t.to != "" {
		cmd += " " + t.to
	}
	_, _, err = m.command(c, set, t.callID, cmd, s.Node, false)
	return err
}

var _ api.RTPRelayEngine = (*Module)(nil)
