package registrar

import (
	"testing"

	"gosips/api"
)

func TestLookup(t *testing.T) {
	type want struct {
		ret      api.Ret
		ruri, du string
		branches []string
		q        int
	}
	tests := []struct {
		name   string
		regs   []string
		flags  any
		ruri   string
		method string
		want   want
	}{
		{name: "not found", ruri: "sip:nobody@example.com", want: want{ret: -1, ruri: "sip:nobody@example.com", q: -1}},
		{name: "single binding", regs: []string{register("alice", "<sip:alice@10.0.0.1:5060;transport=udp>", "", 1)},
			ruri: "sip:alice@example.com", want: want{ret: 1, ruri: "sip:alice@10.0.0.1:5060;transport=udp", q: -1}},
		{name: "highest q first, others as branches",
			regs: []string{register("alice", "<sip:a@10.0.0.1>;q=0.5, <sip:b@10.0.0.2>;q=1", "", 1)},
			ruri: "sip:alice@example.com",
			want: want{ret: 1, ruri: "sip:b@10.0.0.2", branches: []string{"sip:a@10.0.0.1"}, q: 1000}},
		{name: "no-branches", regs: []string{register("alice", "<sip:a@10.0.0.1>;q=0.5, <sip:b@10.0.0.2>;q=1", "", 1)},
			flags: &LookupFlags{NoBranches: true}, ruri: "sip:alice@example.com",
			want: want{ret: 1, ruri: "sip:b@10.0.0.2", q: 1000}},
		{name: "received sets du", regs: []string{register("alice", `<sip:a@10.0.0.1>;received="sip:192.0.2.1:1234"`, "", 1)},
			ruri: "sip:alice@example.com", want: want{ret: 1, ruri: "sip:a@10.0.0.1", du: "sip:192.0.2.1:1234", q: -1}},
		{name: "path sets du", flags: nil,
			regs: []string{"path:" + register("alice", "<sip:a@10.0.0.1>", "Path: <sip:edge.example.com;lr;received=sip:198.51.100.1>\n", 1)},
			ruri: "sip:alice@example.com", want: want{ret: 1, ruri: "sip:a@10.0.0.1", du: "sip:198.51.100.1", q: -1}},
		{name: "method filtering", regs: []string{register("alice", `<sip:a@10.0.0.1>;methods="MESSAGE"`, "", 1)},
			flags: &LookupFlags{MethodFiltering: true}, ruri: "sip:alice@example.com",
			want: want{ret: -2, ruri: "sip:alice@example.com", q: -1}},
		{name: "ua filtering", regs: []string{register("alice", "<sip:a@10.0.0.1>", "User-Agent: deskphone\n", 1)},
			flags: mustLookupFlags("ua-filtering=/mobile/"), ruri: "sip:alice@example.com",
			want: want{ret: -1, ruri: "sip:alice@example.com", q: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			for _, r := range tt.regs {
				flags := any(nil)
				if len(r) > 5 && r[:5] == "path:" {
					r = r[5:]
					flags = &SaveFlags{PathLazy: true, MaxContacts: Unset, MinExpires: Unset, MaxExpires: Unset, MatchingMode: Unset}
				}
				if ret := e.reg.save(e.ctx(r), []any{e.d, flags, nil, nil}); ret != 1 {
					t.Fatalf("save = %d (%+v)", ret, e.lastReply())
				}
			}
			c := e.ctx(invite(tt.ruri))
			ret := e.reg.lookup(c, []any{e.d, tt.flags, nil})
			if ret != tt.want.ret {
				t.Errorf("lookup = %d, want %d", ret, tt.want.ret)
			}
			if got := c.Msg.RURI(); got != tt.want.ruri {
				t.Errorf("R-URI %q, want %q", got, tt.want.ruri)
			}
			if c.DstURI != tt.want.du {
				t.Errorf("$du %q, want %q", c.DstURI, tt.want.du)
			}
			if c.RURIQ != tt.want.q {
				t.Errorf("q %d, want %d", c.RURIQ, tt.want.q)
			}
			var brs []string
			for _, b := range c.Branches {
				brs = append(brs, b.URI)
			}
			if len(brs) != len(tt.want.branches) || (len(brs) > 0 && brs[0] != tt.want.branches[0]) {
				t.Errorf("branches %v, want %v", brs, tt.want.branches)
			}
		})
	}
}

func mustLookupFlags(s string) *LookupFlags {
	f, err := ParseLookupFlags(s)
	if err != nil {
		panic(err)
	}
	return f
}

func TestIsRegisteredAndRemove(t *testing.T) {
	e := newEnv(t, nil)
	e.reg.save(e.ctx(register("alice", "<sip:a@10.0.0.1>, <sip:b@10.0.0.2:5070>", "", 1)), []any{e.d, nil, nil, nil})
	c := e.ctx(invite("sip:alice@example.com"))
	if r := e.reg.isRegistered(c, []any{e.d, "sip:alice@example.com"}); r != 1 {
		t.Errorf("is_registered(alice) = %d", r)
	}
	if r := e.reg.isRegistered(c, []any{e.d, nil}); r != -1 {
		t.Errorf("is_registered(From carol) = %d, want -1", r)
	}
	if r := e.reg.isContactRegistered(c, []any{e.d, "sip:alice@example.com", "sip:b@10.0.0.2:5070", nil}); r != 1 {
		t.Errorf("is_contact_registered = %d", r)
	}
	if r := e.reg.isContactRegistered(c, []any{e.d, "sip:alice@example.com", nil, "other"}); r != -1 {
		t.Errorf("is_contact_registered(callid other) = %d, want -1", r)
	}
	if r := e.reg.removeIPPort(c, []any{"10.0.0.2", int64(5070), e.d, nil}); r != 1 {
		t.Errorf("remove_ip_port = %d", r)
	}
	if n := e.d.Contacts(); n != 1 {
		t.Errorf("%d contacts after remove_ip_port, want 1", n)
	}
	if r := e.reg.remove(c, []any{e.d, "sip:alice@example.com", nil, nil, nil, nil}); r != 1 {
		t.Errorf("remove = %d", r)
	}
	if r := e.reg.isRegistered(c, []any{e.d, "sip:alice@example.com"}); r != -1 {
		t.Errorf("is_registered after remove = %d", r)
	}
}
