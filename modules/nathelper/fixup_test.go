package nathelper

import (
	"context"
	"sort"
	"strings"
	"testing"

	"gosips/api"
)

// TestExports pins the export table to OpenSIPS 3.6 nathelper.c.
func TestExports(t *testing.T) {
	m := New()
	var funcs, params []string
	for _, f := range m.Funcs() {
		funcs = append(funcs, f.Name)
		if f.Call == nil {
			t.Errorf("%s has no Call", f.Name)
		}
	}
	for _, p := range m.Params() {
		params = append(params, p.Name)
	}
	sort.Strings(funcs)
	sort.Strings(params)
	wantF := "add_rcv_param fix_nated_contact fix_nated_register fix_nated_sdp nat_uac_test"
	wantP := "cluster_id cluster_sharing_tag force_socket max_pings_lost natping_interval natping_partitions " +
		"natping_socket natping_tcp nortpproxy_str oldip_skip ping_nated_only ping_threshold received_avp " +
		"remove_on_timeout_bflag sipping_bflag sipping_from sipping_ignore_rpl_codes sipping_latency_flag sipping_method"
	if got := strings.Join(funcs, " "); got != wantF {
		t.Errorf("funcs: %s", got)
	}
	if got := strings.Join(params, " "); got != wantP {
		t.Errorf("params: %s", got)
	}
}

func TestFlagArgFixups(t *testing.T) {
	for _, tc := range []struct {
		fn, arg, err string
	}{
		{"nat_uac_test", "private-contact,private-via", ""},
		{"nat_uac_test", "private-contakt", "unknown flag"},
		{"fix_nated_sdp", "rewrite-media-ip,add-no-rtpproxy", ""},
		{"fix_nated_sdp", "3", ""},
		{"fix_nated_sdp", "64", "unknown bits"},
	} {
		for _, f := range New().Funcs() {
			if f.Name != tc.fn {
				continue
			}
			a := &api.FixArg{Const: true, Str: tc.arg}
			err := f.Args[0].Fixup(&api.FixupCtx{}, a)
			if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("%s(%q): %v", tc.fn, tc.arg, err)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	m := New()
	m.NATPingInterval = 10
	loaded := func(string) bool { return false }
	if err := m.Validate(&api.ValidateCtx{Loaded: loaded}); err == nil || !strings.Contains(err.Error(), "usrloc") {
		t.Errorf("natping without usrloc: %v", err)
	}
	m = New()
	m.NATPingInterval, m.SIPPingBFlag = 10, "SIPPING"
	if err := m.Validate(&api.ValidateCtx{Loaded: func(string) bool { return true }}); err == nil || !strings.Contains(err.Error(), "sipping_from") {
		t.Errorf("sipping without from: %v", err)
	}
}

func TestMIEnablePing(t *testing.T) {
	m := New()
	h := m.MICommands()[0].Handler
	if _, err := h(context.Background(), api.MIParams{}); err == nil || !strings.Contains(err.Error(), "NATping disabled") {
		t.Errorf("without natping_interval: %v", err)
	}
	m.NATPingInterval = 10
	m.pingState.Store(1)
	if r, err := h(context.Background(), api.MIParams{"status": "0"}); err != nil || r != "OK" {
		t.Fatalf("disable: %v %v", r, err)
	}
	r, err := h(context.Background(), api.MIParams{})
	if err != nil || r.(map[string]any)["Status"] != int32(0) {
		t.Errorf("status after disable: %v %v", r, err)
	}
	if _, err := h(context.Background(), api.MIParams{"status": "x"}); err == nil {
		t.Error("bad status accepted")
	}
}
