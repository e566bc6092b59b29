package b2blogic

import (
	"context"
	"fmt"
	"strings"

	"gosips/api"
	"gosips/sip"
)

// parsePeer parses a peer of b2b_trigger_scenario:
// "id,uri[,proxy[,display name]]" for the script function,
// "id,uri[,display name]" for the MI command (withProxy false).
func parsePeer(s string, withProxy bool) (*clientSpec, error) {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	if parts[0] == "" {
		return nil, fmt.Errorf("missing ID")
	}
	if len(parts) < 2 || parts[1] == "" {
		return nil, fmt.Errorf("missing destination URI")
	}
	cs := &clientSpec{id: parts[0], uri: strings.TrimSuffix(strings.TrimPrefix(parts[1], "<"), ">")}
	if _, err := sip.ParseURI(cs.uri); err != nil {
		return nil, fmt.Errorf("bad destination URI %q: %w", cs.uri, err)
	}
	if withProxy {
		if len(parts) > 2 && parts[2] != "" {
			cs.proxy = strings.TrimSuffix(strings.TrimPrefix(parts[2], "<"), ">")
			if _, err := sip.ParseURI(cs.proxy); err != nil {
				return nil, fmt.Errorf("bad proxy URI %q: %w", cs.proxy, err)
			}
			if len(parts) > 3 {
				cs.fromDname = parts[3]
			}
		}
	} else if len(parts) > 2 {
		cs.fromDname = parts[2]
	}
	return cs, nil
}

// triggerNotify is the "n[,key[,party]]" params of b2b_trigger_scenario:
// the entity told of the outcome with REFER NOTIFYs.
func (m *Module) triggerNotify(c *api.Ctx, params string) *leg {
	if params == "" {
		return nil
	}
	parts := strings.Split(params, ",")
	if p := strings.TrimSpace(parts[0]); p == "" || p[0] != 'n' {
		return nil
	}
	if len(parts) > 1 && strings.TrimSpace(parts[1]) != "" {
		t := m.lookup(strings.TrimSpace(parts[1]))
		if t == nil {
			m.log.Error("b2b_trigger_scenario: no session to notify", "key", parts[1])
			return nil
		}
		party := 0
		if len(parts) > 2 && strings.HasPrefix(strings.TrimSpace(parts[2]), "1") {
			party = 1
		}
		t.mu.Lock()
		defer t.mu.Unlock()
		if l := t.bridge[party]; l != nil && !l.disconnected {
			return l
		}
		m.log.Error("b2b_trigger_scenario: the entity to notify is gone", "key", parts[1], "party", party)
		return nil
	}
	if c == nil {
		return nil
	}
	st, ok := c.Slot(slotKey{}).(*state)
	if !ok || st.leg == nil {
		return nil
	}
	return st.leg
}

// trigger starts a session from the middle: an INVITE without body to
// the first peer, whose offer (in its 2xx) goes in an INVITE to the
// second peer, whose answer goes in the ACK to the first.
func (m *Module) trigger(c *api.Ctx, scenario string, p1, p2 *clientSpec, ctx map[string]string, notify *leg) error {
	t := m.newTuple(scenario)
	t.mu.Lock()
	for k, v := range ctx {
		t.ctx[k] = v
	}
	t.state = tsBridging
	t.bstep = brExt
	t.x = &extBridge{kind: xkTrigger, step: xsFirst, spec: p2, notify: notify}
	t.mu.Unlock()
	var sock *sip.Socket
	contact := m.ServerAddress
	if c != nil && c.Msg != nil {
		sock = c.ForceSocket
		contact = m.contactFor(c.Msg, "")
	}
	t.mu.Lock()
	t.x.contact, t.x.sock = contact, sock
	t.mu.Unlock()
	if notify != nil {
		m.notifyProgress(notify, "SIP/2.0 100 Trying", false)
	}
	// The first peer sees the second one as the caller.
	if _, ok := m.extClient(t, p1, p2.uri, p2.fromDname, "", "", 0); !ok {
		m.deleteTuple(t)
		return fmt.Errorf("cannot call %s", p1.uri)
	}
	return nil
}

// extClient creates a client entity of an extended bridge and sends its
// INVITE (with body when given); the leg is indexed as bridge entity no.
func (m *Module) extClient(t *tuple, spec *clientSpec, fromURI, fromDname, ct, body string, no int) (*leg, bool) {
	t.mu.Lock()
	x := t.x
	contact, sock := "", (*sip.Socket)(nil)
	if x != nil {
		contact, sock = x.contact, x.sock
	}
	t.mu.Unlock()
	if spec.contact != "" {
		contact = spec.contact
	}
	fromHdr := "<" + fromURI + ">"
	if spec.fromDname != "" {
		fromHdr = quoteDname(spec.fromDname) + " " + fromHdr
	} else if fromDname != "" {
		fromHdr = quoteDname(fromDname) + " " + fromHdr
	}
	l := &leg{id: spec.id, typ: api.B2BClient, no: no, fromURI: fromURI, toURI: spec.uri, hdrs: spec.hdrs}
	_, err := m.ents.ClientNew(&api.B2BClientSpec{RURI: spec.uri, NextHop: spec.proxy, From: fromHdr,
		To: "<" + spec.uri + ">", Headers: spec.hdrs, Contact: contact, Socket: sock, ContentType: ct, Body: body,
		Created: func(e api.B2BEntity) {
			t.mu.Lock()
			l.ent = e
			t.clients = append(t.clients, l)
			if no >= 0 && no < len(t.bridge) {
				t.bridge[no] = l
			}
			t.mu.Unlock()
		}}, m, t.key)
	if err != nil {
		m.log.Error("b2b_logic: cannot create the client entity", "uri", spec.uri, "err", err)
		if l.ent != nil {
			t.mu.Lock()
			t.removeLeg(l)
			t.mu.Unlock()
			m.ents.Delete(l.ent)
		}
		return nil, false
	}
	return l, true
}

// scriptTrigger is b2b_trigger_scenario(scenario, [params], peer1,
// [hdrs1], [vals1], peer2, [hdrs2], [vals2]).
func (m *Module) scriptTrigger(c *api.Ctx, args []any) api.Ret {
	p1, err := parsePeer(str(args, 2), true)
	if err != nil {
		m.log.Error("b2b_trigger_scenario: bad first peer", "peer", str(args, 2), "err", err)
		return api.RetFalse
	}
	p2, err := parsePeer(str(args, 5), true)
	if err != nil {
		m.log.Error("b2b_trigger_scenario: bad second peer", "peer", str(args, 5), "err", err)
		return api.RetFalse
	}
	p1.hdrs = avpHeaders(c, args[3], args[4])
	p2.hdrs = avpHeaders(c, args[6], args[7])
	if m.ServerAddress == "" && (c.Msg == nil || c.Msg.Recv() == nil) {
		m.log.Error("b2b_trigger_scenario: set server_address to start a session from the middle")
		return api.RetFalse
	}
	if err := m.trigger(c, str(args, 0), p1, p2, nil, m.triggerNotify(c, str(args, 1))); err != nil {
		m.log.Error("b2b_trigger_scenario failed", "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// miTrigger is MI b2b_trigger_scenario scenario_id entity1 entity2
// [context].
func (m *Module) miTrigger(_ context.Context, p api.MIParams) (any, error) {
	scenario := miStr(p, "scenario_id")
	p1, err := parsePeer(miStr(p, "entity1"), false)
	if err != nil {
		return nil, miPeerErr(err, "entity1")
	}
	p2, err := parsePeer(miStr(p, "entity2"), false)
	if err != nil {
		return nil, miPeerErr(err, "entity2")
	}
	ctx := map[string]string{}
	if raw, ok := p["context"]; ok {
		var items []any
		switch v := raw.(type) {
		case []any:
			items = v
		case string:
			items = []any{v}
		default:
			return nil, &api.MIError{Code: -32602, Msg: "Invalid params"}
		}
		for _, it := range items {
			s, ok := it.(string)
			if !ok {
				return nil, &api.MIError{Code: -32602, Msg: "Invalid params"}
			}
			k, v, ok := strings.Cut(s, "=")
			if !ok {
				return nil, &api.MIError{Code: 400, Msg: "Bad format for context value"}
			}
			ctx[k] = v
		}
	}
	if err := m.trigger(nil, scenario, p1, p2, ctx, nil); err != nil {
		m.log.Error("b2b_trigger_scenario failed", "err", err)
		return nil, &api.MIError{Code: 500, Msg: "Failed to initialize scenario"}
	}
	return "OK", nil
}

// miPeerErr words a bad peer as OpenSIPS does: a missing part is a
// 400, a URI the entity cannot be made of fails the scenario.
func miPeerErr(err error, name string) error {
	switch {
	case strings.HasPrefix(err.Error(), "missing ID"):
		return &api.MIError{Code: 400, Msg: "Missing ID for " + name}
	case strings.HasPrefix(err.Error(), "missing destination"):
		return &api.MIError{Code: 400, Msg: "Missing destination URI for " + name}
	}
	return &api.MIError{Code: 500, Msg: "Failed to initialize scenario"}
}

// fromOverride is the From of the new entities taken from the
// b2bl_from_spec_param variable when it holds a name-addr.
func (m *Module) fromOverride(c *api.Ctx) (sip.NameAddr, bool) {
	if m.fromPV == nil {
		return sip.NameAddr{}, false
	}
	v, err := m.fromPV.Get(c)
	if err != nil || !v.IsStr() || strings.TrimSpace(v.S) == "" {
		return sip.NameAddr{}, false
	}
	f, err := sip.ParseNameAddr(strings.TrimSpace(v.S))
	if err == nil {
		_, err = sip.ParseURI(f.URI)
	}
	if err != nil {
		m.log.Error("b2b_logic: bad From in b2bl_from_spec_param", "value", v.S, "err", err)
		return sip.NameAddr{}, false
	}
	return f, true
}
