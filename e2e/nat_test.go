package e2e

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// natCfg registers NATed clients with nathelper's help and pings them.
// FIX is fix_nated_register() or fix_nated_contact().
const natCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "nathelper.so"

modparam("usrloc", "nat_bflag", "NAT")
modparam("nathelper", "natping_interval", 2)
modparam("nathelper", "ping_nated_only", 1)
modparam("nathelper", "sipping_bflag", "SIPPING")
modparam("nathelper", "remove_on_timeout_bflag", "RTO")
modparam("nathelper", "sipping_from", "sip:pinger@127.0.0.1")
modparam("nathelper", "received_avp", "$avp(rcv)")
modparam("nathelper", "ping_threshold", 1)
modparam("nathelper", "max_pings_lost", 2)
modparam("registrar", "received_avp", "$avp(rcv)")

route {
	if (nat_uac_test("diff-port-src-via"))
		force_rport();
	if (is_method("REGISTER")) {
		if (nat_uac_test("private-contact,diff-port-src-contact")) {
			setbflag("NAT");
			setbflag("SIPPING");
			setbflag("RTO");
			FIX;
		}
		save("location");
		exit;
	}
	if (!lookup("location")) {
		sl_send_reply(404, "Not Found");
		exit;
	}
	t_relay();
}
`

// natClient is a UA on 127.0.0.2 that claims a private address.
type natClient struct {
	conn *net.UDPConn
	t    *testing.T
}

func newNATClient(t *testing.T) *natClient {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &natClient{conn: c, t: t}
}

func (c *natClient) port() int { return c.conn.LocalAddr().(*net.UDPAddr).Port }

func (c *natClient) send(to *net.UDPAddr, msg string) {
	c.t.Helper()
	msg = strings.ReplaceAll(strings.ReplaceAll(msg, "\r\n", "\n"), "\n", "\r\n")
	if _, err := c.conn.WriteToUDP([]byte(msg), to); err != nil {
		c.t.Fatal(err)
	}
}

// recv returns the next SIP message (skipping keep-alive bytes) and its
// source, or "" after the timeout.
func (c *natClient) recv(d time.Duration) (string, *net.UDPAddr) {
	deadline := time.Now().Add(d)
	buf := make([]byte, 65535)
	for {
		c.conn.SetReadDeadline(deadline)
		n, from, err := c.conn.ReadFromUDP(buf)
		if err != nil {
			return "", nil
		}
		if n <= 4 && strings.Trim(string(buf[:n]), "\x00\r\n") == "" {
			continue
		}
		return string(buf[:n]), from
	}
}

// natReply builds a reply to a request, copying the headers RFC 3261 §8.2.6 asks for.
func natReply(req string, code int, reason string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %d %s\r\n", code, reason)
	for _, h := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
		for _, v := range headers(req, h) {
			if h == "To" && !strings.Contains(v, "tag=") {
				v += ";tag=uas1"
			}
			fmt.Fprintf(&b, "%s: %s\r\n", h, v)
		}
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.String()
}

func natRegister(t *testing.T, c *natClient, srv *net.UDPAddr, user string) string {
	t.Helper()
	c.send(srv, fmt.Sprintf(`REGISTER sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK-reg-%d
From: <sip:%s@127.0.0.1>;tag=r1
To: <sip:%s@127.0.0.1>
Call-ID: reg-%s-%d
CSeq: 1 REGISTER
Contact: <sip:%s@192.168.1.10:5060>
Expires: 600
Content-Length: 0

`, c.port(), user, user, user, c.port(), user))
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); {
		m, _ := c.recv(time.Until(deadline))
		if strings.HasPrefix(m, "OPTIONS ") {
			c.send(srv, natReply(m, 200, "OK"))
			continue
		}
		if statusCode(m) != "200" {
			t.Fatalf("REGISTER: got %q", m)
		}
		return m
	}
	t.Fatal("REGISTER: no reply")
	return ""
}

func natInvite(t *testing.T, caller *udpClient, port int, user, callID string) {
	caller.Send(port, fmt.Sprintf(`INVITE sip:%s@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-%s
From: <sip:bob@127.0.0.1>;tag=b1
To: <sip:%s@127.0.0.1>
Call-ID: %s
CSeq: 1 INVITE
Contact: <sip:bob@127.0.0.1:LPORT>
Max-Forwards: 70
Content-Length: 0

`, user, callID, user, callID))
}

func TestNATRegisterReceivedPingRemove(t *testing.T) {
	for _, tc := range []struct{ name, fix, wantRURI string }{
		{"fix_nated_register", "fix_nated_register()", "sip:alice@192.168.1.10:5060"},
		{"fix_nated_contact", "fix_nated_contact()", "sip:alice@127.0.0.2:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, strings.ReplaceAll(natCfg, "FIX", tc.fix))
			srvAddr := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: srv.Port}
			ua := newNATClient(t)
			reg := natRegister(t, ua, srvAddr, "alice")
			if tc.name == "fix_nated_register" {
				want := fmt.Sprintf(`received="sip:127.0.0.2:%d"`, ua.port())
				if ct := header(reg, "Contact"); !strings.Contains(ct, want) {
					t.Errorf("200 OK Contact %q lacks %s", ct, want)
				}
			}

			// A call to alice reaches 127.0.0.2, where she registered from.
			caller := newUDPClient(t)
			natInvite(t, caller, srv.Port, "alice", "nat-call-1")
			var inv string
			for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); {
				m, _ := ua.recv(time.Until(deadline))
				if strings.HasPrefix(m, "INVITE ") {
					inv = m
					break
				}
				if strings.HasPrefix(m, "OPTIONS ") {
					ua.send(srvAddr, natReply(m, 200, "OK"))
				}
			}
			if inv == "" {
				t.Fatal("INVITE did not reach the client on 127.0.0.2")
			}
			ruri := strings.Fields(inv)[1]
			if !strings.HasPrefix(ruri, tc.wantRURI) {
				t.Errorf("R-URI %q, want prefix %q", ruri, tc.wantRURI)
			}
			ua.send(srvAddr, natReply(inv, 486, "Busy Here"))
			if r := caller.RecvFinal(3 * time.Second); statusCode(r) != "486" {
				t.Fatalf("caller got %q, want 486", r)
			}

			// SIP pings arrive every natping_interval (2 s) while answered.
			var times []time.Time
			for deadline := time.Now().Add(7 * time.Second); len(times) < 3 && time.Now().Before(deadline); {
				m, from := ua.recv(time.Until(deadline))
				if !strings.HasPrefix(m, "OPTIONS ") {
					continue
				}
				if from.Port != srv.Port {
					t.Errorf("ping from %v, want the server socket", from)
				}
				if !strings.Contains(header(m, "From"), "sip:pinger@127.0.0.1") {
					t.Errorf("ping From %q", header(m, "From"))
				}
				times = append(times, time.Now())
				ua.send(srvAddr, natReply(m, 200, "OK"))
			}
			if len(times) < 3 {
				t.Fatalf("got %d pings in 7 s, want 3", len(times))
			}
			for i := 1; i < len(times); i++ {
				if d := times[i].Sub(times[i-1]); d < 1500*time.Millisecond || d > 2600*time.Millisecond {
					t.Errorf("ping interval %v, want about 2 s", d)
				}
			}

			// Unanswered pings: after max_pings_lost (2) the contact is gone.
			// The client now ignores pings and turns calls down.
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					m, _ := ua.recv(100 * time.Millisecond)
					if strings.HasPrefix(m, "INVITE ") {
						ua.send(srvAddr, natReply(m, 486, "Busy Here"))
					}
				}
			}()
			n := 0
			gone := eventually(10*time.Second, func() bool {
				n++
				id := fmt.Sprintf("nat-poll-%d", n)
				natInvite(t, caller, srv.Port, "alice", id)
				for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
					r := caller.RecvFinal(time.Until(deadline))
					if header(r, "Call-ID") == id {
						return statusCode(r) == "404"
					}
				}
				return false
			})
			if !gone {
				t.Fatal("contact not removed after unanswered pings")
			}
		})
	}
}
