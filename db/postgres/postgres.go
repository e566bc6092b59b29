// Package postgres is the db_postgres driver
// ("postgres://user:pass@host[:port]/db") over github.com/jackc/pgx/v5
// through its database/sql adapter.
//
// pgx prepares each statement shape once per connection and keeps it in
// its own cache; the pool, the per-call timeouts and the one retry on a
// broken connection are shared with db_mysql.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"gosips/db"
	"gosips/db/internal/sqldb"
)

func init() { db.Register("postgres", open) }

// DefaultPort is used when the URL has none.
const DefaultPort = "5432"

// SQLSTATE codes the driver acts on.
const (
	codeNoDatabase = "3D000"
	codeNoTable    = "42P01"
	codeNoColumn   = "42703"
	codeUnique     = "23505"
)

// Config builds the pgx configuration of a postgres URL.
func Config(u *db.URL, timeout time.Duration) (*pgx.ConnConfig, error) {
	if u.Host == "" || u.Database == "" {
		return nil, fmt.Errorf("want postgres://user:pass@host[:port]/database")
	}
	port := u.Port
	if port == "" {
		port = DefaultPort
	}
	q := url.Values{}
	q.Set("connect_timeout", strconv.Itoa(max(1, int(timeout.Round(time.Second)/time.Second))))
	q.Set("application_name", "gosips")
	pu := &url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(u.User, u.Password),
		Host:     net.JoinHostPort(u.Host, port),
		Path:     "/" + u.Database,
		RawQuery: q.Encode(),
	}
	cc, err := pgx.ParseConfig(pu.String())
	if err != nil {
		// pgx's message may quote the URL, password included.
		return nil, fmt.Errorf("invalid postgres url")
	}
	cc.ConnectTimeout = timeout
	return cc, nil
}

func open(ctx context.Context, u *db.URL, cfg db.Config) (db.Conn, error) {
	return Open(ctx, u, cfg, sqldb.Options{})
}

// Open connects with explicit driver options (the db_postgres modparams).
func Open(ctx context.Context, u *db.URL, cfg db.Config, o sqldb.Options) (*sqldb.Conn, error) {
	if o.Timeout <= 0 {
		o.Timeout = sqldb.DefaultTimeout
	}
	cc, err := Config(u, o.Timeout)
	if err != nil {
		return nil, err
	}
	pool, err := connect(ctx, cc, o.Timeout)
	var pe *pgconn.PgError
	if err != nil && cfg.Create && errors.As(err, &pe) && pe.Code == codeNoDatabase {
		if err = createDatabase(ctx, cc, o.Timeout); err == nil {
			pool, err = connect(ctx, cc, o.Timeout)
		}
	}
	if err != nil {
		return nil, err
	}
	return sqldb.New(pool, &dialect, u, cfg, o), nil
}

func connect(ctx context.Context, cc *pgx.ConnConfig, timeout time.Duration) (*sql.DB, error) {
	pool := stdlib.OpenDB(*cc)
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := pool.PingContext(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s: %w", net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port))), err)
	}
	return pool, nil
}

// createDatabase makes the URL's database through the maintenance
// database ("gosips db create" on a fresh server).
func createDatabase(ctx context.Context, cc *pgx.ConnConfig, timeout time.Duration) error {
	if err := db.CheckIdent(cc.Database); err != nil {
		return fmt.Errorf("database name: %w", err)
	}
	admin := cc.Copy()
	admin.Database = "postgres"
	pool, err := connect(ctx, admin, timeout)
	if err != nil {
		return err
	}
	defer pool.Close()
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, err := pool.ExecContext(cctx, `CREATE DATABASE "`+cc.Database+`"`); err != nil {
		return fmt.Errorf("create database %s: %w", cc.Database, err)
	}
	return nil
}
