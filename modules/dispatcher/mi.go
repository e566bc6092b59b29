package dispatcher

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"gosips/api"
)

// MICommands lists the dispatcher management commands (4.x dispatcher:*).
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "ds_set_state", Aliases: []string{"dispatcher:set_state"},
			Recipes: [][]string{{"state", "group", "address"}}, Handler: m.miSetState},
		{Name: "ds_list", Aliases: []string{"dispatcher:list"},
			Recipes: [][]string{{}, {"partition"}, {"full"}, {"full", "partition"}}, Handler: m.miList},
		{Name: "ds_reload", Aliases: []string{"dispatcher:reload"},
			Recipes: [][]string{{}, {"inherit_state"}, {"partition"}, {"partition", "inherit_state"}},
			Handler: m.miReload},
		{Name: "ds_push_script_attrs", Aliases: []string{"dispatcher:push_script_attrs"},
			Recipes: [][]string{{"attrs", "ip", "port", "set"}, {"attrs", "ip", "port", "set", "partition"}},
			Handler: m.miPushScriptAttrs},
	}
}

// MI errors, with OpenSIPS's codes and texts.
var (
	errBadParams    = &api.MIError{Code: -32602, Msg: "Invalid params"}
	errBadState     = &api.MIError{Code: 500, Msg: "Bad state value"}
	errUnknownPart  = &api.MIError{Code: 404, Msg: "ERROR Unknown partition"}
	errDstNotFound  = &api.MIError{Code: 404, Msg: "destination not found"}
	errReload       = &api.MIError{Code: 500, Msg: "ERROR Reloading data"}
	errListUnkPart  = &api.MIError{Code: 500, Msg: "ERROR Unknown partition"}
	errBadGroupVal  = &api.MIError{Code: 500, Msg: "bad group value"}
	errBadIPAddress = &api.MIError{Code: 500, Msg: "Bad IP address"}
)

// The ds_list result, in OpenSIPS's key order.
type (
	miListResult struct {
		Partitions []miPartition `json:"PARTITIONS"`
	}
	miPartition struct {
		Name string  `json:"name"`
		Sets []miSet `json:"SETS,omitempty"`
	}
	miSet struct {
		ID           int      `json:"id"`
		Destinations []miDest `json:"Destinations"`
	}
	miDest struct {
		URI         string   `json:"URI"`
		State       string   `json:"state"`
		Hits        int64    `json:"first_hit_counter"`
		Socket      string   `json:"socket,omitempty"`
		Attr        string   `json:"attr,omitempty"`
		ScriptAttr  string   `json:"script_attr,omitempty"`
		Weight      *int     `json:"weight,omitempty"`
		Priority    *int     `json:"priority,omitempty"`
		Description string   `json:"description,omitempty"`
		Resolved    []string `json:"resolved_addresses"`
	}
)

func miStr(p api.MIParams, name string) (string, bool) { return p.Str(name) }

func miInt(p api.MIParams, name string) (int, bool) {
	s, ok := miStr(p, name)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}

// List builds the ds_list result (full adds weight, priority and
// description); part restricts it to one partition ("" = all).
func (m *Module) List(part string, full bool) (any, error) {
	res := miListResult{Partitions: []miPartition{}}
	for _, p := range m.listPartitions() {
		if part != "" && p.Name != part {
			continue
		}
		mp := miPartition{Name: p.Name}
		if pd := p.rt; pd != nil {
			pd.mu.RLock()
			for _, s := range pd.data.setsOrNil() {
				ms := miSet{ID: s.id, Destinations: []miDest{}}
				for _, d := range s.dests {
					md := miDest{URI: d.uri, State: d.stateName(), Hits: d.hits, Socket: d.socket,
						Attr: d.attrs, ScriptAttr: d.scriptAttrs, Resolved: []string{}}
					if full {
						w, pr := d.weight, d.prio
						md.Weight, md.Priority, md.Description = &w, &pr, d.desc
					}
					for _, a := range d.addrs {
						md.Resolved = append(md.Resolved, a.Addr().String()+":"+strconv.Itoa(int(a.Port())))
					}
					ms.Destinations = append(ms.Destinations, md)
				}
				mp.Sets = append(mp.Sets, ms)
			}
			pd.mu.RUnlock()
		}
		res.Partitions = append(res.Partitions, mp)
	}
	return res, nil
}

// listPartitions is the partition list as MI shows it: "default" first
// (when it has a table), then the others.
func (m *Module) listPartitions() []*Partition {
	var out []*Partition
	if m.Default.rt != nil || len(m.Partitions) == 0 {
		out = append(out, &m.Default)
	}
	return append(out, m.Partitions...)
}

func (m *Module) miList(_ context.Context, p api.MIParams) (any, error) {
	part := ""
	if _, ok := p["partition"]; ok {
		part, _ = miStr(p, "partition")
		if m.partition(part) == nil {
			return nil, errListUnkPart
		}
	}
	full := false
	if _, ok := p["full"]; ok {
		n, ok := miInt(p, "full")
		if !ok {
			return nil, errBadParams
		}
		full = n != 0
	}
	return m.List(part, full)
}

func (m *Module) miSetState(_ context.Context, p api.MIParams) (any, error) {
	stateStr, ok := miStr(p, "state")
	if !ok {
		return nil, errBadParams
	}
	if stateStr == "" {
		return nil, errBadState
	}
	st, err := ParseState(stateStr[:1])
	if err != nil {
		return nil, errBadState
	}
	group, ok := miStr(p, "group")
	if !ok {
		return nil, errBadParams
	}
	partName := "default"
	if i := strings.IndexByte(group, ':'); i >= 0 {
		partName, group = strings.TrimSpace(group[:i]), group[i+1:]
	}
	part := m.partition(partName)
	if part == nil {
		return nil, errUnknownPart
	}
	id, err := strconv.Atoi(strings.TrimSpace(group))
	if err != nil || id < 0 {
		return nil, errBadGroupVal
	}
	addr, ok := miStr(p, "address")
	if !ok {
		return nil, errBadParams
	}
	if !m.setStateByURI(part, id, addr, st, "MI command") {
		return nil, errDstNotFound
	}
	return "OK", nil
}

func (m *Module) miReload(ctx context.Context, p api.MIParams) (any, error) {
	inherit := true
	if v, ok := miStr(p, "inherit_state"); ok {
		inherit = !(v == "0" || strings.EqualFold(v, "n") || strings.EqualFold(v, "no"))
	}
	parts := m.allPartitions()
	if _, ok := p["partition"]; ok {
		name, _ := miStr(p, "partition")
		part := m.partition(name)
		if part == nil {
			return nil, errListUnkPart
		}
		parts = []*Partition{part}
	}
	for _, part := range parts {
		if part.rt == nil {
			continue
		}
		if err := m.reload(ctx, part, inherit); err != nil {
			m.log.Error("ds_reload failed", "partition", part.Name, "err", err)
			return nil, errReload
		}
	}
	return "OK", nil
}

func (m *Module) miPushScriptAttrs(_ context.Context, p api.MIParams) (any, error) {
	attrs, ok1 := miStr(p, "attrs")
	ip, ok2 := miStr(p, "ip")
	port, ok3 := miInt(p, "port")
	set, ok4 := miInt(p, "set")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return nil, errBadParams
	}
	part := &m.Default
	if _, ok := p["partition"]; ok {
		name, _ := miStr(p, "partition")
		if part = m.partition(name); part == nil {
			return nil, errUnknownPart
		}
	}
	if err := m.pushScriptAttrs(part, attrs, ip, port, set); err != nil {
		if errors.Is(err, errNotIP) {
			return nil, errBadIPAddress
		}
		return nil, &api.MIError{Code: 500, Msg: err.Error()}
	}
	return "OK", nil
}
