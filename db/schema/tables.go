package schema

// The definitions follow OpenSIPS 3.6's db/schema XML and the scripts made
// from it (scripts/sqlite/*-create.sql, scripts/dbtext/opensips/*).

func str(name, size string) Column {
	return Column{Name: name, Type: String, Size: size, Default: "''"}
}

func nullStr(name, size string) Column {
	return Column{Name: name, Type: String, Size: size, Null: true, Default: "NULL"}
}

func intCol(name, def string) Column { return Column{Name: name, Type: Int, Default: def} }

// uintCol is an "unsigned int" column without a default.
func uintCol(name, size string) Column {
	return Column{Name: name, Type: Int, Size: size, Unsigned: true}
}

func autoID(name string, t Type) Column {
	return Column{Name: name, Type: t, Size: "10", Unsigned: true, Auto: true}
}

// tables is read-only: the version table first, then in module order.
var tables = []*Table{
	{
		Name: "version", Module: "core",
		Columns: []Column{
			{Name: "table_name", Type: String, Size: "32"},
			{Name: "table_version", Type: Int, Default: "0", Unsigned: true},
		},
		Indexes: []Index{{Name: "version_t_name_idx", Cols: []string{"table_name"}, Unique: true}},
	},
	{
		Name: "location", Version: 1013, Module: "usrloc",
		Columns: []Column{
			autoID("contact_id", Long),
			str("username", "64"),
			nullStr("domain", "64"),
			{Name: "contact", Type: Text},
			nullStr("received", "255"),
			nullStr("path", "255"),
			uintCol("expires", "10"),
			{Name: "q", Type: Float, Size: "10,2", Default: "1.0"},
			{Name: "callid", Type: String, Size: "255", Default: "'Default-Call-ID'"},
			{Name: "cseq", Type: Int, Size: "11", Default: "13"},
			{Name: "last_modified", Type: DateTime, Default: "'1900-01-01 00:00:01'"},
			{Name: "flags", Type: Int, Size: "11", Default: "0"},
			nullStr("cflags", "255"),
			str("user_agent", "255"),
			nullStr("socket", "64"),
			{Name: "methods", Type: Int, Size: "11", Null: true, Default: "NULL"},
			nullStr("sip_instance", "255"),
			{Name: "kv_store", Type: Text, Size: "512", Null: true, Default: "NULL"},
			nullStr("attr", "255"),
		},
	},
	{
		Name: "subscriber", Version: 8, Module: "auth_db",
		Columns: []Column{
			autoID("id", Int),
			str("username", "64"),
			str("domain", "64"),
			str("password", "25"),
			str("ha1", "64"),
			str("ha1_sha256", "64"),
			str("ha1_sha512t256", "64"),
		},
		Indexes: []Index{
			{Name: "subscriber_account_idx", Cols: []string{"username", "domain"}, Unique: true},
			{Name: "subscriber_username_idx", Cols: []string{"username"}},
		},
	},
	{
		Name: "silo", Version: 6, Module: "msilo",
		Columns: []Column{
			autoID("id", Int),
			str("src_addr", "255"),
			str("dst_addr", "255"),
			str("username", "64"),
			str("domain", "64"),
			intCol("inc_time", "0"),
			intCol("exp_time", "0"),
			intCol("snd_time", "0"),
			nullStr("ctype", "255"),
			{Name: "body", Type: Blob, Null: true, Default: "NULL"},
		},
		Indexes: []Index{{Name: "silo_account_idx", Cols: []string{"username", "domain"}}},
	},
	{
		Name: "dispatcher", Version: 9, Module: "dispatcher",
		Columns: []Column{
			autoID("id", Int),
			intCol("setid", "0"),
			str("destination", "192"),
			nullStr("socket", "128"),
			intCol("state", "0"),
			{Name: "probe_mode", Type: Int, Size: "11", Default: "0", Unsigned: true},
			// Upstream's default is the bare number 1 on a CHAR column.
			{Name: "weight", Type: String, Size: "64", Default: "1"},
			intCol("priority", "0"),
			nullStr("attrs", "128"),
			nullStr("description", "64"),
		},
	},
	{
		Name: "registrant", Version: 3, Module: "uac_registrant",
		Columns: []Column{
			autoID("id", Int),
			str("registrar", "255"),
			nullStr("proxy", "255"),
			str("aor", "255"),
			nullStr("third_party_registrant", "255"),
			nullStr("username", "64"),
			nullStr("password", "64"),
			str("binding_URI", "255"),
			nullStr("binding_params", "64"),
			{Name: "expiry", Type: Int, Size: "1", Null: true, Default: "NULL", Unsigned: true},
			nullStr("forced_socket", "64"),
			nullStr("cluster_shtag", "64"),
			intCol("state", "0"),
		},
		Indexes: []Index{{Name: "registrant_registrant_idx", Cols: []string{"aor", "binding_URI", "registrar"}, Unique: true}},
	},
	{
		// avpops' table (OpenSIPS <= 3.4; sqlops in 3.5+), version 3.
		Name: "usr_preferences", Version: 3, Module: "avpops",
		Columns: []Column{
			autoID("id", Int),
			str("uuid", "64"),
			// Upstream's default is the bare number 0 on a CHAR column.
			{Name: "username", Type: String, Size: "64", Default: "0"},
			str("domain", "64"),
			str("attribute", "32"),
			{Name: "type", Type: Int, Size: "11", Default: "0"},
			str("value", "128"),
			{Name: "last_modified", Type: DateTime, Default: "'1900-01-01 00:00:01'"},
		},
		Indexes: []Index{
			{Name: "usr_preferences_ua_idx", Cols: []string{"uuid", "attribute"}},
			{Name: "usr_preferences_uda_idx", Cols: []string{"username", "domain", "attribute"}},
			{Name: "usr_preferences_value_idx", Cols: []string{"value"}},
		},
	},
	{
		// dialog's table (scripts/*/dialog-create.sql), version 12; dlg_id
		// is the primary key (h_entry<<32 | h_id), kept as a unique index.
		Name: "dialog", Version: 12, Module: "dialog",
		Columns: []Column{
			{Name: "dlg_id", Type: Long, Size: "10", Unsigned: true, PK: true},
			{Name: "callid", Type: String, Size: "255"},
			{Name: "from_uri", Type: String, Size: "255"},
			{Name: "from_tag", Type: String, Size: "64"},
			{Name: "to_uri", Type: String, Size: "255"},
			{Name: "to_tag", Type: String, Size: "64"},
			nullStr("mangled_from_uri", "255"),
			nullStr("mangled_to_uri", "255"),
			{Name: "caller_cseq", Type: String, Size: "11"},
			{Name: "callee_cseq", Type: String, Size: "11"},
			uintCol("caller_ping_cseq", "11"),
			uintCol("callee_ping_cseq", "11"),
			{Name: "caller_route_set", Type: Text, Size: "512", Null: true},
			{Name: "callee_route_set", Type: Text, Size: "512", Null: true},
			{Name: "caller_contact", Type: String, Size: "255", Null: true},
			{Name: "callee_contact", Type: String, Size: "255", Null: true},
			{Name: "caller_sock", Type: String, Size: "64"},
			{Name: "callee_sock", Type: String, Size: "64"},
			uintCol("state", "10"),
			uintCol("start_time", "10"),
			uintCol("timeout", "10"),
			{Name: "vars", Type: Blob, Size: "4096", Null: true, Default: "NULL"},
			{Name: "profiles", Type: Text, Size: "512", Null: true, Default: "NULL"},
			nullStr("script_flags", "255"),
			{Name: "module_flags", Type: Int, Size: "10", Unsigned: true, Default: "0"},
			{Name: "flags", Type: Int, Size: "10", Unsigned: true, Default: "0"},
			nullStr("rt_on_answer", "64"),
			nullStr("rt_on_timeout", "64"),
			nullStr("rt_on_hangup", "64"),
		},
	},
	{
		Name: "acc", Version: 7, Module: "acc",
		Columns: accColumns(true),
		Indexes: []Index{{Name: "acc_callid_idx", Cols: []string{"callid"}}},
	},
	{
		Name: "missed_calls", Version: 5, Module: "acc",
		Columns: accColumns(false),
		Indexes: []Index{{Name: "missed_calls_callid_idx", Cols: []string{"callid"}}},
	},
}

// accColumns are the columns of acc's tables; the missed_calls table has
// no duration columns.
func accColumns(durations bool) []Column {
	cols := []Column{
		autoID("id", Int),
		str("method", "16"),
		str("from_tag", "64"),
		str("to_tag", "64"),
		str("callid", "64"),
		str("sip_code", "3"),
		str("sip_reason", "32"),
		{Name: "time", Type: DateTime},
	}
	if durations {
		cols = append(cols,
			Column{Name: "duration", Type: Int, Size: "11", Unsigned: true, Default: "0"},
			Column{Name: "ms_duration", Type: Int, Size: "11", Unsigned: true, Default: "0"})
	}
	return append(cols,
		Column{Name: "setuptime", Type: Int, Size: "11", Unsigned: true, Default: "0"},
		Column{Name: "created", Type: DateTime, Null: true, Default: "NULL"})
}
