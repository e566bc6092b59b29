package schema

// The tracer's table (scripts/*/tracer-create.sql); sipcapture's capture
// tables are defined by that module, as OpenSIPS keeps them outside the
// scripts.
var traceTables = []*Table{
	{
		Name: "sip_trace", Version: 5, Module: "tracer",
		Columns: []Column{
			autoID("id", Int),
			{Name: "time_stamp", Type: DateTime, Default: "'1900-01-01 00:00:01'"},
			str("callid", "255"),
			nullStr("trace_attrs", "255"),
			{Name: "msg", Type: Text},
			str("method", "32"),
			nullStr("status", "255"),
			{Name: "from_proto", Type: String, Size: "5"},
			str("from_ip", "50"),
			uintCol("from_port", "5"),
			{Name: "to_proto", Type: String, Size: "5"},
			str("to_ip", "50"),
			uintCol("to_port", "5"),
			str("fromtag", "64"),
			str("direction", "4"),
		},
		Indexes: []Index{
			{Name: "sip_trace_trace_attrs_idx", Cols: []string{"trace_attrs"}},
			{Name: "sip_trace_date_idx", Cols: []string{"time_stamp"}},
			{Name: "sip_trace_fromip_idx", Cols: []string{"from_ip"}},
			{Name: "sip_trace_callid_idx", Cols: []string{"callid"}},
		},
	},
}

func init() { tables = append(tables, traceTables...) }
