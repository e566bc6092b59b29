package b2bentities

import (
	"context"
	"strconv"

	"gosips/api"
)

// MICommands lists b2be_list and the ua_session_* commands.
func (m *Module) MICommands() []api.MICommand {
	return append([]api.MICommand{
		{Name: "b2be_list", Help: "lists the B2B entities", Recipes: [][]string{{}}, Handler: m.miList},
	}, m.uaMICommands()...)
}

// miList is b2be_list: every server entity, then every client entity,
// as OpenSIPS shows them.
func (m *Module) miList(_ context.Context, _ api.MIParams) (any, error) {
	out := []any{}
	for _, e := range m.servers.all() {
		out = append(out, e.miInfo())
	}
	for _, e := range m.clients.all() {
		out = append(out, e.miInfo())
	}
	return out, nil
}

func (e *entity) miInfo() *api.OrderedMap {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := &api.OrderedMap{}
	dlg := e.key
	if i := lastDot2(e.key); i != "" {
		dlg = i
	}
	n, _ := strconv.Atoi(dlg)
	o.Set("dlg", n)
	if e.param != "" {
		o.Set("logic_key", e.param)
		o.Set("mod_name", "b2b_logic")
	} else if e.uaIsSession() {
		o.Set("logic_key", "")
		o.Set("mod_name", "b2b_entities")
	}
	o.Set("state", e.state)
	o.Set("last_invite_cseq", e.lastInviteCSeq)
	o.Set("last_method", lastMethodNo(e.lastMethod))
	if e.lastReplyCode != 0 {
		o.Set("last_reply_code", e.lastReplyCode)
	}
	o.Set("db_flag", e.dbFlag)
	if e.typ == api.B2BServer && e.ruri != "" {
		o.Set("ruri", e.ruri)
	}
	o.Set("callid", e.callID)
	o.Set("from", e.fromName)
	o.Set("from_uri", e.fromURI)
	o.Set("from_tag", e.fromTag)
	o.Set("to", e.toName)
	o.Set("to_uri", e.toURI)
	o.Set("to_tag", e.toTag)
	caller, callee := e.remoteCSeq, e.localCSeq
	if e.typ == api.B2BClient {
		caller, callee = e.localCSeq, e.remoteCSeq
	}
	o.Set("cseq", pair("caller", caller, "callee", callee))
	if len(e.routeSet) > 0 {
		rs := &api.OrderedMap{}
		rs.Set("caller", joinRoutes(e.routeSet))
		o.Set("route_set", rs)
	}
	if e.typ == api.B2BServer {
		o.Set("contact", pair("caller", e.remoteTarget, "callee", e.contact))
	} else {
		o.Set("contact", pair("caller", e.contact, "callee", e.remoteTarget))
	}
	if e.socket != nil {
		o.Set("send_sock", e.socket.AdvertisedHost())
	}
	if e.typ == api.B2BServer && len(e.pending) > 0 {
		o.Set("tm_tran", "uas")
	}
	if e.typ == api.B2BClient && e.toTag != "" {
		leg := &api.OrderedMap{}
		leg.Set("id", 0)
		leg.Set("tag", e.toTag)
		leg.Set("cseq", e.localCSeq)
		leg.Set("contact", e.remoteTarget)
		if len(e.routeSet) > 0 {
			leg.Set("route_set", joinRoutes(e.routeSet))
		}
		o.Set("LEGS", []any{leg})
	}
	return o
}

// lastDot2 returns the local id part of a B2B key (B2B.hash.id.time.rand).
func lastDot2(key string) string {
	parts := 0
	start := -1
	for i := 0; i < len(key); i++ {
		if key[i] == '.' {
			parts++
			if parts == 2 {
				start = i + 1
			} else if parts == 3 {
				return key[start:i]
			}
		}
	}
	return ""
}

func joinRoutes(rs []string) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += ","
		}
		s += r
	}
	return s
}

func pair(k1 string, v1 any, k2 string, v2 any) *api.OrderedMap {
	o := &api.OrderedMap{}
	o.Set(k1, v1)
	o.Set(k2, v2)
	return o
}
