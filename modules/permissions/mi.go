package permissions

import (
	"context"
	"net"
	"net/netip"

	"gosips/api"
)

// MICommands lists the management commands.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "address_reload", Aliases: []string{"permissions:address_reload"},
			Recipes: [][]string{{}, {"partition"}}, Handler: m.miReload},
		{Name: "address_dump", Aliases: []string{"permissions:address_dump"},
			Recipes: [][]string{{}, {"partition"}}, Handler: func(_ context.Context, p api.MIParams) (any, error) { return m.miDump(p, false) }},
		{Name: "subnet_dump", Aliases: []string{"permissions:subnet_dump"},
			Recipes: [][]string{{}, {"partition"}}, Handler: func(_ context.Context, p api.MIParams) (any, error) { return m.miDump(p, true) }},
		{Name: "allow_uri", Aliases: []string{"permissions:allow_uri"},
			Recipes: [][]string{{"basename", "uri", "contact"}}, Handler: m.miAllowURI},
	}
}

func (m *Module) miReload(ctx context.Context, p api.MIParams) (any, error) {
	if _, given := p["partition"]; given {
		name, _ := p.Str("partition")
		part := m.partition(name)
		if part == nil {
			return nil, &api.MIError{Code: 400, Msg: "Trusted table reload failed"}
		}
		if err := m.reload(ctx, part); err != nil {
			m.log.Error("address_reload failed, old data kept", "partition", name, "err", err)
			return nil, &api.MIError{Code: 500, Msg: "Failed to reload: " + err.Error()}
		}
		return "OK", nil
	}
	for _, part := range m.Partitions {
		if err := m.reload(ctx, part); err != nil {
			m.log.Error("address_reload failed, old data kept", "partition", part.Name, "err", err)
			return nil, &api.MIError{Code: 400, Msg: "failed to reload partition " + part.Name + "! " + err.Error()}
		}
	}
	return "OK", nil
}

type miDest struct {
	Grp         int64  `json:"grp"`
	IP          string `json:"ip"`
	Mask        string `json:"mask"`
	Port        int    `json:"port"`
	Proto       string `json:"proto"`
	Pattern     string `json:"pattern"`
	ContextInfo string `json:"context_info"`
}

func dests(t *table, subnets bool) []miDest {
	out := []miDest{}
	if t == nil {
		return out
	}
	for _, g := range t.groups {
		for _, e := range g.all {
			if e.host == subnets {
				continue
			}
			d := miDest{Grp: g.id, IP: e.net.Addr().String(), Port: e.port, Proto: "any",
				Pattern: e.patText, ContextInfo: e.info}
			if e.proto != 0 {
				d.Proto = e.proto.String()
			}
			if e.host {
				d.Mask = "32"
				if e.net.Addr().Is6() {
					d.Mask = "128"
				}
			} else {
				d.Mask = maskString(e.net)
			}
			out = append(out, d)
		}
	}
	return out
}

// maskString prints a prefix's mask as an address ("255.255.255.0").
func maskString(p netip.Prefix) string {
	mask := net.CIDRMask(p.Bits(), p.Addr().BitLen())
	a, _ := netip.AddrFromSlice(mask)
	return a.String()
}

func (m *Module) miDump(p api.MIParams, subnets bool) (any, error) {
	if _, given := p["partition"]; given {
		name, _ := p.Str("partition")
		part := m.partition(name)
		if part == nil {
			return nil, &api.MIError{Code: 404, Msg: "No such partition"}
		}
		if part.data == nil {
			return "OK", nil
		}
		return struct {
			Part         string   `json:"part"`
			Destinations []miDest `json:"Destinations"`
		}{part.Name, dests(part.data.cur.Load(), subnets)}, nil
	}
	type miPart struct {
		Name         string   `json:"name"`
		Destinations []miDest `json:"Destinations"`
	}
	parts := []miPart{}
	for _, part := range m.Partitions {
		if part.data == nil {
			continue
		}
		parts = append(parts, miPart{Name: part.Name, Destinations: dests(part.data.cur.Load(), subnets)})
	}
	return map[string]any{"Partitions": parts}, nil
}

func (m *Module) miAllowURI(_ context.Context, p api.MIParams) (any, error) {
	base, _ := p.Str("basename")
	uri, _ := p.Str("uri")
	contact, _ := p.Str("contact")
	if base == "" {
		return nil, &api.MIError{Code: 404, Msg: "Basename is empty"}
	}
	fp, err := m.pair(base+m.AllowSuffix, base+m.DenySuffix)
	if err != nil {
		return nil, &api.MIError{Code: 500, Msg: err.Error()}
	}
	if fp.empty() || fp.allow.search(uri, contact) || !fp.deny.search(uri, contact) {
		return "OK", nil
	}
	return nil, &api.MIError{Code: 403, Msg: "Forbidden"}
}
