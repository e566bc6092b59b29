package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gosips/db"
	"gosips/internal/dbserver"
)

// sqlopsCfg answers OPTIONS from the usr_preferences of the From user: a
// "fwd" preference redirects (302), otherwise 200 with what was read.
const sqlopsCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "sipmsgops.so"
loadmodule "DBMOD.so"
loadmodule "sqlops.so"

modparam("sqlops", "db_url", "DBURL")

route {
	sql_avp_load("$fu", "$avp(fwd)");
	sql_select('["value"]', 'usr_preferences', '[{"username": "$fU"}, {"attribute": "lang"}]', , '$avp(lang)');
	sql_select_one('["value", "type"]', 'usr_preferences', '[{"username": "$hdr(X-User)"}, {"attribute": {"!=": null}}]', "id", '$var(v);$var(t)');
	$var(sel) = $rc;
	sql_query("SELECT COUNT(*) FROM usr_preferences", "$avp(total)");
	if (!sql_insert('usr_preferences', '[{"uuid": "$ci"}, {"username": "$fU"}, {"attribute": "note"}, {"domain": "$hdr(X-User)"}, {"type": 0}]'))
		$var(ins) = "refused";
	else
		$var(ins) = "stored";
	sql_update('[{"value": "seen"}]', 'usr_preferences', '[{"uuid": "$ci"}]');
	sql_delete('usr_preferences', '[{"attribute": "tmp"}, {"username": "$fU"}]');
	if ($avp(fwd) != null) {
		append_to_reply("Contact: <$avp(fwd)>\r\n");
		sl_send_reply(302, "Moved Temporarily");
		exit;
	}
	append_to_reply("X-Lang: $avp(lang)\r\nX-Sel: $var(sel) $var(v)/$var(t)\r\nX-Total: $avp(total)\r\nX-Ins: $var(ins)\r\n");
	sl_send_reply(200, "OK");
}
`

func sqlopsOptions(t *testing.T, c *udpClient, port int, from, user, callID string) string {
	t.Helper()
	c.Send(port, fmt.Sprintf("OPTIONS sip:svc@127.0.0.1 SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-%s\r\n"+
		"From: <sip:%s@example.org>;tag=s1\r\nTo: <sip:svc@127.0.0.1>\r\nCall-ID: %s\r\nCSeq: 1 OPTIONS\r\n"+
		"X-User: %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", callID, from, callID, user))
	return c.Recv(5 * time.Second)
}

func testSQLOps(t *testing.T, dbmod, url string) {
	conn := scaleConn(t, url)
	ctx := t.Context()
	cols := []string{"uuid", "username", "domain", "attribute", "type", "value"}
	for _, r := range [][]string{
		{"u1", "alice", "example.org", "fwd", "0", "sip:alice@voicemail.example.org"},
		{"u2", "bob", "example.org", "lang", "0", "de"},
		{"u3", "bob", "example.org", "tmp", "0", "x"},
		{"u4", "carol", "example.org", "lang", "1", "7"},
	} {
		vals := make([]db.Value, len(r))
		for i, v := range r {
			vals[i] = db.StringValue(v)
		}
		if _, err := conn.Insert(ctx, "usr_preferences", cols, vals); err != nil {
			t.Fatal(err)
		}
	}
	cfg := strings.NewReplacer("DBMOD", dbmod, "DBURL", url).Replace(sqlopsCfg)
	srv := startServer(t, cfg)
	c := newUDPClient(t)

	// A preference routes the request.
	if r := sqlopsOptions(t, c, srv.Port, "alice", "nobody", "sq-1"); statusCode(r) != "302" ||
		header(r, "Contact") != "<sip:alice@voicemail.example.org>" {
		t.Fatalf("alice: want 302 to her voicemail, got:\n%s", r)
	}
	r := sqlopsOptions(t, c, srv.Port, "bob", "carol", "sq-2")
	if statusCode(r) != "200" {
		t.Fatalf("bob: want 200, got:\n%s", r)
	}
	want := map[string]string{"X-Lang": "de", "X-Sel": "1 7/1", "X-Total": "5", "X-Ins": "stored"}
	for h, w := range want {
		if got := header(r, h); got != w {
			t.Errorf("%s = %q, want %q", h, got, w)
		}
	}
	rows := queryRows(t, url, "usr_preferences", "uuid", "value", "attribute")
	seen, tmp := false, false
	for _, row := range rows {
		if row[0].Str() == "sq-2" && row[1].Str() == "seen" {
			seen = true
		}
		if row[2].Str() == "tmp" {
			tmp = true
		}
	}
	if !seen || tmp {
		t.Errorf("update/delete not applied: seen=%v tmp still there=%v", seen, tmp)
	}

	// SQL-looking input is a value, never part of the statement, and a
	// double quote cannot add keys to the JSON the script wrote either.
	before := len(queryRows(t, url, "usr_preferences", "uuid"))
	attacks := []string{`x' OR '1'='1`, `' OR 1=1 --`, `x'); DROP TABLE usr_preferences; --`,
		`"; DROP TABLE usr_preferences; --`, `x", "attribute": "evil`}
	for i, inj := range attacks {
		r := sqlopsOptions(t, c, srv.Port, "dave", inj, fmt.Sprintf("sq-inj-%d", i))
		if statusCode(r) != "200" {
			t.Fatalf("injection %q: got:\n%s", inj, r)
		}
		if sel := header(r, "X-Sel"); sel != "-2 <null>/<null>" {
			t.Errorf("injection %q matched rows: X-Sel %q", inj, sel)
		}
		if header(r, "X-Ins") != "stored" {
			t.Errorf("injection %q was not stored as a plain value", inj)
		}
	}
	after := queryRows(t, url, "usr_preferences", "domain", "username", "attribute")
	if len(after) != before+len(attacks) {
		t.Errorf("rows: %d before, %d after %d inserts", before, len(after), len(attacks))
	}
	stored := map[string]bool{}
	for _, row := range after {
		if row[1].Str() == "dave" {
			stored[row[0].Str()] = true
			if row[2].Str() != "note" {
				t.Errorf("an injected value changed the attribute: %q", row[2].Str())
			}
		}
	}
	for _, inj := range attacks {
		if !stored[inj] {
			t.Errorf("%q not stored verbatim (have %v)", inj, stored)
		}
	}
}

func TestSQLOpsSQLite(t *testing.T) {
	testSQLOps(t, "db_sqlite", sqliteDB(t, "usr_preferences"))
}

func TestSQLOpsPostgres(t *testing.T) {
	srv := dbserver.Find(t, dbserver.Postgres)
	testSQLOps(t, "db_postgres", scaleDB(t, srv))
}
