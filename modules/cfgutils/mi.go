package cfgutils

import "gosips/api"

// MICommands lists cfgutils' management commands (3.x names; 4.x
// "cfgutils:" names as aliases).
func (c *CfgUtils) MICommands() []api.MICommand {
	cmd := func(name string, recipes ...[]string) api.MICommand {
		if len(recipes) == 0 {
			recipes = [][]string{{}}
		}
		return api.MICommand{Name: name, Aliases: []string{"cfgutils:" + name}, Recipes: recipes}
	}
	return []api.MICommand{
		cmd("rand_set_prob", []string{"prob_proc"}),
		cmd("rand_reset_prob"),
		cmd("rand_get_prob"),
		cmd("get_config_hash"),
		cmd("check_config_hash"),
		cmd("shv_get", []string{}, []string{"name"}),
		cmd("shv_set", []string{"name", "type", "value"}),
	}
}

var _ api.MIExporter = (*CfgUtils)(nil)
