package pi_http

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gosips/api"
)

const goodFW = `<?xml version="1.0"?>
<framework>
	<db_url id="db">sqlite:///tmp/x.db</db_url>
	<db_table id="t"><table_name>dispatcher</table_name><db_url_id>db</db_url_id>
		<column><field>id</field><type>DB_INT</type></column>
		<column><field>destination</field><type>DB_STR</type><validate>URI</validate></column>
	</db_table>
	<mod><mod_name>m</mod_name>
		<cmd><cmd_name>q</cmd_name><db_table_id>t</db_table_id><cmd_type>DB_QUERY</cmd_type>
			<clause_cols><col><field>id</field><operator>&lt;=</operator></col></clause_cols>
			<query_cols><col><field>destination</field><link_cmd>u</link_cmd></col></query_cols></cmd>
		<cmd><cmd_name>i</cmd_name><db_table_id>t</db_table_id><cmd_type>DB_INSERT</cmd_type>
			<query_cols><col><field>id</field><value id="one">1</value></col></query_cols></cmd>
	</mod>
</framework>`

func writeFW(t *testing.T, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fw.xml")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadFramework(t *testing.T) {
	fw, err := loadFramework(writeFW(t, goodFW), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fw.urls) != 1 || len(fw.tables) != 1 || len(fw.mods) != 1 || len(fw.mods[0].cmds) != 2 {
		t.Fatalf("framework = %+v", fw)
	}
	q := fw.mods[0].cmds[0]
	if q.typ != cQuery || q.clause[0].op != "<=" || q.query[0].link != "u" || q.query[0].validation != vURI {
		t.Errorf("query cmd = %+v", q)
	}
	i := fw.mods[0].cmds[1]
	if i.typ != cInsert || len(i.query[0].vals) != 1 || i.query[0].ids[0] != "one" {
		t.Errorf("insert cmd = %+v", i)
	}
}

// TestLoadFrameworkErrors: every malformed framework is refused with a
// message naming the culprit.
func TestLoadFrameworkErrors(t *testing.T) {
	for _, tc := range []struct{ old, new, want string }{
		{"framework>", "frame>", "no <framework> element"},
		{`<db_url id="db">`, `<db_url>`, "db_url #1 has no id"},
		{"<db_url_id>db</db_url_id>", "<db_url_id>nope</db_url_id>", `db_url_id "nope" names no db_url`},
		{"<type>DB_INT</type>", "<type>DB_INTEGER</type>", `unknown type "DB_INTEGER"`},
		{"<validate>URI</validate>", "<validate>EMAIL</validate>", `unknown validate "EMAIL"`},
		{"<cmd_type>DB_QUERY</cmd_type>", "<cmd_type>DB_SELECT</cmd_type>", `unknown cmd_type "DB_SELECT"`},
		{"<operator>&lt;=</operator>", "<operator>like</operator>", `operator "like"`},
		{"<field>destination</field><link_cmd>", "<field>nosuch</field><link_cmd>", `field "nosuch" is not a column`},
		{"<cmd_name>i</cmd_name>", "<cmd_name>q</cmd_name>", `duplicated cmd "q"`},
		{"<table_name>dispatcher</table_name>", "<table_name>dis;patcher</table_name>", "dis;patcher"},
		{"<db_table_id>t</db_table_id><cmd_type>DB_INSERT</cmd_type>\n\t\t\t<query_cols><col><field>id</field><value id=\"one\">1</value></col></query_cols>",
			"<db_table_id>t</db_table_id><cmd_type>DB_INSERT</cmd_type>", "needs query_cols"},
		{"<?xml", "<<?xml", "fw.xml"},
	} {
		_, err := loadFramework(writeFW(t, strings.ReplaceAll(goodFW, tc.old, tc.new)), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: error %v, want %q", tc.old, tc.new, err, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		v        validation
		in, want string
	}{
		{vPHostPort, "udp:gw.example.com:5060", ""},
		{vPHostPort, "udp:gw:port", "Invalid [proto:]host[:port] forf [udp:gw:port]."},
		{vPIPv4Port, "10.0.0.1:5060", ""},
		{vPIPv4Port, "tcp:gw:5060", "Invalid IPv4 in [proto:]IPv4[:port] f [gw][tcp:gw:5060]."},
		{vIPv4, "10.0.0.1", ""},
		{vIPv4, "::1", "Invalid IPv4 for f [::1]."},
		{vURI, "sip:a@b", ""},
		{vURI, "nope", "Invalid SIP URI for f [nope]."},
		{vURIIPv4Host, "sip:a@b", "Invalid IPv4 host in SIP URI for f [b][sip:a@b]."},
	} {
		if got := validate(colSpec{field: "f", validation: tc.v}, tc.in); got != tc.want {
			t.Errorf("validate(%d, %q) = %q, want %q", tc.v, tc.in, got, tc.want)
		}
	}
}

func TestParams(t *testing.T) {
	m := &Module{Root: "pi"}
	for _, p := range m.Params() {
		switch p.Name {
		case "pi_http_method":
			if err := p.Set(api.ParamValue{IsInt: true, Int: 2}); err == nil {
				t.Error("pi_http_method 2 accepted")
			}
		case "pi_http_root":
			if err := p.Set(api.ParamValue{Str: "/"}); err == nil {
				t.Error("empty root accepted")
			}
		}
	}
	vc := &api.ValidateCtx{Global: func(string) (api.Value, bool) { return api.Value{}, false }}
	if err := m.Validate(vc); err == nil || api.ErrorHint(err) == "" {
		t.Errorf("no framework: %v", err)
	}
}
