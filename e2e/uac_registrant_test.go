package e2e

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/db"
)

// registrantCfg registers the registrant table's bindings; the timer sees
// each record every 10 s.
const registrantCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "uac_auth.so"
loadmodule "db_sqlite.so"
loadmodule "uac_registrant.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"

modparam("httpd", "port", HTTPPORT)
modparam("tm", "fr_timeout", 2)
modparam("uac_registrant", "db_url", "DBURL")
modparam("uac_registrant", "hash_size", 1)
modparam("uac_registrant", "timer_interval", 10)

route {
	sl_send_reply(404, "Not Found");
}
`

// regRecord is the part of a reg_list record the test looks at.
type regRecord struct {
	AOR      string `json:"AOR"`
	Expires  int    `json:"expires"`
	State    string `json:"state"`
	Enabled  string `json:"enabled"`
	LastSent string `json:"last_register_sent"`
	Timeout  string `json:"registration_t_out"`
	Binding  string `json:"binding"`
}

// TestRegistrantRegisterRefreshDisable runs uac_registrant against a sipp
// registrar that challenges every REGISTER: the binding is registered with
// the digest, refreshed before the 15 s the registrar granted run out, and
// reg_disable un-registers it and writes state 1 to the table.
func TestRegistrantRegisterRefreshDisable(t *testing.T) {
	needSipp(t)
	t.Parallel()
	registrar := startSippPeer(t, "registrar.xml", 0, 1, 60*time.Second)
	url := sqliteDB(t, "registrant")
	httpPort, port := freePort(t), freePort(t)
	aor := "sip:gw@i5.test"
	binding := fmt.Sprintf("sip:gw@127.0.0.1:%d", port)
	regURI := fmt.Sprintf("sip:127.0.0.1:%d", registrar.Port)
	insertRow(t, url, "registrant", map[string]db.Value{
		"registrar": db.StringValue(regURI), "aor": db.StringValue(aor), "username": db.StringValue("gw"),
		"password": db.StringValue("secret"), "binding_URI": db.StringValue(binding),
		"expiry": db.IntValue(30), "state": db.IntValue(0),
	})
	cfg := strings.NewReplacer("DBURL", url, "HTTPPORT", strconv.Itoa(httpPort)).Replace(registrantCfg)
	srv := startServerOn(t, cfg, port)

	list := func() regRecord {
		t.Helper()
		raw, err := miCall(t, httpPort, "reg_list", nil)
		if err != nil {
			t.Fatalf("reg_list: %v", err)
		}
		var res struct{ Records []regRecord }
		if err := json.Unmarshal(raw, &res); err != nil || len(res.Records) != 1 {
			t.Fatalf("reg_list %s: want one record (%v)", raw, err)
		}
		return res.Records[0]
	}
	if r := list(); r.AOR != aor || r.Binding != binding || r.Enabled != "yes" {
		t.Fatalf("reg_list record %+v", r)
	}
	var first regRecord
	// The first REGISTER goes out on the first check of the record's
	// bucket: within 10 s.
	if !eventually(12*time.Second, func() bool { first = list(); return first.State == "REGISTERED_STATE" }) {
		t.Fatalf("not registered: %+v\n%s", first, srv.Logs())
	}
	if first.Expires != 15 {
		t.Errorf("expires %d, want the 15 s the registrar granted", first.Expires)
	}
	sent1 := parseCtime(t, first.LastSent)
	var refreshed regRecord
	if !eventually(16*time.Second, func() bool {
		refreshed = list()
		return refreshed.State == "REGISTERED_STATE" && refreshed.LastSent != first.LastSent
	}) {
		t.Fatalf("no refresh: %+v\n%s", refreshed, srv.Logs())
	}
	if d := parseCtime(t, refreshed.LastSent).Sub(sent1); d >= 15*time.Second {
		t.Errorf("refresh sent %v after the first REGISTER, after the 15 s expiry", d)
	}

	raw, err := miCall(t, httpPort, "reg_disable", map[string]any{"aor": aor, "contact": binding, "registrar": regURI})
	if err != nil || string(raw) != `"OK"` {
		t.Fatalf("reg_disable: %s %v", raw, err)
	}
	if r := registrar.wait(5 * time.Second); r.Exit != 0 {
		t.Fatalf("registrar scenario failed (exit %d):\n%s\n%s", r.Exit, r.Output, r.Messages)
	} else if regs := received(r.Messages, "REGISTER"); len(regs) != 6 {
		t.Errorf("registrar got %d REGISTERs, want 6 (3 challenged)", len(regs))
	} else if ct := header(regs[5], "Contact"); ct != "<"+binding+">;expires=0" {
		t.Errorf("unREGISTER Contact %q", ct)
	}
	var last regRecord
	if !eventually(3*time.Second, func() bool { last = list(); return last.State == "NOT_REGISTERED_STATE" }) {
		t.Errorf("after reg_disable: %+v", last)
	}
	if last.Enabled != "no" {
		t.Errorf("enabled %q after reg_disable", last.Enabled)
	}
	rows := queryRows(t, url, "registrant", "aor", "state")
	if len(rows) != 1 || rows[0][1].Int64() != 1 {
		t.Errorf("registrant rows %v, want state 1", rows)
	}
}

// TestRegistrantUnregisterOnShutdown stops the server while the binding
// is registered: it sends the unREGISTER on its way out.
func TestRegistrantUnregisterOnShutdown(t *testing.T) {
	needSipp(t)
	t.Parallel()
	registrar := startSippPeer(t, "registrar_plain.xml", 0, 1, 40*time.Second)
	url := sqliteDB(t, "registrant")
	httpPort, port := freePort(t), freePort(t)
	binding := fmt.Sprintf("sip:gw2@127.0.0.1:%d", port)
	insertRow(t, url, "registrant", map[string]db.Value{
		"registrar": db.StringValue(fmt.Sprintf("sip:127.0.0.1:%d", registrar.Port)),
		"aor":       db.StringValue("sip:gw2@i5.test"), "binding_URI": db.StringValue(binding),
		"expiry": db.IntValue(30),
	})
	cfg := strings.NewReplacer("DBURL", url, "HTTPPORT", strconv.Itoa(httpPort)).Replace(registrantCfg)
	srv := startServerOn(t, cfg, port)
	var st string
	if !eventually(12*time.Second, func() bool {
		raw, err := miCall(t, httpPort, "reg_list", nil)
		st = string(raw)
		return err == nil && strings.Contains(st, `"REGISTERED_STATE"`)
	}) {
		t.Fatalf("not registered: %s\n%s", st, srv.Logs())
	}
	srv.stop(t)
	r := registrar.wait(5 * time.Second)
	if r.Exit != 0 {
		t.Fatalf("registrar scenario failed (exit %d):\n%s\n%s", r.Exit, r.Output, r.Messages)
	}
	regs := received(r.Messages, "REGISTER")
	if len(regs) != 2 || header(regs[1], "Contact") != "<"+binding+">;expires=0" {
		t.Errorf("want REGISTER then unREGISTER, got:\n%s", strings.Join(regs, "\n"))
	}
}

// parseCtime reads reg_list's ctime-style times (local time).
func parseCtime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006", s, time.Local)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return v
}
