package e2e

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/db"
	"gosips/internal/hep"
	"gosips/internal/testenv"
	"gosips/modules/sipcapture"
)

// captureRelayCfg is a capture server whose hep_route edits each packet's
// chunks, relays it to RAWPORT and resumes in the main route, which stores
// it.
const captureRelayCfg = `
log_level=3
socket=udp:127.0.0.1:PORT
socket=hep_udp:127.0.0.1:HEPPORT
socket=hep_tcp:127.0.0.1:HEPPORT
loadmodule "proto_udp.so"
loadmodule "proto_hep.so"
loadmodule "db_sqlite.so"
loadmodule "sipcapture.so"
modparam("sipcapture", "db_url", "DBURL")
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
modparam("sipcapture", "hep_route", "hep")
route[hep] {
	if ($HEPVERSION == 3) {
		hep_set("31", "132", "uint32", "3");
		hep_set("32", "192.168.5.14", "inet4-addr");
		hep_set("src_port", "5999");
		hep_del("33");
	}
	$du = "sip:127.0.0.1:RAWPORT";
	hep_relay();
	hep_resume_sip();
}
route {
	sip_capture("sip_capture", "$HEPVERSION", "$hep_net(proto_family)");
	exit;
}
onreply_route {
	sip_capture("sip_capture", "$HEPVERSION", "$hep_net(proto_family)");
}
`

// capturePackets are HEP packets of every version carrying messages that
// fill every sip_capture column.
func capturePackets() []*hep.Packet {
	src, dst := netip.MustParseAddrPort("10.0.0.1:5060"), netip.MustParseAddrPort("10.0.0.2:5080")
	invite := "INVITE sip:bob@example.com:5080;user=phone SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-cap-1;rport\r\n" +
		"Via: SIP/2.0/UDP 10.9.9.9;branch=z9hG4bK-older\r\n" +
		"From: \"Alice\" <sip:alice@a.example>;tag=from-1\r\n" +
		"To: <sip:bob@example.com>\r\n" +
		"Call-ID: cap-call-%d@10.0.0.1\r\n" +
		"CSeq: 7 INVITE\r\n" +
		"Contact: <sip:alice@10.0.0.1:5062;transport=udp>\r\n" +
		"P-Asserted-Identity: <sip:+4930111@a.example>\r\n" +
		"Proxy-Authorization: Digest username=\"alice@a.example\", realm=\"a.example\", nonce=\"n\", uri=\"sip:bob@example.com\", response=\"00\"\r\n" +
		"X-CID: aleg-1\r\nX-OIP: 192.0.2.7:5070\r\nX-RTP-Stat: CS=0;PS=1\r\nReason: Q.850;cause=16\r\n" +
		"User-Agent: capture-test\r\nDiversion: <sip:x@d.example>\r\nMax-Forwards: 70\r\n" +
		"Content-Type: application/sdp\r\nContent-Length: 0\r\n\r\n"
	reply := "SIP/2.0 486 Busy Here\r\n" +
		"Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK-cap-2\r\n" +
		"From: <sip:alice@a.example>;tag=from-2\r\nTo: <sip:bob@example.com>;tag=to-2\r\n" +
		"Call-ID: cap-call-%d@10.0.0.1\r\nCSeq: 8 INVITE\r\nContent-Length: 0\r\n\r\n"
	bye := "BYE sip:bob@10.0.0.2:5080 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-cap-3\r\n" +
		"From: <sip:alice@a.example>;tag=from-3\r\nTo: <sip:bob@example.com>;tag=to-3\r\n" +
		"Call-ID: cap-call-%d@10.0.0.1\r\nCSeq: 9 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	mk := func(i, v int, proto uint8, s, d netip.AddrPort, msg string, chunks ...hep.Chunk) *hep.Packet {
		return &hep.Packet{Version: v, Proto: proto, Src: s, Dst: d, TimeSec: 1700000000 + uint32(i), TimeUsec: 123456 + uint32(i),
			ProtoType: hep.TypeSIP, CaptureID: uint32(200 + i), Payload: []byte(fmt.Sprintf(msg, i)), Chunks: chunks}
	}
	v6s, v6d := netip.MustParseAddrPort("[2001:db8::1]:5060"), netip.MustParseAddrPort("[2001:db8::2]:5061")
	return []*hep.Packet{
		mk(1, 3, hep.IPProtoUDP, src, dst, invite, hep.Chunk{Type: hep.ChunkCorrelationID, Data: []byte("corr-1")}, hep.Chunk{Vendor: 3, Type: 33, Data: []byte("drop-me")}),
		mk(2, 3, hep.IPProtoTCP, dst, src, reply, hep.Chunk{Vendor: 3, Type: 31, Data: []byte{0, 0, 0, 1}}),
		mk(3, 2, hep.IPProtoUDP, src, dst, invite),
		mk(4, 1, hep.IPProtoUDP, src, dst, bye),
		mk(5, 3, hep.IPProtoUDP, v6s, v6d, bye, hep.Chunk{Type: hep.ChunkCorrelationID, Data: []byte("corr-5")}),
	}
}

// TestCaptureServerOracle sends the same HEP v1, v2 and v3 packets (IPv4
// and IPv6, over UDP and TCP) to a gosips and an OpenSIPS sipcapture
// server whose hep_route changes chunks with hep_set/hep_del, relays the
// packet with hep_relay() and resumes into the main route that stores
// it: the relayed HEPv3 packets must be byte for byte the same, and so
// must every stored column but the id and the date.
func TestCaptureServerOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	type server struct {
		name string
		db   string
		hep  int
		raw  *captureHEPListener
	}
	var servers []*server
	for _, name := range []string{"gosips", "opensips"} {
		s := &server{name: name, db: sqliteDB(t, "version"), hep: freePort(t), raw: captureListen(t, "udp")}
		withDB(t, s.db, func(ctx context.Context, c db.Conn) {
			if _, err := c.(db.TableCreator).CreateTable(ctx, sipcapture.CaptureTable("sip_capture")); err != nil {
				t.Fatal(err)
			}
		})
		cfg := strings.NewReplacer("HEPPORT", strconv.Itoa(s.hep), "DBURL", s.db, "RAWPORT", strconv.Itoa(s.raw.Port)).Replace(captureRelayCfg)
		if name == "gosips" {
			startServer(t, cfg)
		} else {
			natOracleStartLogs(t, bin, cfg, &syncBuffer{})
		}
		servers = append(servers, s)
	}
	pkts := capturePackets()
	var wire [][]byte
	for _, p := range pkts {
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		wire = append(wire, b)
	}
	for _, s := range servers {
		u, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", s.hep))
		if err != nil {
			t.Fatal(err)
		}
		var tc net.Conn
		eventually(5*time.Second, func() bool { // OpenSIPS' TCP main process listens a little later
			tc, err = net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.hep))
			return err == nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, b := range wire {
			if i == 1 { // the TCP reply goes over hep_tcp
				_, err = tc.Write(b)
			} else {
				_, err = u.Write(b)
			}
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		u.Close()
		defer tc.Close()
	}
	cols := []string{"micro_ts", "method", "reply_reason", "ruri", "ruri_user", "from_user", "from_tag", "to_user", "to_tag",
		"pid_user", "contact_user", "auth_user", "callid", "callid_aleg", "via_1", "via_1_branch", "cseq", "reason",
		"content_type", "auth", "user_agent", "source_ip", "source_port", "destination_ip", "destination_port",
		"contact_ip", "contact_port", "originator_ip", "originator_port", "proto", "family", "rtp_stat", "type", "node",
		"correlation_id", "from_domain", "to_domain", "ruri_domain", "msg", "custom_field1", "custom_field2", "custom_field3"}
	var stored, relayed [2][]string
	for i, s := range servers {
		var rows [][]string
		captureWait(len(pkts), func() int {
			rows = nil
			withDB(t, s.db, func(ctx context.Context, c db.Conn) {
				res, err := c.Query(ctx, "sip_capture", cols, nil, "id", 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range res.Rows {
					row := make([]string, len(r))
					for j, v := range r {
						row[j] = v.Str()
					}
					rows = append(rows, row)
				}
			})
			return len(rows)
		})
		for _, row := range rows {
			if row[33] == "homer01" {
				row[0] = "now" // HEPv1 has no time: the capture time is stored
			}
			// OpenSIPS cuts X-OIP's port off in its message buffer with a
			// NUL, which the stored message keeps.
			row[38] = strings.Replace(row[38], "X-OIP: 192.0.2.7\x005070", "X-OIP: 192.0.2.7:5070", 1)
			stored[i] = append(stored[i], strings.Join(row, "|"))
		}
		slices.Sort(stored[i])
		captureWait(len(pkts), func() int { return len(s.raw.Packets()) })
		for _, b := range s.raw.Packets() {
			if !hep.IsV3(b) {
				// OpenSIPS cuts relayed HEPv1/v2 payloads short; gosips
				// relays them as received.
				if s.name == "gosips" && !slices.ContainsFunc(wire, func(w []byte) bool { return string(w) == string(b) }) {
					t.Errorf("gosips relayed a HEPv%d packet changed: %x", b[0], b)
				}
				continue
			}
			relayed[i] = append(relayed[i], hex.EncodeToString(b))
		}
		slices.Sort(relayed[i])
		if len(stored[i]) != len(pkts) || len(relayed[i]) != 3 {
			t.Errorf("%s stored %d rows (want %d) and relayed %d HEPv3 packets (want 3)", s.name, len(stored[i]), len(pkts), len(relayed[i]))
		}
	}
	if !slices.Equal(stored[0], stored[1]) {
		t.Errorf("stored rows differ:\n%s", captureDiff(stored[0], stored[1]))
	}
	if !slices.Equal(relayed[0], relayed[1]) {
		t.Errorf("relayed packets differ:\n%s", captureDiff(relayed[0], relayed[1]))
	}
}
