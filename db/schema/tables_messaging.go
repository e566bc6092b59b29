package schema

// The tables of userblacklist and imc, as OpenSIPS 3.6 creates them.

// whitelist is userblacklist's TINYINT(1) flag (SMALLINT in PostgreSQL).
var whitelist = Column{Name: "whitelist", Type: Short, MySQLType: "TINYINT(1)", SQLiteType: "TINYINT(1)", Default: "0"}

var messagingTables = []*Table{
	{
		Name: "userblacklist", Version: 2, Module: "userblacklist",
		Columns: []Column{autoID("id", Int), str("username", "64"), str("domain", "64"), str("prefix", "64"), whitelist},
		Indexes: []Index{{Name: "userblacklist_userblacklist_idx", SQLiteName: "ORA_userblacklist_idx",
			Cols: []string{"username", "domain", "prefix"}}},
	},
	{
		Name: "globalblacklist", Version: 2, Module: "userblacklist",
		Columns: []Column{autoID("id", Int), str("prefix", "64"), whitelist, nullStr("description", "255")},
		Indexes: []Index{{Name: "globalblacklist_globalblacklist_idx", SQLiteName: "ORA_globalblacklist_idx",
			Cols: []string{"prefix"}}},
	},
	{
		Name: "imc_rooms", Version: 2, Module: "imc",
		Columns: []Column{autoID("id", Int), reqStr("name", "64"), reqStr("domain", "64"), int11("flag", "")},
		Indexes: []Index{{Name: "imc_rooms_name_domain_idx", Cols: []string{"name", "domain"}, Unique: true}},
	},
	{
		Name: "imc_members", Version: 2, Module: "imc",
		Columns: []Column{autoID("id", Int), reqStr("username", "64"), reqStr("domain", "64"), reqStr("room", "64"),
			int11("flag", "")},
		Indexes: []Index{{Name: "imc_members_account_room_idx", Cols: []string{"username", "domain", "room"}, Unique: true}},
	},
}

func init() { tables = append(tables, messagingTables...) }
