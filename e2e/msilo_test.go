package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// msiloCfg stores MESSAGEs for everyone and delivers them on REGISTER;
// the check timer runs every second and purges expired rows on each run.
const msiloCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
loadmodule "db_sqlite.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "msilo.so"

modparam("tm", "fr_timeout", 2)
modparam("msilo", "db_url", "DBURL")
modparam("msilo", "check_time", 1)
modparam("msilo", "clean_period", 1)
modparam("msilo", "expire_time", 3600)

route {
	if (is_method("MESSAGE")) {
		if (!t_newtran()) {
			sl_reply_error();
			exit;
		}
		if (m_store()) {
			t_reply(202, "Accepted");
		} else {
			t_reply(503, "Service Unavailable");
		}
		exit;
	}
	if (is_method("REGISTER")) {
		if (!save("location"))
			sl_reply_error();
		m_dump();
		exit;
	}
	sl_send_reply(404, "Not Found");
}
`

// siloRows returns the stored messages of user: body → exp_time.
func siloRows(t *testing.T, url, user string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, r := range queryRows(t, url, "silo", "username", "body", "exp_time") {
		if r[0].Str() == user {
			out[r[1].Str()] = r[2].Int64()
		}
	}
	return out
}

// storeMessages sends n MESSAGEs for user through sipp and expects 202s.
func storeMessages(t *testing.T, port int, user string, n int, expires int) {
	t.Helper()
	res := runSipp(t, "uac_store.xml", port, "-s", user, "-m", strconv.Itoa(n), "-set", "exp", strconv.Itoa(expires))
	if res.Exit != 0 {
		t.Fatalf("storing for %s failed (exit %d):\n%s", user, res.Exit, res.Output)
	}
}

// TestMsiloStoreRestartDeliver stores two messages, restarts the server,
// registers the user and checks that both are delivered, answered 2xx and
// then deleted from the silo table.
func TestMsiloStoreRestartDeliver(t *testing.T) {
	needSipp(t)
	t.Parallel()
	url := sqliteDB(t, "silo")
	cfg := strings.ReplaceAll(msiloCfg, "DBURL", url)
	port := freePort(t)
	srv := startServerOn(t, cfg, port)
	storeMessages(t, port, "bob", 2, 3600)
	rows := siloRows(t, url, "bob")
	if len(rows) != 2 {
		t.Fatalf("want 2 stored messages, got %v", rows)
	}
	for body := range rows {
		if !strings.HasPrefix(body, "note ") {
			t.Errorf("stored body %q", body)
		}
	}

	srv.stop(t)
	srv = startServerOn(t, cfg, port)
	if got := siloRows(t, url, "bob"); len(got) != 2 {
		t.Fatalf("restart lost stored messages: %v", got)
	}

	user := startSippPeer(t, "msilo_user.xml", 0, 2, 15*time.Second)
	res := runSipp(t, "register.xml", port, "-s", "bob", "-set", "ctport", strconv.Itoa(user.Port))
	if res.Exit != 0 {
		t.Fatalf("REGISTER failed (exit %d):\n%s", res.Exit, res.Output)
	}
	u := user.wait(10 * time.Second)
	if u.Exit != 0 {
		t.Fatalf("user agent did not get both messages (exit %d):\n%s\n%s", u.Exit, u.Output, u.Messages)
	}
	msgs := received(u.Messages, "MESSAGE")
	if len(msgs) != 2 {
		t.Fatalf("want 2 MESSAGEs delivered, got %d:\n%s", len(msgs), u.Messages)
	}
	for _, m := range msgs {
		if !strings.HasPrefix(m, "MESSAGE sip:bob@127.0.0.1") || header(m, "From") == "" ||
			!strings.Contains(header(m, "From"), "sip:alice@127.0.0.1") {
			t.Errorf("delivered MESSAGE:\n%s", m)
		}
	}
	if !eventually(5*time.Second, func() bool { return len(siloRows(t, url, "bob")) == 0 }) {
		t.Fatalf("delivered messages still stored: %v\n%s", siloRows(t, url, "bob"), srv.Logs())
	}
}

// TestMsiloFailedDeliveryKept registers a user agent that answers 503:
// the message stays stored and goes out again, and is deleted, on the
// next registration to a user agent that takes it.
func TestMsiloFailedDeliveryKept(t *testing.T) {
	needSipp(t)
	t.Parallel()
	url := sqliteDB(t, "silo")
	srv := startServer(t, strings.ReplaceAll(msiloCfg, "DBURL", url))
	storeMessages(t, srv.Port, "erin", 1, 3600)
	busy := startSippPeer(t, "uas_503.xml", 0, 1, 15*time.Second)
	if res := runSipp(t, "register.xml", srv.Port, "-s", "erin", "-set", "ctport", strconv.Itoa(busy.Port)); res.Exit != 0 {
		t.Fatalf("REGISTER failed (exit %d):\n%s", res.Exit, res.Output)
	}
	if r := busy.wait(5 * time.Second); r.Exit != 0 || len(received(r.Messages, "MESSAGE")) != 1 {
		t.Fatalf("busy user agent (exit %d) did not get the MESSAGE:\n%s", r.Exit, r.Output)
	}
	time.Sleep(2500 * time.Millisecond) // two check timer runs
	if got := siloRows(t, url, "erin"); len(got) != 1 {
		t.Fatalf("message refused with 503 not kept: %v", got)
	}
	user := startSippPeer(t, "msilo_user.xml", 0, 1, 15*time.Second)
	if res := runSipp(t, "register.xml", srv.Port, "-s", "erin", "-set", "ctport", strconv.Itoa(user.Port)); res.Exit != 0 {
		t.Fatalf("second REGISTER failed (exit %d):\n%s", res.Exit, res.Output)
	}
	if r := user.wait(5 * time.Second); r.Exit != 0 {
		t.Fatalf("user agent did not get the kept message (exit %d):\n%s\n%s", r.Exit, r.Output, r.Messages)
	}
	if !eventually(5*time.Second, func() bool { return len(siloRows(t, url, "erin")) == 0 }) {
		t.Fatalf("delivered message still stored: %v", siloRows(t, url, "erin"))
	}
}

// TestMsiloExpiry stores a message whose Expires header lowers its
// lifetime to 1 s: the clean timer purges it and a later REGISTER
// delivers nothing, while a message without a short Expires stays.
func TestMsiloExpiry(t *testing.T) {
	needSipp(t)
	t.Parallel()
	url := sqliteDB(t, "silo")
	srv := startServer(t, strings.ReplaceAll(msiloCfg, "DBURL", url))
	before := time.Now().Unix()
	storeMessages(t, srv.Port, "carol", 1, 1)
	storeMessages(t, srv.Port, "dave", 1, 3600)
	rows := siloRows(t, url, "carol")
	if len(rows) != 1 {
		t.Fatalf("want 1 stored message, got %v", rows)
	}
	for _, exp := range rows {
		if exp < before+1 || exp > time.Now().Unix()+1 {
			t.Errorf("exp_time %d, want about now+1 (%d)", exp, before+1)
		}
	}
	if !eventually(6*time.Second, func() bool { return len(siloRows(t, url, "carol")) == 0 }) {
		t.Fatalf("expired message not purged: %v", siloRows(t, url, "carol"))
	}
	if got := siloRows(t, url, "dave"); len(got) != 1 {
		t.Errorf("unexpired message purged too: %v", got)
	}
	c := newUDPClient(t)
	c.Send(srv.Port, `REGISTER sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-i5-exp
From: <sip:carol@127.0.0.1>;tag=i5exp
To: <sip:carol@127.0.0.1>
Call-ID: i5-expiry-reg
CSeq: 1 REGISTER
Contact: <sip:carol@127.0.0.1:LPORT>
Expires: 60
Max-Forwards: 70
Content-Length: 0

`)
	if r := c.RecvFinal(3 * time.Second); statusCode(r) != "200" {
		t.Fatalf("REGISTER: want 200, got:\n%s", r)
	}
	if m := c.Recv(1500 * time.Millisecond); m != "" {
		t.Errorf("expired message delivered:\n%s", m)
	}
}
