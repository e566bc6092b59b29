// Package dbtext declares the db_text module: a database driver over plain
// text files (one directory per database, one file per table).
package dbtext

import (
	"fmt"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name:        "db_text",
		New:         func() api.Module { return New() },
		Doc:         "database driver over plain text files",
		LegacyNames: []string{"dbtext"},
	})
}

// Module is one db_text instance.
type Module struct {
	// DBMode 0 caches tables at startup; 1 reloads a table when its file
	// changed.
	DBMode     int
	BufferSize int
}

// New returns a db_text instance with OpenSIPS' defaults.
func New() *Module { return &Module{DBMode: 0, BufferSize: 4096} }

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.FuncParam("db_mode", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int != 0 && v.Int != 1 {
				return fmt.Errorf("db_mode must be 0 (cache) or 1 (reload changed tables), got %d", v.Int)
			}
			m.DBMode = int(v.Int)
			return nil
		}),
		api.FuncParam("buffer_size", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int <= 0 {
				return fmt.Errorf("buffer_size must be positive, got %d", v.Int)
			}
			m.BufferSize = int(v.Int)
			return nil
		}),
	}
}

// Funcs: db_text exports no script functions.
func (m *Module) Funcs() []api.Func { return nil }

var _ api.MIExporter = (*Module)(nil)
