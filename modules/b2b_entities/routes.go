package b2bentities

import (
	"gosips/api"
	"gosips/sip"
)

// runReqRoute runs script_req_route (a route[] block) for a request
// received within an entity's dialog, before the entity's driver sees
// it, as OpenSIPS does for every entity.
func (m *Module) runReqRoute(c *api.Ctx) {
	if m.ScriptReqRoute == "" {
		return
	}
	core := m.coreOf()
	if core == nil {
		return
	}
	if _, ok := core.RunRoute(c, api.RequestRoute, m.ScriptReqRoute); !ok {
		m.log.Error("b2b_entities: script_req_route not found", "route", m.ScriptReqRoute)
	}
}

// runReplyRoute runs script_reply_route for a reply received on an
// entity (provisional ones above 100 too).
func (m *Module) runReplyRoute(reply *sip.Msg) {
	if m.ScriptReplyRoute == "" || reply == nil {
		return
	}
	core := m.coreOf()
	if core == nil {
		return
	}
	c := core.NewCtx(m.ctx(), api.OnReplyRoute, reply)
	c.Reply = reply
	if _, ok := core.RunRoute(c, api.RequestRoute, m.ScriptReplyRoute); !ok {
		m.log.Error("b2b_entities: script_reply_route not found", "route", m.ScriptReplyRoute)
	}
	core.ReleaseCtx(c)
}
