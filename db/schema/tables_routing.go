package schema

// The tables of the routing and policy modules (permissions, domain,
// group, alias_db, drouting, dialplan, speeddial, load_balancer,
// carrierroute), as OpenSIPS 3.6 creates them.

// col is a column as upstream's MySQL script spells it: t sized by size
// ("" for none), unsigned when u, with default def ("" for none), nullable
// when null.
func col(name string, t Type, size string, u bool, def string, null bool) Column {
	return Column{Name: name, Type: t, Size: size, Unsigned: u, Default: def, Null: null}
}

// reqStr is a NOT NULL string column without a default.
func reqStr(name, size string) Column { return Column{Name: name, Type: String, Size: size} }

// optStr is a nullable string column without a DEFAULT clause.
func optStr(name, size string) Column {
	return Column{Name: name, Type: String, Size: size, Null: true}
}

// uint11 is "INT(11) UNSIGNED DEFAULT def NOT NULL".
func uint11(name, def string) Column { return col(name, Int, "11", true, def, false) }

// int11 is "INT(11) DEFAULT def NOT NULL" ("" def: no default).
func int11(name, def string) Column { return col(name, Int, "11", false, def, false) }

var lastModified = Column{Name: "last_modified", Type: DateTime, Default: "'1900-01-01 00:00:01'"}

var routingTables = []*Table{
	{
		Name: "address", Version: 5, Module: "permissions",
		Columns: []Column{
			autoID("id", Int),
			col("grp", Short, "5", true, "0", false),
			reqStr("ip", "50"),
			col("mask", Short, "", true, "32", false),
			col("port", Short, "5", true, "0", false),
			{Name: "proto", Type: String, Size: "4", Default: "'any'"},
			nullStr("pattern", "64"),
			nullStr("context_info", "32"),
		},
	},
	{
		Name: "domain", Version: 4, Module: "domain",
		Columns: []Column{
			autoID("id", Int),
			str("domain", "64"),
			nullStr("attrs", "255"),
			uint11("accept_subdomain", "0"),
			lastModified,
		},
		Indexes: []Index{{Name: "domain_domain_idx", Cols: []string{"domain"}, Unique: true}},
	},
	{
		Name: "grp", Version: 3, Module: "group",
		Columns: []Column{
			autoID("id", Int),
			str("username", "64"),
			str("domain", "64"),
			str("grp", "64"),
			lastModified,
		},
		Indexes: []Index{{Name: "grp_account_group_idx", Cols: []string{"username", "domain", "grp"}, Unique: true}},
	},
	{
		Name: "re_grp", Version: 2, Module: "group",
		Columns: []Column{
			autoID("id", Int),
			str("reg_exp", "128"),
			int11("group_id", "0"),
		},
		Indexes: []Index{{Name: "re_grp_group_idx", Cols: []string{"group_id"}}},
	},
	{
		Name: "dbaliases", Version: 2, Module: "alias_db",
		Columns: []Column{
			autoID("id", Int),
			str("alias_username", "64"),
			str("alias_domain", "64"),
			str("username", "64"),
			str("domain", "64"),
		},
		Indexes: []Index{
			{Name: "dbaliases_alias_idx", Cols: []string{"alias_username", "alias_domain"}, Unique: true},
			{Name: "dbaliases_target_idx", Cols: []string{"username", "domain"}},
		},
	},
	{
		Name: "dr_gateways", Version: 6, Module: "drouting",
		Columns: []Column{
			autoID("id", Int),
			reqStr("gwid", "64"),
			uint11("type", "0"),
			reqStr("address", "128"),
			uint11("strip", "0"),
			nullStr("pri_prefix", "16"),
			nullStr("attrs", "255"),
			uint11("probe_mode", "0"),
			uint11("state", "0"),
			nullStr("socket", "128"),
			nullStr("description", "128"),
		},
		Indexes: []Index{{Name: "dr_gateways_dr_gw_idx", Cols: []string{"gwid"}, Unique: true}},
	},
	{
		Name: "dr_rules", Version: 4, Module: "drouting",
		Columns: []Column{
			autoID("ruleid", Int),
			reqStr("groupid", "255"),
			reqStr("prefix", "64"),
			nullStr("timerec", "255"),
			int11("priority", "0"),
			nullStr("routeid", "255"),
			optStr("gwlist", "255"),
			{Name: "sort_alg", Type: String, Size: "1", Default: "'N'"},
			col("sort_profile", Int, "10", true, "NULL", true),
			nullStr("attrs", "255"),
			nullStr("description", "128"),
		},
	},
	{
		Name: "dr_carriers", Version: 3, Module: "drouting",
		Columns: []Column{
			autoID("id", Int),
			reqStr("carrierid", "64"),
			reqStr("gwlist", "255"),
			uint11("flags", "0"),
			{Name: "sort_alg", Type: String, Size: "1", Default: "'N'"},
			uint11("state", "0"),
			nullStr("attrs", "255"),
			nullStr("description", "128"),
		},
		Indexes: []Index{{Name: "dr_carriers_dr_carrier_idx", Cols: []string{"carrierid"}, Unique: true}},
	},
	{
		Name: "dr_groups", Version: 2, Module: "drouting",
		Columns: []Column{
			autoID("id", Int),
			reqStr("username", "64"),
			nullStr("domain", "128"),
			uint11("groupid", "0"),
			nullStr("description", "128"),
		},
	},
	{
		Name: "dr_partitions", Version: 1, Module: "drouting",
		Columns: []Column{
			autoID("id", Int),
			reqStr("partition_name", "255"),
			reqStr("db_url", "255"),
			optStr("drd_table", "255"),
			optStr("drr_table", "255"),
			optStr("drg_table", "255"),
			optStr("drc_table", "255"),
			optStr("ruri_avp", "255"),
			optStr("gw_id_avp", "255"),
			optStr("gw_priprefix_avp", "255"),
			optStr("gw_sock_avp", "255"),
			optStr("rule_id_avp", "255"),
			optStr("rule_prefix_avp", "255"),
			optStr("carrier_id_avp", "255"),
		},
	},
	{
		Name: "dialplan", Version: 5, Module: "dialplan",
		Columns: []Column{
			autoID("id", Int),
			int11("dpid", ""),
			int11("pr", "0"),
			int11("match_op", ""),
			reqStr("match_exp", "64"),
			int11("match_flags", "0"),
			nullStr("subst_exp", "64"),
			nullStr("repl_exp", "32"),
			nullStr("timerec", "255"),
			int11("disabled", "0"),
			nullStr("attrs", "255"),
		},
	},
	{
		Name: "speed_dial", Version: 3, Module: "speeddial",
		Columns: []Column{
			autoID("id", Int),
			str("username", "64"),
			str("domain", "64"),
			str("sd_username", "64"),
			str("sd_domain", "64"),
			str("new_uri", "255"),
			str("fname", "64"),
			str("lname", "64"),
			str("description", "64"),
		},
		Indexes: []Index{{Name: "speed_dial_speed_dial_idx", Cols: []string{"username", "domain", "sd_domain", "sd_username"}, Unique: true}},
	},
	{
		Name: "load_balancer", Version: 3, Module: "load_balancer",
		Columns: []Column{
			autoID("id", Int),
			uint11("group_id", "0"),
			reqStr("dst_uri", "128"),
			reqStr("resources", "255"),
			uint11("probe_mode", "0"),
			nullStr("attrs", "255"),
			nullStr("description", "128"),
		},
		Indexes: []Index{{Name: "load_balancer_dsturi_idx", Cols: []string{"dst_uri"}}},
	},
	{
		Name: "carrierroute", Version: 3, Module: "carrierroute",
		Columns: []Column{
			autoID("id", Int),
			col("carrier", Int, "10", true, "0", false),
			str("domain", "64"),
			str("scan_prefix", "64"),
			uint11("flags", "0"),
			uint11("mask", "0"),
			col("prob", Float, "", false, "0", false),
			uint11("strip", "0"),
			str("rewrite_host", "255"),
			str("rewrite_prefix", "64"),
			str("rewrite_suffix", "64"),
			nullStr("description", "255"),
		},
	},
	{
		Name: "carrierfailureroute", Version: 2, Module: "carrierroute",
		Columns: []Column{
			autoID("id", Int),
			col("carrier", Int, "10", true, "0", false),
			str("domain", "64"),
			str("scan_prefix", "64"),
			str("host_name", "255"),
			str("reply_code", "3"),
			uint11("flags", "0"),
			uint11("mask", "0"),
			str("next_domain", "64"),
			nullStr("description", "255"),
		},
	},
	{
		Name: "route_tree", Version: 2, Module: "carrierroute",
		Columns: []Column{
			autoID("id", Int),
			nullStr("carrier", "64"),
		},
	},
}

// tlsTables is tls_mgm's domain table.
var tlsTables = []*Table{
	{
		Name: "tls_mgm", Version: 3, Module: "tls_mgm",
		Columns: []Column{
			autoID("id", Int),
			reqStr("domain", "64"),
			nullStr("match_ip_address", "255"),
			nullStr("match_sip_domain", "255"),
			col("type", Int, "1", false, "1", false),
			col("method", String, "16", false, "'SSLv23'", true),
			col("verify_cert", Int, "1", false, "1", true),
			col("require_cert", Int, "1", false, "1", true),
			{Name: "certificate", Type: Blob, Null: true},
			{Name: "private_key", Type: Blob, Null: true},
			col("crl_check_all", Int, "1", false, "0", true),
			nullStr("crl_dir", "255"),
			{Name: "ca_list", Type: LargeBlob, Null: true, Default: "NULL"},
			nullStr("ca_dir", "255"),
			nullStr("cipher_list", "255"),
			{Name: "dh_params", Type: Blob, Null: true, Default: "NULL"},
			nullStr("ec_curve", "255"),
		},
		Indexes: []Index{{Name: "tls_mgm_domain_type_idx", Cols: []string{"domain", "type"}, Unique: true}},
	},
}

func init() { tables = append(tables, append(routingTables, tlsTables...)...) }
