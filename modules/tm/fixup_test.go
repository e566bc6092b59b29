package tm

import (
	"fmt"
	"strings"
	"testing"

	"gosips/api"
)

type fake struct {
	api.FixupCtx
	routes           map[string]bool
	legacy, warnings []string
}

func newFake() *fake {
	f := &fake{routes: map[string]bool{
		"failure_route/missed_call": true, "failure_route/1": true,
		"onreply_route/nat": true, "branch_route/per_branch": true,
	}}
	f.Route = func(k api.RouteType, name string) bool { return f.routes[k.BlockName()+"/"+name] }
	f.Legacy = func(msg, hint string) { f.legacy = append(f.legacy, msg+" => "+hint) }
	f.Warn = func(msg, hint string) { f.warnings = append(f.warnings, msg) }
	return f
}

func arg(t *testing.T, m *TM, fn string, i int) api.Arg {
	t.Helper()
	for _, f := range m.Funcs() {
		if f.Name == fn {
			return f.Args[i]
		}
	}
	t.Fatalf("%s not declared", fn)
	return api.Arg{}
}

func TestFixups(t *testing.T) {
	udp := api.Dest{Proto: "udp", Host: "opensips.org", Port: 5060}
	tests := []struct {
		fn      string
		arg     int
		str     string
		num     int64
		want    any
		wantErr string
		legacy  string // substring of the expected legacy warning
	}{
		{fn: "t_relay", str: "no-auto-477", want: RelayOpts{Flags: RelayNoAuto477}},
		{fn: "t_relay", str: "no-dns-failover,allow-no-cancel", want: RelayOpts{Flags: RelayNoDNSFailover | RelayAllowNoCancel}},
		{fn: "t_relay", str: "0x02", want: RelayOpts{Flags: RelayNoAuto477}, legacy: `"no-auto-477"`},
		{fn: "t_relay", str: "12", want: RelayOpts{Flags: RelayNoDNSFailover | RelayPassReasonHdr}, legacy: `"no-dns-failover,pass-reason-hdr"`},
		{fn: "t_relay", str: "0x05", want: RelayOpts{Flags: RelayNoDNSFailover}, legacy: `auto_100trying`},
		{fn: "t_relay", str: "0x20", wantErr: "unknown relay flag bits 0x20"},
		{fn: "t_replicate", arg: 1, str: "5060", want: RelayOpts{Proxy: &api.Dest{Port: 5060}}, legacy: "port 5060 as second argument"},
		{fn: "t_replicate", arg: 1, str: "0x02", want: RelayOpts{Flags: RelayNoAuto477}, legacy: "numeric relay flags"},
		{fn: "t_relay", str: "no-auto477", wantErr: `unknown flag "no-auto477" (did you mean "no-auto-477"?)`},
		{fn: "t_relay", str: "udp:opensips.org:5060", want: RelayOpts{Proxy: &udp}, legacy: `t_relay(, "udp:opensips.org:5060")`},
		{fn: "t_relay", arg: 1, str: "udp:opensips.org:5060", want: RelayOpts{Proxy: &udp}},
		{fn: "t_relay", arg: 1, str: "0x04", want: RelayOpts{Flags: RelayNoDNSFailover}, legacy: "numeric relay flags"},
		{fn: "t_relay", arg: 1, str: "udp:host:0", wantErr: "outbound proxy: bad port"},
		{fn: "t_replicate", arg: 1, str: "pass-reason-hdr", want: RelayOpts{Flags: RelayPassReasonHdr}},
		{fn: "t_replicate", arg: 1, str: "sip:x.org", wantErr: "unknown flag"},
		{fn: "t_reply", num: 404, want: api.ReplyCode(404)},
		{fn: "t_reply", num: 99, wantErr: "reply code 99 out of range"},
		{fn: "t_reply_with_body", num: 700, wantErr: "out of range"},
		{fn: "t_on_failure", str: "missed_call", want: RouteRef{api.FailureRoute, "missed_call"}},
		{fn: "t_on_failure", str: "1", want: RouteRef{api.FailureRoute, "1"}},
		{fn: "t_on_failure", str: "missed", wantErr: "failure_route[missed] is not defined"},
		{fn: "t_on_failure", str: "0", want: RouteRef{Kind: api.FailureRoute}, legacy: `route "0" (no failure_route)`},
		{fn: "t_on_reply", str: "nat", want: RouteRef{api.OnReplyRoute, "nat"}},
		{fn: "t_on_reply", str: "missed_call", wantErr: "onreply_route[missed_call] is not defined"},
		{fn: "t_on_branch", str: "per_branch", want: RouteRef{api.BranchRoute, "per_branch"}},
		{fn: "t_on_branch", str: "x", wantErr: "branch_route[x] is not defined"},
		{fn: "t_local_replied", str: "LAST", want: RepliedLast},
		{fn: "t_local_replied", str: "al", wantErr: `unknown reply selector "al" (did you mean "all"?)`},
		{fn: "t_cancel_branch", str: "ao", want: CancelAll | CancelOthers},
		{fn: "t_cancel_branch", str: "x", wantErr: "unsupported flag"},
		{fn: "t_inject_branches", str: "event", want: InjectEvent},
		{fn: "t_inject_branches", str: "evnt", wantErr: `did you mean "event"?`},
		{fn: "t_inject_branches", arg: 1, str: "cl", want: InjectCancel | InjectLast},
		{fn: "t_inject_branches", arg: 1, str: "cancel", want: InjectCancel},
		{fn: "t_inject_branches", arg: 1, str: "z", wantErr: "unknown injection flag"},
		{fn: "t_reply_by_callid", num: 486, want: api.ReplyCode(486)},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%d/%s/%d", tc.fn, tc.arg, tc.str, tc.num), func(t *testing.T) {
			fc := newFake()
			spec := arg(t, New(), tc.fn, tc.arg)
			a := &api.FixArg{Given: true, Const: true, Str: tc.str, Int: tc.num}
			err := spec.Fixup(&fc.FixupCtx, a)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%+v", deref(a.Fixed)) != fmt.Sprintf("%+v", deref(tc.want)) {
				t.Fatalf("Fixed = %+v, want %+v", deref(a.Fixed), deref(tc.want))
			}
			got := strings.Join(fc.legacy, "\n")
			if (tc.legacy == "") != (got == "") || !strings.Contains(got, tc.legacy) {
				t.Fatalf("legacy warnings = %q, want %q", got, tc.legacy)
			}
		})
	}
}

// deref prints a RelayOpts' proxy by value.
func deref(v any) any {
	if o, ok := v.(RelayOpts); ok && o.Proxy != nil {
		return fmt.Sprintf("{Flags:%v Proxy:%v}", o.Flags, *o.Proxy)
	}
	return v
}

func TestParams(t *testing.T) {
	tests := []struct {
		name    string
		val     api.ParamValue
		wantErr string
		legacy  bool
		check   func(m *TM) bool
	}{
		{name: "fr_timeout", val: api.ParamValue{IsInt: true, Int: 10}, check: func(m *TM) bool { return m.FrTimeout == 10 }},
		{name: "fr_timer", val: api.ParamValue{IsInt: true, Int: 15}, legacy: true, check: func(m *TM) bool { return m.FrTimeout == 15 }},
		{name: "fr_inv_timer", val: api.ParamValue{IsInt: true, Int: 60}, legacy: true, check: func(m *TM) bool { return m.FrInvTimeout == 60 }},
		{name: "fr_timer_avp", val: api.ParamValue{Str: "$avp(i:24)"}, legacy: true},
		{name: "wt_timer", val: api.ParamValue{IsInt: true, Int: -1}, wantErr: "must not be negative"},
		{name: "tw_append", val: api.ParamValue{Str: "test: ua=$hdr(User-Agent)"}, check: func(m *TM) bool { return len(m.TwAppend) == 1 }},
		{name: "tw_append", val: api.ParamValue{Str: "no-colon"}, wantErr: "expected \"name:element"},
		{name: "minor_branch_flag", val: api.ParamValue{Str: "MINOR"}, check: func(m *TM) bool { return m.MinorBranchFlag == "MINOR" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := New()
			var p *api.Param
			for _, x := range m.Params() {
				if x.Name == tc.name {
					p = &x
					break
				}
			}
			if p == nil {
				t.Fatalf("param %s not declared", tc.name)
			}
			if (p.Legacy != "") != tc.legacy {
				t.Fatalf("legacy = %q", p.Legacy)
			}
			err := p.Set(tc.val)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil && !tc.check(m) {
				t.Fatalf("not applied: %+v", m)
			}
		})
	}
}

func TestTwInfo(t *testing.T) {
	m := New()
	for _, p := range m.Params() {
		if p.Name == "tw_append" {
			if err := p.Set(api.ParamValue{Str: "ua: ua=$hdr(User-Agent)"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		info    string
		want    TwInfo
		wantErr string
	}{
		{info: "store", want: TwInfo{Action: "store"}},
		{info: "store/ua", want: TwInfo{Action: "store", Append: "ua"}},
		{info: "store/uas", wantErr: `unknown tw_append name "uas" (did you mean "ua"?)`},
		{info: "/ua", wantErr: "empty action name"},
		{info: "store/", wantErr: "empty tw_append name"},
	}
	for _, tc := range tests {
		a := &api.FixArg{Const: true, Str: tc.info}
		err := arg(t, m, "t_write_unix", 0).Fixup(&api.FixupCtx{}, a)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error = %v, want %q", tc.info, err, tc.wantErr)
			}
			continue
		}
		if err != nil || a.Fixed != tc.want {
			t.Errorf("%q: %v, Fixed = %+v", tc.info, err, a.Fixed)
		}
	}
}

func TestValidateAndInit(t *testing.T) {
	m := New()
	m.ReplicationCluster = 1
	err := m.Validate(&api.ValidateCtx{Loaded: func(string) bool { return false }})
	if err == nil || !strings.Contains(err.Error(), "clusterer") {
		t.Fatalf("Validate = %v", err)
	}
	m.MinorBranchFlag = "MINOR"
	if err := m.Init(&api.InitCtx{BranchFlag: func(string) (int, error) { return 7, nil }}); err != nil {
		t.Fatal(err)
	}
	if m.MinorBranchFlagBit() != 7 {
		t.Fatalf("minor branch flag = %d", m.MinorBranchFlagBit())
	}
}

func TestTables(t *testing.T) {
	m := New()
	names := map[string]api.Func{}
	for _, f := range m.Funcs() {
		if _, dup := names[f.Name]; dup {
			t.Errorf("%s declared twice", f.Name)
		}
		names[f.Name] = f
	}
	routes := map[string]api.RouteType{
		"t_relay": rF, "t_newtran": api.RequestRoute, "t_cancel_branch": api.OnReplyRoute,
		"t_on_failure": rFOB | api.LocalRoute, "t_on_branch": rFOB, "t_new_request": api.AllRoutes,
		"t_check_trans": api.RequestRoute | api.BranchRoute,
	}
	for n, want := range routes {
		if names[n].Routes != want {
			t.Errorf("%s routes = %v, want %v", n, names[n].Routes, want)
		}
	}
	if names["t_relay_to_udp"].Legacy == "" {
		t.Error("t_relay_to_udp must be legacy")
	}
	mi := map[string]api.MICommand{}
	for _, c := range m.MICommands() {
		mi[c.Name] = c
	}
	if c := mi["t_uac_dlg"]; !c.NamedOnly || len(c.Recipes) != 8 || c.Aliases[0] != "tm:uac_dlg" {
		t.Errorf("t_uac_dlg = %+v", c)
	}
	if c := mi["t_reply"]; !c.NamedOnly || len(c.Recipes) != 4 {
		t.Errorf("t_reply = %+v", c)
	}
}

func TestPVs(t *testing.T) {
	want := map[string]bool{"T_reply_code": false, "T_fr_timeout": true, "bavp": true, "tm.branch.uri": false,
		"tm.branch.flag": true, "T_branch_idx": false, "T_id": false, "T_fr_inv_timeout": true}
	for _, d := range New().PVs() {
		if d.Module != "tm" || d.Get == nil || d.Writable != (d.Set != nil) {
			t.Errorf("$%s: module %q, getter or setter missing", d.Name, d.Module)
		}
		if w, ok := want[d.Name]; ok {
			if d.Writable != w {
				t.Errorf("$%s writable = %v, want %v", d.Name, d.Writable, w)
			}
			delete(want, d.Name)
		}
	}
	if len(want) > 0 {
		t.Errorf("not declared: %v", want)
	}
}
