package usrloc

import "gosips/api"

// MICommands lists the usrloc management commands (4.x names usrloc:*).
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "ul_rm", Aliases: []string{"usrloc:rm"},
			Recipes: [][]string{{"table_name", "aor"}}},
		{Name: "ul_rm_contact", Aliases: []string{"usrloc:rm_contact"},
			Recipes: [][]string{{"table_name", "aor", "contact"}}},
		{Name: "ul_dump", Aliases: []string{"usrloc:dump"},
			Recipes: [][]string{{}, {"brief"}}},
		{Name: "ul_flush", Aliases: []string{"usrloc:flush"},
			Recipes: [][]string{{}}},
		{Name: "ul_add", Aliases: []string{"usrloc:add"},
			Recipes: [][]string{{"table_name", "aor", "contact", "expires", "q", "flags", "cflags", "methods"}}},
		{Name: "ul_show_contact", Aliases: []string{"usrloc:show_contact"},
			Recipes: [][]string{{"table_name", "aor"}}},
		{Name: "ul_sync", Aliases: []string{"usrloc:sync"},
			Recipes: [][]string{{"table_name"}, {"table_name", "aor"}}},
		{Name: "ul_cluster_sync", Aliases: []string{"usrloc:cluster_sync"},
			Recipes: [][]string{{}}},
	}
}
