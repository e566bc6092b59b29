package drouting

import (
	"context"
	"strings"
	"time"

	"gosips/api"
)

// MICommands lists the management commands.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "dr_reload", Aliases: []string{"drouting:reload"},
			Recipes: [][]string{{}, {"inherit_state"}, {"partition_name"}, {"partition_name", "inherit_state"}},
			Handler: m.miReload},
		{Name: "dr_gw_status", Aliases: []string{"drouting:gw_status"}, NamedOnly: true,
			Recipes: [][]string{{}, {"partition_name"}, {"gw_id"}, {"gw_id", "status"}, {"partition_name", "gw_id"}, {"partition_name", "gw_id", "status"}},
			Handler: m.miGWStatus},
		{Name: "dr_carrier_status", Aliases: []string{"drouting:carrier_status"}, NamedOnly: true,
			Recipes: [][]string{{}, {"partition_name"}, {"carrier_id"}, {"carrier_id", "status"}, {"partition_name", "carrier_id"}, {"partition_name", "carrier_id", "status"}},
			Handler: m.miCarrierStatus},
		{Name: "dr_number_routing", Aliases: []string{"drouting:number_routing"}, NamedOnly: true,
			Recipes: [][]string{{"number"}, {"group_id", "number"}, {"partition_name", "number"}, {"partition_name", "group_id", "number"}},
			Handler: m.miNumberRouting},
		{Name: "dr_reload_status", Aliases: []string{"drouting:reload_status"},
			Recipes: [][]string{{}, {"partition_name"}}, Handler: m.miReloadStatus},
		{Name: "dr_enable_probing", Aliases: []string{"drouting:enable_probing"},
			Recipes: [][]string{{}, {"status"}}, Handler: m.miEnableProbing},
	}
}

// miPart resolves the partition_name parameter.
func (m *Module) miPart(p api.MIParams) (*Partition, error) {
	name, given := p.Str("partition_name")
	if _, ok := p["partition_name"]; ok && !given {
		return nil, errParams
	}
	if m.UsePartitions == 0 {
		if given {
			return nil, &api.MIError{Code: 400, Msg: "Invalid parameter: 'partition_name'"}
		}
		return &m.Default, nil
	}
	if !given {
		return nil, &api.MIError{Code: 400, Msg: "Missing parameter: 'partition_name'"}
	}
	part := m.partition(name)
	if part == nil {
		return nil, &api.MIError{Code: 404, Msg: "Partition not found"}
	}
	return part, nil
}

func (m *Module) miReload(ctx context.Context, p api.MIParams) (any, error) {
	inherit := true
	if n, ok := p.Int("inherit_state"); ok {
		inherit = n != 0
	} else if s, ok := p.Str("inherit_state"); ok {
		inherit = !(strings.EqualFold(s, "n") || strings.EqualFold(s, "no"))
	}
	parts := m.Partitions
	if _, ok := p["partition_name"]; ok {
		part, err := m.miPart(p)
		if err != nil {
			return nil, err
		}
		parts = []*Partition{part}
	}
	for _, part := range parts {
		if err := m.reload(ctx, part, inherit); err != nil {
			m.log.Error("dr_reload failed, old data kept", "partition", part.Name, "err", err)
			return nil, &api.MIError{Code: 500, Msg: "Failed to reload: " + err.Error()}
		}
	}
	return "OK", nil
}

type miGW struct {
	ID    string `json:"ID"`
	IP    string `json:"IP"`
	Attrs string `json:"ATTRS,omitempty"`
	State string `json:"State"`
}

func (m *Module) miGWStatus(_ context.Context, p api.MIParams) (any, error) {
	part, err := m.miPart(p)
	if err != nil {
		return nil, err
	}
	d := part.rt.current()
	if d == nil {
		return nil, &api.MIError{Code: 404, Msg: "No Data available yet"}
	}
	id, hasID := p.Str("gw_id")
	if !hasID {
		out := []miGW{}
		part.rt.mu.RLock()
		for _, g := range d.gwOrder {
			out = append(out, miGW{ID: g.id, IP: g.address, Attrs: g.attrs, State: stateName(g.flags)})
		}
		part.rt.mu.RUnlock()
		return map[string]any{"Gateways": out}, nil
	}
	g := d.gws[id]
	if g == nil {
		return nil, &api.MIError{Code: 404, Msg: "GW ID not found"}
	}
	if _, ok := p["status"]; !ok {
		part.rt.mu.RLock()
		defer part.rt.mu.RUnlock()
		return struct {
			Attrs string `json:"ATTRS,omitempty"`
			State string `json:"State"`
		}{g.attrs, stateName(g.flags)}, nil
	}
	st, ok := p.Int("status")
	if !ok {
		return nil, errParams
	}
	part.rt.mu.Lock()
	before := g.flags
	if st != 0 {
		g.flags &^= gwDisabled | gwByMI | gwProbing
	} else {
		g.flags |= gwDisabled | gwByMI
	}
	if before != g.flags {
		g.dirty = true
	}
	part.rt.mu.Unlock()
	return "OK", nil
}

func (m *Module) miCarrierStatus(_ context.Context, p api.MIParams) (any, error) {
	part, err := m.miPart(p)
	if err != nil {
		return nil, err
	}
	d := part.rt.current()
	if d == nil {
		return nil, &api.MIError{Code: 404, Msg: "No Data available yet"}
	}
	enabled := func(c *carrier) string {
		if c.off {
			return "no "
		}
		return "yes"
	}
	id, hasID := p.Str("carrier_id")
	if !hasID {
		type item struct {
			ID      string `json:"ID"`
			Attrs   string `json:"ATTRS,omitempty"`
			Enabled string `json:"Enabled"`
		}
		out := []item{}
		part.rt.mu.RLock()
		for _, c := range d.crOrder {
			out = append(out, item{c.id, c.attrs, enabled(c)})
		}
		part.rt.mu.RUnlock()
		return map[string]any{"Carriers": out}, nil
	}
	c := d.carriers[id]
	if c == nil {
		return nil, &api.MIError{Code: 404, Msg: "Carrier ID not found"}
	}
	if _, ok := p["status"]; !ok {
		part.rt.mu.RLock()
		defer part.rt.mu.RUnlock()
		return struct {
			Attrs   string `json:"ATTRS,omitempty"`
			Enabled string `json:"Enabled"`
		}{c.attrs, enabled(c)}, nil
	}
	st, ok := p.Int("status")
	if !ok {
		return nil, errParams
	}
	part.rt.mu.Lock()
	c.off = st == 0
	part.rt.mu.Unlock()
	return "OK", nil
}

func (m *Module) miNumberRouting(_ context.Context, p api.MIParams) (any, error) {
	part, err := m.miPart(p)
	if err != nil {
		return nil, err
	}
	number, ok := p.Str("number")
	if !ok {
		return nil, errParams
	}
	group := int64(0)
	if _, given := p["group_id"]; given {
		n, ok := p.Int("group_id")
		if !ok {
			return nil, errParams
		}
		group = int64(n)
	}
	d := part.rt.current()
	if d == nil {
		return "OK", nil
	}
	rules, prefix := d.matchRules(group, number, false, false, time.Now())
	if len(rules) == 0 {
		return "No match", nil
	}
	r := rules[0]
	list := []map[string]string{}
	for _, ds := range r.dests {
		if ds.carrier != nil {
			list = append(list, map[string]string{"CARRIER": ds.carrier.id})
		} else {
			list = append(list, map[string]string{"GATEWAY": ds.gw.id})
		}
	}
	return struct {
		Prefix string              `json:"Matched Prefix"`
		List   []map[string]string `json:"GW List"`
		Attrs  string              `json:"ATTRS,omitempty"`
	}{prefix, list, r.attrs}, nil
}

func (m *Module) miReloadStatus(_ context.Context, p api.MIParams) (any, error) {
	type item struct {
		Name   string `json:"name,omitempty"`
		Update string `json:"Date"`
	}
	stamp := func(part *Partition) string {
		if d := part.rt.current(); d != nil {
			return d.loaded.Format(time.ANSIC)
		}
		return ""
	}
	if _, ok := p["partition_name"]; ok || m.UsePartitions == 0 {
		part, err := m.miPart(p)
		if err != nil {
			return nil, err
		}
		return item{Update: stamp(part)}, nil
	}
	out := []item{}
	for _, part := range m.Partitions {
		out = append(out, item{Name: part.Name, Update: stamp(part)})
	}
	return map[string]any{"Partitions": out}, nil
}

func (m *Module) miEnableProbing(_ context.Context, p api.MIParams) (any, error) {
	if m.ProbingInterval == 0 {
		return nil, &api.MIError{Code: 400, Msg: "Probing disabled from the script"}
	}
	if _, ok := p["status"]; !ok {
		return map[string]int{"Status": 1}, nil
	}
	return "OK", nil
}

// errParams is JSON-RPC's "Invalid params".
var errParams = &api.MIError{Code: -32602, Msg: "Invalid params"}
