package usrloc

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"gosips/api"
	"gosips/db"
	_ "gosips/db/all"
	"gosips/sip"
)

var bg = context.Background()

// testModule returns a usrloc with a fixed clock and the "location" table.
func testModule(t *testing.T, now *time.Time, setup func(m *Module)) (*Module, *Domain) {
	t.Helper()
	m := New()
	m.Clock = func() time.Time { return *now }
	if setup != nil {
		setup(m)
	}
	if err := m.Init(&api.InitCtx{}); err != nil {
		t.Fatal(err)
	}
	return m, m.RegisterDomain("location")
}

func add(t *testing.T, d *Domain, aor, uri string, ci ContactInfo) *Contact {
	t.Helper()
	d.Lock(aor)
	defer d.Unlock(aor)
	r, ok, err := d.Get(bg, aor)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		r = d.Insert(aor)
	}
	c, err := r.Insert(bg, uri, &ci)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMIDumpShape(t *testing.T) {
	now := time.Unix(1700000000, 0)
	m, d := testModule(t, &now, nil)
	sock, _ := sip.ParseSocket("udp:127.0.0.1:15060")
	c := add(t, d, "bob", "sip:bob@127.0.0.1:46318;transport=udp", ContactInfo{
		Expires: now.Unix() + 54, Q: QUnspecified, CallID: "907704146", CSeq: 1, UserAgent: "n/a",
		Socket: &sock, Methods: AllMethods, LastModified: now.Unix()})
	got, err := json.Marshal(m.Dump(false))
	if err != nil {
		t.Fatal(err)
	}
	// The captured 3.6.8 answer, with this contact's id.
	want := `{"Domains":[{"name":"location","hash_size":512,"AORs":[{"AOR":"bob","Contacts":[{"Contact":"sip:bob@127.0.0.1:46318;transport=udp","ContactID":"` +
		idString(c.ID) + `","Expires":54,"Q":"","Callid":"907704146","Cseq":1,"User-agent":"n/a","State":"CS_NEW","Flags":0,"Cflags":"","Socket":"udp:127.0.0.1:15060","Methods":4294967295}]}]}]}`
	if string(got) != want {
		t.Errorf("ul_dump\n got %s\nwant %s", got, want)
	}
	brief, _ := m.miDump(bg, api.MIParams{"brief": json.Number("1")})
	got, _ = json.Marshal(brief)
	if want := `{"Domains":[{"name":"location","hash_size":512,"AORs":[{"AOR":"bob"}]}]}`; string(got) != want {
		t.Errorf("ul_dump brief\n got %s\nwant %s", got, want)
	}
}

func TestMICommandsBehaviour(t *testing.T) {
	now := time.Unix(1700000000, 0)
	m, d := testModule(t, &now, nil)
	handlers := map[string]func(context.Context, api.MIParams) (any, error){}
	for _, c := range m.MICommands() {
		if c.Handler == nil {
			t.Fatalf("%s has no handler", c.Name)
		}
		handlers[c.Name] = c.Handler
	}
	tests := []struct {
		cmd     string
		p       api.MIParams
		want    any
		errCode int
		errMsg  string
	}{
		{cmd: "ul_show_contact", p: api.MIParams{"table_name": "location", "aor": "nobody"}, errCode: 404, errMsg: "AOR not found"},
		{cmd: "ul_show_contact", p: api.MIParams{"table_name": "nosuch", "aor": "x"}, errCode: 404, errMsg: "Table not found"},
		{cmd: "ul_add", p: api.MIParams{"table_name": "location", "aor": "alice@example.com", "contact": "sip:alice@10.0.0.1",
			"expires": json.Number("100"), "q": "0.5", "flags": json.Number("0"), "cflags": json.Number("0"),
			"methods": json.Number("15")}, want: "OK"},
		{cmd: "ul_add", p: api.MIParams{"table_name": "location", "aor": "alice", "contact": "sip:x",
			"expires": json.Number("1"), "q": "7", "flags": 0, "cflags": 0, "methods": 0}, errCode: 400, errMsg: "Bad parameter value"},
		{cmd: "ul_rm_contact", p: api.MIParams{"table_name": "location", "aor": "alice", "contact": "sip:nope"},
			errCode: 404, errMsg: "Contact not found"},
		{cmd: "ul_rm_contact", p: api.MIParams{"table_name": "location", "aor": "alice", "contact": "sip:alice@10.0.0.1"}, want: "OK"},
		{cmd: "ul_rm", p: api.MIParams{"table_name": "location", "aor": "alice"}, want: "OK"},
		{cmd: "ul_sync", p: api.MIParams{"table_name": "location"}, errCode: 200, errMsg: "Contacts already synced"},
		{cmd: "ul_cluster_sync", p: api.MIParams{}, errCode: 400, errMsg: "Clustering not enabled"},
		{cmd: "ul_flush", p: api.MIParams{}, want: "OK"},
	}
	for _, tt := range tests {
		got, err := handlers[tt.cmd](bg, tt.p)
		if tt.errCode != 0 {
			me, ok := err.(*api.MIError)
			if !ok || me.Code != tt.errCode || me.Msg != tt.errMsg {
				t.Errorf("%s %v: err %v, want %d %q", tt.cmd, tt.p, err, tt.errCode, tt.errMsg)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s %v = %v, %v; want %v", tt.cmd, tt.p, got, err, tt.want)
		}
		if tt.cmd == "ul_add" {
			res, err := handlers["ul_show_contact"](bg, api.MIParams{"table_name": "location", "aor": "alice"})
			if err != nil {
				t.Fatal(err)
			}
			o := res.(Object)
			cts, _ := o.Get("Contacts")
			ct := cts.([]Object)[0]
			for k, v := range map[string]any{"Contact": "sip:alice@10.0.0.1", "Expires": int64(100), "Q": "0.5",
				"Callid": miCallID, "Cseq": miCSeq, "User-agent": miUserAgent, "Methods": uint32(15)} {
				if got, _ := ct.Get(k); got != v {
					t.Errorf("ul_show_contact %s = %v (%T), want %v (%T)", k, got, got, v, v)
				}
			}
		}
	}
	if d.Users() != 0 || d.Contacts() != 0 {
		t.Errorf("users %d contacts %d after ul_rm", d.Users(), d.Contacts())
	}
}

func TestExpiryTimer(t *testing.T) {
	now := time.Unix(1700000000, 0)
	m, d := testModule(t, &now, nil)
	stats := api.NewStats()
	m.RegisterStats(stats)
	add(t, d, "a", "sip:a@1.1.1.1", ContactInfo{Expires: now.Unix() + 10, Q: QUnspecified, Methods: AllMethods})
	add(t, d, "a", "sip:a@2.2.2.2", ContactInfo{Expires: now.Unix() + 100, Q: QUnspecified, Methods: AllMethods})
	add(t, d, "b", "sip:b@1.1.1.1", ContactInfo{Expires: 0, Q: QUnspecified, Methods: AllMethods})
	now = now.Add(50 * time.Second)
	m.Timer(bg)
	for name, want := range map[string]int64{"usrloc:registered_users": 2, "location-contacts": 2, "location-expires": 1} {
		st, ok := stats.Lookup(name)
		if !ok || st.Value() != want {
			t.Errorf("%s = %v, want %d", name, st.Value(), want)
		}
	}
	now = now.Add(100 * time.Second)
	m.Timer(bg)
	if d.Users() != 1 || d.Contacts() != 1 {
		t.Errorf("after expiry: users %d contacts %d, want 1 and 1 (the permanent one)", d.Users(), d.Contacts())
	}
}

func TestPersistency(t *testing.T) {
	modes := []struct {
		preset string
		flush  bool // write-back needs a flush before the rows exist
	}{
		{PresetWriteThrough, false},
		{PresetWriteBack, true},
		{PresetSQLOnly, false},
	}
	for _, md := range modes {
		for _, scheme := range []string{"sqlite", "text"} {
			t.Run(md.preset+"/"+scheme, func(t *testing.T) {
				dir := t.TempDir()
				url := "sqlite://" + filepath.Join(dir, "loc.db")
				if scheme == "text" {
					url = "text://" + dir
				}
				open := func() db.Conn {
					c, err := db.Open(bg, url, db.WithCreate())
					if err != nil {
						t.Fatal(err)
					}
					return c
				}
				c0 := open()
				if _, err := db.CreateTables(bg, c0, "location"); err != nil {
					t.Fatal(err)
				}
				c0.Close()
				now := time.Unix(1700000000, 0)
				start := func() (*Module, *Domain) {
					m, d := testModule(t, &now, func(m *Module) { m.Preset, m.UseDomain, m.DBURL = md.preset, 1, url })
					if err := m.Start(bg); err != nil {
						t.Fatal(err)
					}
					return m, d
				}
				m1, d1 := start()
				add(t, d1, "alice@example.com", "sip:alice@10.0.0.1", ContactInfo{Expires: now.Unix() + 600, Q: 500,
					CallID: "c1", CSeq: 3, UserAgent: "ua", Methods: AllMethods, LastModified: now.Unix(), Path: "<sip:p;lr>"})
				if md.flush {
					if err := m1.Flush(bg); err != nil {
						t.Fatal(err)
					}
				}
				if err := m1.Close(); err != nil {
					t.Fatal(err)
				}
				m2, d2 := start()
				defer m2.Close()
				d2.Lock("alice@example.com")
				r, ok, err := d2.Get(bg, "alice@example.com")
				d2.Unlock("alice@example.com")
				if err != nil || !ok || len(r.Contacts) != 1 {
					t.Fatalf("after restart: %+v %v %v", r, ok, err)
				}
				c := r.Contacts[0]
				if c.URI != "sip:alice@10.0.0.1" || c.Q != 500 || c.CSeq != 3 || c.Expires != now.Unix()+600 ||
					c.Path != "<sip:p;lr>" || c.Methods != AllMethods || c.State != CSSync {
					t.Errorf("reloaded contact %+v", c)
				}
				// Deleting writes through (or at the next flush).
				d2.Lock("alice@example.com")
				if r, _, _ = d2.Get(bg, "alice@example.com"); r != nil {
					if err := r.Delete(bg, r.Contacts[0]); err != nil {
						t.Fatal(err)
					}
					d2.Release(r)
				}
				d2.Unlock("alice@example.com")
				if err := m2.Flush(bg); err != nil {
					t.Fatal(err)
				}
				c3 := open()
				defer c3.Close()
				res, err := c3.Query(bg, "location", nil, nil, "", 0)
				if err != nil || len(res.Rows) != 0 {
					t.Errorf("rows left after delete: %v %v", res, err)
				}
			})
		}
	}
}

func TestQAndURIHelpers(t *testing.T) {
	for _, tt := range []struct {
		q    int
		want string
	}{{QUnspecified, ""}, {1000, "1"}, {0, "0"}, {500, "0.5"}, {250, "0.25"}, {125, "0.125"}} {
		if got := FormatQ(tt.q); got != tt.want {
			t.Errorf("FormatQ(%d) = %q, want %q", tt.q, got, tt.want)
		}
	}
	for _, tt := range []struct {
		s  string
		q  int
		ok bool
	}{{"0.5", 500, true}, {"1", 1000, true}, {"1.0", 1000, true}, {".3", 300, true}, {"1.5", 0, false}, {"x", 0, false}} {
		if q, ok := ParseQ(tt.s); q != tt.q || ok != tt.ok {
			t.Errorf("ParseQ(%q) = %d %v", tt.s, q, ok)
		}
	}
	for _, tt := range []struct {
		a, b string
		same bool
	}{
		{"sip:a@Host.com", "sip:a@host.com", true},
		{"sip:A@host.com", "sip:a@host.com", false},
		{"sip:a@host.com;transport=tcp", "sip:a@host.com", false},
		{"sip:a@host.com:5060", "sip:a@host.com", false},
		{"sip:a@host.com;ob", "sip:a@host.com", true},
	} {
		if got := SameURI(tt.a, tt.b); got != tt.same {
			t.Errorf("SameURI(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

// TestContactOwnsText checks that a binding keeps copies of its text
// fields, not substrings of the message that carried them.
func TestContactOwnsText(t *testing.T) {
	msg := "sip:alice@192.0.2.1:5060|call-1|UA/1.0"
	c := &Contact{URI: msg[:24]}
	c.apply(&ContactInfo{CallID: msg[25:31], UserAgent: msg[32:]})
	base := uintptr(unsafe.Pointer(unsafe.StringData(msg)))
	for _, tc := range []struct{ got, want string }{
		{c.URI, "sip:alice@192.0.2.1:5060"}, {c.CallID, "call-1"}, {c.UserAgent, "UA/1.0"},
	} {
		if tc.got != tc.want {
			t.Errorf("field = %q, want %q", tc.got, tc.want)
		}
		if p := uintptr(unsafe.Pointer(unsafe.StringData(tc.got))); p >= base && p < base+uintptr(len(msg)) {
			t.Errorf("field %q still points into the message", tc.got)
		}
	}
}
