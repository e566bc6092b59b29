package rls

import (
	"slices"
	"strings"
	"testing"
	"time"

	"gosips/api"
)

// The export table is OpenSIPS 3.6's (modules/rls/rls.c).
func TestExports(t *testing.T) {
	m := New()
	var params []string
	for _, p := range m.Params() {
		params = append(params, p.Name)
	}
	want := []string{"contact_user", "presence_server", "rlsubs_table", "rlpres_table", "waitn_time", "clean_period",
		"max_expires", "hash_size", "to_presence_code", "xcap_root", "rls_event"}
	if !slices.Equal(params, want) {
		t.Errorf("params %v, want %v", params, want)
	}
	var funcs []string
	for _, f := range m.Funcs() {
		if f.Call == nil || f.Routes != api.RequestRoute || len(f.Args) != 0 {
			t.Errorf("function %s: %+v", f.Name, f)
		}
		funcs = append(funcs, f.Name)
	}
	if !slices.Equal(funcs, []string{"rls_handle_subscribe", "rls_handle_notify"}) {
		t.Errorf("functions %v", funcs)
	}
	if mi := m.MICommands(); len(mi) != 1 || mi[0].Name != "rls_update_subscriptions" || mi[0].Handler == nil ||
		!slices.Equal(mi[0].Recipes[0], []string{"presentity_uri"}) {
		t.Errorf("MI %+v", mi)
	}
}

// rls_event replaces the default list; unknown events are refused.
func TestRLSEventParam(t *testing.T) {
	m := New()
	var set func(api.ParamValue) error
	for _, p := range m.Params() {
		if p.Name == "rls_event" {
			set = p.Set
		}
	}
	if err := set(api.ParamValue{Str: "dialog;sla"}); err != nil {
		t.Fatal(err)
	}
	if err := set(api.ParamValue{Str: "presence"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Events, []string{"dialog;sla", "presence"}) {
		t.Errorf("events %v", m.Events)
	}
	if err := set(api.ParamValue{Str: "foo"}); err == nil {
		t.Error("unknown event accepted")
	}
}

func TestSelectNode(t *testing.T) {
	root, err := parseXML([]byte(`<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">
<list name="a"><entry uri="sip:1@x"/></list><list name="b"><entry uri="sip:2@x"/><list name="c"><entry uri="3@x"/></list></list>
</resource-lists>`))
	if err != nil {
		t.Fatal(err)
	}
	for sel, want := range map[string]string{
		`/resource-lists/list[@name="b"]`:                 "b",
		`/resource-lists/list[1]`:                         "a",
		`/resource-lists/list[@name="b"]/list[@name="c"]`: "c",
		`/xmlns:resource-lists/xmlns:list[@name='a']`:     "a",
		`/resource-lists/list[@name="z"]`:                 "",
	} {
		n := selectNode(root, sel)
		got := ""
		if n != nil {
			got, _ = n.attr("name")
		}
		if got != want {
			t.Errorf("%s: got %q, want %q", sel, got, want)
		}
	}
	if got := normalizeURI("3%40x"); got != "sip:3@x" {
		t.Errorf("normalizeURI %q", got)
	}
}

func TestParseSubState(t *testing.T) {
	for v, want := range map[string][3]any{
		"active;expires=300":                {activeState, "", 300},
		"pending":                           {pendingState, "", -1},
		"terminated;reason=noresource":      {terminatedState, "noresource", 0},
		"terminated":                        {terminatedState, "unknown", 0},
		"Active ; expires=20;retry-after=3": {activeState, "", 20},
		"bogus":                             {-1, "", -1},
	} {
		f, r, e := parseSubState(v)
		if f != want[0] || r != want[1] || e != want[2] {
			t.Errorf("%q: %d %q %d, want %v", v, f, r, e, want)
		}
	}
}

// The RLMI document and parts follow OpenSIPS' layout: an instance per
// state, a cid for active ones (a part, with a body when there is one),
// a reason for terminated ones; parts in the order asked.
func TestRLMIBody(t *testing.T) {
	m := New()
	m.now = func() time.Time { return time.Unix(1000, 0) }
	r := m.newRLMI("sip:l@x", 0, true)
	m.addResource(r, "sip:b@x", []resState{{uri: "sip:b@x", auth: activeState, ctype: "application/pidf+xml", body: " <p/> "}})
	m.addResource(r, "sip:a@x", []resState{{uri: "sip:a@x", auth: terminatedState, reason: "rejected"}})
	m.addResource(r, "sip:c@x", nil)
	body := r.body(m, []string{"sip:a@x", "sip:b@x", "sip:c@x"})
	if !strings.HasPrefix(r.cid, "1000.sip:l@x.") || len(r.bnd) != 24 {
		t.Errorf("cid %q boundary %q", r.cid, r.bnd)
	}
	b := "--" + r.bnd
	for _, want := range []string{
		b + "\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <" + r.cid + ">\r\nContent-Type: application/rlmi+xml;charset=\"UTF-8\"\r\n\r\n" +
			"<?xml version=\"1.0\"?>\n<list uri=\"sip:l@x\" xmlns=\"urn:ietf:params:xml:ns:rlmi\" version=\"0\" fullState=\"true\">" +
			"<resource uri=\"sip:b@x\"><instance id=\"Scf8UhwQ\" state=\"active\" cid=\"1000.sip:b@x.",
		"<resource uri=\"sip:a@x\"><instance id=\"Scf8UhwQ\" state=\"terminated\" reason=\"rejected\"/></resource>" +
			"<resource uri=\"sip:c@x\"/></list>\n\r\n" + b + "\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <1000.sip:b@x.",
		">\r\nContent-Type: application/pidf+xml\r\n\r\n<p/>\r\n\r\n" + b + "--\r\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%q", want, body)
		}
	}
}
