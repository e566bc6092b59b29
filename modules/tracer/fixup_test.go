package tracer

import (
	"strconv"
	"strings"
	"testing"

	"gosips/api"
)

func TestTraceIDParam(t *testing.T) {
	m := New()
	for _, s := range []string{
		"[tid]uri=mysql://u:p@10.10.10.10/opensips;table=new_sip_trace;",
		"[tid]uri=hep:hid",
		"[tid]uri=sip:10.10.10.11:5060",
		"[tid]uri=file:/tmp/trace.log",
		"[tid]uri=syslog:local0:-1",
		"[other] uri=sqlite:///tmp/t.db",
	} {
		if err := m.addTraceID(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	id := m.ids["tid"]
	if len(id.dests) != 5 || id.dests[0].kind != toDB || id.dests[0].table != "new_sip_trace" || id.dests[1].kind != toHEP ||
		id.dests[1].hepName != "hid" || id.dests[2].kind != toSIP || id.dests[3].path != "/tmp/trace.log" || id.dests[4].kind != toSyslog {
		t.Errorf("tid: %+v", id.dests)
	}
	if d := m.ids["other"].dests[0]; d.table != "sip_trace" {
		t.Errorf("default table %q", d.table)
	}
	for s, want := range map[string]string{
		"tid uri=hep:x":              "missing [name]",
		"[tid uri=hep:x":             "unterminated",
		"[]uri=hep:x":                "empty name",
		"[t]table=x":                 "no uri",
		"[t]uri=mysql://x;color=1":   "unknown key",
		"[t]uri=mysql://x;table=a-b": "",
		"[t]uri=sip:%%":              "bad SIP URI",
	} {
		err := New().addTraceID(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", s, err, want)
		}
	}
}

func TestTraceLocalIP(t *testing.T) {
	for in, want := range map[string]string{
		"10.1.1.1:5064":     "udp 10.1.1.1 5064",
		"tcp:10.1.1.1":      "tcp 10.1.1.1 5060",
		"tcp:10.1.1.1:5064": "tcp 10.1.1.1 5064",
		"10.1.1.1":          "udp 10.1.1.1 5060",
	} {
		m := New()
		if err := m.setLocalIP(in); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := strings.Join([]string{m.localProto, m.localAddr, itoa(m.localPort)}, " "); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
	if err := New().setLocalIP("host.example"); err == nil {
		t.Error("a host name accepted")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestScopeAndFlagFixups(t *testing.T) {
	for _, s := range []string{"m", "t", "d", "T"} {
		if err := fixScope(nil, &api.FixArg{Str: s}); err != nil {
			t.Errorf("scope %s: %v", s, err)
		}
	}
	for _, s := range []string{"x", "mt", "b"} {
		if err := fixScope(nil, &api.FixArg{Str: s}); err == nil {
			t.Errorf("scope %s accepted", s)
		}
	}
	if fixFlags(nil, &api.FixArg{Str: "Cc"}) != nil || fixFlags(nil, &api.FixArg{Str: "x"}) == nil {
		t.Error("flags fixup")
	}
}
