package all

import (
	"slices"
	"sort"
	"testing"

	"gosips/api"
)

// TestSmallModuleExports compares the export tables of options, pdt,
// userblacklist, script_helper and imc with OpenSIPS' (3.6, or 2.1 for
// pdt, the last release that had it).
func TestSmallModuleExports(t *testing.T) {
	want := map[string]struct{ funcs, params, mi []string }{
		"options": {funcs: []string{"options_reply"}, params: []string{"accept", "accept_encoding", "accept_language", "support"}},
		"pdt": {funcs: []string{"prefix2domain"}, params: []string{"db_url", "db_table", "sdomain_column", "prefix_column",
			"domain_column", "prefix", "char_list", "check_domain"}, mi: []string{"pdt_add", "pdt_reload", "pdt_delete", "pdt_list"}},
		"userblacklist": {funcs: []string{"check_user_blacklist", "check_blacklist"}, params: []string{"db_url", "db_table", "use_domain"},
			mi: []string{"reload_blacklist"}},
		"imc": {funcs: []string{"imc_manager"}, params: []string{"db_url", "hash_size", "imc_cmd_start_char", "rooms_table",
			"members_table", "outbound_proxy"}, mi: []string{"imc_list_rooms", "imc_list_members"}},
	}
	for name, w := range want {
		info, ok := api.Default().Lookup(name)
		if !ok {
			t.Errorf("module %s not registered", name)
			continue
		}
		inst := info.New()
		var funcs, params, mi []string
		for _, f := range inst.Funcs() {
			if !slices.Contains(funcs, f.Name) {
				funcs = append(funcs, f.Name)
			}
		}
		for _, p := range inst.Params() {
			if p.Legacy == "" {
				params = append(params, p.Name)
			}
		}
		if x, ok := inst.(api.MIExporter); ok {
			for _, c := range x.MICommands() {
				mi = append(mi, c.Name)
				mi = append(mi, c.Aliases...)
			}
		}
		for _, c := range []struct {
			what      string
			got, want []string
		}{{"functions", funcs, w.funcs}, {"parameters", params, w.params}, {"MI commands", mi, w.mi}} {
			g, e := slices.Clone(c.got), slices.Clone(c.want)
			sort.Strings(g)
			sort.Strings(e)
			if !slices.Equal(g, e) {
				t.Errorf("%s %s:\n got %v\nwant %v", name, c.what, g, e)
			}
		}
	}
}
