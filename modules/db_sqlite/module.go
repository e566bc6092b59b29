// Package dbsqlite declares the db_sqlite module: the SQLite database
// driver (URLs "sqlite:///abs/path.db").
package dbsqlite

import (
	"fmt"
	"strings"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "db_sqlite",
		New:  func() api.Module { return New() },
		Doc:  "SQLite database driver",
	})
}

// Extension is one load_extension entry: "lib.so[;entry]".
type Extension struct {
	Lib, Entry string
}

// Module is one db_sqlite instance; the fields hold the modparams.
type Module struct {
	AllocLimit  int
	BusyTimeout int // milliseconds
	Extensions  []Extension
	Pragmas     []string
}

// New returns a db_sqlite instance with OpenSIPS' defaults.
func New() *Module { return &Module{AllocLimit: 10, BusyTimeout: 500} }

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.FuncParam("alloc_limit", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int <= 0 {
				return fmt.Errorf("alloc_limit must be positive, got %d", v.Int)
			}
			m.AllocLimit = int(v.Int)
			return nil
		}),
		api.FuncParam("busy_timeout", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 0 {
				return fmt.Errorf("busy_timeout must not be negative, got %d", v.Int)
			}
			m.BusyTimeout = int(v.Int)
			return nil
		}),
		api.FuncParam("load_extension", api.ParamStr, true, func(v api.ParamValue) error {
			lib, entry, _ := strings.Cut(v.Str, ";")
			lib, entry = strings.TrimSpace(lib), strings.TrimSpace(entry)
			if lib == "" {
				return fmt.Errorf("load_extension %q: no library (expected \"lib.so[;entry]\")", v.Str)
			}
			m.Extensions = append(m.Extensions, Extension{Lib: lib, Entry: entry})
			return nil
		}),
		api.FuncParam("exec_pragma", api.ParamStr, true, func(v api.ParamValue) error {
			p := strings.TrimSpace(v.Str)
			if p == "" {
				return fmt.Errorf("exec_pragma is empty")
			}
			if strings.HasPrefix(strings.ToUpper(p), "PRAGMA ") {
				p = strings.TrimSpace(p[len("PRAGMA "):])
			}
			m.Pragmas = append(m.Pragmas, p)
			return nil
		}),
	}
}

// Funcs: db_sqlite exports no script functions.
func (m *Module) Funcs() []api.Func { return nil }
