// Package text is the db_text driver: a database is a directory and a table
// is a file in OpenSIPS' text format (a typed header line, then ':'
// separated rows; see format.go).
//
// Tables are cached in memory. Unlike OpenSIPS, which writes changes back
// only at shutdown, every change rewrites the table file at once, through a
// temporary file renamed over the old one, so a crash loses nothing and a
// reader never sees a half-written file. A file changed by someone else is
// noticed (by its identity, size and mtime) and read again before the next
// access, so several connections, or OpenSIPS' own tools, may share the
// directory; concurrent writers of the same table from different
// connections are not serialised against each other.
package text

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gosips/db"
)

func init() { db.Register("text", open) }

// Dir resolves the directory of a text:// URL as OpenSIPS does: an
// absolute path after "text://" is used as is, anything else is relative to
// base (the config file's directory).
func Dir(u *db.URL, base string) (string, error) {
	p, ok := strings.CutPrefix(u.Rest, "//")
	if !ok || p == "" {
		return "", fmt.Errorf("want text:///absolute/dir or text://dir-relative-to-config")
	}
	if !filepath.IsAbs(p) {
		if base == "" {
			wd, err := os.Getwd()
			if err != nil {
				return "", fmt.Errorf("resolve relative path %q: %w", p, err)
			}
			base = wd
		}
		p = filepath.Join(base, p)
	}
	return filepath.Clean(p), nil
}

func open(_ context.Context, u *db.URL, cfg db.Config) (db.Conn, error) {
	dir, err := Dir(u, cfg.BaseDir)
	if err != nil {
		return nil, err
	}
	if cfg.Create {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create directory: %w", err)
		}
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("database directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("database directory %s is not a directory", dir)
	}
	c := &Conn{dir: dir, name: u.String(), vt: cfg.VersionTable, tables: map[string]*table{}}
	track(c)
	return c, nil
}
