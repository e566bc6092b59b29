package rr

import (
	"regexp"
	"strings"
	"testing"

	"gosips/api"
	"gosips/modules/core/coretest"
	"gosips/sip"
)

func callFn(t *testing.T, r *RR, name string, c *api.Ctx, args ...any) api.Ret {
	t.Helper()
	for _, f := range r.Funcs() {
		if f.Name == name {
			full := make([]any, len(f.Args))
			copy(full, args)
			return f.Call(c, full)
		}
	}
	t.Fatalf("%s not declared", name)
	return 0
}

func TestRecordRoute(t *testing.T) {
	tests := []struct {
		name    string
		params  any
		before  string // add_rr_param before record_route
		after   string // add_rr_param after
		preset  []any
		want    string
		setup   func(r *RR)
		sockets []*sip.Socket
	}{
		{name: "plain", want: "Record-Route: <sip:10.0.0.1;lr;ftag=1928301774>\r\n"},
		{name: "params", params: ";nat=yes", want: "Record-Route: <sip:10.0.0.1;lr;ftag=1928301774;nat=yes>\r\n"},
		{name: "param added before", before: "a=1", want: "Record-Route: <sip:10.0.0.1;lr;ftag=1928301774;a=1>\r\n"},
		{name: "param added after", after: ";nat=yes", want: "Record-Route: <sip:10.0.0.1;lr;ftag=1928301774;nat=yes>\r\n"},
		{name: "no fromtag", setup: func(r *RR) { r.AppendFromtag = 0 }, want: "Record-Route: <sip:10.0.0.1;lr>\r\n"},
		{name: "username", setup: func(r *RR) { r.AddUsername = 1 }, want: "Record-Route: <sip:bob@10.0.0.1;lr;ftag=1928301774>\r\n"},
		// As OpenSIPS 3.6 (checked on the wire by TestWireRelayOracle):
		// ftag before lr, the first address on top, no r2 added.
		{name: "preset", preset: []any{"1.2.3.4:5080"}, want: "Record-Route: <sip:1.2.3.4:5080;ftag=1928301774;lr>\r\n"},
		{name: "preset double", preset: []any{"1.2.3.4", "5.6.7.8;transport=tcp"},
			want: "Record-Route: <sip:1.2.3.4;ftag=1928301774;lr>\r\nRecord-Route: <sip:5.6.7.8;transport=tcp;ftag=1928301774;lr>\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := New()
			if tc.setup != nil {
				tc.setup(r)
			}
			c := coretest.NewCtx(coretest.New(), coretest.Msg(t, coretest.Invite))
			if tc.before != "" && callFn(t, r, "add_rr_param", c, tc.before) != 1 {
				t.Fatal("add_rr_param failed")
			}
			var rc api.Ret
			if tc.preset != nil {
				rc = callFn(t, r, "record_route_preset", c, tc.preset...)
			} else {
				rc = callFn(t, r, "record_route", c, tc.params)
			}
			if rc != 1 {
				t.Fatalf("rc = %d", rc)
			}
			if tc.after != "" && callFn(t, r, "add_rr_param", c, tc.after) != 1 {
				t.Fatal("add_rr_param after failed")
			}
			out := string(c.Msg.Bytes())
			if !strings.HasPrefix(out, "INVITE sip:bob@example.com SIP/2.0\r\n"+tc.want+"Via:") {
				t.Errorf("got\n%s\nwant RR\n%s", out, tc.want)
			}
		})
	}
}

func TestRecordRouteDouble(t *testing.T) {
	r := New()
	fc := coretest.New()
	fc.Sockets = append(fc.Sockets, &sip.Socket{Proto: sip.ProtoTCP, IP: "10.0.0.1", Port: 5060})
	msg := coretest.Msg(t, strings.Replace(coretest.Invite, "INVITE sip:bob@example.com SIP", "INVITE sip:bob@192.0.2.99;transport=tcp SIP", 1))
	c := coretest.NewCtx(fc, msg)
	if callFn(t, r, "record_route", c) != 1 {
		t.Fatal("record_route failed")
	}
	want := "Record-Route: <sip:10.0.0.1;transport=tcp;r2=on;lr;ftag=1928301774>\r\nRecord-Route: <sip:10.0.0.1;r2=on;lr;ftag=1928301774>\r\n"
	if out := string(msg.Bytes()); !strings.Contains(out, want) {
		t.Errorf("got\n%s", out)
	}
}

const inDialog = `BYE %RURI% SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKbye
Max-Forwards: 70
%ROUTES%To: Bob <sip:bob@example.com>;tag=%TOTAG%
From: Alice <sip:alice@example.org>;tag=1928301774
Call-ID: dlg-1
CSeq: 2 BYE
Content-Length: 0

`

func dialogMsg(t *testing.T, ruri, routes, totag string) *sip.Msg {
	text := strings.NewReplacer("%RURI%", ruri, "%ROUTES%", routes, "%TOTAG%", totag).Replace(inDialog)
	if totag == "" {
		text = strings.Replace(text, ";tag=\n", "\n", 1)
	}
	return coretest.Msg(t, text)
}

func TestLooseRoute(t *testing.T) {
	tests := []struct {
		name      string
		ruri      string
		routes    string
		totag     string
		want      api.Ret
		wantDU    string
		wantRURI  string
		wantRoute string // Route header(s) left, "" = none
		wantParms string
	}{
		{name: "no route", ruri: "sip:bob@192.0.2.20", totag: "x", want: -1, wantRURI: "sip:bob@192.0.2.20"},
		{name: "in-dialog, our route then next loose hop", ruri: "sip:bob@192.0.2.20", totag: "x",
			routes: "Route: <sip:10.0.0.1;lr;ftag=1928301774>, <sip:192.0.2.30;lr>\n", want: 1,
			wantDU: "sip:192.0.2.30;lr", wantRURI: "sip:bob@192.0.2.20", wantRoute: "Route: <sip:192.0.2.30;lr>\r\n",
			wantParms: "lr;ftag=1928301774"},
		{name: "in-dialog, only our route", ruri: "sip:bob@192.0.2.20", totag: "x",
			routes: "Route: <sip:10.0.0.1;lr;ftag=abc>\n", want: 1, wantRURI: "sip:bob@192.0.2.20", wantParms: "lr;ftag=abc"},
		{name: "pre-loaded, only our route", ruri: "sip:bob@192.0.2.20",
			routes: "Route: <sip:10.0.0.1;lr>\n", want: -1, wantRURI: "sip:bob@192.0.2.20", wantParms: "lr"},
		{name: "pre-loaded foreign route", ruri: "sip:bob@192.0.2.20",
			routes: "Route: <sip:192.0.2.40;lr>\n", want: 1, wantDU: "sip:192.0.2.40;lr", wantRURI: "sip:bob@192.0.2.20",
			wantRoute: "Route: <sip:192.0.2.40;lr>\r\n"},
		{name: "next hop is a strict router", ruri: "sip:bob@192.0.2.20", totag: "x",
			routes: "Route: <sip:10.0.0.1;lr>\nRoute: <sip:192.0.2.50>\n", want: 1, wantRURI: "sip:192.0.2.50",
			wantRoute: "Route: <sip:bob@192.0.2.20>\r\n", wantParms: "lr"},
		{name: "previous hop was a strict router", ruri: "sip:10.0.0.1;lr;ftag=1928301774", totag: "x",
			routes: "Route: <sip:192.0.2.60;lr>, <sip:bob@192.0.2.20>\n", want: 1,
			wantDU: "sip:192.0.2.60;lr", wantRURI: "sip:bob@192.0.2.20", wantRoute: "Route: <sip:192.0.2.60;lr>\r\n"},
		{name: "double rr", ruri: "sip:bob@192.0.2.20", totag: "x",
			routes: "Route: <sip:10.0.0.1;r2=on;lr>\nRoute: <sip:10.0.0.1;transport=tcp;r2=on;lr>\nRoute: <sip:192.0.2.70;lr>\n", want: 1,
			wantDU: "sip:192.0.2.70;lr", wantRURI: "sip:bob@192.0.2.20", wantRoute: "Route: <sip:192.0.2.70;lr>\r\n",
			wantParms: "r2=on;lr"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := New()
			msg := dialogMsg(t, tc.ruri, tc.routes, tc.totag)
			c := coretest.NewCtx(coretest.New(), msg)
			if got := callFn(t, r, "loose_route", c); got != tc.want {
				t.Fatalf("rc = %d, want %d", got, tc.want)
			}
			if c.DstURI != tc.wantDU {
				t.Errorf("$du = %q, want %q", c.DstURI, tc.wantDU)
			}
			if msg.RURI() != tc.wantRURI {
				t.Errorf("R-URI = %q, want %q", msg.RURI(), tc.wantRURI)
			}
			out := string(msg.Bytes())
			var routes []string
			for _, l := range strings.SplitAfter(out, "\r\n") {
				if strings.HasPrefix(l, "Route:") {
					routes = append(routes, l)
				}
			}
			if got := strings.Join(routes, ""); got != tc.wantRoute {
				t.Errorf("Route headers = %q, want %q\n%s", got, tc.wantRoute, out)
			}
			p, _ := routeParams(c)
			if p != tc.wantParms {
				t.Errorf("$rr_params = %q, want %q", p, tc.wantParms)
			}
		})
	}
}

func TestDirectionAndParams(t *testing.T) {
	r := New()
	up := dialogMsg(t, "sip:alice@192.0.2.10", "Route: <sip:10.0.0.1;lr;ftag=bobtag;nat=yes>\n", "1928301774")
	c := coretest.NewCtx(coretest.New(), up)
	if callFn(t, r, "loose_route", c) != 1 {
		t.Fatal("loose_route failed")
	}
	if callFn(t, r, "is_direction", c, Upstream) != 1 || callFn(t, r, "is_direction", c, Downstream) != -1 {
		t.Error("direction should be upstream")
	}
	if callFn(t, r, "check_route_param", c, regexp.MustCompile(";nat=yes")) != 1 ||
		callFn(t, r, "check_route_param", c, regexp.MustCompile("foo")) != -1 {
		t.Error("check_route_param")
	}
	down := coretest.NewCtx(coretest.New(), dialogMsg(t, "sip:bob@192.0.2.20", "Route: <sip:10.0.0.1;lr;ftag=1928301774>\n", "x"))
	callFn(t, r, "loose_route", down)
	if callFn(t, r, "is_direction", down, Downstream) != 1 {
		t.Error("direction should be downstream")
	}
}
