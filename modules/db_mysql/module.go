// Package dbmysql declares the db_mysql module: the MySQL/MariaDB database
// driver (URLs "mysql://user:pass@host[:port]/db").
package dbmysql

import (
	"fmt"
	"time"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "db_mysql",
		New:  func() api.Module { return New() },
		Doc:  "MySQL/MariaDB database driver",
	})
}

// Module is one db_mysql instance; the fields hold the modparams with
// OpenSIPS 3.6's defaults.
type Module struct {
	// TimeoutInterval is the connect, read and write timeout in seconds;
	// OpenSIPS' client library tries three times, so a call gives up
	// after about three intervals.
	TimeoutInterval int
	// ExecQueryThreshold logs queries slower than this many microseconds
	// (0: off).
	ExecQueryThreshold int
	MaxDBRetries       int
	MaxDBQueries       int
	PSMaxColSize       int
	UseTLS             int
}

// New returns a db_mysql instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{TimeoutInterval: 2, MaxDBRetries: 3, MaxDBQueries: 2, PSMaxColSize: 1024}
}

// CallTimeout is the bound the driver should put on one call.
func (m *Module) CallTimeout() time.Duration {
	return 3 * time.Duration(m.TimeoutInterval) * time.Second
}

// Params binds the module parameters. Out-of-range values are errors here,
// where OpenSIPS warns and falls back to the default.
func (m *Module) Params() []api.Param {
	nonNeg := func(name string, dst *int) api.Param {
		return api.FuncParam(name, api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 0 {
				return fmt.Errorf("%s must not be negative, got %d", name, v.Int)
			}
			*dst = int(v.Int)
			return nil
		})
	}
	return []api.Param{
		api.IgnoredParam(api.FuncParam("timeout_interval", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int <= 0 {
				return fmt.Errorf("timeout_interval must be a positive number of seconds, got %d", v.Int)
			}
			m.TimeoutInterval = int(v.Int)
			return nil
		}), ignoredWhy),
		api.IgnoredParam(nonNeg("exec_query_threshold", &m.ExecQueryThreshold), ignoredWhy),
		api.IgnoredParam(nonNeg("max_db_retries", &m.MaxDBRetries), ignoredWhy),
		api.IgnoredParam(api.FuncParam("max_db_queries", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 1 {
				return fmt.Errorf("max_db_queries must be at least 1, got %d", v.Int)
			}
			m.MaxDBQueries = int(v.Int)
			return nil
		}), ignoredWhy),
		api.IgnoredParam(api.FuncParam("ps_max_col_size", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 256 {
				return fmt.Errorf("ps_max_col_size must be at least 256, got %d", v.Int)
			}
			m.PSMaxColSize = int(v.Int)
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

// Funcs: db_mysql exports no script functions.
func (m *Module) Funcs() []api.Func { return nil }
