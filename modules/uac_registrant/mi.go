package uacregistrant

import "gosips/api"

// MICommands lists the registrant management commands (4.x uac_registrant:*).
func (m *Module) MICommands() []api.MICommand {
	key := []string{"aor", "contact", "registrar"}
	return []api.MICommand{
		{Name: "reg_list", Aliases: []string{"uac_registrant:list"}, Recipes: [][]string{{}, key}},
		{Name: "reg_reload", Aliases: []string{"uac_registrant:reload"}, Recipes: [][]string{{}, key}},
		{Name: "reg_enable", Aliases: []string{"uac_registrant:enable"}, Recipes: [][]string{key}},
		{Name: "reg_disable", Aliases: []string{"uac_registrant:disable"}, Recipes: [][]string{key}},
		{Name: "reg_force_register", Aliases: []string{"uac_registrant:force_register"}, Recipes: [][]string{key}},
	}
}
