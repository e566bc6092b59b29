package dialog

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"gosips/api"
	"gosips/sip"
)

func TestDIDRoundTrip(t *testing.T) {
	for _, c := range []struct{ e, i uint32 }{{0, 1}, {469, 1}, {4095, 0xdeadbeef}} {
		d := &dlg{hEntry: c.e, hID: c.i}
		e, i, ok := parseDID(d.DID())
		if !ok || e != c.e || i != c.i {
			t.Errorf("%d/%d -> %q -> %d/%d %v", c.e, c.i, d.DID(), e, i, ok)
		}
	}
	// OpenSIPS writes the digits least significant first.
	if got := (&dlg{hEntry: 0x1d5, hID: 0x12}).DID(); got != "5d1.21" {
		t.Errorf("DID = %q, want 5d1.21", got)
	}
	for _, bad := range []string{"", "12", "x.1", "1.", "123456789.1"} {
		if _, _, ok := parseDID(bad); ok {
			t.Errorf("parseDID(%q) accepted", bad)
		}
	}
}

func TestPairsRoundTrip(t *testing.T) {
	var b strings.Builder
	in := []struct {
		name string
		v    api.Value
	}{{"a", api.StrValue("x|y#z\\w")}, {"n#1", api.IntValue(-42)}, {"empty", api.StrValue("")}}
	for _, p := range in {
		writePair(&b, p.name, p.v)
	}
	if want := `a#1#x\|y\#z\\w|n\#1#2#-42|empty#1#|`; b.String() != want {
		t.Errorf("pairs = %q, want %q", b.String(), want)
	}
	var out []string
	readPairs(b.String(), func(name string, v api.Value) {
		kind := "s:"
		if v.IsInt() {
			kind = "i:"
		}
		out = append(out, name+"="+kind+valueString(v))
	})
	if got := strings.Join(out, ","); got != `a=s:x|y#z\w,n#1=i:-42,empty=s:` {
		t.Errorf("read back %q", got)
	}
}

func TestProfiles(t *testing.T) {
	m := New()
	m.profs.add("caller", true)
	m.profs.add("calls", false)
	d1 := &dlg{m: m, state: api.DlgStateConfirmed}
	d2 := &dlg{m: m, state: api.DlgStateConfirmed}
	for _, d := range []*dlg{d1, d2} {
		if err := m.SetProfile(d, "calls", "ignored"); err != nil {
			t.Fatal(err)
		}
	}
	_ = m.SetProfile(d1, "caller", "alice")
	_ = m.SetProfile(d2, "caller", "bob")
	_ = m.SetProfile(d2, "caller", "alice")
	size := func(p, v string) int { n, _ := m.ProfileSize(p, v); return n }
	if size("calls", "") != 2 || size("caller", "") != 3 || size("caller", "alice") != 2 || size("caller", "bob") != 1 {
		t.Errorf("sizes calls=%d caller=%d alice=%d bob=%d", size("calls", ""), size("caller", ""), size("caller", "alice"), size("caller", "bob"))
	}
	if !m.InProfile(d2, "caller", "bob") || m.InProfile(d1, "caller", "bob") || !m.InProfile(d1, "caller", "") {
		t.Error("InProfile")
	}
	if err := m.UnsetProfile(d2, "caller", "alice"); err != nil || size("caller", "alice") != 1 {
		t.Errorf("unset one value: %v %d", err, size("caller", "alice"))
	}
	if err := m.UnsetProfile(d2, "caller", ""); err != nil || size("caller", "bob") != 0 {
		t.Errorf("unset all values: %v %d", err, size("caller", "bob"))
	}
	if err := m.setProfile(d1, "caller", "carol", true); err != nil || size("caller", "alice") != 0 || size("caller", "carol") != 1 {
		t.Errorf("clear_values: %v", err)
	}
	d1.mu.Lock()
	d1.dropProfiles()
	d1.mu.Unlock()
	if size("calls", "") != 1 || size("caller", "") != 0 {
		t.Errorf("after drop calls=%d caller=%d", size("calls", ""), size("caller", ""))
	}
	if _, err := m.ProfileSize("nope", ""); err == nil {
		t.Error("unknown profile accepted")
	}
}

func TestTableLookup(t *testing.T) {
	m := New()
	d := &dlg{m: m, callID: "c1", state: api.DlgStateConfirmed, hasCallee: true}
	d.legs[0].tag, d.legs[1].tag = "ft", "tt"
	m.tab.insert(d)
	if x, dir := m.tab.byCallID("c1", "ft", "tt"); x != d || dir != api.DlgDirDownstream {
		t.Errorf("downstream: %v %v", x, dir)
	}
	if x, dir := m.tab.byCallID("c1", "tt", "ft"); x != d || dir != api.DlgDirUpstream {
		t.Errorf("upstream: %v %v", x, dir)
	}
	if x, _ := m.tab.byCallID("c1", "zz", "tt"); x != nil {
		t.Error("wrong tag matched")
	}
	if m.ByDID(d.DID()) != d {
		t.Error("ByDID")
	}
	m.tab.remove(d)
	if m.ByDID(d.DID()) != nil {
		t.Error("removed dialog still found")
	}
}

func TestUnansweredDialogFailsOnGuard(t *testing.T) {
	m, _ := newBenchModule(t)
	req := invite(1)
	c := &api.Ctx{RouteType: api.RequestRoute, Msg: req, Req: req}
	d, err := m.create(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	m.expire(d)
	if d.State() != api.DlgStateDeleted || m.stats.failed.Value() != 1 || m.ByDID(d.DID()) != nil {
		t.Errorf("state %d failed %d", d.State(), m.stats.failed.Value())
	}
}

func TestValidateDialog(t *testing.T) {
	m, st := newBenchModule(t)
	confirm(m, st, 7, false) // callee contact: none in the 200 → To URI
	d, _ := m.tab.byCallID("call-7@127.0.0.1", "ft7", "")
	d.mu.Lock()
	d.legs[api.DlgCallee].contact = "sip:bob@10.0.0.2"
	d.legs[api.DlgCaller].cseq = "5"
	d.mu.Unlock()
	bye := func(cseq int, ruri, route string) api.Ret {
		d.mu.Lock()
		d.legs[api.DlgCaller].cseq = "5"
		d.mu.Unlock()
		msg, err := sip.ParseString(fmt.Sprintf("INFO %s SIP/2.0\r\n"+
			"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-v%d\r\n"+
			"From: <sip:alice@127.0.0.1>;tag=ft7\r\nTo: <sip:bob@127.0.0.1>;tag=tt7\r\n%s"+
			"Call-ID: call-7@127.0.0.1\r\nCSeq: %d INFO\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", ruri, cseq, route, cseq))
		if err != nil {
			t.Fatal(err)
		}
		c := &api.Ctx{RouteType: api.RequestRoute, Msg: msg, Req: msg}
		if m.matchFn(c, matchDIDFallback) != d {
			t.Fatal("not matched")
		}
		return m.fValidate(c, nil)
	}
	if r := bye(6, "sip:bob@10.0.0.2", ""); r != api.RetTrue {
		t.Errorf("valid request: %d", r)
	}
	if r := bye(4, "sip:bob@10.0.0.2", ""); r != -1 {
		t.Errorf("old CSeq: %d, want -1", r)
	}
	if r := bye(6, "sip:mallory@10.0.0.9", ""); r != -2 {
		t.Errorf("other target: %d, want -2", r)
	}
	if r := bye(6, "sip:bob@10.0.0.2", "Route: <sip:10.9.9.9;lr>\r\n"); r != -3 {
		t.Errorf("other route set: %d, want -3", r)
	}
	if r := m.fValidate(&api.Ctx{RouteType: api.RequestRoute}, nil); r != -4 {
		t.Errorf("no dialog: %d, want -4", r)
	}
}

func TestMIProfileShapes(t *testing.T) {
	m, st := newBenchModule(t)
	m.profs.add("calls", false)
	d := confirm(m, st, 1, true)
	_ = m.SetProfile(d, "calls", "")
	js := func(v any, err error) string {
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	if got := js(m.miProfileSize(nil, api.MIParams{"profile": "caller", "value": "alice"})); got != `{"Profile":{"name":"caller","value":"alice","count":1,"shared":"no","replicated":"no"}}` {
		t.Errorf("profile_get_size = %s", got)
	}
	if got := js(m.miProfileValues(nil, api.MIParams{"profile": "calls"})); got != `[{"value":null,"count":1}]` {
		t.Errorf("profile_get_values = %s", got)
	}
	if got := js(m.miAllProfiles(nil, nil)); got != `{"Profiles":[{"name":"caller","has value":true},{"name":"calls","has value":false}]}` {
		t.Errorf("list_all_profiles = %s", got)
	}
	got := js(m.miList(api.MIParams{}, true))
	for _, k := range []string{`"ID":`, `"db_id":`, `"state":3`, `"user_flags":`, `"timestart":`, `"datestart":`, `"timeout":`, `"dateout":`,
		`"callid":`, `"from_uri":`, `"to_uri":`, `"caller_tag":"ft1"`, `"caller_contact":`, `"callee_cseq":`, `"caller_route_set":`,
		`"caller_bind_addr":`, `"CALLEES":[{"callee_tag":"tt1"`, `"callee_contact":`, `"caller_cseq":`, `"callee_route_set":`,
		`"callee_bind_addr":`, `"context":{"values":[{"caller":"alice"}],"profiles":[{"caller":"alice"},{"calls":""}]}`} {
		if !strings.Contains(got, k) {
			t.Errorf("dlg_list_ctx lacks %s:\n%s", k, got)
		}
	}
	for _, d := range m.tab.all() {
		d.mu.Lock()
		m.timers.stop(d)
		d.mu.Unlock()
	}
}

// TestCancelAfterAnswerRace: with the E flag, a CANCEL matched after the
// call was answered (the 2xx crossed it) cuts the lifetime to
// race_condition_timeout, and a later $DLG_timeout no longer extends it.
func TestCancelAfterAnswerRace(t *testing.T) {
	m := New()
	m.RaceConditionTimeout = 3
	start := time.Now().Add(-10 * time.Second)
	d := &dlg{m: m, state: api.DlgStateConfirmedNA, flags: flagEndOnRace, start: start, lifetime: time.Hour}
	d.expiresAt = start.Add(d.lifetime)
	m.initialCancelled(d)
	defer func() { d.mu.Lock(); m.timers.stop(d); d.mu.Unlock() }()
	if d.flags&(flagWasCancelled|flagRaceOccurred) != flagWasCancelled|flagRaceOccurred {
		t.Fatalf("flags %#x lack was-cancelled or race-occurred", d.flags)
	}
	if left := time.Until(d.expiresAt); left < 2*time.Second || left > 3*time.Second {
		t.Errorf("expires in %v, want race_condition_timeout (3 s)", left)
	}
	before := d.expiresAt
	d.SetTimeout(time.Hour)
	if !d.expiresAt.Equal(before) {
		t.Errorf("$DLG_timeout extended the race timeout to %v", d.expiresAt)
	}
	// Without the E flag the CANCEL is only noted.
	d2 := &dlg{m: m, state: api.DlgStateConfirmedNA, start: start, lifetime: time.Hour}
	d2.expiresAt = start.Add(time.Hour)
	m.initialCancelled(d2)
	if d2.flags != flagWasCancelled || !d2.expiresAt.Equal(start.Add(time.Hour)) {
		t.Errorf("without E: flags %#x expires %v", d2.flags, d2.expiresAt)
	}
}
