package all

import (
	"slices"
	"sort"
	"testing"

	"gosips/api"
)

// TestPresenceExports compares the export tables of the presence modules
// with OpenSIPS 3.6's (modules/<name>/*.c: cmd_export_t, param_export_t,
// mi_export_t); the functions OpenSIPS exports only to other modules
// (bind_*) are APIs here.
func TestPresenceExports(t *testing.T) {
	want := map[string]struct{ funcs, params, mi []string }{
		"presence": {
			funcs: []string{"handle_publish", "handle_subscribe"},
			params: []string{"db_url", "presentity_table", "active_watchers_table", "watchers_table", "clean_period",
				"db_update_period", "expires_offset", "max_expires_subscribe", "max_expires_publish", "contact_user",
				"subs_htable_size", "pres_htable_size", "fallback2db", "enable_sphere_check", "waiting_subs_daysno",
				"mix_dialog_presence", "bla_presentity_spec", "bla_fix_remote_target", "notify_offline_body",
				"end_sub_on_timeout", "cluster_id", "cluster_federation_mode", "cluster_be_active_shtag",
				"cluster_pres_events"},
			mi: []string{"refresh_watchers", "refreshWatchers", "cleanup", "pres_expose", "pres_phtable_list", "subs_phtable_list"},
		},
		"presence_xml": {params: []string{"force_active", "pidf_manipulation", "xcap_server", "pres_rules_auid",
			"pres_rules_filename", "generate_offline_body"}},
		"presence_mwi":        {},
		"presence_dialoginfo": {params: []string{"force_single_dialog"}},
		"xcap":                {params: []string{"db_url", "xcap_table", "integrated_xcap_server"}},
		"pua": {funcs: []string{"pua_update_contact"}, params: []string{"hash_size", "db_url", "db_table",
			"min_expires", "default_expires", "update_period", "cluster_id", "cluster_sharing_tag"}},
		"pua_usrloc": {funcs: []string{"pua_set_publish"}, params: []string{"default_domain", "entity_prefix", "presence_server"}},
		"pua_dialoginfo": {funcs: []string{"dialoginfo_set", "dialoginfo_set_branch_callee", "dialoginfo_mute_branch"},
			params: []string{"include_callid", "include_localremote", "include_tags", "caller_confirmed",
				"publish_on_trying", "presence_server", "caller_spec_param", "callee_spec_param", "osips_ps", "nopublish_flag"}},
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
			funcs = append(funcs, f.Name)
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
