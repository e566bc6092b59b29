package schema

// The B2BUA tables (scripts/*/b2b-create.sql): b2b_entities keeps the
// dialogs of b2b_entities, b2b_logic the sessions of b2b_logic, for
// db_mode 1 and 2.
var b2bTables = []*Table{
	{
		Name: "b2b_entities", Version: 2, Module: "b2b_entities",
		Columns: []Column{
			autoID("id", Int),
			{Name: "type", Type: Int, Size: "2"},
			{Name: "state", Type: Int, Size: "2"},
			b2bNullStr("ruri", "255"),
			{Name: "from_uri", Type: String, Size: "255"},
			{Name: "to_uri", Type: String, Size: "255"},
			b2bNullStr("from_dname", "64"),
			b2bNullStr("to_dname", "64"),
			{Name: "tag0", Type: String, Size: "64"},
			b2bNullStr("tag1", "64"),
			{Name: "callid", Type: String, Size: "128"},
			{Name: "cseq0", Type: Int, Size: "11"},
			{Name: "cseq1", Type: Int, Size: "11", Null: true},
			{Name: "contact0", Type: String, Size: "255"},
			b2bNullStr("contact1", "255"),
			{Name: "route0", Type: Text, Null: true},
			{Name: "route1", Type: Text, Null: true},
			b2bNullStr("sockinfo_srv", "64"),
			{Name: "param", Type: String, Size: "255"},
			{Name: "mod_name", Type: String, Size: "32"},
			{Name: "storage", Type: Blob, Size: "4096", Null: true, Default: "NULL"},
			{Name: "lm", Type: Int, Size: "11"},
			{Name: "lrc", Type: Int, Size: "11", Null: true},
			{Name: "lic", Type: Int, Size: "11", Null: true},
			{Name: "leg_cseq", Type: Int, Size: "11", Null: true},
			{Name: "leg_route", Type: Text, Null: true},
			b2bNullStr("leg_tag", "64"),
			b2bNullStr("leg_contact", "255"),
			b2bNullStr("leg_sockinfo", "255"),
		},
		Indexes: []Index{
			{Name: "b2b_entities_b2b_entities_idx", Cols: []string{"type", "tag0", "tag1", "callid"}, Unique: true},
			{Name: "b2b_entities_b2b_entities_param", SQLiteName: "ORA_b2b_entities_param", Cols: []string{"param"}},
		},
	},
	{
		Name: "b2b_logic", Version: 5, Module: "b2b_logic",
		Columns: []Column{
			autoID("id", Int),
			{Name: "si_key", Type: String, Size: "64"},
			b2bNullStr("scenario", "64"),
			{Name: "sstate", Type: Int, Size: "2"},
			{Name: "lifetime", Type: Int, Size: "10", Default: "0"},
			{Name: "e1_type", Type: Int, Size: "2"},
			b2bNullStr("e1_sid", "64"),
			{Name: "e1_from", Type: String, Size: "255"},
			{Name: "e1_to", Type: String, Size: "255"},
			{Name: "e1_key", Type: String, Size: "64"},
			{Name: "e1_sdp", Type: Text, Null: true},
			{Name: "e2_type", Type: Int, Size: "2"},
			b2bNullStr("e2_sid", "64"),
			{Name: "e2_from", Type: String, Size: "255"},
			{Name: "e2_to", Type: String, Size: "255"},
			{Name: "e2_key", Type: String, Size: "64"},
			{Name: "e2_sdp", Type: Text, Null: true},
			{Name: "e3_type", Type: Int, Size: "2", Null: true},
			b2bNullStr("e3_sid", "64"),
			b2bNullStr("e3_from", "255"),
			b2bNullStr("e3_to", "255"),
			b2bNullStr("e3_key", "64"),
		},
		Indexes: []Index{{Name: "b2b_logic_b2b_logic_idx", Cols: []string{"si_key"}, Unique: true}},
	},
}

// b2bNullStr is a nullable CHAR column without a DEFAULT clause.
func b2bNullStr(name, size string) Column {
	return Column{Name: name, Type: String, Size: size, Null: true}
}

func init() { tables = append(tables, b2bTables...) }
