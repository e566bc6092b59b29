package sip

import (
	"net/netip"
	"strings"
	"testing"
)

func TestNewReply(t *testing.T) {
	inv, err := Parse(readMsgFile(t, "valid", "invite.sip"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		req     *Msg
		src     string
		spec    ReplySpec
		want    []string // lines that must appear
		notWant []string
	}{
		{
			name: "404 adds to-tag, received and rport",
			req:  inv, src: "192.0.2.7:5062",
			spec: ReplySpec{Code: 404, ToTag: "xyz"},
			want: []string{
				"SIP/2.0 404 Not Found\r\n",
				"Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;received=192.0.2.7;branch=z9hG4bK776asdhds;rport=5062\r\n",
				"To: Bob <sip:bob@biloxi.example.com>;tag=xyz\r\n",
				"From: \"Alice A.\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n",
				"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n",
				"CSeq: 314159 INVITE\r\n",
				"Content-Length: 0\r\n\r\n",
			},
			notWant: []string{"Contact:", "Max-Forwards", "v=0"},
		},
		{
			name: "100 keeps To without tag",
			req:  inv,
			spec: ReplySpec{Code: 100, ToTag: "xyz", Server: "gosips"},
			want: []string{"SIP/2.0 100 Trying\r\n", "To: Bob <sip:bob@biloxi.example.com>\r\n", "Server: gosips\r\n",
				"Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n"},
		},
		{
			name: "200 with body and headers",
			req:  inv, src: "[2001:db8::5]:5060",
			spec: ReplySpec{Code: 200, Reason: "Fine", ToTag: "t1", Headers: "Contact: <sip:b@192.0.2.9>\r\n",
				ContentType: "application/sdp", Body: "v=0\r\n"},
			want: []string{"SIP/2.0 200 Fine\r\n", ":5060;received=2001:db8::5;branch=z9hG4bK776asdhds;rport=5060\r\n", "Contact: <sip:b@192.0.2.9>\r\n",
				"Content-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req.Clone()
			if tt.src != "" {
				req.SetRecv(&RecvInfo{Proto: ProtoUDP, Src: netip.MustParseAddrPort(tt.src)})
			}
			r := NewReplyWith(req, &tt.spec)
			out := string(r.Bytes())
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q in\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("unexpected %q in\n%s", w, out)
				}
			}
			if r.StatusCode() != tt.spec.Code || r.CallID() != req.CallID() || r.Err() != nil {
				t.Errorf("reply parse: code %d callid %q err %v", r.StatusCode(), r.CallID(), r.Err())
			}
		})
	}
}

func TestReplyCopiesAllViasAndRR(t *testing.T) {
	req := mustParse(t, crlf(`INVITE sip:b@example.com SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1;received=10.0.0.1
v: SIP/2.0/TCP 10.0.0.2;branch=z9hG4bK2
Record-Route: <sip:p1;lr>
From: <sip:a@example.com>;tag=1
To: <sip:b@example.com>
Call-ID: c
CSeq: 1 INVITE
Content-Length: 0

`))
	req.SetRecv(&RecvInfo{Proto: ProtoUDP, Src: netip.MustParseAddrPort("10.0.0.1:5060")})
	r := NewReply(req, 180, "", "tt")
	vias, err := r.Vias()
	if err != nil || len(vias) != 2 || vias[0].Branch != "z9hG4bK1" || vias[1].Branch != "z9hG4bK2" {
		t.Errorf("Vias = %+v %v", vias, err)
	}
	if strings.Contains(r.String(), "received=10.0.0.1;received") {
		t.Errorf("received added twice:\n%s", r.String())
	}
	if rr, _ := r.RecordRoutes(); len(rr) != 1 {
		t.Errorf("RR = %v", rr)
	}
	// OpenSIPS copies Record-Route into local replies 180-299 only.
	for code, want := range map[int]int{100: 0, 101: 0, 179: 0, 180: 1, 183: 1, 200: 1, 299: 1, 300: 0, 486: 0} {
		r = NewReply(req, code, "", "tt")
		if rr, _ := r.RecordRoutes(); len(rr) != want {
			t.Errorf("RR in %d = %v, want %d", code, rr, want)
		}
	}
}

func TestReplyDest(t *testing.T) {
	tests := []struct {
		name  string
		via   string
		rcv   *RecvInfo
		want  string
		proto Proto
	}{
		{"rport to source", "SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK1;rport", &RecvInfo{Proto: ProtoUDP, Src: netip.MustParseAddrPort("192.0.2.1:40000")}, "192.0.2.1:40000", ProtoUDP},
		{"received ip, via port", "SIP/2.0/UDP host.example.com:5070;branch=z9hG4bK1", &RecvInfo{Proto: ProtoUDP, Src: netip.MustParseAddrPort("192.0.2.1:40000")}, "192.0.2.1:5070", ProtoUDP},
		{"received param", "SIP/2.0/UDP host.example.com;branch=z9hG4bK1;received=192.0.2.9", nil, "192.0.2.9:5060", ProtoUDP},
		{"rport value", "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1;received=192.0.2.9;rport=1234", nil, "192.0.2.9:1234", ProtoUDP},
		{"tcp source", "SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK1", &RecvInfo{Proto: ProtoTCP, Src: netip.MustParseAddrPort("192.0.2.1:40001")}, "192.0.2.1:40001", ProtoTCP},
		{"sent-by ip", "SIP/2.0/TCP 10.0.0.3:5090;branch=z9hG4bK1", nil, "10.0.0.3:5090", ProtoTCP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, crlf("OPTIONS sip:x@y SIP/2.0\nVia: "+tt.via+"\nFrom: <sip:a@b>;tag=1\nTo: <sip:x@y>\nCall-ID: c\nCSeq: 1 OPTIONS\n\n"))
			m.SetRecv(tt.rcv)
			d, err := ReplyDest(m)
			if err != nil {
				t.Fatal(err)
			}
			if d.Addr.String() != tt.want || d.Proto != tt.proto {
				t.Errorf("ReplyDest = %s, want %s:%s", d, tt.proto, tt.want)
			}
		})
	}
	m := mustParse(t, crlf("OPTIONS sip:x@y SIP/2.0\nVia: SIP/2.0/UDP host.example.com;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:x@y>\nCall-ID: c\nCSeq: 1 OPTIONS\n\n"))
	if _, err := ReplyDest(m); err == nil {
		t.Error("ReplyDest to a host name without source succeeded")
	}
}

func TestAppendReplyAllocs(t *testing.T) {
	req, err := Parse(readMsgFile(t, "valid", "options.sip"))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 2048)
	spec := &ReplySpec{Code: 200, ToTag: "abc"}
	n := testing.AllocsPerRun(100, func() { buf = AppendReply(buf[:0], req, spec) })
	if n != 0 {
		t.Errorf("AppendReply allocates %v times", n)
	}
}

// TestStatelessProxyRoundTrip forwards a request with our Via, answers it
// downstream and relays the reply back using the Via alone.
func TestStatelessProxyRoundTrip(t *testing.T) {
	req := mustParse(t, crlf(`INVITE sip:bob@192.0.2.50 SIP/2.0
Via: SIP/2.0/UDP client.example.com:5060;branch=z9hG4bKc1;rport
From: <sip:alice@example.com>;tag=a
To: <sip:bob@example.com>
Call-ID: rt-1
CSeq: 1 INVITE
Content-Length: 0

`))
	req.SetRecv(&RecvInfo{Proto: ProtoUDP, Src: netip.MustParseAddrPort("198.51.100.7:40000")})
	req.SetVia(FormatVia("UDP", "192.0.2.1", 5060, StatelessBranch(req, 0), false))
	req.SetVia(FormatVia("UDP", "192.0.2.1", 5060, StatelessBranch(req, 0), false)) // idempotent
	fwd, err := Parse(req.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	vias, _ := fwd.Vias()
	if len(vias) != 2 || vias[0].Host != "192.0.2.1" || vias[1].Received != "198.51.100.7" || vias[1].RPort != "40000" {
		t.Fatalf("forwarded Vias = %+v\n%s", vias, fwd.String())
	}
	// Downstream answers; we receive the reply from the UAS.
	reply, err := Parse(NewReply(fwd, 486, "", "u1").Bytes())
	if err != nil {
		t.Fatal(err)
	}
	reply.SetRecv(&RecvInfo{Proto: ProtoUDP, Src: netip.MustParseAddrPort("192.0.2.50:5060")})
	if err := reply.RemoveTopVia(); err != nil {
		t.Fatal(err)
	}
	reply.ApplyChanges()
	d, err := ReplyDest(reply)
	if err != nil {
		t.Fatal(err)
	}
	if d.Addr.String() != "198.51.100.7:40000" {
		t.Errorf("relay destination = %s", d)
	}
}

// A local reply lists its headers in OpenSIPS' order, not the request's:
// Vias, Record-Route, To, From, Call-ID, CSeq, added headers, Server.
func TestReplyHeaderOrder(t *testing.T) {
	req := mustParse(t, crlf(`REGISTER sip:example.com SIP/2.0
CSeq: 1 REGISTER
From: <sip:a@example.com>;tag=1
Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1
Call-ID: c
Record-Route: <sip:p1;lr>
To: <sip:a@example.com>
Max-Forwards: 70
Content-Length: 0

`))
	b := AppendReply(nil, req, &ReplySpec{Code: 200, ToTag: "tt", Headers: "Contact: <sip:a@10.0.0.1>;expires=60\r\n", Server: "x"})
	var names []string
	for _, l := range strings.Split(string(b), "\r\n")[1:] {
		if name, _, ok := strings.Cut(l, ":"); ok {
			names = append(names, name)
		}
	}
	want := "Via,Record-Route,To,From,Call-ID,CSeq,Contact,Server,Content-Length"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("header order %s, want %s\n%s", got, want, b)
	}
}

// The ACK of a negative reply and a CANCEL list their headers in
// OpenSIPS' order: Via, From, Call-ID, To, CSeq, Max-Forwards, Route.
func TestHopRequestHeaderOrder(t *testing.T) {
	inv := mustParse(t, crlf(`INVITE sip:b@example.com SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1
Route: <sip:p1;lr>
Max-Forwards: 69
From: <sip:a@example.com>;tag=1
To: <sip:b@example.com>
Call-ID: c
CSeq: 1 INVITE
Content-Length: 0

`))
	reply := NewReply(inv, 486, "", "tt")
	for _, f := range []func() (*Msg, error){func() (*Msg, error) { return NewAck(inv, reply, "") }, func() (*Msg, error) { return NewCancel(inv, "") }} {
		m, err := f()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, l := range strings.Split(m.String(), "\r\n")[1:] {
			if name, _, ok := strings.Cut(l, ":"); ok {
				names = append(names, name)
			}
		}
		if got, want := strings.Join(names, ","), "Via,From,Call-ID,To,CSeq,Max-Forwards,Route,Content-Length"; got != want {
			t.Errorf("header order %s, want %s\n%s", got, want, m)
		}
	}
}

// The top Via of a reply gets received and rport as OpenSIPS writes
// them: received right after host:port (or in place of one), rport's value
// in place; received even for the same address when rport is present.
func TestReplyViaReceivedAsOpenSIPS(t *testing.T) {
	src := &RecvInfo{Proto: ProtoUDP, Src: netip.MustParseAddrPort("192.0.2.7:5062")}
	tests := []struct{ via, want string }{
		{"192.0.2.7:5060;branch=z9hG4bK1;rport", "192.0.2.7:5060;received=192.0.2.7;branch=z9hG4bK1;rport=5062"},
		{"192.0.2.7:5060;branch=z9hG4bK1", "192.0.2.7:5060;branch=z9hG4bK1"},
		{"h.example.com;branch=z9hG4bK1", "h.example.com;received=192.0.2.7;branch=z9hG4bK1"},
		{"h.example.com;rport=9;branch=z9hG4bK1;received=10.0.0.1;x=\"a;b\"", "h.example.com;rport=5062;branch=z9hG4bK1;received=192.0.2.7;x=\"a;b\""},
	}
	for _, tt := range tests {
		req := mustParse(t, crlf("OPTIONS sip:x@y SIP/2.0\nVia: SIP/2.0/UDP "+tt.via+"\nFrom: <sip:a@b>;tag=1\nTo: <sip:x@y>\nCall-ID: c\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n"))
		req.SetRecv(src)
		r := NewReply(req, 200, "", "t")
		if got := header(r, "Via"); got != "SIP/2.0/UDP "+tt.want {
			t.Errorf("Via %q: got %q, want %q", tt.via, got, "SIP/2.0/UDP "+tt.want)
		}
	}
}

func header(m *Msg, name string) string { v, _ := m.Header(name); return v }
