package usrloc

import (
	"strings"
	"testing"

	"gosips/api"
)

func param(t *testing.T, m *Module, name string) api.Param {
	t.Helper()
	for _, p := range m.Params() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("param %s not declared", name)
	return api.Param{}
}

func str(s string) api.ParamValue { return api.ParamValue{Str: s} }
func num(n int64) api.ParamValue  { return api.ParamValue{IsInt: true, Int: n} }
func loaded(mods ...string) func(string) bool {
	return func(n string) bool {
		for _, m := range mods {
			if m == n {
				return true
			}
		}
		return false
	}
}

func TestParamSetters(t *testing.T) {
	tests := []struct {
		name    string
		v       api.ParamValue
		wantErr string
		check   func(*Module) bool
	}{
		{name: "working_mode_preset", v: str("sql-only"), check: func(m *Module) bool { return m.Preset == PresetSQLOnly }},
		{name: "working_mode_preset", v: str("Single-Instance-No-DB"), check: func(m *Module) bool { return m.Preset == PresetNoDB }},
		{name: "working_mode_preset", v: str("single-instance-sql-writeback"),
			wantErr: `invalid working_mode_preset "single-instance-sql-writeback" (did you mean "single-instance-sql-write-back"?)`},
		{name: "working_mode_preset", v: str("cluster"), wantErr: "one of: single-instance-no-db"},
		{name: "db_mode", v: num(2), check: func(m *Module) bool { return m.DBMode == 2 }},
		{name: "db_mode", v: num(4), wantErr: "invalid db_mode 4"},
		{name: "cluster_mode", v: str("full-sharing"), check: func(m *Module) bool { return m.ClusterMode == "full-sharing" }},
		{name: "cluster_mode", v: str("full-share"), wantErr: `did you mean "full-sharing"?`},
		{name: "sql_write_mode", v: str("write-back"), check: func(m *Module) bool { return m.SQLWriteMode == "write-back" }},
		{name: "restart_persistency", v: str("load-from-sql"), check: func(m *Module) bool { return m.RestartPersistency == "load-from-sql" }},
		{name: "pinging_mode", v: str("owner"), wantErr: "invalid pinging_mode"},
		{name: "nat_bflag", v: str("NAT"), check: func(m *Module) bool { return m.NATBFlag == "NAT" && !m.natBFlagNumber }},
		{name: "nat_bflag", v: num(6), check: func(m *Module) bool { return m.NATBFlag == "6" && m.natBFlagNumber }},
		{name: "nat_bflag", v: str(""), wantErr: "nat_bflag is empty"},
		{name: "matching_mode", v: num(1), check: func(m *Module) bool { return m.MatchingMode == 1 }},
		{name: "matching_mode", v: num(2), wantErr: "invalid matching_mode 2"},
		{name: "hash_size", v: num(17), wantErr: "at most 16"},
		{name: "timer_interval", v: num(0), wantErr: "must be positive"},
		{name: "user_column", v: str("user"), check: func(m *Module) bool { return m.Cols.User == "user" }},
		{name: "sip_instance_column", v: str("inst"), check: func(m *Module) bool { return m.Cols.SIPInstance == "inst" }},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.v.Str, func(t *testing.T) {
			m := New()
			err := param(t, m, tt.name).Set(tt.v)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(m) {
				t.Errorf("value not stored: %+v", m)
			}
		})
	}
}

func TestParamTypes(t *testing.T) {
	m := New()
	want := map[string]api.ParamType{
		"db_mode": api.ParamInt, "working_mode_preset": api.ParamStr, "use_domain": api.ParamInt,
		"nat_bflag": api.ParamStr | api.ParamInt, "timer_interval": api.ParamInt,
		"db_url": api.ParamStr, "hash_size": api.ParamInt, "contact_id_column": api.ParamStr,
	}
	for _, p := range m.Params() {
		if w, ok := want[p.Name]; ok && p.Type != w {
			t.Errorf("%s type = %v, want %v", p.Name, p.Type, w)
		}
	}
	if param(t, m, "db_mode").Deprecated == "" {
		t.Error("db_mode is not marked deprecated")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		set     map[string]api.ParamValue
		loaded  []string
		global  string
		wantErr string
		preset  string
	}{
		{name: "defaults", preset: "", loaded: nil},
		{name: "db_mode 0 maps", set: map[string]api.ParamValue{"db_mode": num(0)}, preset: PresetNoDB},
		{name: "db_mode 2 maps", set: map[string]api.ParamValue{"db_mode": num(2), "db_url": str("sqlite:///tmp/x.db")},
			loaded: []string{"db_sqlite"}, preset: PresetWriteBack},
		{name: "both set", set: map[string]api.ParamValue{"db_mode": num(0), "working_mode_preset": str(PresetNoDB)},
			wantErr: "both db_mode and working_mode_preset"},
		{name: "sql without url", set: map[string]api.ParamValue{"working_mode_preset": str(PresetSQLOnly)},
			wantErr: "db_url is not set"},
		{name: "sql with default url", set: map[string]api.ParamValue{"working_mode_preset": str(PresetSQLOnly)},
			global: "text:///var/db", loaded: []string{"db_text"}, preset: PresetSQLOnly},
		{name: "mysql", set: map[string]api.ParamValue{"db_mode": num(1), "db_url": str("mysql://u:p@h/db")},
			loaded: []string{"db_mysql"}, preset: PresetWriteThrough},
		{name: "mysql not loaded", set: map[string]api.ParamValue{"db_mode": num(1), "db_url": str("mysql://u:p@h/db")},
			wantErr: `needs loadmodule "db_mysql.so"`},
		{name: "oracle", set: map[string]api.ParamValue{"db_mode": num(1), "db_url": str("oracle://u:p@h/db")},
			wantErr: `needs loadmodule "db_oracle.so"`},
		{name: "db module not loaded", set: map[string]api.ParamValue{"db_mode": num(3), "db_url": str("text:///d")},
			wantErr: `needs loadmodule "db_text.so"`},
		{name: "write mode alone", set: map[string]api.ParamValue{"restart_persistency": str("load-from-sql")},
			wantErr: "db_url is not set"},
		{name: "federation", set: map[string]api.ParamValue{"working_mode_preset": str(PresetFederation)},
			wantErr: "not implemented"},
		{name: "full sharing needs cluster", set: map[string]api.ParamValue{"working_mode_preset": str(PresetFullSharing)},
			wantErr: "needs location_cluster"},
		{name: "cluster in single mode", set: map[string]api.ParamValue{"location_cluster": num(1)},
			wantErr: "single-instance"},
		{name: "full sharing with clusterer", set: map[string]api.ParamValue{
			"working_mode_preset": str(PresetFullSharing), "location_cluster": num(1)},
			loaded: []string{"clusterer"}, preset: PresetFullSharing},
		{name: "full sharing without clusterer", set: map[string]api.ParamValue{
			"working_mode_preset": str(PresetFullSharing), "location_cluster": num(1)},
			wantErr: "clusterer.so"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			for k, v := range tt.set {
				if err := param(t, m, k).Set(v); err != nil {
					t.Fatal(err)
				}
			}
			vc := &api.ValidateCtx{Loaded: loaded(tt.loaded...), Global: func(n string) (api.Value, bool) {
				if n == "db_default_url" && tt.global != "" {
					return api.StrValue(tt.global), true
				}
				return api.Value{}, false
			}}
			err := m.Validate(vc)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Preset != tt.preset {
				t.Errorf("preset = %q, want %q", m.Preset, tt.preset)
			}
			if err := m.Validate(vc); err != nil {
				t.Errorf("second Validate: %v", err)
			}
		})
	}
}

func TestModeResolution(t *testing.T) {
	m := New()
	m.RestartPersistency = "load-from-sql"
	if got := m.Mode(); got.SQLWriteMode != "write-back" {
		t.Errorf("load-from-sql without write mode = %+v, want write-back", got)
	}
	m = New()
	m.SQLWriteMode = "write-through"
	if got := m.Mode(); got.SQLWriteMode != "none" {
		t.Errorf("write mode without persistency = %+v, want none", got)
	}
}

func TestNATBFlagLegacyWarning(t *testing.T) {
	m := New()
	if err := param(t, m, "nat_bflag").Set(num(6)); err != nil {
		t.Fatal(err)
	}
	var warns []string
	err := m.Validate(&api.ValidateCtx{Loaded: loaded(), Warn: func(msg, hint string) { warns = append(warns, msg+" => "+hint) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "flag number 6") {
		t.Errorf("warns = %q", warns)
	}
	ic := &api.InitCtx{BranchFlag: func(name string) (int, error) {
		if name != "6" {
			t.Errorf("branch flag %q, want \"6\"", name)
		}
		return 6, nil
	}}
	if err := m.Init(ic); err != nil || m.NATBFlagIndex != 6 {
		t.Errorf("Init: err %v, index %d", err, m.NATBFlagIndex)
	}
}

func TestFuncsAndDomainFixup(t *testing.T) {
	m := New()
	fs := m.Funcs()
	if len(fs) != 3 {
		t.Fatalf("%d funcs, want 3", len(fs))
	}
	for _, f := range fs {
		if f.Routes != api.AllRoutes || !f.Args[0].Static {
			t.Errorf("%s: routes %v, domain %+v", f.Name, f.Routes, f.Args[0])
		}
	}
	a := &api.FixArg{Const: true, Str: "location"}
	if err := m.DomainFixup(&api.FixupCtx{}, a); err != nil {
		t.Fatal(err)
	}
	if d := a.Fixed.(*Domain); d.Name != "location" || m.RegisterDomain("location") != d {
		t.Errorf("domain not shared: %+v", d)
	}
}

func TestMICommands(t *testing.T) {
	cmds := New().MICommands()
	names := map[string][][]string{}
	for _, c := range cmds {
		names[c.Name] = c.Recipes
		if len(c.Aliases) != 1 || !strings.HasPrefix(c.Aliases[0], "usrloc:") {
			t.Errorf("%s aliases = %v", c.Name, c.Aliases)
		}
	}
	for _, n := range []string{"ul_dump", "ul_show_contact", "ul_add", "ul_rm", "ul_rm_contact",
		"ul_flush", "ul_sync", "ul_cluster_sync"} {
		if _, ok := names[n]; !ok {
			t.Errorf("MI %s missing", n)
		}
	}
	if r := names["ul_add"]; len(r) != 1 || len(r[0]) != 8 {
		t.Errorf("ul_add recipes = %v", r)
	}
	if r := names["ul_dump"]; len(r) != 2 || len(r[0]) != 0 || r[1][0] != "brief" {
		t.Errorf("ul_dump recipes = %v", r)
	}
}
