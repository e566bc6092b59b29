package rtp_relay

import (
	"slices"
	"strings"
	"testing"

	"gosips/api"
)

// TestExports checks the export tables against OpenSIPS 3.6 rtp_relay.c.
func TestExports(t *testing.T) {
	m := New()
	var names []string
	for _, f := range m.Funcs() {
		names = append(names, f.Name)
	}
	if !slices.Equal(names, []string{"rtp_relay_engage"}) {
		t.Errorf("functions %v", names)
	}
	names = nil
	for _, p := range m.Params() {
		names = append(names, p.Name)
	}
	want := []string{"route_offer", "route_answer", "route_delete", "route_copy_offer", "route_copy_answer", "route_copy_delete"}
	if !slices.Equal(names, want) {
		t.Errorf("params %v, want %v", names, want)
	}
	names = nil
	for _, c := range m.MICommands() {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"rtp_relay_list", "rtp_relay_update", "rtp_relay_update_callid"}) {
		t.Errorf("MI %v", names)
	}
	names = nil
	for _, p := range m.PVs() {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"rtp_relay", "rtp_relay_peer", "rtp_relay_ctx"}) {
		t.Errorf("PVs %v", names)
	}
	if m.RouteOffer != "rtp_relay_offer" || m.RouteCopyDelete != "rtp_relay_copy_delete" {
		t.Errorf("route defaults %q %q", m.RouteOffer, m.RouteCopyDelete)
	}
}

type fakeEngine struct{ api.Module }

func (fakeEngine) RTPRelayOffer(*api.Ctx, *api.RTPRelaySession) (string, error)  { return "", nil }
func (fakeEngine) RTPRelayAnswer(*api.Ctx, *api.RTPRelaySession) (string, error) { return "", nil }
func (fakeEngine) RTPRelayDelete(*api.Ctx, *api.RTPRelaySession) error           { return nil }

func TestFixEngine(t *testing.T) {
	fc := &api.FixupCtx{Module: func(name string) api.Module {
		switch name {
		case "rtpengine":
			return fakeEngine{}
		case "tm":
			return New() // loaded, but no engine
		}
		return nil
	}}
	a := &api.FixArg{Str: "rtpengine", Const: true, Given: true}
	if err := fixEngine(fc, a); err != nil {
		t.Fatal(err)
	}
	if e, ok := a.Fixed.(*engine); !ok || e.name != "rtpengine" {
		t.Errorf("fixed %#v", a.Fixed)
	}
	for name, want := range map[string]string{
		"rtpproxy": `no "rtpproxy" relay module registered`,
		"tm":       `no "tm" relay module registered`,
		"route":    "route",
	} {
		err := fixEngine(fc, &api.FixArg{Str: name, Const: true, Given: true})
		if err == nil || !strings.Contains(err.Error(), want) || api.ErrorHint(err) == "" {
			t.Errorf("%s: %v (hint %q)", name, err, api.ErrorHint(err))
		}
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]int{"flags": flagSelf, "PEER": flagPeer, "ip": flagIP, "Type": flagType,
		"iface": flagIface, "body": flagBody, "delete": flagDelete, "disabled": flagDisabled, "interface": -1} {
		if got := flagByName(in); got != want {
			t.Errorf("flagByName(%q) = %d, want %d", in, got, want)
		}
	}
	for in, want := range map[string]int{"callid": ctxCallID, "Call-ID": ctxCallID, "call_id": ctxCallID,
		"from_tag": ctxFromTag, "fromtag": ctxFromTag, "to-tag": ctxToTag, "flags": ctxFlags, "DELETE": ctxDelete, "tag": -1} {
		if got := ctxByName(in); got != want {
			t.Errorf("ctxByName(%q) = %d, want %d", in, got, want)
		}
	}
	if _, err := parseFlagName("nope"); err == nil {
		t.Error("parseFlagName accepted nope")
	}
	if _, err := parseCtxName("nope"); err == nil {
		t.Error("parseCtxName accepted nope")
	}
}

// TestLegsAndSessions walks the leg bookkeeping of an initial INVITE
// forked to two branches, one with its own settings.
func TestLegsAndSessions(t *testing.T) {
	rc := &relayCtx{}
	callerLeg := rc.newLeg("ct1", allBranches) // $rtp_relay in the request route
	callerLeg.flags[flagSelf] = "co"
	calleeAll := rc.peerLeg(callerLeg) // $rtp_relay_peer: none yet
	if calleeAll != nil {
		t.Fatalf("peer before any callee leg: %+v", calleeAll)
	}
	calleeAll = rc.newLeg("", allBranches)
	calleeAll.flags[flagSelf] = "all"
	if p := rc.peerLeg(callerLeg); p != calleeAll {
		t.Fatalf("peer of the caller = %+v", p)
	}
	branch1 := rc.newLeg("1", 1) // $(rtp_relay[1])
	branch1.flags[flagSelf] = "one"
	e := &engine{name: "x"}
	s := rc.newSess(e, -1, "ct1", allBranches)
	if s.legs[caller] != callerLeg {
		t.Fatalf("session caller = %+v", s.legs[caller])
	}
	// Branch 1 gets its own leg, branch 0 the shared one.
	rc.fillLeg(s, callee, "", 1)
	if s.legs[callee] != branch1 {
		t.Errorf("callee of branch 1 = %+v", s.legs[callee])
	}
	s0 := &session{index: 0}
	s0.pushLeg(callerLeg, caller)
	rc.fillLeg(s0, callee, "", 0)
	if s0.legs[callee] == nil || s0.legs[callee].flags[flagSelf] == "co" {
		t.Errorf("callee of branch 0 = %+v", s0.legs[callee])
	}
	if rc.sess(3) != s || rc.sess(allBranches) != s {
		t.Error("a branch without its own session uses the shared one")
	}
	rc.freeSess(s)
	if rc.sess(3) != nil {
		t.Error("session not freed")
	}
	// The flags a callee offer carries.
	s.pushLeg(calleeAll, callee)
	calleeAll.flags[flagType] = "RTP/AVP"
	callerLeg.flags[flagPeer] = "peer-of-caller"
	rc.flags, rc.fromTag, rc.toTag, rc.dlgCallID = "ctx", "ct1", "ut1", "cid"
	rs := rc.exchange(s, caller, nil, true)
	if rs.Flags != "co" || rs.Type != "RTP/AVP" || rs.CtxFlags != "ctx" || rs.PeerFlags != "" || rs.CallID != "cid" ||
		rs.FromTag != "ct1" || rs.ToTag != "ut1" {
		t.Errorf("caller offer %+v", rs)
	}
	rs = rc.exchange(s, callee, nil, true)
	if rs.Flags != "all" || rs.PeerFlags != "peer-of-caller" || rs.FromTag != "ut1" || rs.ToTag != "ct1" {
		t.Errorf("callee offer %+v", rs)
	}
	rs = rc.exchange(s, callee, nil, false)
	if rs.FromTag != "ct1" || rs.ToTag != "ut1" {
		t.Errorf("callee answer %+v", rs)
	}
}

func TestMIObject(t *testing.T) {
	rc := &relayCtx{dlgCallID: "cid", fromTag: "ct1"}
	if o := rc.miObject(true); len(o) != 0 {
		t.Errorf("not established: %v", o)
	}
	l := rc.newLeg("ct1", allBranches)
	l.flags[flagIP] = "1.2.3.4"
	l.flags[flagIface] = "internal"
	rc.est = &session{index: 2, engine: &engine{name: "rtpengine"}, set: 1, node: "udp:127.0.0.1:2223"}
	rc.est.pushLeg(l, caller)
	o := rc.miObject(true)
	cr := o["caller"].(map[string]any)
	if o["callid"] != "cid" || o["branch"] != 2 || o["set"] != 1 || cr["IP"] != "1.2.3.4" || cr["interface"] != "internal" ||
		cr["tag"] != "ct1" || len(o["callee"].(map[string]any)) != 0 || o["ctx"].(map[string]any)["from-tag"] != "ct1" {
		t.Errorf("miObject = %v", o)
	}
}
