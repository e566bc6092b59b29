package pv

import (
	"testing"

	"gosips/api"
)

func TestBranchPVs(t *testing.T) {
	c, _ := msgCtx(t, inviteMsg)
	if got := get(t, c, "$branch"); got != "<null>" {
		t.Errorf("no branches: $branch = %q", got)
	}
	set(t, c, "$branch", api.StrValue("sip:b1@h1"))
	set(t, c, "$branch", api.StrValue("sip:b2@h2"))
	set(t, c, "$(branch(q)[1])", api.IntValue(300))
	set(t, c, "$(branch(duri)[0])", api.StrValue("sip:proxy"))
	set(t, c, "$msg.branch.path", api.StrValue("<sip:p;lr>"))
	set(t, c, "$(msg.branch.flag(BNAT)[1])", api.IntValue(1))
	tests := []struct{ pv, want string }{
		{"$(branch.flag(BNAT)[1])", "1"},
		{"$(branch.flag(BNAT)[0])", "0"},
		{"$branch", "sip:b1@h1"},
		{"$branch(uri)", "sip:b1@h1"},
		{"$(branch(uri)[-1])", "sip:b2@h2"},
		{"$(branch(uri)[*])", "sip:b1@h1, sip:b2@h2"},
		{"$(branch(q)[1])", "0.3"},
		{"$branch(q)", "<null>"},
		{"$branch(duri)", "sip:proxy"},
		{"$branch(path)", "<null>"},
		{"$(branch(path)[1])", "<sip:p;lr>"},
		{"$(branch(flags)[1])", "1"},
		{"$branch(socket)", "<null>"},
		{"$(msg.branch.uri[1])", "sip:b2@h2"},
		{"$msg.branch.last_idx", "1"},
		{"$(msg.branch.flag(BNAT)[1])", "1"},
		{"$msg.branch.flag(BNAT)", "1"},
		{"$(msg.branch.flag(BNAT)[0])", "0"},
		{"$msg.branch", "sip:b2@h2"},
		{"$(msg.branch.path[0])", "<null>"},
		{"$msg.branch.path", "<sip:p;lr>"},
		{"$(branch(uri)[5])", "<null>"},
	}
	for _, tt := range tests {
		if got := get(t, c, tt.pv); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.pv, got, tt.want)
		}
	}
	// $branch.flag is the old name of $msg.branch.flag.
	set(t, c, "$(branch.flag(BNAT)[0])", api.IntValue(1))
	if got := get(t, c, "$(msg.branch.flag(BNAT)[0])"); got != "1" {
		t.Errorf("$branch.flag write not seen by $msg.branch.flag: %q", got)
	}
	// $msg.branch = uri appends; unindexed fields then write that branch.
	set(t, c, "$msg.branch", api.StrValue("sip:b3@h3"))
	set(t, c, "$msg.branch.q", api.IntValue(100))
	if len(c.Branches) != 3 || c.Branches[2].Q != 100 || c.Branches[2].URI != "sip:b3@h3" {
		t.Errorf("append: %+v", c.Branches)
	}
	set(t, c, "$msg.branch", api.Null)
	set(t, c, "$(branch[0])", api.Null)
	if len(c.Branches) != 1 || c.Branches[0].URI != "sip:b2@h2" {
		t.Errorf("remove branch 0: %+v", c.Branches)
	}
	if err := mustSpec(t, "$(branch(uri)[4])").Set(c, api.StrValue("sip:x@y")); err == nil {
		t.Error("writing a missing branch should fail")
	}
	set(t, c, "$(branch[*])", api.Null)
	if len(c.Branches) != 0 {
		t.Errorf("remove all: %+v", c.Branches)
	}
}

// statePriv exposes the optional runtime interfaces.
type statePriv struct {
	*fakePriv
	level, xlevel int
}

func (*statePriv) MsgID() uint64                { return 42 }
func (*statePriv) CfgPos() (string, int)        { return "opensips.cfg", 17 }
func (*statePriv) ReturnValues() []api.Value    { return []api.Value{api.StrValue("v0"), api.IntValue(5)} }
func (*statePriv) Argv(n string) (string, bool) { return "val-" + n, n == "x" }
func (p *statePriv) LogLevel(xlog bool) int {
	if xlog {
		return p.xlevel
	}
	return p.level
}
func (p *statePriv) SetLogLevel(xlog bool, level int, reset bool) {
	if reset {
		level = -9
	}
	if xlog {
		p.xlevel = level
	} else {
		p.level = level
	}
}
func (*statePriv) RouteStack() []RouteFrame {
	return []RouteFrame{{Type: api.RequestRoute}, {Type: api.RequestRoute, Name: "relay"},
		{Type: api.FailureRoute, Name: "missed"}}
}

func TestScriptStatePVs(t *testing.T) {
	c, _ := msgCtx(t, inviteMsg)
	p := &statePriv{fakePriv: newFake(), level: 3}
	c.Priv = p
	p.vars.Set("i", api.IntValue(2))
	c.Params = []api.Value{api.StrValue("first"), api.IntValue(7)}
	c.Err = &api.ErrInfo{Class: 1, Level: 2, Info: "parse error", RCode: 400, RReply: "Bad Request"}
	c.Path = "<sip:edge;lr>"
	tests := []struct{ pv, want string }{
		{"$param(1)", "first"},
		{"$param(2)", "7"},
		{"$param($var(i))", "7"},
		{"$param(3)", "<null>"},
		{"$param(0)", "<null>"},
		{"$return(0)", "v0"},
		{"$return(1)", "5"},
		{"$return(2)", "<null>"},
		{"$argv(x)", "val-x"},
		{"$argv(y)", "<null>"},
		{"$mi", "42"},
		{"$cfg_line", "17"},
		{"$cfg_file", "opensips.cfg"},
		{"$route", "route > route[relay] > failure_route[missed]"},
		{"$(route[0])", "failure_route[missed]"},
		{"$(route[1])", "route[relay]"},
		{"$(route[-1])", "route"},
		{"$route.name", "missed"},
		{"$(route.name[1])", "relay"},
		{"$(route.name[-1])", "<null>"},
		{"$route.type", "failure_route"},
		{"$(route.type[2])", "route"},
		{"$(route.type[3])", "<null>"},
		{"$err.class", "1"},
		{"$err.level", "2"},
		{"$err.info", "parse error"},
		{"$err.rcode", "400"},
		{"$err.rreason", "Bad Request"},
		{"$log_level", "3"},
		{"$path", "<sip:edge;lr>"},
	}
	for _, tt := range tests {
		if got := get(t, c, tt.pv); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.pv, got, tt.want)
		}
	}
	set(t, c, "$xlog_level", api.IntValue(4))
	set(t, c, "$log_level", api.Null)
	if p.xlevel != 4 || p.level != -9 {
		t.Errorf("log levels: %d %d", p.level, p.xlevel)
	}
	c.Err = nil
	if got := get(t, c, "$err.class") + " " + get(t, c, "$err.info"); got != "0 <null>" {
		t.Errorf("no error: %q", got)
	}
	// Without the interfaces the values are NULL.
	c.Priv = newFake()
	for _, pv := range []string{"$mi", "$cfg_line", "$route", "$return(0)", "$argv(x)", "$log_level"} {
		if got := get(t, c, pv); got != "<null>" {
			t.Errorf("%s = %q, want <null>", pv, got)
		}
	}
}

// TestCoreDefsImplemented checks that every core PV is declared with its
// getter (and its setter when writable), except the pinned list of PVs not
// implemented yet, which the not-implemented golden also lists.
func TestCoreDefsImplemented(t *testing.T) {
	missing := map[string]bool{}
	for _, d := range CoreDefs() {
		if d.Module == "" && d.Get == nil {
			missing[d.Name] = true
		}
		if d.Writable && d.Module == "" && d.Get != nil && d.Set == nil {
			t.Errorf("$%s is writable but has no setter", d.Name)
		}
		if !d.Writable && (d.Set != nil || d.Replace != nil) {
			t.Errorf("$%s is read-only but has a setter", d.Name)
		}
	}
	want := []string{"msg.branch.attr"}
	for _, n := range want {
		if !missing[n] {
			t.Errorf("$%s is now implemented; update this list", n)
		}
		delete(missing, n)
	}
	for n := range missing {
		t.Errorf("core PV $%s has no getter", n)
	}
}

// TestCommonReadsDoNotAllocate guards the per-message cost of the PVs
// nearly every route reads.
func TestCommonReadsDoNotAllocate(t *testing.T) {
	c, _ := msgCtx(t, inviteMsg)
	for _, raw := range []string{"$ru", "$rU", "$rd", "$rp", "$rP", "$rm", "$si", "$sp", "$fu", "$fU", "$fd",
		"$ft", "$tu", "$tt", "$ci", "$cs", "$cl", "$ua", "$hdr(X-Custom)", "$(hdr(Via)[-1])", "$au", "$ar",
		"$ct.fields(uri)", "$socket_in(port)", "$msg.is_request", "$msg.flag(NAT)"} {
		s := mustSpec(t, raw)
		if _, err := s.Get(c); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if n := testing.AllocsPerRun(100, func() { _, _ = s.Get(c) }); n != 0 {
			t.Errorf("%s: %v allocations per read", raw, n)
		}
	}
}
