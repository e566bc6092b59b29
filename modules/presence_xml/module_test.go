package presencexml

import (
	"context"
	"strings"
	"testing"

	"gosips/api"
)

type fakePresence struct{ events []*api.PresEvent }

func (f *fakePresence) Params() []api.Param { return nil }
func (f *fakePresence) Funcs() []api.Func   { return nil }
func (f *fakePresence) AddEvent(ev *api.PresEvent) error {
	f.events = append(f.events, ev)
	return nil
}

type fakeXCAP struct{ docs map[int]string }

func (f *fakeXCAP) Params() []api.Param { return nil }
func (f *fakeXCAP) Funcs() []api.Func   { return nil }
func (f *fakeXCAP) GetDoc(_ context.Context, user, domain string, docType int, _ string) ([]byte, string, error) {
	if d, ok := f.docs[docType]; ok && user == "bob" && domain == "x" {
		return []byte(d), "e1", nil
	}
	return nil, "", nil
}

func setup(t *testing.T, m *Module, x *fakeXCAP) *fakePresence {
	t.Helper()
	p := &fakePresence{}
	mods := map[string]api.Module{"presence": p, "xcap": x}
	if err := m.Init(&api.InitCtx{Module: func(n string) api.Module { return mods[n] }}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEventsAndAuthorization(t *testing.T) {
	rules := `<ruleset xmlns="urn:ietf:params:xml:ns:common-policy"><rule id="r"><conditions><identity><one id="sip:alice@x"/></identity></conditions>` +
		`<actions><sub-handling xmlns="urn:ietf:params:xml:ns:pres-rules">allow</sub-handling></actions></rule>` +
		`<rule id="b"><conditions><identity><one id="sip:eve@x"/></identity></conditions><actions><sub-handling>block</sub-handling></actions></rule></ruleset>`
	x := &fakeXCAP{docs: map[int]string{api.XCAPPresRules: rules}}
	m := New()
	p := setup(t, m, x)
	var names []string
	for _, ev := range p.events {
		names = append(names, ev.Name)
	}
	if strings.Join(names, ",") != "presence,presence.winfo,dialog;sla" {
		t.Fatalf("events %v", names)
	}
	pres := p.events[0]
	ctx := context.Background()
	for w, want := range map[string]int{"sip:alice@x": api.SubActive, "sip:carol@x": api.SubPending, "sip:eve@x": api.SubTerminated} {
		if st, _ := pres.Authorize(ctx, "sip:bob@x", w); st != want {
			t.Errorf("%s: status %d, want %d", w, st, want)
		}
	}
	if st, _ := pres.Authorize(ctx, "sip:dave@x", "sip:alice@x"); st != api.SubPending {
		t.Errorf("no rules document: status %d, want pending", st)
	}
	m.ForceActive = 1
	if st, _ := pres.Authorize(ctx, "sip:bob@x", "sip:eve@x"); st != api.SubActive {
		t.Errorf("force_active: status %d", st)
	}
	if pres.Empty("sip:bob@x") != nil {
		t.Error("empty body without pidf_manipulation")
	}
	x.docs[api.XCAPPIDFManipulation] = `<presence xmlns="urn:ietf:params:xml:ns:pidf"><tuple id="m"><status><basic>closed</basic></status></tuple></presence>`
	m.PIDFManipulation = 1
	if b := string(pres.Empty("sip:bob@x")); !strings.Contains(b, `<tuple id="m">`) {
		t.Errorf("pidf_manipulation body %q", b)
	}
	if off := string(pres.Offline("sip:bob@x", []byte(x.docs[api.XCAPPIDFManipulation]))); !strings.Contains(off, "<basic>closed</basic>") {
		t.Errorf("offline body %q", off)
	}
}
