package legacy

import "testing"

func TestDerived(t *testing.T) {
	if m, ok := Moved("is_method"); !ok || m.From != "textops" || m.To != "sipmsgops" || Releases[m.Since] != "1.8" {
		t.Errorf("is_method move = %+v, %v", m, ok)
	}
	if m, ok := Moved("has_totag"); !ok || m.From != "uri" || m.To != "sipmsgops" || Releases[m.Since] != "3.0" {
		t.Errorf("has_totag move = %+v, %v", m, ok)
	}
	if r, ok := ParamFate("nathelper", "rtpproxy_sock"); !ok || r.NewModule != "rtpproxy" || r.Since != "1.7" {
		t.Errorf("nathelper rtpproxy_sock = %+v, %v", r, ok)
	}
	if _, ok := ParamFate("usrloc", "db_url"); ok {
		t.Error("a current parameter has no fate")
	}
	if to, ok := Renamed("mysql"); !ok || to != "db_mysql" {
		t.Errorf("mysql renamed %q, %v", to, ok)
	}
	if f := Module("mysql"); Releases[f.Since] != "1.4" {
		t.Errorf("mysql renamed in %v", f.Since)
	}
	if f := Module("uri"); Releases[f.Since] != "3.0" || len(f.Rule.Split) == 0 {
		t.Errorf("uri fate %+v", f)
	}
	e := Param("auth_db", "db_url", ReleaseIndex("1.5"))
	if e == nil || e.Default != "mysql://opensipsro:opensipsro@localhost/opensips" {
		t.Errorf("auth_db db_url default at 1.5: %+v", e)
	}
	if e := Param("auth_db", "db_url", ReleaseIndex("3.6")); e == nil || e.Default != "" {
		t.Errorf("auth_db db_url default at 3.6: %+v", e)
	}
}

// TestRulesAgainstHistory keeps the hand rules honest: every old name
// was exported once, every new one is exported by the latest release.
func TestRulesAgainstHistory(t *testing.T) {
	for old, r := range FuncRules {
		if len(FuncExports(old)) == 0 {
			t.Errorf("rule %s: no release exported it", old)
		}
		if r.New == "" {
			continue
		}
		if own, ok := Owner(r.New); !ok || own != r.NewModule {
			t.Errorf("rule %s: %s() is exported by %q in %s, not %q", old, r.New, own, Releases[Latest], r.NewModule)
		}
		if ReleaseIndex(r.Since) < 0 {
			t.Errorf("rule %s: bad release %q", old, r.Since)
		}
	}
	for old, r := range ModuleRules {
		if r.RenamedTo == "" {
			continue
		}
		if _, _, ok := ModuleSpan(old); !ok {
			t.Errorf("module rule %s: no release had it", old)
		}
	}
	for k, r := range ParamRules {
		if len(ParamRows(k[0], k[1])) == 0 && !r.Unreleased {
			t.Errorf("param rule %v: no release had it", k)
		}
		if r.NewParam != "" {
			if e := Param(r.NewModule, r.NewParam, Latest); e == nil {
				t.Errorf("param rule %v: %s %s is not in %s", k, r.NewModule, r.NewParam, Releases[Latest])
			}
		}
	}
}
