package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/db"
	"gosips/internal/dbserver"
	"gosips/internal/testenv"
)

// accFields parses the "key=value;..." part of an acc log line after its
// "ACC: <event>: " text.
func accFields(t *testing.T, line, event string) map[string]string {
	t.Helper()
	_, rest, ok := strings.Cut(line, "ACC: "+event+": ")
	if !ok {
		t.Fatalf("not an %q acc line: %q", event, line)
	}
	f := map[string]string{}
	for kv := range strings.SplitSeq(strings.TrimRight(rest, "\r\n"), ";") {
		k, v, _ := strings.Cut(kv, "=")
		f[k] = v
	}
	return f
}

// tagOf returns the tag parameter of a From/To header value.
func tagOf(h string) string {
	_, tag, _ := strings.Cut(h, ";tag=")
	tag, _, _ = strings.Cut(tag, ";")
	return strings.TrimSpace(tag)
}

// stockConfig returns the path of an OpenSIPS stock config in the corpus.
func stockConfig(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(testenv.Corpus(t), "modern", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStockConfigAccounting runs OpenSIPS' own etc/opensips.cfg (3.6 and
// HEAD) unchanged: three users register, alice calls bob (answered, then
// BYE) and carol (486 Busy Here), and the syslog gets the accounting
// lines the config asks for: the answered INVITE and BYE transactions
// and the missed call, in OpenSIPS' format.
func TestStockConfigAccounting(t *testing.T) {
	for _, name := range []string{"3.6__etc__opensips.cfg", "head__etc__opensips.cfg"} {
		t.Run(name, func(t *testing.T) {
			cfg := stockConfig(t, name)
			ns := newNetns(t)
			sys := newSyslogLines(t)
			const port = 5070
			startNSServer(t, ns, cfg, port, sys, "/run/opensips")

			bob := nsSipp(t, ns, "uas_call.xml", 0, 6001)
			carol := nsSipp(t, ns, "uas_busy.xml", 0, 6002)
			for i, u := range []struct {
				user string
				ct   int
			}{{"alice", 6003}, {"bob", 6001}, {"carol", 6002}} {
				r := nsSipp(t, ns, "register.xml", port, 6100+i, "-s", u.user, "-set", "ctport", strconv.Itoa(u.ct))()
				if r.Exit != 0 {
					t.Fatalf("REGISTER %s: exit %d\n%s", u.user, r.Exit, r.Output)
				}
			}

			call := nsSipp(t, ns, "acc_uac_call.xml", port, 6201, "-s", "bob", "-set", "caller", "alice", "-d", "300")()
			if call.Exit != 0 {
				t.Fatalf("call alice->bob: exit %d\n%s\n%s", call.Exit, call.Output, call.Messages)
			}
			if r := bob(); r.Exit != 0 {
				t.Fatalf("bob: exit %d\n%s", r.Exit, r.Output)
			}
			busy := nsSipp(t, ns, "acc_uac_busy.xml", port, 6202, "-s", "carol")()
			if r := carol(); busy.Exit != 0 || r.Exit != 0 || !strings.Contains(busy.Messages, "SIP/2.0 486") {
				t.Fatalf("call to carol: exit %d\n%s\n%s\ncarol: exit %d\n%s\n%s", busy.Exit, busy.Output, busy.Messages, r.Exit, r.Output, r.Messages)
			}

			inv := sentInvite(t, call.Messages)
			ok := receivedReply(t, call.Messages, "200", "INVITE")
			callID, aliceTag, bobTag := header(inv, "Call-ID"), tagOf(header(inv, "From")), tagOf(header(ok, "To"))

			answered := sys.waitFor("ACC: transaction answered: ", 2, 5*time.Second)
			if len(answered) != 2 {
				t.Fatalf("want 2 \"transaction answered\" lines (INVITE, BYE), got %q", answered)
			}
			now := time.Now().Unix()
			for i, method := range []string{"INVITE", "BYE"} {
				f := accFields(t, answered[i], "transaction answered")
				want := map[string]string{"method": method, "from_tag": aliceTag, "to_tag": bobTag, "call_id": callID,
					"code": "200", "reason": "OK", "created": "0"}
				for k, v := range want {
					if f[k] != v {
						t.Errorf("%s line: %s=%q, want %q (line %q)", method, k, f[k], v, answered[i])
					}
				}
				// Without CDRs OpenSIPS counts setuptime from created=0.
				for _, k := range []string{"timestamp", "setuptime"} {
					if n, err := strconv.ParseInt(f[k], 10, 64); err != nil || n < now-30 || n > now+1 {
						t.Errorf("%s line: %s=%q is not the current time", method, k, f[k])
					}
				}
				if !strings.HasPrefix(strings.SplitN(answered[i], "ACC: ", 2)[1], "transaction answered: timestamp=") {
					t.Errorf("field order: %q", answered[i])
				}
			}

			missed := sys.waitFor("ACC: call missed: ", 1, 5*time.Second)
			if len(missed) != 1 {
				t.Fatalf("want 1 \"call missed\" line, got %q", missed)
			}
			binv := sentInvite(t, busy.Messages)
			b486 := receivedReply(t, busy.Messages, "486", "INVITE")
			f := accFields(t, missed[0], "call missed")
			want := map[string]string{"method": "INVITE", "from_tag": tagOf(header(binv, "From")), "to_tag": tagOf(header(b486, "To")),
				"call_id": header(binv, "Call-ID"), "code": "486", "reason": "Busy Here"}
			for k, v := range want {
				if f[k] != v {
					t.Errorf("missed line: %s=%q, want %q (line %q)", k, f[k], v, missed[0])
				}
			}
			if n := len(sys.matching("ACC: ")); n != 3 {
				t.Errorf("%d acc lines, want 3:\n%s", n, sys.all())
			}
		})
	}
}

// sentInvite returns the first INVITE in a sipp message log.
func sentInvite(t *testing.T, log string) string {
	t.Helper()
	if m := stockSent(log, "INVITE "); len(m) > 0 {
		return m[0]
	}
	t.Fatalf("no INVITE sent in:\n%s", log)
	return ""
}

// receivedReply returns the first reply with that code to method in a
// sipp message log.
func receivedReply(t *testing.T, log, code, method string) string {
	t.Helper()
	for _, m := range received(log, "SIP/2.0") {
		if strings.HasPrefix(m, "SIP/2.0 "+code+" ") && strings.HasSuffix(header(m, "CSeq"), method) {
			return m
		}
	}
	t.Fatalf("no %s reply to %s in:\n%s", code, method, log)
	return ""
}

const accCDRCfg = `
socket = udp:127.0.0.1:PORT
log_level = 3
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "dialog.so"
loadmodule "DBMOD.so"
loadmodule "acc.so"
modparam("acc", "db_url", "DBURL")
route {
	if (has_totag()) {
		if (loose_route()) {
			t_relay();
			exit;
		}
		if (is_method("ACK") && t_check_trans()) {
			t_relay();
			exit;
		}
		send_reply(404, "Not here");
		exit;
	}
	if (is_method("INVITE")) {
		record_route();
		create_dialog();
		do_accounting("db", "cdr|missed|failed");
	}
	if ($rU == "carol")
		$du = "sip:127.0.0.1:BUSYPORT";
	else
		$du = "sip:127.0.0.1:UASPORT";
	t_relay();
}
`

// testAccCDR: with create_dialog() and do_accounting("db",
// "cdr|missed|failed"), an answered call that lasts ~2 s gives one acc row
// (written when the BYE is answered) whose duration matches, and a 486
// gives a missed_calls row (and, with "failed", an acc row for the 486).
func testAccCDR(t *testing.T, dbmod, url string) {
	uasPort, uasWait := startSippUAS(t, "uas_call.xml")
	busyPort, busyWait := startSippUAS(t, "uas_busy.xml")
	cfg := strings.NewReplacer("DBMOD", dbmod, "DBURL", url, "BUSYPORT", strconv.Itoa(busyPort),
		"UASPORT", strconv.Itoa(uasPort)).Replace(accCDRCfg)
	srv := startServer(t, cfg)

	start := time.Now()
	call := runSipp(t, "acc_uac_call.xml", srv.Port, "-s", "bob", "-set", "caller", "alice", "-d", "2000")
	if call.Exit != 0 {
		t.Fatalf("call: exit %d\n%s\n%s", call.Exit, call.Output, call.Messages)
	}
	if r := uasWait(); r.Exit != 0 {
		t.Fatalf("callee: exit %d\n%s", r.Exit, r.Output)
	}
	inv := sentInvite(t, call.Messages)
	ok := receivedReply(t, call.Messages, "200", "INVITE")
	callID := header(inv, "Call-ID")

	cols := []string{"method", "from_tag", "to_tag", "callid", "sip_code", "sip_reason", "time", "duration", "ms_duration", "setuptime", "created"}
	var rows []db.Row
	eventually(5*time.Second, func() bool { rows = queryRows(t, url, "acc", cols...); return len(rows) >= 1 })
	if len(rows) != 1 {
		t.Fatalf("acc rows after the call: %d, want 1: %v", len(rows), rows)
	}
	r := rows[0]
	want := []string{"INVITE", tagOf(header(inv, "From")), tagOf(header(ok, "To")), callID, "200", "OK"}
	for i, w := range want {
		if r[i].Str() != w {
			t.Errorf("acc.%s = %q, want %q", cols[i], r[i].Str(), w)
		}
	}
	ms := r[8].I
	t.Logf("CDR: duration %d s, ms_duration %d, setuptime %d", r[7].I, ms, r[9].I)
	if ms < 1500 || ms > 3000 {
		t.Errorf("ms_duration %d, want about 2000 (the caller pauses 2 s)", ms)
	}
	if sec := r[7].I; sec < 1 || sec > 3 || sec != (ms+999)/1000 {
		t.Errorf("duration %d s does not match ms_duration %d", sec, ms)
	}
	created, answered := r[10].Time(), r[6].Time()
	if created.Before(start.Add(-2*time.Second)) || answered.Before(created) || r[9].I != answered.Unix()-created.Unix() {
		t.Errorf("created %v, time %v, setuptime %d are not consistent", created, answered, r[9].I)
	}

	busy := runSipp(t, "acc_uac_busy.xml", srv.Port, "-s", "carol")
	if busy.Exit != 0 || !strings.Contains(busy.Messages, "SIP/2.0 486") {
		t.Fatalf("busy call: exit %d\n%s\n%s", busy.Exit, busy.Output, busy.Messages)
	}
	busyWait()
	binv := sentInvite(t, busy.Messages)
	mcols := []string{"method", "callid", "sip_code", "sip_reason", "setuptime", "created"}
	var missed []db.Row
	eventually(5*time.Second, func() bool { missed = queryRows(t, url, "missed_calls", mcols...); return len(missed) >= 1 })
	if len(missed) != 1 {
		t.Fatalf("missed_calls rows: %d, want 1: %v", len(missed), missed)
	}
	m := missed[0]
	if m[0].Str() != "INVITE" || m[1].Str() != header(binv, "Call-ID") || m[2].Str() != "486" || m[3].Str() != "Busy Here" || m[5].Null {
		t.Errorf("missed_calls row = %v", m)
	}
	eventually(3*time.Second, func() bool { return len(queryRows(t, url, "acc", "callid")) == 2 })
	if got := queryRows(t, url, "acc", "callid", "sip_code"); len(got) != 2 || got[1][1].Str() != "486" {
		t.Errorf("acc rows after the busy call: %v (want the 486 accounted as failed)", got)
	}
}

func TestAccCDRSQLite(t *testing.T) {
	gosipsBin(t) // built before the db create timeout starts
	testAccCDR(t, "db_sqlite", sqliteDB(t, "acc", "missed_calls"))
}

func TestAccCDRMySQL(t *testing.T) {
	gosipsBin(t)
	testAccCDR(t, "db_mysql", scaleDB(t, dbserver.Find(t, dbserver.MySQL)))
}

const accForkCfg = `
socket = udp:127.0.0.1:PORT
log_level = 3
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "acc.so"
route {
	if (has_totag()) {
		if (loose_route()) {
			t_relay();
			exit;
		}
		if (is_method("ACK") && t_check_trans()) {
			t_relay();
			exit;
		}
		send_reply(404, "Not here");
		exit;
	}
	record_route();
	if (is_method("INVITE")) {
		do_accounting("log", "missed");
		t_on_failure("next");
	}
	$du = "sip:127.0.0.1:BUSYPORT";
	t_relay();
}
failure_route[next] {
	$du = "sip:127.0.0.1:UASPORT";
	t_relay();
}
`

// TestAccMissedSerialFork: with the "missed" flag, the first failed
// branch of a serial fork is reported as a missed call before the
// failure route forks again, and the answer of the next branch as an
// answered transaction.
func TestAccMissedSerialFork(t *testing.T) {
	busyPort, busyWait := startSippUAS(t, "uas_busy.xml")
	uasPort, uasWait := startSippUAS(t, "uas_call.xml")
	srv := startServer(t, strings.NewReplacer("BUSYPORT", strconv.Itoa(busyPort), "UASPORT", strconv.Itoa(uasPort)).Replace(accForkCfg))
	call := runSipp(t, "uac_call.xml", srv.Port, "-s", "bob")
	if call.Exit != 0 {
		t.Fatalf("call: exit %d\n%s\n%s", call.Exit, call.Output, call.Messages)
	}
	busyWait()
	uasWait()
	var missed, answered []string
	eventually(3*time.Second, func() bool {
		missed, answered = nil, nil
		for _, l := range strings.Split(srv.Logs(), "\n") {
			if strings.Contains(l, "ACC: call missed: ") {
				missed = append(missed, l)
			}
			if strings.Contains(l, "ACC: transaction answered: ") {
				answered = append(answered, l)
			}
		}
		return len(missed) >= 1 && len(answered) >= 1
	})
	if len(missed) != 1 || !strings.Contains(missed[0], ";code=486;reason=Busy Here") {
		t.Errorf("missed lines %q, want one for the 486", missed)
	}
	if len(answered) != 1 || !strings.Contains(answered[0], ";method=INVITE;") || !strings.Contains(answered[0], ";code=200;reason=OK") {
		t.Errorf("answered lines %q, want the INVITE's 200", answered)
	}
}

// TestAccCDRAfterRestart: with dialog db_mode=1, a call answered before a
// restart and hung up after it still gives its CDR row.
func TestAccCDRAfterRestart(t *testing.T) {
	gosipsBin(t)
	url := sqliteDB(t, "acc", "missed_calls", "dialog")
	uasPort, uasWait := startSippUAS(t, "uas_call.xml")
	cfg := strings.NewReplacer("DBMOD", "db_sqlite", "DBURL", url, "BUSYPORT", "9",
		"UASPORT", strconv.Itoa(uasPort)).Replace(accCDRCfg)
	cfg = strings.Replace(cfg, `loadmodule "acc.so"`, `loadmodule "acc.so"
modparam("dialog", "db_mode", 1)
modparam("dialog", "db_url", "`+url+`")`, 1)
	srv := startServer(t, cfg)
	port := srv.Port
	done := make(chan sippResult, 1)
	go func() {
		done <- runSipp(t, "acc_uac_call.xml", port, "-s", "bob", "-set", "caller", "alice", "-d", "4000")
	}()
	// The call is up well before the caller hangs up after 4 s.
	if !eventually(3*time.Second, func() bool { return len(queryRows(t, url, "dialog", "dlg_id")) == 1 }) {
		t.Fatalf("the dialog was not stored\n%s", srv.Logs())
	}
	time.Sleep(300 * time.Millisecond)
	srv.stop(t)
	startServerOn(t, cfg, port)
	call := <-done
	if call.Exit != 0 {
		t.Fatalf("call: exit %d\n%s\n%s", call.Exit, call.Output, call.Messages)
	}
	uasWait()
	var rows []db.Row
	eventually(5*time.Second, func() bool {
		rows = queryRows(t, url, "acc", "callid", "sip_code", "duration", "ms_duration")
		return len(rows) >= 1
	})
	if len(rows) != 1 || rows[0][0].Str() != header(sentInvite(t, call.Messages), "Call-ID") || rows[0][1].Str() != "200" {
		t.Fatalf("acc rows after the restart: %v", rows)
	}
	if ms := rows[0][3].I; ms < 3000 || ms > 6000 {
		t.Errorf("ms_duration %d, want about 4000", ms)
	}
}
