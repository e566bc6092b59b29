package registrar

import (
	"strings"
	"testing"

	"gosips/api"
	"gosips/modules/usrloc"
)

func TestSave(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(ul *usrloc.Module, reg *Module)
		flags   any
		reqs    []string // REGISTERs sent in order; the last reply is checked
		code    int
		want    []string // substrings of the last reply's extra headers
		notWant []string
		ret     api.Ret
		users   int64 // AORs left in memory
	}{
		{name: "new binding", reqs: []string{register("alice", "<sip:alice@10.0.0.1:5060>", "", 1)},
			code: 200, want: []string{"Contact: <sip:alice@10.0.0.1:5060>;expires=3600\r\n"}, ret: 1, users: 1},
		{name: "expires header", reqs: []string{register("alice", "<sip:alice@10.0.0.1>", "Expires: 300\n", 1)},
			code: 200, want: []string{";expires=300\r\n"}, ret: 1, users: 1},
		{name: "min_expires clamps silently", reqs: []string{register("alice", "<sip:a@10.0.0.1>;expires=10", "", 1)},
			code: 200, want: []string{";expires=60\r\n"}, ret: 1, users: 1},
		{name: "max_expires clamps", setup: func(_ *usrloc.Module, r *Module) { r.MaxExpires = 120 },
			reqs: []string{register("alice", "<sip:a@10.0.0.1>;expires=3600", "", 1)},
			code: 200, want: []string{";expires=120\r\n"}, ret: 1, users: 1},
		{name: "max-expires flag", flags: &SaveFlags{MaxContacts: Unset, MinExpires: Unset, MaxExpires: 100, MatchingMode: Unset},
			reqs: []string{register("alice", "<sip:a@10.0.0.1>", "", 1)},
			code: 200, want: []string{";expires=100\r\n"}, ret: 1, users: 1},
		{name: "q and received param", reqs: []string{register("alice", "<sip:a@10.0.0.1>;q=0.5", "", 1)},
			code: 200, want: []string{"<sip:a@10.0.0.1>;q=0.5;expires=3600"}, ret: 1, users: 1},
		{name: "unregister", reqs: []string{
			register("alice", "<sip:a@10.0.0.1>", "", 1),
			register("alice", "<sip:a@10.0.0.1>;expires=0", "", 2)},
			code: 200, notWant: []string{"Contact:"}, ret: 1, users: 0},
		{name: "star", reqs: []string{
			register("alice", "<sip:a@10.0.0.1>, <sip:b@10.0.0.2>", "", 1),
			register("alice", "*", "Expires: 0\n", 2)},
			code: 200, notWant: []string{"Contact:"}, ret: 1, users: 0},
		{name: "star with expires", reqs: []string{register("alice", "*", "Expires: 60\n", 1)},
			code: 400, want: []string{"P-Registrar-Error: * used in contact and expires is not zero\r\n"}, ret: -2},
		{name: "max_contacts", setup: func(_ *usrloc.Module, r *Module) { r.MaxContacts = 1 },
			reqs: []string{
				register("alice", "<sip:a@10.0.0.1>", "", 1),
				register("alice", "<sip:b@10.0.0.2>", "", 2)},
			code: 503, want: []string{"P-Registrar-Error: Too many registered contacts\r\n"}, ret: -2, users: 1},
		{name: "max-contacts flag on new AOR",
			flags: &SaveFlags{MaxContacts: 1, MinExpires: Unset, MaxExpires: Unset, MatchingMode: Unset},
			reqs:  []string{register("alice", "<sip:a@10.0.0.1>, <sip:b@10.0.0.2>", "", 1)},
			code:  503, want: []string{"Too many registered contacts"}, ret: -2, users: 0},
		{name: "force-registration drops the oldest",
			flags: &SaveFlags{MaxContacts: 1, ForceRegistration: true, MinExpires: Unset, MaxExpires: Unset, MatchingMode: Unset},
			reqs: []string{
				register("alice", "<sip:a@10.0.0.1>", "", 1),
				register("alice", "<sip:b@10.0.0.2>", "", 2)},
			code: 200, want: []string{"Contact: <sip:b@10.0.0.2>;expires=3600\r\n"}, notWant: []string{"10.0.0.1"}, ret: 1, users: 1},
		{name: "refresh with higher cseq", reqs: []string{
			register("alice", "<sip:a@10.0.0.1>", "", 1),
			register("alice", "<sip:a@10.0.0.1>;expires=600", "", 2)},
			code: 200, want: []string{"Contact: <sip:a@10.0.0.1>;expires=600\r\n"}, ret: 1, users: 1},
		{name: "lower cseq is out of order", reqs: []string{
			register("alice", "<sip:a@10.0.0.1>", "", 5),
			register("alice", "<sip:a@10.0.0.1>", "", 4)},
			code: 400, want: []string{"P-Registrar-Error: Invalid CSeq number\r\n"}, ret: -2, users: 1},
		{name: "same cseq soon is a retransmission", reqs: []string{
			register("alice", "<sip:a@10.0.0.1>", "", 5),
			register("alice", "<sip:a@10.0.0.1>;expires=100", "", 5)},
			code: 200, want: []string{";expires=3599\r\n"}, ret: 1, users: 1},
		{name: "allow_dup_cseq accepts the same cseq",
			setup: func(_ *usrloc.Module, r *Module) { r.AllowDupCSeq = 1 },
			reqs: []string{
				register("alice", "<sip:a@10.0.0.1>", "", 5),
				register("alice", "<sip:a@10.0.0.1>;expires=100", "", 5)},
			code: 200, want: []string{";expires=100\r\n"}, ret: 1, users: 1},
		{name: "query lists the bindings", reqs: []string{
			register("alice", "<sip:a@10.0.0.1>", "", 1),
			register("alice", "", "", 2)},
			code: 200, want: []string{"Contact: <sip:a@10.0.0.1>;expires=3599\r\n"}, ret: 1, users: 1},
		{name: "bad q", reqs: []string{register("alice", "<sip:a@10.0.0.1>;q=2", "", 1)},
			code: 400, want: []string{"Invalid q param in contact"}, ret: -2},
		{name: "path-lazy echoes Path when supported",
			flags: &SaveFlags{PathLazy: true, MaxContacts: Unset, MinExpires: Unset, MaxExpires: Unset, MatchingMode: Unset},
			reqs:  []string{register("alice", "<sip:a@10.0.0.1>", "Path: <sip:edge.example.com;lr>\nSupported: path\n", 1)},
			code:  200, want: []string{"Path: <sip:edge.example.com;lr>\r\n"}, ret: 1, users: 1},
		{name: "path-strict without support is 420",
			flags: &SaveFlags{PathStrict: true, MaxContacts: Unset, MinExpires: Unset, MaxExpires: Unset, MatchingMode: Unset},
			reqs:  []string{register("alice", "<sip:a@10.0.0.1>", "Path: <sip:edge.example.com;lr>\n", 1)},
			code:  420, want: []string{"Unsupported: path\r\n", "P-Registrar-Error: No support for found Path indicated"}, ret: 1, users: 1},
		{name: "path without lr", flags: &SaveFlags{PathLazy: true, MaxContacts: Unset, MinExpires: Unset, MaxExpires: Unset, MatchingMode: Unset},
			reqs: []string{register("alice", "<sip:a@10.0.0.1>", "Path: <sip:edge.example.com>\n", 1)},
			code: 400, want: []string{"Path parse error"}, ret: -2},
		{name: "no username in AOR", reqs: []string{strings.Replace(register("alice", "<sip:a@10.0.0.1>", "", 1),
			"To: <sip:alice@example.com>", "To: <sip:example.com>", 1)},
			code: 400, want: []string{"Error while parsing AOR"}, ret: -2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.setup)
			var ret api.Ret
			for i, r := range tt.reqs {
				if i > 0 {
					e.now = e.now.Add(1e9) // one second later
				}
				ret = e.reg.save(e.ctx(r), []any{e.d, tt.flags, nil, nil})
			}
			got := e.lastReply()
			if got.Code != tt.code || got.Reason != reason(tt.code) {
				t.Fatalf("reply %d %q, want %d %q (%q)", got.Code, got.Reason, tt.code, reason(tt.code), got.Extra)
			}
			for _, w := range tt.want {
				if !strings.Contains(got.Extra, w) {
					t.Errorf("reply headers %q lack %q", got.Extra, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got.Extra, w) {
					t.Errorf("reply headers %q contain %q", got.Extra, w)
				}
			}
			if ret != tt.ret {
				t.Errorf("save returned %d, want %d", ret, tt.ret)
			}
			if u := e.d.Users(); u != tt.users {
				t.Errorf("%d AORs in memory, want %d", u, tt.users)
			}
		})
	}
}

func TestSaveStatsAndNoReply(t *testing.T) {
	e := newEnv(t, nil)
	f := &SaveFlags{NoReply: true, MaxContacts: Unset, MinExpires: Unset, MaxExpires: Unset, MatchingMode: Unset}
	if ret := e.reg.save(e.ctx(register("bob", "<sip:b@10.0.0.1>", "", 1)), []any{e.d, f, nil, nil}); ret != 1 {
		t.Fatalf("save = %d", ret)
	}
	if n := len(e.sig.Replies()); n != 0 {
		t.Errorf("no-reply sent %d replies", n)
	}
	e.reg.save(e.ctx(register("bob", "*", "Expires: 5\n", 2)), []any{e.d, f, nil, nil})
	if e.reg.AcceptedRegs() != 1 || e.reg.RejectedRegs() != 1 {
		t.Errorf("accepted %d rejected %d, want 1 and 1", e.reg.AcceptedRegs(), e.reg.RejectedRegs())
	}
}

func TestSaveReceivedAVPAndNAT(t *testing.T) {
	e := newEnv(t, func(ul *usrloc.Module, reg *Module) {
		reg.ReceivedAVP = "$avp(rcv)"
	})
	if err := e.reg.Init(&api.InitCtx{Module: func(string) api.Module { return e.ul }}); err != nil {
		t.Fatal(err)
	}
	e.avps.Push("rcv", api.StrValue("sip:192.0.2.7:40000"))
	c := e.ctx(register("carol", "<sip:carol@10.0.0.5:5060>", "", 1))
	c.BFlags = 1 << 3
	if ret := e.reg.save(c, []any{e.d, nil, nil, nil}); ret != 1 {
		t.Fatalf("save = %d", ret)
	}
	want := `Contact: <sip:carol@10.0.0.5:5060>;expires=3600;received="sip:192.0.2.7:40000"` + "\r\n"
	if got := e.lastReply().Extra; got != want {
		t.Errorf("reply headers %q, want %q", got, want)
	}
	dump := e.ul.Dump(false)
	doms, _ := dump.Get("Domains")
	aors, _ := doms.([]usrloc.Object)[0].Get("AORs")
	ct, _ := aors.([]usrloc.Object)[0].Get("Contacts")
	cflags, _ := ct.([]usrloc.Object)[0].Get("Cflags")
	if cflags != "NAT" {
		t.Errorf("Cflags = %v, want NAT", cflags)
	}
}
