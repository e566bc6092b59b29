package e2e

import (
	"fmt"
	"strings"
	"testing"

	"gosips/db"
)

// TestRelayTablesFromDBCreate creates the rtpengine and rtpproxy_sockets
// tables with "gosips db create", points their rows at a real rtpengine
// (ng socket for rtpengine, rtpproxy-protocol socket for rtpproxy) and
// relays a call through each module with the nodes read from the table.
func TestRelayTablesFromDBCreate(t *testing.T) {
	e := startRtpengine(t)
	url := sqliteDB(t, "rtpengine", "rtpproxy_sockets")
	if v := queryRows(t, url, "version", "table_name", "table_version"); len(v) != 2 {
		t.Fatalf("version rows = %v", v)
	}
	insertRow(t, url, "rtpengine", map[string]db.Value{
		"socket": db.StringValue(fmt.Sprintf("udp:127.0.0.1:%d", e.NG)), "set_id": db.IntValue(0)})
	insertRow(t, url, "rtpproxy_sockets", map[string]db.Value{
		"rtpproxy_sock": db.StringValue(fmt.Sprintf("udp:127.0.0.1:%d", e.UDP)), "set_id": db.IntValue(0)})

	for _, tc := range []struct{ module, offer, answer, del string }{
		{"rtpengine", "rtpengine_offer()", "rtpengine_answer()", "rtpengine_delete()"},
		{"rtpproxy", "rtpproxy_offer()", "rtpproxy_answer()", "rtpproxy_unforce()"},
	} {
		t.Run(tc.module, func(t *testing.T) {
			socks := fmt.Sprintf(`loadmodule "db_sqlite.so"
modparam("%s", "db_url", "%s")`, tc.module, url)
			srv, caller, uas, httpPort := startRelayServer(t, tc.module, socks, tc.offer, tc.answer, tc.del)
			raw, err := miCall(t, httpPort, tc.module+"_show", nil)
			if err != nil {
				t.Fatal(err)
			}
			port := e.NG
			if tc.module == "rtpproxy" {
				port = e.UDP
			}
			if want := fmt.Sprintf(`"url":"udp:127.0.0.1:%d","index":0,"disabled":0`, port); !strings.Contains(string(raw), want) {
				t.Fatalf("%s_show = %s, want %s", tc.module, raw, want)
			}
			id := "dbnodes-" + tc.module + "@test"
			relayCall(t, srv.Port, caller, uas, id, func(p int) {
				if p < e.PortMin || p > e.PortMax {
					t.Errorf("relay port %d outside rtpengine's range %d-%d", p, e.PortMin, e.PortMax)
				}
				if calls := e.calls(t); len(calls) != 1 || calls[0] != id {
					t.Errorf("rtpengine holds %v, want [%s]", calls, id)
				}
			})
			if calls := e.calls(t); len(calls) != 0 {
				t.Errorf("rtpengine still holds %v after the BYE", calls)
			}
		})
	}
}
