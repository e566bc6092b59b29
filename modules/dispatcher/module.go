// Package dispatcher declares the dispatcher module: load balancing and
// failover over destination sets loaded from a database.
package dispatcher

import (
	"fmt"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "dispatcher",
		New:  func() api.Module { return New() },
		Doc:  "load balancing and failover over destination sets",
	})
}

// Columns are the dispatcher table column names.
type Columns struct {
	SetID, Destination, Socket, State, Weight, Priority, Attrs, Description, ProbeMode string
}

// Module is one dispatcher instance; the fields hold the modparams.
type Module struct {
	// Default is the default partition, filled from the top-level params.
	Default Partition
	// Partitions are the extra partitions of the "partition" param, in
	// definition order; DefaultOverride names the one replacing "default".
	Partitions      []*Partition
	DefaultOverride string

	Cols                 Columns
	AlgoRoute            string
	HashPVar             string
	SetIDPVar            string
	PVarAlgoPattern      string
	ProbingThreshold     int
	PingMethod           string
	PingFrom             string
	PingInterval         int
	PingMaxFwd           int
	ProbingMode          int
	OptionsReplyCodes    string
	ProbingSock          string
	ProbingList          []int
	Blacklists           []string
	bls                  []*dsBlacklist
	FetchFreeswitchStats int
	MaxFreeswitchWeight  int
	ClusterID            int
	ClusterSharingTag    string
	ClusterProbingMode   string

	// Legacy holds values of removed params (list_file, force_dst...).
	Legacy map[string]api.ParamValue

	runtime
}

// New returns a dispatcher instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{
		Default: Partition{Name: "default", TableName: "dispatcher",
			DstAVP: "$avp(ds_dst_failover)", GrpAVP: "$avp(ds_grp_failover)",
			CntAVP: "$avp(ds_cnt_failover)", SockAVP: "$avp(ds_sock_failover)",
			PersistentState: "1"},
		Cols: Columns{SetID: "setid", Destination: "destination", Socket: "socket",
			State: "state", Weight: "weight", Priority: "priority", Attrs: "attrs",
			Description: "description", ProbeMode: "probe_mode"},
		ProbingThreshold:    3,
		PingMethod:          "OPTIONS",
		PingFrom:            "sip:dispatcher@localhost",
		PingMaxFwd:          -1,
		MaxFreeswitchWeight: 100,
		Legacy:              map[string]api.ParamValue{},
	}
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	d := &m.Default
	return []api.Param{
		api.FuncParam("partition", api.ParamStr, true, m.setPartition),
		api.StrParam("db_url", &d.DBURL),
		api.StrParam("table_name", &d.TableName),
		api.StrParam("setid_col", &m.Cols.SetID),
		api.StrParam("destination_col", &m.Cols.Destination),
		api.StrParam("socket_col", &m.Cols.Socket),
		api.StrParam("state_col", &m.Cols.State),
		api.StrParam("weight_col", &m.Cols.Weight),
		api.StrParam("priority_col", &m.Cols.Priority),
		api.StrParam("attrs_col", &m.Cols.Attrs),
		api.StrParam("description_col", &m.Cols.Description),
		api.StrParam("probe_mode_col", &m.Cols.ProbeMode),
		api.StrParam("dst_avp", &d.DstAVP),
		api.StrParam("grp_avp", &d.GrpAVP),
		api.StrParam("cnt_avp", &d.CntAVP),
		api.StrParam("sock_avp", &d.SockAVP),
		api.StrParam("attrs_avp", &d.AttrsAVP),
		api.StrParam("script_attrs_avp", &d.ScriptAttrsAVP),
		api.StrParam("algo_route", &m.AlgoRoute),
		api.StrParam("hash_pvar", &m.HashPVar),
		api.StrParam("setid_pvar", &m.SetIDPVar),
		api.StrParam("pvar_algo_pattern", &m.PVarAlgoPattern),
		api.IntParam("ds_probing_threshhold", &m.ProbingThreshold),
		api.IntParam("ds_probing_threshold", &m.ProbingThreshold),
		api.StrParam("ds_ping_method", &m.PingMethod),
		api.StrParam("ds_ping_from", &m.PingFrom),
		nonNegative("ds_ping_interval", &m.PingInterval),
		api.IntParam("ds_ping_maxfwd", &m.PingMaxFwd),
		api.FuncParam("ds_probing_mode", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int != 0 && v.Int != 1 {
				return fmt.Errorf("ds_probing_mode must be 0 or 1, got %d", v.Int)
			}
			m.ProbingMode = int(v.Int)
			return nil
		}),
		api.FuncParam("options_reply_codes", api.ParamStr, false, func(v api.ParamValue) error {
			if _, err := parseReplyCodes(v.Str); err != nil {
				return err
			}
			m.OptionsReplyCodes = v.Str
			return nil
		}),
		api.StrParam("ds_probing_sock", &m.ProbingSock),
		api.FuncParam("ds_probing_list", api.ParamStr, true, func(v api.ParamValue) error {
			sets, err := parseSetList(v.Str)
			if err != nil {
				return fmt.Errorf("ds_probing_list: %w", err)
			}
			m.ProbingList = append(m.ProbingList, sets...)
			return nil
		}),
		api.FuncParam("ds_define_blacklist", api.ParamStr, true, func(v api.ParamValue) error {
			if err := checkBlacklist(v.Str); err != nil {
				return err
			}
			m.Blacklists = append(m.Blacklists, v.Str)
			return nil
		}),
		api.FuncParam("persistent_state", api.ParamInt, false, func(v api.ParamValue) error {
			d.PersistentState = "1"
			if v.Int == 0 {
				d.PersistentState = "0"
			}
			return nil
		}),
		api.IntParam("fetch_freeswitch_stats", &m.FetchFreeswitchStats),
		api.IntParam("max_freeswitch_weight", &m.MaxFreeswitchWeight),
		api.IntParam("cluster_id", &m.ClusterID),
		api.StrParam("cluster_sharing_tag", &m.ClusterSharingTag),
		api.StrParam("cluster_probing_mode", &m.ClusterProbingMode),

		m.legacy("list_file", api.ParamStr, `load the sets from a table: modparam("dispatcher", "db_url", "text:///dir") with a "dispatcher" file`),
		m.legacy("force_dst", api.ParamInt, `drop it; ds_select_dst() always overwrites $du`),
		m.legacy("flags", api.ParamInt, `pass the flags to ds_select_dst(set, alg, "f")`),
		m.legacy("use_default", api.ParamInt, `pass the "d" flag to ds_select_dst(set, alg, "d")`),
		m.legacy("flags_col", api.ParamStr, `drop it; the 3.x table has state and probe_mode columns`),
		{Name: "setid_pvname", Type: api.ParamStr, Legacy: `modparam("dispatcher", "setid_pvar", ...)`,
			Set: func(v api.ParamValue) error { m.SetIDPVar = v.Str; return nil }},
	}
}

// legacy declares a removed parameter; its value is kept in m.Legacy.
func (m *Module) legacy(name string, t api.ParamType, hint string) api.Param {
	return api.Param{Name: name, Type: t, Legacy: hint, Set: func(v api.ParamValue) error {
		m.Legacy[name] = v
		return nil
	}}
}

func nonNegative(name string, dst *int) api.Param {
	return api.FuncParam(name, api.ParamInt, false, func(v api.ParamValue) error {
		if v.Int < 0 {
			return fmt.Errorf("%s must not be negative, got %d", name, v.Int)
		}
		*dst = int(v.Int)
		return nil
	})
}

// Validate resolves the partitions against the default one and checks
// their databases and the optional dependencies.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	_, hasList := m.Legacy["list_file"]
	url, err := api.CheckDBURL(vc, "db_url", m.Default.DBURL, false)
	if err != nil {
		return err
	}
	if url == "" && len(m.Partitions) == 0 && !hasList {
		return fmt.Errorf("no default partition: set db_url (or db_default_url) or define a partition")
	}
	for _, p := range m.Partitions {
		p.inherit(&m.Default, url)
		if _, err := api.CheckDBURL(vc, fmt.Sprintf("partition %q db_url", p.Name), p.DBURL, true); err != nil {
			return err
		}
	}
	if m.DefaultOverride != "" && m.partition(m.DefaultOverride) == nil {
		return fmt.Errorf("partition %q (set as default) is not defined", m.DefaultOverride)
	}
	if vc.Loaded == nil {
		return nil
	}
	for _, dep := range []struct {
		on   bool
		mod  string
		what string
	}{
		{m.PingInterval > 0, "tm", "ds_ping_interval"},
		{m.FetchFreeswitchStats != 0, "freeswitch", "fetch_freeswitch_stats"},
		{m.ClusterID != 0, "clusterer", "cluster_id"},
	} {
		if dep.on && !vc.Loaded(dep.mod) {
			return fmt.Errorf("%s needs loadmodule \"%s.so\"", dep.what, dep.mod)
		}
	}
	return nil
}

var (
	_ api.Validator  = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
)
