package presxml

import (
	"strings"
	"testing"
)

func TestMergePIDFKeepsNamespacesAndOrder(t *testing.T) {
	a := []byte(`<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:a@x">` +
		`<tuple id="t1"><status><basic>open</basic></status></tuple><rpid:activities><rpid:busy/></rpid:activities></presence>`)
	b := []byte(`<presence xmlns='urn:ietf:params:xml:ns:pidf' xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="sip:a@x">` +
		"\n  <dm:person id=\"p\"/>\n  <tuple id=\"t2\"><status><basic>closed</basic></status></tuple>\n</presence>")
	got := string(MergePIDF("sip:a@x", [][]byte{a, []byte("<broken"), b}))
	want := `<?xml version="1.0"?>` + "\n" + `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" ` +
		`xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="sip:a@x"><tuple id="t1"><status><basic>open</basic></status></tuple>` +
		`<rpid:activities><rpid:busy/></rpid:activities><dm:person id="p"/><tuple id="t2"><status><basic>closed</basic></status></tuple></presence>` + "\n"
	if got != want {
		t.Fatalf("merged:\n%s\nwant:\n%s", got, want)
	}
	if err := CheckPIDF([]byte(got)); err != nil {
		t.Fatal(err)
	}
	if BasicStatus([]byte(got)) != "open" {
		t.Fatal("basic status")
	}
}

func TestCheckPIDF(t *testing.T) {
	for in, ok := range map[string]bool{
		`<presence xmlns="urn:ietf:params:xml:ns:pidf"/>`: true,
		`<presence`:                        false,
		`<dialog-info/>`:                   false,
		``:                                 false,
		`<presence/><presence/>`:           false,
		`<presence><tuple></presence>`:     false,
		`<?xml version="1.0"?><presence/>`: true,
	} {
		if err := CheckPIDF([]byte(in)); (err == nil) != ok {
			t.Errorf("CheckPIDF(%q) = %v", in, err)
		}
	}
}

func TestOfflinePIDF(t *testing.T) {
	got := string(OfflinePIDF("sip:a@x", []byte(`<presence xmlns="urn:ietf:params:xml:ns:pidf"><tuple id="x1"><status><basic>open</basic></status></tuple></presence>`)))
	if !strings.Contains(got, `<tuple id="x1"><status><basic>closed</basic></status></tuple>`) {
		t.Fatal(got)
	}
	if got := string(OfflinePIDF("sip:a@x", nil)); !strings.Contains(got, "<basic>closed</basic>") {
		t.Fatal(got)
	}
}

func TestDialogInfoAggregation(t *testing.T) {
	doc := func(id, state string) []byte {
		return []byte(`<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="3" state="full" entity="sip:b@x">` +
			`<dialog id="` + id + `"><state>` + state + `</state></dialog></dialog-info>`)
	}
	bodies := [][]byte{doc("d1", "confirmed"), doc("d2", "early"), doc("d3", "terminated")}
	full := string(DialogInfo("sip:b@x", bodies, false, false))
	if strings.Count(full, "<dialog ") != 3 || !strings.Contains(full, `state="full"`) {
		t.Fatal(full)
	}
	single := string(DialogInfo("sip:b@x", bodies, true, true))
	if strings.Count(single, "<dialog ") != 1 || !strings.Contains(single, `id="d2"`) || !strings.Contains(single, `state="partial"`) {
		t.Fatal(single)
	}
	v := string(SetVersion([]byte(full), 17))
	if !strings.Contains(v, `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="17" `) {
		t.Fatal(v)
	}
	if e := string(SetVersion(EmptyDialogInfo("sip:b@x"), 2)); !strings.Contains(e, `version="2" state="full" entity="sip:b@x"/>`) {
		t.Fatal(e)
	}
	d := DialogDoc{Entity: "sip:b@x", Local: DialogPart{URI: "sip:b@x:5060"}, Peer: DialogPart{URI: "sip:a@x", Display: "A & B"}, ID: "c1",
		CallID: "c1", State: "early", LocalTag: "lt", RemoteTag: "rt", WithCallID: true, WithTags: true, WithLocalRemote: true}
	body := d.Build()
	if err := CheckDialogInfo(body); err != nil || DialogState(body) != "early" ||
		!strings.Contains(string(body), `direction="recipient"`) || !strings.Contains(string(body), `display="A &amp; B"`) {
		t.Fatalf("%v %s", err, body)
	}
}

func TestSubHandling(t *testing.T) {
	rules := []byte(`<?xml version="1.0"?>
<cr:ruleset xmlns:cr="urn:ietf:params:xml:ns:common-policy" xmlns:pr="urn:ietf:params:xml:ns:pres-rules">
 <cr:rule id="friends"><cr:conditions><cr:identity><cr:one id="sip:alice@x"/></cr:identity></cr:conditions>
  <cr:actions><pr:sub-handling>allow</pr:sub-handling></cr:actions></cr:rule>
 <cr:rule id="domain"><cr:conditions><cr:identity><cr:many domain="x"><cr:except id="sip:eve@x"/></cr:many></cr:identity></cr:conditions>
  <cr:actions><pr:sub-handling>confirm</pr:sub-handling></cr:actions></cr:rule>
 <cr:rule id="eve"><cr:conditions><cr:identity><cr:one id="sip:eve@x"/></cr:identity></cr:conditions>
  <cr:actions><pr:sub-handling>block</pr:sub-handling></cr:actions></cr:rule>
</cr:ruleset>`)
	for w, want := range map[string]int{"sip:alice@x": ActionAllow, "sip:bob@x": ActionConfirm,
		"sip:eve@x": ActionBlock, "sip:mallory@y": ActionNone} {
		got, err := SubHandling(rules, w)
		if err != nil || got != want {
			t.Errorf("SubHandling(%s) = %d, %v; want %d", w, got, err, want)
		}
	}
	if _, err := SubHandling([]byte("<ruleset"), "sip:a@x"); err == nil {
		t.Error("broken document accepted")
	}
}

func TestWatcherinfo(t *testing.T) {
	got := string(Watcherinfo("sip:b@x", "presence", 4, []Watcher{{ID: "1", URI: "sip:a@x", Status: "pending", Event: "subscribe"}}))
	if !strings.Contains(got, `version="4" state="full"><watcher-list resource="sip:b@x" package="presence">`+
		`<watcher id="1" event="subscribe" status="pending">sip:a@x</watcher></watcher-list>`) {
		t.Fatal(got)
	}
}
