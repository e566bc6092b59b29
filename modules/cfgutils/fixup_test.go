package cfgutils

import (
	"strings"
	"testing"

	"gosips/api"
)

func TestParams(t *testing.T) {
	tests := []struct {
		name    string
		val     api.ParamValue
		wantErr string
		check   func(c *CfgUtils) bool
	}{
		{name: "shvset", val: api.ParamValue{Str: "cnt=i:5"},
			check: func(c *CfgUtils) bool { return c.Shvset[0] == Var{"cnt", api.IntValue(5)} }},
		{name: "shvset", val: api.ParamValue{Str: "gw=s:sip:10.0.0.1"},
			check: func(c *CfgUtils) bool { return c.Shvset[0] == Var{"gw", api.StrValue("sip:10.0.0.1")} }},
		{name: "varset", val: api.ParamValue{Str: "x=I:-3"},
			check: func(c *CfgUtils) bool { return c.Varset[0] == Var{"x", api.IntValue(-3)} }},
		{name: "shvset", val: api.ParamValue{Str: "cnt=5"}, wantErr: "expected a type (i: or s:)"},
		{name: "shvset", val: api.ParamValue{Str: "cnt=i:five"}, wantErr: `bad integer "five"`},
		{name: "shvset", val: api.ParamValue{Str: "cnt=x:5"}, wantErr: `unknown type "x"`},
		{name: "varset", val: api.ParamValue{Str: "=i:1"}, wantErr: "expected \"name=i:number\""},
		{name: "initial_probability", val: api.ParamValue{IsInt: true, Int: 101}, wantErr: "out of range"},
		{name: "initial_probability", val: api.ParamValue{IsInt: true, Int: 50},
			check: func(c *CfgUtils) bool { return c.InitialProbability == 50 }},
		{name: "lock_pool_size", val: api.ParamValue{IsInt: true, Int: 0}, wantErr: "must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name+"="+tc.val.Str, func(t *testing.T) {
			c := New()
			var p *api.Param
			for _, x := range c.Params() {
				if x.Name == tc.name {
					p = &x
				}
			}
			if p == nil {
				t.Fatalf("%s not declared", tc.name)
			}
			err := p.Set(tc.val)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(c) {
				t.Fatalf("err=%v state=%+v", err, c)
			}
		})
	}
}

func TestFixups(t *testing.T) {
	fs := map[string]api.Func{}
	for _, f := range New().Funcs() {
		fs[f.Name] = f
	}
	tests := []struct {
		fn      string
		str     string
		num     int64
		wantErr string
	}{
		{fn: "rand_event", num: 30},
		{fn: "rand_set_prob", num: 101, wantErr: "out of range"},
		{fn: "shuffle_avps", str: "$avp(gw)"},
		{fn: "shuffle_avps", str: "$var(gw)", wantErr: "must be an AVP"},
	}
	for _, tc := range tests {
		err := fs[tc.fn].Args[0].Fixup(&api.FixupCtx{}, &api.FixArg{Str: tc.str, Int: tc.num})
		if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s(%q/%d): error = %v, want %q", tc.fn, tc.str, tc.num, err, tc.wantErr)
		}
	}
	if !fs["sleep"].Async || !fs["usleep"].Async {
		t.Error("sleep/usleep must be async")
	}
	if fs["sleep"].Routes&api.ErrorRoute != 0 || fs["check_time_rec"].Routes != api.AllRoutes {
		t.Error("route flags differ from cfgutils.c")
	}
}

func TestMI(t *testing.T) {
	for _, c := range New().MICommands() {
		if len(c.Aliases) != 1 || c.Aliases[0] != "cfgutils:"+c.Name {
			t.Errorf("%s aliases = %v", c.Name, c.Aliases)
		}
		if c.Name == "shv_get" && len(c.Recipes) != 2 {
			t.Errorf("shv_get recipes = %v", c.Recipes)
		}
	}
}

func TestPVs(t *testing.T) {
	defs := map[string]func(string) (any, error){}
	for _, d := range New().PVs() {
		defs[d.Name] = d.ParseInner
		if d.Module != "cfgutils" {
			t.Errorf("$%s module = %q", d.Name, d.Module)
		}
	}
	if _, err := defs["ctime"]("hour"); err != nil {
		t.Error(err)
	}
	if _, err := defs["ctime"]("hours"); err == nil || !strings.Contains(err.Error(), "unknown time field") {
		t.Errorf("ctime(hours): %v", err)
	}
	for _, n := range []string{"RANDOM", "shv", "env"} {
		if _, ok := defs[n]; !ok {
			t.Errorf("$%s not declared", n)
		}
	}
}
