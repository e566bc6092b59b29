package cfgutils

import (
	"context"

	"gosips/api"
)

// MICommands lists cfgutils' management commands (3.x names; 4.x
// "cfgutils:" names as aliases).
func (c *CfgUtils) MICommands() []api.MICommand {
	type handler = func(context.Context, api.MIParams) (any, error)
	cmd := func(name string, h handler, recipes ...[]string) api.MICommand {
		if len(recipes) == 0 {
			recipes = [][]string{{}}
		}
		return api.MICommand{Name: name, Aliases: []string{"cfgutils:" + name}, Recipes: recipes, Handler: h}
	}
	return []api.MICommand{
		cmd("rand_set_prob", c.miRandSetProb, []string{"prob_proc"}),
		cmd("rand_reset_prob", c.miRandResetProb),
		cmd("rand_get_prob", c.miRandGetProb),
		cmd("get_config_hash", c.miGetConfigHash),
		cmd("check_config_hash", c.miCheckConfigHash),
		cmd("shv_get", c.miShvGet, []string{}, []string{"name"}),
		cmd("shv_set", c.miShvSet, []string{"name", "type", "value"}),
	}
}

var _ api.MIExporter = (*CfgUtils)(nil)
