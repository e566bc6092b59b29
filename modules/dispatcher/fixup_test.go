package dispatcher

import (
	"strings"
	"testing"

	"gosips/api"
)

func setParam(t *testing.T, m *Module, name string, v api.ParamValue) error {
	t.Helper()
	for _, p := range m.Params() {
		if p.Name == name {
			return p.Set(v)
		}
	}
	t.Fatalf("param %s not declared", name)
	return nil
}

func TestPartitionParam(t *testing.T) {
	m := New()
	lines := []string{
		"pstn: db_url = sqlite:///var/db/ds.db; table_name = gw; attrs_avp = $avp(gw_attrs)",
		"trunks: db_url = text:///etc/ds ; ds_define_blacklist = bad = 1, 2",
		"default: pstn",
	}
	for _, l := range lines {
		if err := setParam(t, m, "partition", api.ParamValue{Str: l}); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
	}
	if len(m.Partitions) != 2 || m.DefaultOverride != "pstn" {
		t.Fatalf("partitions = %+v, override %q", m.Partitions, m.DefaultOverride)
	}
	p := m.Partitions[0]
	if p.Name != "pstn" || p.DBURL != "sqlite:///var/db/ds.db" || p.TableName != "gw" || p.AttrsAVP != "$avp(gw_attrs)" {
		t.Errorf("pstn = %+v", p)
	}
	if len(m.Partitions[1].Blacklists) != 1 {
		t.Errorf("trunks blacklists = %v", m.Partitions[1].Blacklists)
	}
	m.Default.DBURL = "sqlite:///var/db/main.db"
	vc := &api.ValidateCtx{Loaded: func(n string) bool { return n == "db_sqlite" || n == "db_text" }}
	if err := m.Validate(vc); err != nil {
		t.Fatal(err)
	}
	if got := m.Partitions[0].DstAVP; got != "$avp(ds_dst_failover_pstn)" {
		t.Errorf("inherited dst_avp = %q", got)
	}
	if got := m.Partitions[1].TableName; got != "dispatcher" {
		t.Errorf("inherited table_name = %q", got)
	}
}

func TestPartitionParamErrors(t *testing.T) {
	tests := []struct{ line, wantErr string }{
		{"pstn: db_urll = x", `unknown setting "db_urll" (did you mean "db_url"?)`},
		{"pstn: table_name =", "bad pair"},
		{"pstn: other", "expected key = value pairs"},
		{"x: ds_define_blacklist = nolist", "expected \"name = set,set,...\""},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			err := setParam(t, New(), "partition", api.ParamValue{Str: tt.line})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(*Module)
		wantErr string
	}{
		{name: "no db", setup: func(*Module) {}, wantErr: "no default partition"},
		{name: "list_file only", setup: func(m *Module) {
			m.Legacy["list_file"] = api.ParamValue{Str: "/etc/dispatcher.list"}
		}},
		{name: "ping needs tm", setup: func(m *Module) {
			m.Default.DBURL, m.PingInterval = "text:///d", 10
		}, wantErr: `ds_ping_interval needs loadmodule "tm.so"`},
		{name: "unknown override", setup: func(m *Module) {
			m.Default.DBURL, m.DefaultOverride = "text:///d", "nope"
		}, wantErr: `partition "nope" (set as default) is not defined`},
		{name: "partition db", setup: func(m *Module) {
			m.Partitions = append(m.Partitions, &Partition{Name: "p", DBURL: "mysql://x/y"})
		}, wantErr: `partition "p" db_url "mysql://x/y" needs loadmodule "db_mysql.so"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			tt.setup(m)
			err := m.Validate(&api.ValidateCtx{Loaded: func(n string) bool { return n == "db_text" }})
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestFlagsFixup(t *testing.T) {
	tests := []struct {
		in      string
		want    Flags
		legacy  string
		wantErr string
	}{
		{in: "f", want: Failover},
		{in: "FuDa", want: Failover | HashUserOnly | UseDefault | AppendMode},
		{in: "f d", want: Failover | UseDefault},
		{in: "fM3", want: Failover, legacy: `ds_select_dst(set, alg, "f", , 3)`},
		{in: "5", want: 0, legacy: `ds_select_dst(set, alg, "", , 5)`},
		{in: "x", wantErr: `invalid flag 'x' in "x"`},
		{in: "fMx", wantErr: "invalid flag 'M'"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var legacy []string
			fc := &api.FixupCtx{Legacy: func(msg, hint string) { legacy = append(legacy, hint) }}
			a := &api.FixArg{Const: true, Str: tt.in}
			err := flagsFixup(fc, a)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Fixed != tt.want {
				t.Errorf("flags = %v, want %v", a.Fixed, tt.want)
			}
			if tt.legacy == "" && len(legacy) != 0 || tt.legacy != "" && (len(legacy) != 1 || legacy[0] != tt.legacy) {
				t.Errorf("legacy = %q, want %q", legacy, tt.legacy)
			}
		})
	}
}

func TestSmallFixups(t *testing.T) {
	m := New()
	m.Partitions = []*Partition{{Name: "pstn"}}
	tests := []struct {
		name    string
		fix     func(*api.FixupCtx, *api.FixArg) error
		arg     api.FixArg
		want    any
		wantErr string
	}{
		{name: "state i", fix: stateFixup, arg: api.FixArg{Str: "i"}, want: Inactive},
		{name: "state 1", fix: stateFixup, arg: api.FixArg{Str: "1"}, want: Active},
		{name: "state P", fix: stateFixup, arg: api.FixArg{Str: "P"}, want: Probing},
		{name: "state bad", fix: stateFixup, arg: api.FixArg{Str: "ia"}, wantErr: `unknown state "ia"`},
		{name: "count ai", fix: countFilterFixup, arg: api.FixArg{Str: "ai"}, want: CountActive | CountInactive},
		{name: "count 2", fix: countFilterFixup, arg: api.FixArg{Str: "2"}, want: CountProbing},
		{name: "count bad", fix: countFilterFixup, arg: api.FixArg{Str: "x"}, wantErr: "invalid filter 'x'"},
		{name: "partition ok", fix: m.partitionFixup, arg: api.FixArg{Str: "pstn"}, want: m.Partitions[0]},
		{name: "partition default", fix: m.partitionFixup, arg: api.FixArg{Str: "default"}, want: &m.Default},
		{name: "partition bad", fix: m.partitionFixup, arg: api.FixArg{Str: "pstm"},
			wantErr: `unknown partition "pstm" (defined: default, pstn)`},
		{name: "port bad", fix: portFixup, arg: api.FixArg{Int: 70000}, wantErr: "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.arg
			a.Const = true
			err := tt.fix(&api.FixupCtx{}, &a)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Fixed != tt.want {
				t.Errorf("Fixed = %v, want %v", a.Fixed, tt.want)
			}
		})
	}
}

func TestAlgorithmWarning(t *testing.T) {
	var warns []string
	fc := &api.FixupCtx{Warn: func(msg, hint string) { warns = append(warns, msg) }}
	for _, alg := range []int64{0, 4, 10, 11} {
		if err := algFixup(fc, &api.FixArg{Const: true, Int: alg}); err != nil {
			t.Fatal(err)
		}
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "unknown algorithm 11") {
		t.Errorf("warns = %q", warns)
	}
}

func TestFuncTable(t *testing.T) {
	want := map[string]struct {
		routes api.RouteType
		nargs  int
	}{
		"ds_select_dst":        {api.RequestRoute | api.BranchRoute | api.FailureRoute | api.LocalRoute, 5},
		"ds_select_domain":     {api.RequestRoute | api.BranchRoute | api.FailureRoute | api.LocalRoute, 5},
		"ds_next_dst":          {api.RequestRoute | api.FailureRoute, 1},
		"ds_next_domain":       {api.RequestRoute | api.FailureRoute, 1},
		"ds_mark_dst":          {api.RequestRoute | api.FailureRoute, 2},
		"ds_is_in_list":        {api.RequestRoute | api.FailureRoute | api.OnReplyRoute | api.BranchRoute | api.LocalRoute, 6},
		"ds_count":             {api.RequestRoute | api.FailureRoute | api.BranchRoute | api.LocalRoute | api.TimerRoute | api.EventRoute, 4},
		"ds_push_script_attrs": {api.AllRoutes, 5},
		"ds_get_script_attrs":  {api.AllRoutes, 4},
	}
	seen := 0
	for _, f := range New().Funcs() {
		w, ok := want[f.Name]
		if !ok {
			if f.Legacy == "" {
				t.Errorf("unexpected function %s", f.Name)
			}
			continue
		}
		seen++
		if f.Routes != w.routes || len(f.Args) != w.nargs {
			t.Errorf("%s: routes %v, %d args", f.Name, f.Routes, len(f.Args))
		}
	}
	if seen != len(want) {
		t.Errorf("declared %d of %d functions", seen, len(want))
	}
}

func TestMICommands(t *testing.T) {
	for _, c := range New().MICommands() {
		if len(c.Aliases) != 1 || !strings.HasPrefix(c.Aliases[0], "dispatcher:") || len(c.Recipes) == 0 {
			t.Errorf("%+v", c)
		}
		if c.Name == "ds_list" && len(c.Recipes) != 4 {
			t.Errorf("ds_list recipes = %v", c.Recipes)
		}
	}
}
