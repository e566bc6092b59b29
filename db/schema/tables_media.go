package schema

// The media relay tables: rtpengine and rtpproxy load their nodes from them
// when db_url is set (scripts/*/rtpengine-create.sql, rtpproxy-create.sql).
var mediaTables = []*Table{
	{
		Name: "rtpproxy_sockets", Version: 0, Module: "rtpproxy",
		Columns: []Column{
			autoID("id", Int),
			{Name: "rtpproxy_sock", Type: Text},
			uintCol("set_id", "10"),
		},
	},
	{
		Name: "rtpengine", Version: 1, Module: "rtpengine",
		Columns: []Column{
			autoID("id", Int),
			{Name: "socket", Type: Text},
			uintCol("set_id", "10"),
		},
	},
}

func init() { tables = append(tables, mediaTables...) }
