// Package pi_http is the provisioning interface over httpd: HTML pages
// that list, add, update and delete the rows of database tables, laid out
// by an XML framework file.
package pi_http

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"

	"gosips/api"
	"gosips/db"
)

func init() {
	api.Register(api.ModuleInfo{Name: "pi_http", Doc: "provisioning interface (HTML pages over httpd) for database tables",
		Deps: []api.Dep{{Name: "httpd"}},
		New:  func() api.Module { return &Module{Root: "pi"} }})
}

// Module is one instance of pi_http.
type Module struct {
	Root      string
	Framework string
	Method    int

	log     *slog.Logger
	path    string
	baseDir string
	// mu serialises the pages and the reload, as OpenSIPS' lock does.
	mu sync.Mutex
	fw *framework
}

// Params lists pi_http's parameters (OpenSIPS 3.6 pi_http.c).
func (m *Module) Params() []api.Param {
	return []api.Param{
		{Name: "pi_http_root", Type: api.ParamStr, Default: "pi", Set: func(v api.ParamValue) error {
			r := strings.Trim(v.Str, "/")
			if r == "" || strings.ContainsAny(r, " ?#") {
				return fmt.Errorf("pi_http_root %q is not a usable URL path", v.Str)
			}
			m.Root = r
			return nil
		}},
		{Name: "framework", Type: api.ParamStr, Set: func(v api.ParamValue) error {
			m.Framework = v.Str
			return nil
		}},
		{Name: "pi_http_method", Type: api.ParamInt, Default: "0", Set: func(v api.ParamValue) error {
			if v.Int < 0 || v.Int > 1 {
				return &api.HintError{Err: fmt.Errorf("pi_http_method %d out of range", v.Int), Hint: "0 for GET forms, 1 for POST forms"}
			}
			m.Method = int(v.Int)
			return nil
		}},
	}
}

// Funcs: pi_http exports no script function.
func (m *Module) Funcs() []api.Func { return nil }

// Validate needs the framework file, from the framework parameter or the
// pi_framework global (its OpenSIPS 4.x home).
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if m.Framework != "" {
		return nil
	}
	if vc.Global != nil {
		if v, ok := vc.Global("pi_framework"); ok && v.IsStr() && v.S != "" {
			return nil
		}
	}
	return &api.HintError{Err: errors.New("no framework file"),
		Hint: `modparam("pi_http", "framework", "/path/pi_framework.xml") or the global pi_framework = "/path/pi_framework.xml"`}
}

// Init reads the framework and connects to its databases.
func (m *Module) Init(ic *api.InitCtx) error {
	m.log = ic.Log
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.path = m.Framework
	if m.path == "" && ic.Global != nil {
		if v, ok := ic.Global("pi_framework"); ok && v.IsStr() {
			m.path = v.S
		}
	}
	if m.path == "" {
		return errors.New("no framework file")
	}
	if !filepath.IsAbs(m.path) && ic.ConfigDir != "" {
		m.path = filepath.Join(ic.ConfigDir, m.path)
	}
	m.baseDir = ic.ConfigDir
	fw, err := loadFramework(m.path, nil)
	if err != nil {
		return err
	}
	for _, u := range fw.urls {
		mod, err := api.DBModule(u.url)
		if err != nil {
			return fmt.Errorf("db_url %q: %w", u.id, err)
		}
		if ic.Module != nil && ic.Module(mod) == nil {
			return &api.HintError{Err: fmt.Errorf("db_url %q (%s) needs the %s module", u.id, db.MaskURL(u.url), mod),
				Hint: fmt.Sprintf("loadmodule %q", mod+".so")}
		}
		conn, err := db.Open(context.Background(), u.url, db.WithBaseDir(ic.ConfigDir), db.WithLogger(m.log))
		if err != nil {
			m.closeConns(fw)
			return fmt.Errorf("db_url %q: %w", u.id, err)
		}
		u.conn = conn
	}
	m.fw = fw
	return nil
}

func (m *Module) closeConns(fw *framework) {
	for _, u := range fw.urls {
		if u.conn != nil {
			u.conn.Close()
			u.conn = nil
		}
	}
}

// Close closes the database connections.
func (m *Module) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fw != nil {
		m.closeConns(m.fw)
	}
	return nil
}

// HTTPRoot is the path the httpd server hands to Handler.
func (m *Module) HTTPRoot() string { return m.Root }

// HTTPHandler serves the pages.
func (m *Module) HTTPHandler() http.Handler { return m }

// MICommands lists pi_reload_tbls_and_cmds.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{{
		Name: "pi_reload_tbls_and_cmds", Recipes: [][]string{{}},
		Help: "read the tables and commands of the framework file again",
		Handler: func(context.Context, api.MIParams) (any, error) {
			m.mu.Lock()
			defer m.mu.Unlock()
			if m.fw == nil {
				return nil, api.ErrMINoResult
			}
			fw, err := loadFramework(m.path, m.fw.urls)
			if err != nil {
				m.log.Error("pi_http: reload failed, keeping the previous framework", "err", err)
				return nil, api.ErrMINoResult
			}
			m.fw = fw
			return "OK", nil
		},
	}}
}

var (
	_ api.Module     = (*Module)(nil)
	_ api.Initer     = (*Module)(nil)
	_ api.Validator  = (*Module)(nil)
	_ api.Closer     = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
)
