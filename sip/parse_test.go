package sip

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	sipgo "github.com/emiago/sipgo/sip"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		file       string
		method     string
		status     int
		ruri       string
		callID     string
		cseq       uint32
		fromTag    string
		viaHost    string
		viaPort    int
		viaProto   string
		branch     string
		hdrs       int
		body       int
		maxFwd     int
		hasMaxFwd  bool
		contacts   int
		star       bool
		routeCount int
	}{
		{file: "invite.sip", method: "INVITE", ruri: "sip:bob@biloxi.example.com", callID: "a84b4c76e66710@pc33.atlanta.example.com",
			cseq: 314159, fromTag: "1928301774", viaHost: "pc33.atlanta.example.com", viaPort: 5060, viaProto: "UDP",
			branch: "z9hG4bK776asdhds", hdrs: 9, body: 140, maxFwd: 70, hasMaxFwd: true, contacts: 1},
		{file: "register.sip", method: "REGISTER", ruri: "sip:registrar.biloxi.example.com", callID: "843817637684230@998sdasdh09",
			cseq: 1826, fromTag: "456248", viaHost: "bobspc.biloxi.example.com", viaPort: 5060, viaProto: "UDP",
			branch: "z9hG4bKnashds7", hdrs: 9, maxFwd: 70, hasMaxFwd: true, contacts: 2},
		{file: "options.sip", method: "OPTIONS", ruri: "sip:carol@chicago.example.com", callID: "a84b4c76e66710",
			cseq: 63104, fromTag: "1928301774", viaHost: "pc33.atlanta.example.com", viaProto: "UDP",
			branch: "z9hG4bKhjhs8ass877", hdrs: 9, maxFwd: 70, hasMaxFwd: true, contacts: 1},
		{file: "wsfold.sip", method: "INVITE", ruri: "sip:vivekg@chair-dnrc.example.com;unknownparam", callID: "wsinv.ndaksdj@192.0.2.1",
			cseq: 9, fromTag: "98asjd8", viaHost: "192.0.2.2", viaProto: "UDP", branch: "390skdjuw", hdrs: 14, body: 150,
			maxFwd: 68, hasMaxFwd: true, contacts: 1, routeCount: 1},
		{file: "compact.sip", method: "BYE", ruri: "sip:bob@192.0.2.4", callID: "compact-1@example.com", cseq: 2, fromTag: "a1",
			viaHost: "10.0.0.1", viaPort: 5070, viaProto: "TCP", branch: "z9hG4bK-c1", hdrs: 9, contacts: 1},
		{file: "extmethod.sip", method: "!interesting-Method0123456789_*+`.%indeed'~", callID: `intmeth.word%ZK-!.*_+'@word` + "`~)(><:\\/\"][?}{",
			ruri: "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
			cseq: 139122385, fromTag: "_token~1'+`*%!-.", viaHost: "host1.example.com", viaProto: "TCP", branch: "z9hG4bK-.!%66*_+`'~",
			hdrs: 8, maxFwd: 255, hasMaxFwd: true},
		{file: "reply.sip", status: 200, method: "INVITE", callID: "a84b4c76e66710@pc33.atlanta.example.com", cseq: 314159,
			fromTag: "1928301774", viaHost: "server10.biloxi.example.com", viaProto: "UDP", branch: "z9hG4bKnashds8", hdrs: 11, body: 10, contacts: 1},
		{file: "ipv6.sip", method: "REGISTER", ruri: "sip:[2001:db8::10]", callID: "SSG9559905523997077@hlau_4100", cseq: 98176,
			fromTag: "81x2", viaHost: "2001:db8::9:1", viaPort: 5070, viaProto: "UDP", branch: "z9hG4bKas3-111", hdrs: 8,
			maxFwd: 70, hasMaxFwd: true, contacts: 1},
		{file: "star.sip", method: "REGISTER", ruri: "sip:example.com", callID: "star-1", cseq: 5, fromTag: "st1", viaHost: "192.0.2.1",
			viaProto: "UDP", branch: "z9hG4bK-star", hdrs: 8, star: true},
		{file: "extrabody.sip", method: "MESSAGE", ruri: "sip:kumiko@example.org", callID: "extra-1", cseq: 1, fromTag: "x1",
			viaHost: "192.0.2.1", viaProto: "UDP", branch: "z9hG4bK-extra", hdrs: 7, body: 5},
		{file: "nocl.sip", method: "ACK", ruri: "sip:bob@192.0.2.4", callID: "nocl-1", cseq: 1, fromTag: "x1", viaHost: "192.0.2.1",
			viaProto: "UDP", branch: "z9hG4bK-nocl", hdrs: 6, maxFwd: 70, hasMaxFwd: true},
		{file: "manyhdrs.sip", method: "INFO", ruri: "sip:x@example.com", callID: "many-1", cseq: 1, fromTag: "m1", viaHost: "192.0.2.1",
			viaProto: "UDP", branch: "z9hG4bK-many", hdrs: 46},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := Parse(readMsgFile(t, "valid", tt.file))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := m.Method(); got != tt.method {
				t.Errorf("Method = %q, want %q", got, tt.method)
			}
			if m.IsRequest() != (tt.status == 0) || m.StatusCode() != tt.status {
				t.Errorf("IsRequest=%v StatusCode=%d, want status %d", m.IsRequest(), m.StatusCode(), tt.status)
			}
			if got := m.RURI(); got != tt.ruri {
				t.Errorf("RURI = %q, want %q", got, tt.ruri)
			}
			if got := m.CallID(); got != tt.callID {
				t.Errorf("CallID = %q, want %q", got, tt.callID)
			}
			num, meth, err := m.CSeq()
			if err != nil || num != tt.cseq || meth != tt.method {
				t.Errorf("CSeq = %d %q %v, want %d %q", num, meth, err, tt.cseq, tt.method)
			}
			if got := m.FromTag(); got != tt.fromTag {
				t.Errorf("FromTag = %q, want %q", got, tt.fromTag)
			}
			v, err := m.TopVia()
			if err != nil {
				t.Fatalf("TopVia: %v", err)
			}
			if v.Host != tt.viaHost || v.Port != tt.viaPort || v.Transport != tt.viaProto || v.Branch != tt.branch {
				t.Errorf("TopVia = %+v, want host %q port %d proto %q branch %q", v, tt.viaHost, tt.viaPort, tt.viaProto, tt.branch)
			}
			if got := m.HeaderCount(); got != tt.hdrs {
				t.Errorf("HeaderCount = %d, want %d", got, tt.hdrs)
			}
			if got := len(m.Body()); got != tt.body {
				t.Errorf("len(Body) = %d, want %d", got, tt.body)
			}
			mf, ok := m.MaxForwards()
			if mf != tt.maxFwd || ok != tt.hasMaxFwd {
				t.Errorf("MaxForwards = %d %v, want %d %v", mf, ok, tt.maxFwd, tt.hasMaxFwd)
			}
			cs, star, err := m.Contacts()
			if err != nil || len(cs) != tt.contacts || star != tt.star {
				t.Errorf("Contacts = %d star=%v err=%v, want %d star=%v", len(cs), star, err, tt.contacts, tt.star)
			}
			rs, err := m.Routes()
			if err != nil || len(rs) != tt.routeCount {
				t.Errorf("Routes = %d %v, want %d", len(rs), err, tt.routeCount)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		file     string
		want     error
		canReply bool
	}{
		{"nocallid.sip", ErrMissingHdr, true},
		{"clbig.sip", ErrTruncated, true},
		{"nocolon.sip", ErrHeader, true},
		{"badversion.sip", ErrBadVersion, true},
		{"cseqmismatch.sip", ErrCSeqMethod, true},
		{"cseqnan.sip", ErrBadCSeq, true},
		{"badstatus.sip", ErrBadStatus, false},
		{"unterminated.sip", ErrNoEnd, true},
		{"negcl.sip", ErrBadCL, true},
		{"spaceuri.sip", ErrFirstLine, true},
		{"crlfonly.sip", ErrEmpty, false},
		{"multicl.sip", ErrBadCL, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := Parse(readMsgFile(t, "invalid", tt.file))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Offset < 0 {
				t.Errorf("err %v is not a *ParseError with an offset", err)
			}
			if got := m.CanReply(); got != tt.canReply {
				t.Errorf("CanReply = %v, want %v", got, tt.canReply)
			}
		})
	}
}

// TestParseAgreesWithSipgo cross-checks the fields both parsers expose on
// every valid sample sipgo accepts.
func TestParseAgreesWithSipgo(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "sip", "valid", "*.sip"))
	if len(files) == 0 {
		t.Fatal("no samples")
	}
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sm, err := sipgo.ParseMessage(b)
		if err != nil {
			continue
		}
		m, err := Parse(b)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		checked++
		if cid := sm.CallID(); cid != nil && cid.Value() != m.CallID() {
			t.Errorf("%s: Call-ID %q vs sipgo %q", f, m.CallID(), cid.Value())
		}
		if cs := sm.CSeq(); cs != nil {
			n, meth, _ := m.CSeq()
			if cs.SeqNo != n || string(cs.MethodName) != meth {
				t.Errorf("%s: CSeq %d %s vs sipgo %d %s", f, n, meth, cs.SeqNo, cs.MethodName)
			}
		}
		if v := sm.Via(); v != nil {
			tv, _ := m.TopVia()
			if b, _ := v.Params.Get("branch"); b != tv.Branch || v.Host != tv.Host {
				t.Errorf("%s: Via %s %s vs sipgo %s %s", f, tv.Host, tv.Branch, v.Host, b)
			}
		}
		if string(sm.Body()) != m.Body() {
			t.Errorf("%s: body differs from sipgo", f)
		}
	}
	if checked < 5 {
		t.Errorf("sipgo accepted only %d samples", checked)
	}
}

func TestParseCompactAliases(t *testing.T) {
	m, err := Parse(readMsgFile(t, "valid", "compact.sip"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, want string }{
		{"f", "<sip:alice@example.com>;tag=a1"},
		{"From", "<sip:alice@example.com>;tag=a1"},
		{"FROM", "<sip:alice@example.com>;tag=a1"},
		{"t", "<sip:bob@example.com>;tag=b2"},
		{"i", "compact-1@example.com"},
		{"Call-Id", "compact-1@example.com"},
		{"m", "<sip:alice@10.0.0.1:5070;transport=tcp>"},
		{"Contact", "<sip:alice@10.0.0.1:5070;transport=tcp>"},
		{"l", "0"},
		{"Content-Length", "0"},
		{"k", "timer"},
		{"Supported", "timer"},
		{"s", "bye now"},
		{"Subject", "bye now"},
	}
	for _, tt := range tests {
		if got, ok := m.Header(tt.name); !ok || got != tt.want {
			t.Errorf("Header(%q) = %q %v, want %q", tt.name, got, ok, tt.want)
		}
	}
	vias, err := m.Vias()
	if err != nil || len(vias) != 2 || vias[1].Received != "10.0.0.9" || vias[1].First || !vias[0].First {
		t.Errorf("Vias = %+v %v", vias, err)
	}
	if n := m.CountOf("v"); n != 1 {
		t.Errorf("CountOf(v) = %d, want 1 (one line)", n)
	}
	if _, ok := m.Header("X-Missing"); ok {
		t.Error("X-Missing found")
	}
}

func TestParseFoldedAndMultiple(t *testing.T) {
	m, err := Parse(readMsgFile(t, "valid", "wsfold.sip"))
	if err != nil {
		t.Fatal(err)
	}
	from, err := m.From()
	if err != nil || from.URI != "sip:jdrosen@example.com" || from.Tag != "98asjd8" || from.DisplayName() != `J Rosenberg \"` {
		t.Errorf("From = %+v (%q) %v", from, from.DisplayName(), err)
	}
	to, err := m.To()
	if err != nil || to.URI != "sip:vivekg@chair-dnrc.example.com" || to.Tag != "1918181833n" {
		t.Errorf("To = %+v %v", to, err)
	}
	vias, err := m.Vias()
	if err != nil || len(vias) != 3 {
		t.Fatalf("Vias = %d %v", len(vias), err)
	}
	if vias[0].Protocol != "SIP/2.0" || !vias[0].HasRPort || vias[2].Branch != "z9hG4bK30239" || vias[1].Transport != "TCP" {
		t.Errorf("Vias = %+v", vias)
	}
	cs, _, err := m.Contacts()
	if err != nil || len(cs) != 1 || cs[0].Q != "0.33" || cs[0].URI != "sip:jdrosen@example.com" {
		t.Errorf("Contacts = %+v %v", cs, err)
	}
	if got := m.Headers("NewFangledHeader"); len(got) != 1 || got[0] != "newfangled value\r\n continued newfangled value" {
		t.Errorf("NewFangledHeader = %q", got)
	}
	if got, ok := m.Header("s"); !ok || got != "" {
		t.Errorf("empty Subject = %q %v", got, ok)
	}
}

func TestParseRegisterContacts(t *testing.T) {
	m, err := Parse(readMsgFile(t, "valid", "register.sip"))
	if err != nil {
		t.Fatal(err)
	}
	cs, star, err := m.Contacts()
	if err != nil || star || len(cs) != 2 {
		t.Fatalf("Contacts = %+v %v %v", cs, star, err)
	}
	want := []struct {
		uri, q, display string
		expires         int
	}{
		{"sip:bob@192.0.2.4", "0.7", "", 7200},
		{"sip:bob@192.0.2.5:5070;transport=tcp", "0.3", "Mobile", -1},
	}
	for i, w := range want {
		c := cs[i]
		if c.URI != w.uri || c.Q != w.q || c.DisplayName() != w.display || c.Expires != w.expires {
			t.Errorf("contact %d = %+v, want %+v", i, c, w)
		}
		if got := m.String()[c.Start:c.End]; got[0] != '<' && got[0] != '"' {
			t.Errorf("contact %d span = %q", i, got)
		}
	}
	if e, ok := m.Expires(); !ok || e != 3600 {
		t.Errorf("Expires = %d %v", e, ok)
	}
}

func TestParseLFOnly(t *testing.T) {
	m, err := ParseString(optionsMsg)
	if err != nil {
		t.Fatal(err)
	}
	if m.CallID() != "a84b4c76e66710" || m.HeaderCount() != 9 {
		t.Errorf("CallID=%q count=%d", m.CallID(), m.HeaderCount())
	}
}
