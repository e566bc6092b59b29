package drouting

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"gosips/api"
)

// drBlacklist is one define_blacklist list: the addresses of the gateways
// of some types, refreshed on every (re)load of its partition.
type drBlacklist struct {
	partition string // "" = the default partition
	types     []int
	list      *api.Blacklist
}

// parseDefineBlacklist reads "[partition:]name = type[,type...]".
func parseDefineBlacklist(def string) (part, name string, types []int, err error) {
	head, list, ok := strings.Cut(def, "=")
	if !ok {
		return "", "", nil, fmt.Errorf("define_blacklist %q: expected \"name = type,type\"", def)
	}
	head = strings.TrimSpace(head)
	if p, n, ok := strings.Cut(head, ":"); ok {
		part, head = strings.TrimSpace(p), strings.TrimSpace(n)
	}
	if head == "" {
		return "", "", nil, fmt.Errorf("define_blacklist %q: empty name", def)
	}
	for _, t := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(t))
		if err != nil {
			return "", "", nil, fmt.Errorf("define_blacklist %q: nonnumerical type %q", def, strings.TrimSpace(t))
		}
		types = append(types, n)
	}
	return part, head, types, nil
}

// initBlacklists creates the define_blacklist lists in the core's set.
func (m *Module) initBlacklists(ic *api.InitCtx) error {
	if len(m.Blacklists) == 0 {
		return nil
	}
	var set *api.Blacklists
	if ic.Module != nil {
		if p, ok := ic.Module("core").(api.BlacklistProvider); ok {
			set = p.Blacklists()
		}
	}
	if set == nil {
		return fmt.Errorf("define_blacklist: no core blacklists")
	}
	for _, def := range m.Blacklists {
		part, name, types, err := parseDefineBlacklist(def)
		if err != nil {
			return err
		}
		l, err := set.Create("drouting", name, 0, nil)
		if err != nil {
			return fmt.Errorf("define_blacklist: %w", err)
		}
		m.bls = append(m.bls, &drBlacklist{partition: part, types: types, list: l})
	}
	return nil
}

// fillBlacklists sets the lists of partition p from its gateways.
func (m *Module) fillBlacklists(p *Partition, d *data) {
	for _, bl := range m.bls {
		// Without a partition name a list belongs to the first partition.
		if bl.partition != p.Name && (bl.partition != "" || len(m.Partitions) == 0 || p != m.Partitions[0]) {
			continue
		}
		var rules []api.BlacklistRule
		for _, t := range bl.types {
			for _, gw := range d.gwOrder {
				if gw.typ != t {
					continue
				}
				for _, a := range gw.addrs {
					proto := gw.proto.String()
					if proto == "" {
						proto = "any"
					}
					ip := a.Addr().Unmap()
					rules = append(rules, api.BlacklistRule{Net: netip.PrefixFrom(ip, ip.BitLen()), Port: int(a.Port()), Proto: proto})
				}
			}
		}
		bl.list.Replace(rules)
	}
}
