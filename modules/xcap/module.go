// Package xcap is the xcap module: access to the xcap table, where an
// integrated XCAP server stores the users' documents (pres-rules,
// resource lists, pidf-manipulation) for the presence modules.
package xcap

import (
	"context"
	"fmt"
	"log/slog"

	"gosips/api"
	"gosips/db"
	"gosips/internal/dbconn"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "xcap",
		New:  func() api.Module { return New() },
		Doc:  "XCAP documents (pres-rules, pidf-manipulation) from the xcap table",
	})
}

// TableVersion is the xcap table version OpenSIPS 3.6 expects.
const TableVersion = 4

// Module is one xcap instance.
type Module struct {
	DBURL      string
	Table      string
	Integrated int

	log  *slog.Logger
	conn db.Conn
}

// New returns an xcap instance with OpenSIPS' defaults.
func New() *Module { return &Module{Table: "xcap"} }

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.StrParam("db_url", &m.DBURL),
		api.StrParam("xcap_table", &m.Table),
		api.IntParam("integrated_xcap_server", &m.Integrated),
	}
}

// Funcs: xcap exports nothing to the script.
func (m *Module) Funcs() []api.Func { return nil }

// Validate checks the database module for db_url.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	_, err := api.CheckDBURL(vc, "db_url", m.DBURL, false)
	return err
}

// Init opens the database.
func (m *Module) Init(ic *api.InitCtx) error {
	m.log = ic.Log
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	h := dbconn.Handle{URL: m.DBURL}
	if err := h.Open(ic, m.log); err != nil {
		if h.URL != "" {
			return fmt.Errorf("xcap: %w", err)
		}
		m.log.Info("no db_url: no XCAP documents")
		return nil
	}
	if err := h.CheckVersion(context.Background(), m.Table, TableVersion); err != nil {
		h.Close()
		return fmt.Errorf("xcap: %w", err)
	}
	m.conn = h.Conn
	return nil
}

// Close closes the database.
func (m *Module) Close() error {
	if m.conn == nil {
		return nil
	}
	err := m.conn.Close()
	m.conn = nil
	return err
}

// GetDoc implements api.XCAP.
func (m *Module) GetDoc(ctx context.Context, user, domain string, docType int, filename string) ([]byte, string, error) {
	if m.conn == nil {
		return nil, "", nil
	}
	where := []db.Cond{db.Eq("username", db.StringValue(user)), db.Eq("domain", db.StringValue(domain)),
		db.Eq("doc_type", db.IntValue(int64(docType)))}
	if filename != "" {
		where = append(where, db.Eq("doc_uri", db.StringValue(filename)))
	}
	res, err := m.conn.Query(ctx, m.Table, []string{"doc", "etag"}, where, "", 1)
	if err != nil {
		return nil, "", fmt.Errorf("xcap: %w", err)
	}
	if len(res.Rows) == 0 {
		return nil, "", nil
	}
	return res.Rows[0][0].Bytes(), res.Rows[0][1].Str(), nil
}

// DatabaseURL implements api.XCAPDatabase.
func (m *Module) DatabaseURL() string { return m.DBURL }

var (
	_ api.Validator = (*Module)(nil)
	_ api.Initer    = (*Module)(nil)
	_ api.Closer    = (*Module)(nil)
	_ api.XCAP      = (*Module)(nil)
)
