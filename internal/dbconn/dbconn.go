// Package dbconn is the db_url handling shared by modules with a single
// database: validation against the loaded db_* modules, db_default_url,
// opening relative to the config directory, and version checks that
// accept a table without a version row (db_text setups often have none).
package dbconn

import (
	"context"
	"errors"
	"log/slog"

	"gosips/api"
	"gosips/db"
)

// Handle is a module's db_url and, after Open, its connection.
type Handle struct {
	URL  string
	Conn db.Conn
}

// Validate checks the URL (falling back to db_default_url).
func (h *Handle) Validate(vc *api.ValidateCtx) error {
	url, err := api.CheckDBURL(vc, "db_url", h.URL, true)
	h.URL = url
	return err
}

// Open connects, falling back to db_default_url.
func (h *Handle) Open(ic *api.InitCtx, log *slog.Logger) error {
	if h.URL == "" && ic.Global != nil {
		if v, ok := ic.Global("db_default_url"); ok && v.IsStr() {
			h.URL = v.S
		}
	}
	if h.URL == "" {
		return errors.New("db_url is not set")
	}
	conn, err := db.Open(context.Background(), h.URL, db.WithBaseDir(ic.ConfigDir), db.WithLogger(log))
	if err != nil {
		return err
	}
	h.Conn = conn
	return nil
}

// CheckVersion checks a table's version row; a missing row is accepted.
func (h *Handle) CheckVersion(ctx context.Context, table string, version int) error {
	if err := db.CheckVersion(ctx, h.Conn, table, version); err != nil && !errors.Is(err, db.ErrNoVersion) {
		return err
	}
	return nil
}

// Close closes the connection, if open.
func (h *Handle) Close() error {
	if h.Conn == nil {
		return nil
	}
	err := h.Conn.Close()
	h.Conn = nil
	return err
}
