package b2bentities

import (
	"strings"
	"testing"

	"gosips/api"
	"gosips/sip"
)

// The export tables against OpenSIPS 3.6 b2b_entities.c (load_b2b is the
// C binding).
func TestExportTables(t *testing.T) {
	m := New()
	want := map[string]bool{"ua_session_server_init": true, "ua_session_update": true,
		"ua_session_reply": true, "ua_session_terminate": true}
	for _, f := range m.Funcs() {
		if !want[f.Name] {
			t.Errorf("%s is not an OpenSIPS b2b_entities function", f.Name)
		}
		delete(want, f.Name)
	}
	for n := range want {
		t.Errorf("%s missing", n)
	}
	params := map[string]bool{}
	for _, p := range m.Params() {
		params[p.Name] = true
	}
	for _, n := range strings.Fields("server_hsize client_hsize script_req_route script_reply_route db_url cachedb_url cachedb_key_prefix db_table db_mode update_period b2b_key_prefix cluster_id passthru_prack advertised_contact ua_default_timeout") {
		if !params[n] {
			t.Errorf("param %s missing", n)
		}
	}
	mi := map[string]bool{}
	for _, c := range m.MICommands() {
		mi[c.Name] = true
	}
	for _, n := range strings.Fields("b2be_list ua_session_client_start ua_session_update ua_session_reply ua_session_terminate ua_session_list") {
		if !mi[n] {
			t.Errorf("MI %s missing", n)
		}
	}
}

func TestHsizeRange(t *testing.T) {
	m := New()
	for _, p := range m.Params() {
		if p.Name == "server_hsize" {
			if err := p.Set(api.ParamValue{IsInt: true, Int: 21}); err == nil {
				t.Error("server_hsize 21 accepted")
			}
			if err := p.Set(api.ParamValue{IsInt: true, Int: 4}); err != nil || m.ServerHsize != 4 {
				t.Errorf("server_hsize 4: %v", err)
			}
		}
	}
}

// The hot path: matching an in-dialog request to its entity.
func BenchmarkMatch(b *testing.B) {
	m := New()
	m.servers, m.clients = newTable(9, "B2B"), newTable(9, "B2B")
	var key string
	for i := 0; i < 10000; i++ {
		k, _ := m.servers.newKey()
		m.servers.put(&entity{key: k, callID: "c" + k, toTag: k})
		key = k
	}
	req := mustParse(b, "BYE sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"+
		"From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag="+key+"\r\nCall-ID: c"+key+"\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		if m.match(req) == nil {
			b.Fatal("no match")
		}
	}
}

func mustParse(tb testing.TB, s string) *sip.Msg {
	tb.Helper()
	m, err := sip.ParseString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}
