package e2e

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// imcCfg runs the conference manager; the MESSAGEs the rooms send come
// back through outbound_proxy and go to the users' test clients.
const imcCfg = `
socket=udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "signaling.so"
loadmodule "sipmsgops.so"
loadmodule "db_sqlite.so"
MILOAD
loadmodule "imc.so"
MIPARAM
modparam("imc", "db_url", "DBURL")
modparam("imc", "outbound_proxy", "sip:127.0.0.1:PORT")
route {
	if ($rU == "alice") { $du = "sip:127.0.0.1:APORT"; t_relay(); exit; }
	if ($rU == "bob") { $du = "sip:127.0.0.1:BPORT"; t_relay(); exit; }
	if ($rU == "carol") { $du = "sip:127.0.0.1:CPORT"; t_relay(); exit; }
	if (is_method("MESSAGE")) {
		if (imc_manager())
			send_reply(200, "OK");
		else
			send_reply(404, "Not Found");
		exit;
	}
	send_reply(405, "Method Not Allowed");
}
`

const imcMI = `loadmodule "httpd.so"
loadmodule "mi_http.so"`

// imcUsers are the three chat users' clients, the MESSAGEs received
// while waiting for a reply and the requests seen (retransmissions are
// answered and dropped).
type imcUsers struct {
	c       map[string]*udpClient
	pending map[string][]string
	seen    map[string]bool
}

// imcTake answers a MESSAGE from the server and records it for user once.
func (u *imcUsers) imcTake(name, m string, port int) {
	u.c[name].Send(port, sipReply(m, "200 OK", "imc"+name))
	key := name + " " + header(m, "Call-ID") + " " + header(m, "CSeq")
	if u.seen[key] {
		return
	}
	u.seen[key] = true
	from := header(m, "From")
	if i := strings.Index(from, "sip:"); i >= 0 {
		from = from[i:]
	}
	from, _, _ = strings.Cut(from, ">")
	from, _, _ = strings.Cut(from, ";")
	_, body, _ := strings.Cut(m, "\r\n\r\n")
	u.pending[name] = append(u.pending[name], fmt.Sprintf("%s <- %s [%s]: %q", name, from, header(m, "Content-Type"), body))
}

// imcConfig fills the placeholders and returns the config.
func imcConfig(cfg, url string, u *imcUsers, mi bool, httpPort int) string {
	miLoad, miParam := "", ""
	if mi {
		miLoad, miParam = imcMI, fmt.Sprintf(`modparam("httpd", "port", %d)`, httpPort)
	}
	return strings.NewReplacer("DBURL", url, "APORT", fmt.Sprint(u.c["alice"].Port()), "BPORT", fmt.Sprint(u.c["bob"].Port()),
		"CPORT", fmt.Sprint(u.c["carol"].Port()), "MILOAD", miLoad, "MIPARAM", miParam).Replace(cfg)
}

// imcDrain answers and records what each user received, as
// "user <- from-URI [type]: body" lines, per user.
func imcDrain(t *testing.T, u *imcUsers, port int) []string {
	t.Helper()
	deadline := time.Now().Add(600 * time.Millisecond)
	for time.Now().Before(deadline) {
		for _, name := range []string{"alice", "bob", "carol"} {
			if m := u.c[name].Recv(50 * time.Millisecond); strings.HasPrefix(m, "MESSAGE ") {
				u.imcTake(name, m, port)
				deadline = time.Now().Add(600 * time.Millisecond)
			}
		}
	}
	var out []string
	for _, name := range []string{"alice", "bob", "carol"} {
		out = append(out, u.pending[name]...)
		u.pending[name] = nil
	}
	return out
}

var imcSeq int

// imcSay sends a MESSAGE from a user to room@127.0.0.1 and returns the
// status line of the reply and what everybody received.
func imcSay(t *testing.T, u *imcUsers, port int, user, room, body string) []string {
	t.Helper()
	imcSeq++
	c := u.c[user]
	c.Send(port, fmt.Sprintf("MESSAGE sip:%s@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-imc-%d\n"+
		"From: <sip:%s@127.0.0.1>;tag=%s\nTo: <sip:%s@127.0.0.1>\nCall-ID: imc-%d\nCSeq: 1 MESSAGE\nMax-Forwards: 70\n"+
		"Content-Type: text/plain\nContent-Length: %d\n\n%s", room, imcSeq, user, user, room, imcSeq, len(body), body))
	first := "(no reply)"
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); {
		m := c.Recv(time.Until(deadline))
		if strings.HasPrefix(m, "MESSAGE ") {
			u.imcTake(user, m, port)
			continue
		}
		if strings.HasPrefix(m, "SIP/2.0 ") && !strings.HasPrefix(m, "SIP/2.0 1") {
			first, _, _ = strings.Cut(m, "\r\n")
			break
		}
	}
	out := []string{fmt.Sprintf("%s -> %s %q: %s", user, room, body, first)}
	return append(out, imcDrain(t, u, port)...)
}

// imcConversation is the scripted chat both engines get.
func imcConversation(t *testing.T, u *imcUsers, port int) []string {
	var out []string
	for _, s := range [][3]string{
		{"alice", "chat-manager", "#create chat-1"},
		{"bob", "chat-1", "#join"},
		{"alice", "chat-1", "hello all"},
		{"alice", "chat-1", "#invite carol"},
		{"carol", "chat-1", "hi?"}, // invited, not a member yet
		{"carol", "chat-1", "#accept"},
		{"bob", "chat-1", "#list"},
		{"bob", "chat-1", "#remove carol"}, // only the owner may
		{"bob", "chat-1", "#invite sip:dave@127.0.0.1"},
		{"bob", "chat-1", "#exit"},
		{"alice", "chat-1", "#remove carol"},
		{"carol", "chat-1", "#join"},
		{"alice", "chat-1", "#frobnicate now"},
		{"alice", "chat-2", "#create chat-2 private"},
		{"bob", "chat-2", "#join"}, // private: ignored
		{"bob", "chat-2", "#destroy"},
		{"alice", "chat-2", "#destroy"},
		{"bob", "chat-9", "anyone?"},
	} {
		out = append(out, imcSay(t, u, port, s[0], s[1], s[2])...)
	}
	return out
}

func imcNewUsers(t *testing.T) *imcUsers {
	return &imcUsers{c: map[string]*udpClient{"alice": newUDPClient(t), "bob": newUDPClient(t), "carol": newUDPClient(t)},
		pending: map[string][]string{}, seen: map[string]bool{}}
}

func TestIMCConference(t *testing.T) {
	url := sqliteDB(t, "imc_rooms", "imc_members")
	u := imcNewUsers(t)
	httpPort := freePort(t)
	srv := startServer(t, imcConfig(imcCfg, url, u, true, httpPort))
	got := imcConversation(t, u, srv.Port)
	t.Logf("transcript:\n%s", strings.Join(got, "\n"))
	want := []string{
		`alice -> chat-manager "#create chat-1": SIP/2.0 200 OK`,
		`alice <- sip:chat-1@127.0.0.1 [text/plain]: "*** room was created"`,
		`bob -> chat-1 "#join": SIP/2.0 200 OK`,
		`alice <- sip:chat-1@127.0.0.1 [text/plain]: "*** <sip:bob@127.0.0.1> has joined the room"`,
		`bob <- sip:chat-1@127.0.0.1 [text/plain]: "*** <sip:bob@127.0.0.1> has joined the room"`,
		`alice -> chat-1 "hello all": SIP/2.0 200 OK`,
		`bob <- sip:chat-1@127.0.0.1 [text/plain]: "<alice@127.0.0.1>: hello all"`,
		`alice -> chat-1 "#invite carol": SIP/2.0 200 OK`,
		`carol <- sip:chat-1@127.0.0.1 [text/plain]: "INVITE from: carol@127.0.0.1(Type: '#accept' or '#deny')"`,
		`carol -> chat-1 "hi?": SIP/2.0 404 Not Found`,
		`carol -> chat-1 "#accept": SIP/2.0 200 OK`,
	}
	for i, w := range want {
		if i >= len(got) || got[i] != w {
			t.Fatalf("line %d:\n got  %s\n want %s", i, got[min(i, len(got)-1)], w)
		}
	}
	joined := strings.Join(got, "\n")
	for _, w := range []string{
		`bob <- sip:chat-1@127.0.0.1 [text/plain]: "Members:\n*sip:alice@127.0.0.1\nsip:carol@127.0.0.1\nsip:bob@127.0.0.1"`,
		`bob -> chat-1 "#remove carol": SIP/2.0 404 Not Found`,
		`bob -> chat-1 "#invite sip:dave@127.0.0.1": SIP/2.0 404 Not Found`,
		`carol <- sip:chat-1@127.0.0.1 [text/plain]: "The user [bob] has left the room"`,
		`carol <- sip:chat-1@127.0.0.1 [text/plain]: "You have been removed from this room"`,
		`alice <- sip:chat-1@127.0.0.1 [text/plain]: "invalid command 'frobnicate' - send ''#help' for details"`,
		`bob -> chat-2 "#destroy": SIP/2.0 404 Not Found`,
		`alice <- sip:chat-2@127.0.0.1 [text/plain]: "The room has been destroyed"`,
		`bob -> chat-9 "anyone?": SIP/2.0 404 Not Found`,
	} {
		if !strings.Contains(joined, w) {
			t.Errorf("transcript lacks %s", w)
		}
	}
	out, err := miHTTP(t, httpPort, "imc_list_rooms", nil)
	if err != nil || string(out) != `{"ROOMS":[{"MEMBERS":2,"OWNER":"sip:alice@127.0.0.1","URI":"sip:chat-1@127.0.0.1"}]}` {
		t.Errorf("imc_list_rooms: %s %v", out, err)
	}
	out, err = miHTTP(t, httpPort, "imc_list_members", map[string]any{"room": "sip:chat-1@127.0.0.1"})
	var lm map[string]any
	json.Unmarshal(out, &lm)
	if err != nil || lm["NO_MEMBERS"] != float64(2) {
		t.Errorf("imc_list_members: %s %v", out, err)
	}
	if _, err := miHTTP(t, httpPort, "imc_list_members", map[string]any{"room": "sip:none@127.0.0.1"}); err == nil || !strings.Contains(err.Error(), "no such room") {
		t.Errorf("imc_list_members of a missing room: %v", err)
	}
	// The rooms are written to the tables at stop and read back at start.
	srv.stop(t)
	rows := queryRows(t, url, "imc_members", "username", "flag", "room")
	var ms []string
	for _, r := range rows {
		ms = append(ms, fmt.Sprintf("%s/%d/%s", r[0].Str(), r[1].Int64(), r[2].Str()))
	}
	sort.Strings(ms)
	if strings.Join(ms, " ") != "alice/1/sip:chat-1@127.0.0.1 carol/0/sip:chat-1@127.0.0.1" {
		t.Errorf("imc_members after stop: %v", ms)
	}
	srv2 := startServer(t, imcConfig(imcCfg, url, u, true, httpPort))
	if got := imcSay(t, u, srv2.Port, "carol", "chat-1", "back"); len(got) != 2 || !strings.Contains(got[1], `alice <- sip:chat-1@127.0.0.1 [text/plain]: "<carol@127.0.0.1>: back"`) {
		t.Errorf("after restart: %v", got)
	}
	if rows := queryRows(t, url, "imc_rooms", "name"); len(rows) != 0 {
		t.Errorf("imc_rooms not emptied at start: %v", rows)
	}
}

// TestIMCConferenceOracle has the same conversation through real
// OpenSIPS (OPENSIPS_BIN) and compares what every user received.
func TestIMCConferenceOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	gurl, ourl := sqliteDB(t, "imc_rooms", "imc_members"), sqliteDB(t, "imc_rooms", "imc_members")
	gu, ou := imcNewUsers(t), imcNewUsers(t)
	g := imcConversation(t, gu, startServer(t, imcConfig(imcCfg, gurl, gu, false, 0)).Port)
	o := imcConversation(t, ou, natOracleStart(t, bin, imcConfig(imcCfg, ourl, ou, false, 0)))
	if strings.Join(g, "\n") != strings.Join(o, "\n") {
		t.Errorf("transcripts differ:\ngosips:\n%s\nopensips:\n%s", strings.Join(g, "\n"), strings.Join(o, "\n"))
	}
}
