package dispatcher

import "gosips/api"

// MICommands lists the dispatcher management commands (4.x dispatcher:*).
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "ds_set_state", Aliases: []string{"dispatcher:set_state"},
			Recipes: [][]string{{"state", "group", "address"}}},
		{Name: "ds_list", Aliases: []string{"dispatcher:list"},
			Recipes: [][]string{{}, {"partition"}, {"full"}, {"full", "partition"}}},
		{Name: "ds_reload", Aliases: []string{"dispatcher:reload"},
			Recipes: [][]string{{}, {"inherit_state"}, {"partition"}, {"partition", "inherit_state"}}},
		{Name: "ds_push_script_attrs", Aliases: []string{"dispatcher:push_script_attrs"},
			Recipes: [][]string{{"attrs", "ip", "port", "set"}, {"attrs", "ip", "port", "set", "partition"}}},
	}
}
