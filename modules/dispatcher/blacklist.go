package dispatcher

import (
	"fmt"
	"net/netip"
	"strings"

	"gosips/api"
	"gosips/sip"
)

// dsBlacklist is one ds_define_blacklist list: the addresses of the
// destinations of some sets of a partition, refreshed at every (re)load.
type dsBlacklist struct {
	part *Partition
	sets []int
	list *api.Blacklist
}

// initBlacklists creates the ds_define_blacklist lists (the module
// parameter's belong to the default partition) in the core's set.
func (m *Module) initBlacklists(ic *api.InitCtx) error {
	type def struct {
		part *Partition
		text string
	}
	var defs []def
	for _, t := range m.Blacklists {
		defs = append(defs, def{&m.Default, t})
	}
	for _, p := range m.allPartitions() {
		for _, t := range p.Blacklists {
			defs = append(defs, def{p, t})
		}
	}
	if len(defs) == 0 {
		return nil
	}
	var set *api.Blacklists
	if ic.Module != nil {
		if p, ok := ic.Module("core").(api.BlacklistProvider); ok {
			set = p.Blacklists()
		}
	}
	if set == nil {
		return fmt.Errorf("ds_define_blacklist: no core blacklists")
	}
	for _, d := range defs {
		name, sets, _ := strings.Cut(d.text, "=")
		ids, err := parseSetList(sets)
		if err != nil {
			return fmt.Errorf("ds_define_blacklist %q: %w", d.text, err)
		}
		l, err := set.Create("dispatcher", strings.TrimSpace(name), 0, nil)
		if err != nil {
			return fmt.Errorf("ds_define_blacklist: %w", err)
		}
		m.bls = append(m.bls, &dsBlacklist{part: d.part, sets: ids, list: l})
	}
	return nil
}

// fillBlacklists sets the lists of partition p from its destinations.
func (m *Module) fillBlacklists(p *Partition, dt *data) {
	for _, bl := range m.bls {
		if bl.part != p {
			continue
		}
		var rules []api.BlacklistRule
		for _, id := range bl.sets {
			s := dt.set(id)
			if s == nil {
				continue
			}
			for _, d := range s.dests {
				proto := "any"
				if u, err := sip.ParseURI(d.dstURI); err == nil && u.Transport() != "" {
					proto = strings.ToLower(u.Transport())
				}
				for _, a := range d.addrs {
					ip := a.Addr().Unmap()
					rules = append(rules, api.BlacklistRule{Net: netip.PrefixFrom(ip, ip.BitLen()), Port: int(a.Port()), Proto: proto})
				}
			}
		}
		bl.list.Replace(rules)
	}
}
