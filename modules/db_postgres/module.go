// Package dbpostgres declares the db_postgres module: the PostgreSQL
// database driver (URLs "postgres://user:pass@host[:port]/db").
package dbpostgres

import (
	"fmt"
	"time"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "db_postgres",
		New:  func() api.Module { return New() },
		Doc:  "PostgreSQL database driver",
	})
}

// Module is one db_postgres instance; the fields hold the modparams with
// OpenSIPS 3.6's defaults.
type Module struct {
	// ExecQueryThreshold logs queries slower than this many microseconds
	// (0: off).
	ExecQueryThreshold int
	MaxDBQueries       int
	// Timeout is the connect timeout in seconds (libpq connect_timeout);
	// 0 means none.
	Timeout int
	UseTLS  int
}

// New returns a db_postgres instance with OpenSIPS' defaults.
func New() *Module { return &Module{MaxDBQueries: 2, Timeout: 5} }

// CallTimeout is the bound the driver should put on one call (0: the
// driver's default).
func (m *Module) CallTimeout() time.Duration { return time.Duration(m.Timeout) * time.Second }

// Params binds the module parameters. Out-of-range values are errors here,
// where OpenSIPS warns and falls back to the default.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.IgnoredParam(api.FuncParam("exec_query_threshold", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 0 {
				return fmt.Errorf("exec_query_threshold must not be negative, got %d", v.Int)
			}
			m.ExecQueryThreshold = int(v.Int)
			return nil
		}), ignoredWhy),
		api.IgnoredParam(api.FuncParam("max_db_queries", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 1 {
				return fmt.Errorf("max_db_queries must be at least 1, got %d", v.Int)
			}
			m.MaxDBQueries = int(v.Int)
			return nil
		}), ignoredWhy),
		api.IgnoredParam(api.FuncParam("timeout", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 0 {
				return fmt.Errorf("timeout must not be negative, got %d", v.Int)
			}
			m.Timeout = int(v.Int)
			return nil
		}), ignoredWhy),
		api.FuncParam("use_tls", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int != 0 {
				return fmt.Errorf("use_tls is not supported yet (it needs tls_mgm); use a loopback or private server")
			}
			m.UseTLS = 0
			return nil
		}),
	}
}

// ignoredWhy is why the driver parameters are stored but unused: the
// database layer opens connections without the driver module's settings.
const ignoredWhy = "the database layer does not pass driver settings to its connections yet; the built-in timeout and retry policy apply"

// Funcs: db_postgres exports no script functions.
func (m *Module) Funcs() []api.Func { return nil }
