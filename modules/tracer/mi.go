package tracer

import (
	"context"
	"strings"

	"gosips/api"
)

// MICommands lists trace, trace_start and trace_stop.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "trace", Help: "show or switch tracing, globally or for one trace id",
			Recipes: [][]string{{}, {"id"}, {"mode"}, {"id", "mode"}},
			Handler: m.miTrace},
		{Name: "trace_start", Help: "create a dynamic trace destination",
			Recipes: [][]string{{"id", "uri"}, {"id", "uri", "filter"}, {"id", "uri", "filter", "scope", "type"}}},
		{Name: "trace_stop", Help: "remove a dynamic trace destination",
			Recipes: [][]string{{"id"}}},
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func (m *Module) miTrace(_ context.Context, p api.MIParams) (any, error) {
	idName, hasID := p["id"].(string)
	mode, hasMode := p["mode"].(string)
	var on bool
	if hasMode {
		switch strings.ToLower(mode) {
		case "on":
			on = true
		case "off":
		default:
			return nil, &api.MIError{Code: 400, Msg: "Bad parameter value"}
		}
	}
	if hasID {
		id := m.lookup(idName)
		if id == nil {
			return nil, &api.MIError{Code: 500, Msg: "Trace id not found"}
		}
		if hasMode {
			id.on.Store(on)
			return "OK", nil
		}
		return m.describe(id), nil
	}
	if hasMode {
		m.on.Store(on)
		return "OK", nil
	}
	var ids []any
	for _, n := range m.order {
		ids = append(ids, m.describe(m.ids[n]))
	}
	return map[string]any{"global": onOff(m.on.Load()), "ids": ids}, nil
}

func (m *Module) describe(id *traceID) map[string]any {
	var dests []any
	for _, d := range id.dests {
		e := map[string]any{"type": kindNames[d.kind], "uri": d.uri}
		if d.kind == toDB {
			e["table"] = d.table
		}
		dests = append(dests, e)
	}
	return map[string]any{"id": id.name, "state": onOff(id.on.Load()), "destinations": dests}
}
