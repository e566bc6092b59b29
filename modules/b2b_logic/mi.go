package b2blogic

import (
	"context"
	"strings"
	"time"

	"gosips/api"
	"gosips/sip"
)

var started = time.Now()

// MICommands lists b2b_list, b2b_terminate_call, b2b_bridge and
// b2b_trigger_scenario.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "b2b_list", Help: "lists the B2B sessions", Recipes: [][]string{{}}, Handler: m.miList},
		{Name: "b2b_terminate_call", Help: "ends a B2B session", Recipes: [][]string{{"key"}}, Handler: m.miTerminate},
		{Name: "b2b_bridge", Help: "bridges a party of a B2B session to a new destination",
			Recipes: [][]string{{"dialog_id", "new_uri"}, {"dialog_id", "new_uri", "flag"},
				{"dialog_id", "new_uri", "prov_media_uri"}, {"dialog_id", "new_uri", "flag", "prov_media_uri"}},
			Handler: m.miBridge},
		{Name: "b2b_trigger_scenario", Help: "starts a B2B session from the middle",
			Recipes: [][]string{{"scenario_id", "entity1", "entity2"}, {"scenario_id", "entity1", "entity2", "context"}},
			Handler: m.miTrigger},
	}
}

var errNoSession = &api.MIError{Code: 404, Msg: "No such B2B session"}

func miStr(p api.MIParams, name string) string {
	if v, ok := p[name]; ok {
		if s, ok := v.(string); ok {
			return s
		}
	}
	return ""
}

// lookup finds a session by its key or by "callid;from-tag;to-tag" of
// one of its legs.
func (m *Module) lookup(key string) *tuple {
	if !strings.Contains(key, ";") {
		return m.tuples.get(key)
	}
	parts := strings.Split(key, ";")
	if len(parts) != 3 {
		return nil
	}
	for _, t := range m.tuples.all() {
		t.mu.Lock()
		legs := t.legs()
		t.mu.Unlock()
		for _, l := range legs {
			cid, ft, tt := l.ent.Dialog()
			if cid == parts[0] && ((ft == parts[1] && tt == parts[2]) || (ft == parts[2] && tt == parts[1])) {
				return t
			}
		}
	}
	return nil
}

func (m *Module) miTerminate(_ context.Context, p api.MIParams) (any, error) {
	t := m.lookup(miStr(p, "key"))
	if t == nil {
		return nil, errNoSession
	}
	m.terminate(t)
	return "OK", nil
}

// miBridge bridges the caller (flag 0) or the callee (flag 1) of a
// session to a new URI; the other party gets a BYE.
func (m *Module) miBridge(_ context.Context, p api.MIParams) (any, error) {
	t := m.lookup(miStr(p, "dialog_id"))
	if t == nil {
		return nil, errNoSession
	}
	idx := 0
	switch miStr(p, "flag") {
	case "", "0":
	case "1":
		idx = 1
	default:
		return nil, &api.MIError{Code: 400, Msg: "Wrong flag parameter"}
	}
	uri := miStr(p, "new_uri")
	t.mu.Lock()
	keep := t.bridge[idx]
	busy := t.bstep != brNone
	t.mu.Unlock()
	if keep == nil || busy {
		return nil, &api.MIError{Code: 500, Msg: "Failed to bridge"}
	}
	if prov := miStr(p, "prov_media_uri"); prov != "" {
		if _, err := sip.ParseURI(prov); err != nil {
			return nil, &api.MIError{Code: 404, Msg: "Bad 'prov_media_uri' parameter"}
		}
		if !m.startExtBridge(t, keep, &clientSpec{uri: uri}, prov, m.ServerAddress, bridgeFlags{}) {
			return nil, &api.MIError{Code: 500, Msg: "Failed to bridge"}
		}
		return "OK", nil
	}
	if !m.startBridge(t, keep, &clientSpec{uri: uri}, m.ServerAddress, bridgeFlags{}) {
		return nil, &api.MIError{Code: 500, Msg: "Failed to bridge"}
	}
	return "OK", nil
}

// miList is b2b_list, in OpenSIPS' shape.
func (m *Module) miList(_ context.Context, _ api.MIParams) (any, error) {
	out := []any{}
	for _, t := range m.tuples.all() {
		out = append(out, m.tupleInfo(t))
	}
	res := &api.OrderedMap{}
	res.Set("Tuples", out)
	return res, nil
}

func (m *Module) tupleInfo(t *tuple) *api.OrderedMap {
	t.mu.Lock()
	defer t.mu.Unlock()
	o := &api.OrderedMap{}
	o.Set("id", t.id)
	o.Set("key", t.key)
	o.Set("state", t.state)
	life := 0
	if !t.expires.IsZero() {
		life = int(time.Until(t.expires)/m.unit) + int(time.Since(started)/time.Second)
	}
	o.Set("lifetime", life)
	o.Set("db_flag", t.dbFlag)
	o.Set("scenario", t.scenario)
	list := func(ls []*leg) []any {
		out := []any{}
		for i, l := range ls {
			out = append(out, legInfo(i, l))
		}
		return out
	}
	o.Set("SERVERS", list(t.servers))
	o.Set("CLIENTS", list(t.clients))
	var be []any
	for i, l := range t.bridge {
		if l != nil {
			be = append(be, legInfo(i, l))
		}
	}
	if be == nil {
		be = []any{}
	}
	o.Set("BRIDGE_ENTITIES", be)
	return o
}

func legInfo(i int, l *leg) *api.OrderedMap {
	o := &api.OrderedMap{}
	o.Set("index", i)
	if l.id != "" {
		o.Set("scenario_id", l.id)
	}
	o.Set("key", l.ent.Key())
	disc := 0
	if l.disconnected {
		disc = 1
	}
	o.Set("disconnected", disc)
	st := 0
	if l.confirmed || l.peer != nil {
		st = 1
	}
	o.Set("state", st)
	o.Set("no", l.no)
	o.Set("type", int(l.typ))
	if l.peer != nil {
		o.Set("peer", l.peer.ent.Key())
	}
	o.Set("to_uri", l.toURI)
	o.Set("from_uri", l.fromURI)
	return o
}
