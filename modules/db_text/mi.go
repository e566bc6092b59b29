package dbtext

import "gosips/api"

// MICommands lists dbt_dump and dbt_reload (db_text:dump, db_text:reload).
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "dbt_dump", Aliases: []string{"db_text:dump"}, Recipes: [][]string{{}}},
		{Name: "dbt_reload", Aliases: []string{"db_text:reload"},
			Recipes: [][]string{{}, {"db_name"}, {"db_name", "table_name"}}},
	}
}
