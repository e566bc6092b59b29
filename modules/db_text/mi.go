package dbtext

import (
	"context"
	"errors"

	"gosips/api"
	"gosips/db/text"
)

// MICommands lists dbt_dump and dbt_reload (db_text:dump, db_text:reload).
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "dbt_dump", Aliases: []string{"db_text:dump"}, Recipes: [][]string{{}},
			Help: "write modified tables to disk", Handler: miDump},
		{Name: "dbt_reload", Aliases: []string{"db_text:reload"},
			Recipes: [][]string{{}, {"db_name"}, {"db_name", "table_name"}},
			Help:    "reload cached tables from disk", Handler: miReload},
	}
}

// miDump answers OK: every change is already written through to its file.
func miDump(context.Context, api.MIParams) (any, error) { return "OK", nil }

// miReload re-reads the cached tables, answering as OpenSIPS: 400 for a
// database or table not cached, 500 when a file no longer parses (its
// table keeps the old content).
func miReload(_ context.Context, p api.MIParams) (any, error) {
	dir, _ := p["db_name"].(string)
	tbl, _ := p["table_name"].(string)
	if _, ok := p["db_name"]; ok && dir == "" {
		return nil, &api.MIError{Code: 400, Msg: "Bad parameter value"}
	}
	err := text.ReloadCached(dir, tbl)
	switch {
	case err == nil:
		return "OK", nil
	case errors.Is(err, text.ErrNotCached):
		return nil, &api.MIError{Code: 400, Msg: "Bad parameter value"}
	default:
		return nil, &api.MIError{Code: 500, Msg: "Internal error"}
	}
}
