// Package permissions is OpenSIPS' permissions module: admission by
// source address against the cached "address" table (groups, subnets,
// ports, protocols, wildcard patterns, context info) and routing and
// registration permissions from hosts.allow-style files.
package permissions

import (
	"fmt"
	"log/slog"

	"gosips/api"
	"gosips/internal/partdef"
)

func init() {
	api.Register(api.ModuleInfo{Name: "permissions", New: func() api.Module { return New() },
		Doc: "address and routing permissions"})
}

// Columns are the address table column names.
type Columns struct {
	Grp, IP, Mask, Port, Proto, Pattern, Info string
}

// Partition is one address table source.
type Partition struct {
	Name, DBURL, Table string
	data               *store
}

// Module is one permissions instance.
type Module struct {
	DefaultAllowFile string
	DefaultDenyFile  string
	CheckAllBranches int
	AllowSuffix      string
	DenySuffix       string
	DBURL            string
	AddressTable     string
	Cols             Columns
	// Partitions are the "partition" definitions, in order; "default" is
	// built from db_url/address_table unless redefined.
	Partitions []*Partition
	legacy     map[string]api.ParamValue

	log       *slog.Logger
	configDir string
	rules     ruleCache
}

// New returns a permissions instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{DefaultAllowFile: "permissions.allow", DefaultDenyFile: "permissions.deny",
		CheckAllBranches: 1, AllowSuffix: ".allow", DenySuffix: ".deny", AddressTable: "address",
		Cols: Columns{Grp: "grp", IP: "ip", Mask: "mask", Port: "port", Proto: "proto",
			Pattern: "pattern", Info: "context_info"},
		legacy: map[string]api.ParamValue{}, log: slog.New(slog.DiscardHandler)}
}

// Params lists the module parameters.
func (m *Module) Params() []api.Param {
	legacy := func(name string, t api.ParamType, hint string) api.Param {
		return api.Param{Name: name, Type: t, Legacy: hint, Set: func(v api.ParamValue) error { m.legacy[name] = v; return nil }}
	}
	const trusted = "the trusted table is gone since OpenSIPS 2.2: move its rows to the address table and use check_source_address()"
	return []api.Param{
		api.StrParam("default_allow_file", &m.DefaultAllowFile),
		api.StrParam("default_deny_file", &m.DefaultDenyFile),
		api.IntParam("check_all_branches", &m.CheckAllBranches),
		api.StrParam("allow_suffix", &m.AllowSuffix),
		api.StrParam("deny_suffix", &m.DenySuffix),
		api.FuncParam("partition", api.ParamStr, true, m.setPartition),
		api.StrParam("db_url", &m.DBURL),
		api.StrParam("address_table", &m.AddressTable),
		api.StrParam("ip_col", &m.Cols.IP),
		api.StrParam("proto_col", &m.Cols.Proto),
		api.StrParam("pattern_col", &m.Cols.Pattern),
		api.StrParam("info_col", &m.Cols.Info),
		api.StrParam("grp_col", &m.Cols.Grp),
		api.StrParam("mask_col", &m.Cols.Mask),
		api.StrParam("port_col", &m.Cols.Port),
		legacy("db_mode", api.ParamInt, "drop it: the address table is always cached"),
		legacy("trusted_table", api.ParamStr, trusted),
		legacy("source_col", api.ParamStr, trusted),
		legacy("from_col", api.ParamStr, trusted),
		legacy("tag_col", api.ParamStr, trusted),
		legacy("ruri_col", api.ParamStr, trusted),
		legacy("peer_tag_avp", api.ParamStr, "pass a variable to check_source_address(group, $avp(ctx)) and use the address table's context_info"),
	}
}

var partitionKeys = []string{"db_url", "table_name"}

// setPartition parses "name: db_url = URL; table_name = T".
func (m *Module) setPartition(v api.ParamValue) error {
	name, kv, err := partdef.Parse(v.Str, partitionKeys)
	if err != nil {
		return err
	}
	p := m.partition(name)
	if p == nil {
		p = &Partition{Name: name}
		m.Partitions = append(m.Partitions, p)
	}
	if u, ok := kv["db_url"]; ok {
		p.DBURL = u
	}
	if t, ok := kv["table_name"]; ok {
		p.Table = t
	}
	return nil
}

func (m *Module) partition(name string) *Partition {
	for _, p := range m.Partitions {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// resolvePartitions adds the default partition from db_url and fills
// unset settings, as OpenSIPS does after the modparams.
func (m *Module) resolvePartitions(defaultURL string) {
	if m.partition("default") == nil && m.DBURL != "" {
		m.Partitions = append([]*Partition{{Name: "default", DBURL: m.DBURL}}, m.Partitions...)
	}
	for _, p := range m.Partitions {
		if p.DBURL == "" {
			p.DBURL = m.DBURL
			if p.DBURL == "" {
				p.DBURL = defaultURL
			}
		}
		if p.Table == "" {
			p.Table = m.AddressTable
		}
	}
}

// Validate checks the partitions' databases.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	def := ""
	if vc.Global != nil {
		if v, ok := vc.Global("db_default_url"); ok && v.IsStr() {
			def = v.S
		}
	}
	m.resolvePartitions(def)
	for _, p := range m.Partitions {
		if _, err := api.CheckDBURL(vc, fmt.Sprintf("partition %q db_url", p.Name), p.DBURL, true); err != nil {
			return err
		}
	}
	return nil
}

var (
	_ api.Validator  = (*Module)(nil)
	_ api.Initer     = (*Module)(nil)
	_ api.Closer     = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
)
