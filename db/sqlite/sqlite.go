// Package sqlite is the db_sqlite driver, over github.com/mattn/go-sqlite3.
//
// Each connection keeps two database/sql pools on the file: one connection
// for writes (SQLite allows one writer; transactions start IMMEDIATE) and a
// few for reads, which WAL mode lets run beside the writer. Statements are
// built only from validated identifiers and "?" placeholders, and prepared
// once per shape.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mattn/go-sqlite3"

	"gosips/db"
	"gosips/db/internal/sqldb"
)

func init() { db.Register("sqlite", open) }

// Memory is the path Path returns for "sqlite://:memory:".
const Memory = ":memory:"

// readers is the size of the read pool.
const readers = 4

// Path resolves the database file of a sqlite URL. OpenSIPS strips the
// literal "sqlite:/" and opens the rest, so "sqlite:///etc/x.db" is
// /etc/x.db. A relative name ("sqlite://x.db", which OpenSIPS would open as
// /x.db) is resolved against base, like db_text's relative directories.
// "sqlite://:memory:" is a private in-memory database.
func Path(u *db.URL, base string) (string, error) {
	p, ok := strings.CutPrefix(u.Rest, "/")
	if !ok {
		return "", fmt.Errorf("want sqlite:///absolute/path.db")
	}
	p = strings.TrimPrefix(p, "/")
	if p == Memory {
		return Memory, nil
	}
	if p == "" || strings.HasSuffix(p, "/") {
		return "", fmt.Errorf("no database file name (want sqlite:///absolute/path.db)")
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

func open(ctx context.Context, u *db.URL, cfg db.Config) (db.Conn, error) {
	path, err := Path(u, cfg.BaseDir)
	if err != nil {
		return nil, err
	}
	for _, p := range cfg.Pragmas {
		if strings.ContainsAny(p, ";\n") {
			return nil, fmt.Errorf("pragma %q: one pragma per exec_pragma, without ';'", p)
		}
	}
	if path != Memory && !cfg.Create {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("database file %s does not exist (create it with \"gosips db create --url %s\")", path, u)
		} else if err != nil {
			return nil, fmt.Errorf("database file: %w", err)
		}
	}
	c := &Conn{name: u.String(), path: path, vt: cfg.VersionTable, log: cfg.Logger}
	c.w = sql.OpenDB(&connector{dsn: dsn(path, cfg, false), pragmas: cfg.Pragmas})
	c.w.SetMaxOpenConns(1)
	c.w.SetMaxIdleConns(1)
	c.w.SetConnMaxIdleTime(0)
	c.w.SetConnMaxLifetime(0)
	if path == Memory {
		// A private memory database exists on one connection only.
		c.r = c.w
	} else {
		c.r = sql.OpenDB(&connector{dsn: dsn(path, cfg, true), pragmas: cfg.Pragmas})
		c.r.SetMaxOpenConns(readers)
		c.r.SetMaxIdleConns(readers)
	}
	c.ws = sqldb.NewStmtCache(c.w)
	c.rs = c.ws
	if c.r != c.w {
		c.rs = sqldb.NewStmtCache(c.r)
	}
	// The first write connection switches the file to WAL; the check
	// query also rejects files that are not SQLite databases.
	var n int
	if err := c.w.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
		c.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if c.r != c.w {
		if err := c.r.PingContext(ctx); err != nil {
			c.Close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	return c, nil
}

// dsn builds go-sqlite3's connection string: a file: URI (so that any path
// is escaped) with the driver's options.
func dsn(path string, cfg db.Config, readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(cfg.BusyTimeout.Milliseconds(), 10))
	q.Set("_txlock", "immediate")
	if path == Memory {
		return "file::memory:?" + q.Encode()
	}
	if readOnly {
		q.Set("mode", "ro")
	} else {
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "NORMAL")
		q.Set("mode", "rw")
		if cfg.Create {
			q.Set("mode", "rwc")
		}
	}
	return (&url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}).String()
}

// connector opens go-sqlite3 connections and runs the configured pragmas
// (db_sqlite exec_pragma) on each.
type connector struct {
	dsn     string
	pragmas []string
	drv     sqlite3.SQLiteDriver
}

func (c *connector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	sc := conn.(*sqlite3.SQLiteConn)
	for _, p := range c.pragmas {
		if _, err := sc.Exec("PRAGMA "+p, nil); err != nil {
			sc.Close()
			return nil, fmt.Errorf("pragma %q: %w", p, err)
		}
	}
	return conn, nil
}

func (c *connector) Driver() driver.Driver { return &c.drv }
