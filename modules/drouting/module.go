// Package drouting is OpenSIPS' dynamic routing module: prefix-based
// routing of calls to gateways and carriers from the dr_* tables, with
// rule groups, time recurrences, priorities, weights, failover, gateway
// recognition and probing.
package drouting

import (
	"fmt"
	"log/slog"
	"strings"

	"gosips/api"
	"gosips/lang/diag"
)

func init() {
	api.Register(api.ModuleInfo{Name: "drouting", New: func() api.Module { return New() },
		Deps: []api.Dep{{Name: "tm", Optional: true}}, Doc: "dynamic routing to gateways and carriers"})
}

// Table versions OpenSIPS 3.6 expects.
var tableVersions = map[string]int{"dr_gateways": 6, "dr_rules": 4, "dr_carriers": 3, "dr_groups": 2, "dr_partitions": 1}

// Partition is one set of dr tables with its AVPs.
type Partition struct {
	Name                                    string
	DBURL                                   string
	GWTable, RuleTable, GroupTable, CRTable string
	RURIAVP, GWIDAVP, GWPriAVP, GWSockAVP   string
	RuleIDAVP, RulePrefixAVP, CarrierIDAVP  string

	rt *partState
}

// Module is one drouting instance.
type Module struct {
	UsePartitions     int
	PartitionsURL     string
	PartitionsTable   string
	Default           Partition
	UseDomain         int
	GroupUserCol      string
	GroupDomainCol    string
	GroupIDCol        string
	ForceDNS          int
	DefaultGroup      int
	Blacklists        []string
	bls               []*drBlacklist
	ProbingInterval   int
	ProbingMethod     string
	ProbingFrom       string
	ProbingSocket     string
	ProbingReplyCodes string
	PersistentState   int
	NoConcurrent      int
	PartitionPVar     string
	ExtraPrefixChars  string
	ExtraIDChars      string
	SocketFilterMode  string
	legacy            map[string]api.ParamValue

	Partitions []*Partition

	runtime
}

// New returns a drouting instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{
		PartitionsTable: "dr_partitions",
		Default: Partition{Name: "Default", GWTable: "dr_gateways", RuleTable: "dr_rules",
			GroupTable: "dr_groups", CRTable: "dr_carriers", RURIAVP: "$avp(___dr_ruri__)",
			GWIDAVP: "$avp(___dr_gw_id__)", GWSockAVP: "$avp(___dr_sock__)"},
		GroupUserCol: "username", GroupDomainCol: "domain", GroupIDCol: "groupid",
		ForceDNS: 1, DefaultGroup: -1, ProbingInterval: 30, ProbingMethod: "OPTIONS",
		ProbingFrom: "sip:prober@localhost", PersistentState: 1, SocketFilterMode: "none",
		legacy: map[string]api.ParamValue{}, runtime: runtime{log: slog.New(slog.DiscardHandler)},
	}
}

// Params lists the module parameters.
func (m *Module) Params() []api.Param {
	d := &m.Default
	s := api.StrParam
	i := api.IntParam
	legacy := func(name string, t api.ParamType, hint string) api.Param {
		return api.Param{Name: name, Type: t, Legacy: hint, Set: func(v api.ParamValue) error { m.legacy[name] = v; return nil }}
	}
	return []api.Param{
		i("use_partitions", &m.UsePartitions),
		s("db_partitions_url", &m.PartitionsURL),
		s("db_partitions_table", &m.PartitionsTable),
		s("db_url", &d.DBURL),
		s("drd_table", &d.GWTable),
		s("drr_table", &d.RuleTable),
		s("drg_table", &d.GroupTable),
		s("drc_table", &d.CRTable),
		i("use_domain", &m.UseDomain),
		s("drg_user_col", &m.GroupUserCol),
		s("drg_domain_col", &m.GroupDomainCol),
		s("drg_grpid_col", &m.GroupIDCol),
		avpParam("ruri_avp", &d.RURIAVP),
		avpParam("gw_id_avp", &d.GWIDAVP),
		avpParam("gw_priprefix_avp", &d.GWPriAVP),
		avpParam("gw_sock_avp", &d.GWSockAVP),
		avpParam("rule_id_avp", &d.RuleIDAVP),
		avpParam("rule_prefix_avp", &d.RulePrefixAVP),
		avpParam("carrier_id_avp", &d.CarrierIDAVP),
		i("force_dns", &m.ForceDNS),
		i("default_group", &m.DefaultGroup),
		// Each list holds the addresses of the gateways of some types,
		// refreshed at every (re)load.
		api.FuncParam("define_blacklist", api.ParamStr, true, func(v api.ParamValue) error {
			if _, _, _, err := parseDefineBlacklist(v.Str); err != nil {
				return err
			}
			m.Blacklists = append(m.Blacklists, v.Str)
			return nil
		}),
		api.FuncParam("probing_interval", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 0 {
				return fmt.Errorf("probing_interval must not be negative")
			}
			m.ProbingInterval = int(v.Int)
			return nil
		}),
		s("probing_method", &m.ProbingMethod),
		s("probing_from", &m.ProbingFrom),
		s("probing_socket", &m.ProbingSocket),
		api.FuncParam("probing_reply_codes", api.ParamStr, false, func(v api.ParamValue) error {
			if _, err := parseCodes(v.Str); err != nil {
				return err
			}
			m.ProbingReplyCodes = v.Str
			return nil
		}),
		i("persistent_state", &m.PersistentState),
		api.FuncParam("rule_tables_query", api.ParamStr, true, func(v api.ParamValue) error { m.legacy["rule_tables_query"] = v; return nil }),
		i("no_concurrent_reload", &m.NoConcurrent),
		s("partition_id_pvar", &m.PartitionPVar),
		api.FuncParam("cluster_id", api.ParamInt, false, func(v api.ParamValue) error { m.legacy["cluster_id"] = v; return nil }),
		api.FuncParam("cluster_sharing_tag", api.ParamStr, false, func(v api.ParamValue) error { return nil }),
		api.FuncParam("cluster_probing_mode", api.ParamStr, false, func(v api.ParamValue) error { return nil }),
		api.FuncParam("enable_restart_persistency", api.ParamInt, false, func(v api.ParamValue) error { return nil }),
		s("extra_prefix_chars", &m.ExtraPrefixChars),
		s("extra_id_chars", &m.ExtraIDChars),
		api.FuncParam("gw_socket_filter_mode", api.ParamStr, false, func(v api.ParamValue) error {
			switch v.Str {
			case "none", "ignore", "matched-only":
				m.SocketFilterMode = v.Str
				return nil
			}
			return fmt.Errorf("gw_socket_filter_mode %q: expected none, ignore or matched-only", v.Str)
		}),
		api.FuncParam("generate_data_checksum", api.ParamInt, false, func(v api.ParamValue) error { return nil }),
		legacy("drd_table_name", api.ParamStr, `modparam("drouting", "drd_table", ...)`),
		legacy("sort_order", api.ParamInt, "set the sort_alg column of each rule (N, W)"),
		legacy("fetch_rows", api.ParamInt, "drop it"),
		legacy("db_mode", api.ParamInt, "drop it"),
		legacy("attrs_avp", api.ParamStr, "pass a variable to do_routing(group, flags, , $var(rule_attrs), $var(gw_attrs))"),
		legacy("gw_attrs_avp", api.ParamStr, "pass a variable to do_routing(group, flags, , , $var(gw_attrs))"),
		legacy("rule_attrs_avp", api.ParamStr, "pass a variable to do_routing(group, flags, , $var(rule_attrs))"),
	}
}

// avpParam accepts "$avp(name)" (or "" to disable).
func avpParam(name string, dst *string) api.Param {
	return api.FuncParam(name, api.ParamStr, false, func(v api.ParamValue) error {
		if v.Str != "" && avpName(v.Str) == "" {
			return fmt.Errorf("%s %q must be an AVP, e.g. $avp(%s)", name, v.Str, strings.TrimSuffix(name, "_avp"))
		}
		*dst = v.Str
		return nil
	})
}

// avpName extracts NAME from "$avp(NAME)".
func avpName(spec string) string {
	s := strings.TrimSpace(spec)
	if strings.HasPrefix(s, "$avp(") && strings.HasSuffix(s, ")") && len(s) > 6 {
		return s[5 : len(s)-1]
	}
	return ""
}

// Validate checks the databases and the probing dependency.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if m.UsePartitions != 0 {
		if m.PartitionsURL == "" {
			return fmt.Errorf("use_partitions needs db_partitions_url")
		}
		if _, err := api.CheckDBURL(vc, "db_partitions_url", m.PartitionsURL, true); err != nil {
			return err
		}
	} else {
		url, err := api.CheckDBURL(vc, "db_url", m.Default.DBURL, true)
		if err != nil {
			return err
		}
		m.Default.DBURL = url
	}
	if m.ProbingInterval > 0 && vc.Loaded != nil && !vc.Loaded("tm") {
		// OpenSIPS needs tm for probing; without it probing is off.
		if vc.Warn != nil {
			vc.Warn("probing_interval needs tm: gateways will not be probed", `loadmodule "tm.so" or set probing_interval to 0`)
		}
	}
	return nil
}

// partition finds a partition by name (any name when partitions are off).
func (m *Module) partition(name string) *Partition {
	if m.UsePartitions == 0 {
		return &m.Default
	}
	for _, p := range m.Partitions {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func (m *Module) partFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if m.UsePartitions == 0 {
		return fmt.Errorf("partition %q given but use_partitions is not set", a.Str)
	}
	if fc.Check || a.Str == "*" {
		return nil
	}
	if m.partition(a.Str) == nil {
		var names []string
		for _, p := range m.Partitions {
			names = append(names, p.Name)
		}
		msg := fmt.Sprintf("unknown partition %q", a.Str)
		if h := diag.DidYouMean(a.Str, names); h != "" {
			msg += " (" + h + ")"
		}
		return fmt.Errorf("%s", msg)
	}
	return nil
}

var (
	_ api.Validator  = (*Module)(nil)
	_ api.Initer     = (*Module)(nil)
	_ api.Starter    = (*Module)(nil)
	_ api.Closer     = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
)
