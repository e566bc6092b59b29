// Package mysql is the db_mysql driver ("mysql://user:pass@host[:port]/db")
// over github.com/go-sql-driver/mysql, for MySQL and MariaDB.
//
// Connections come from a database/sql pool; statements are prepared
// once per shape and reused on every pooled connection; every call is
// bounded by a timeout and retried once when its connection broke (the
// server restarted or killed the session).
package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/go-sql-driver/mysql"

	"gosips/db"
	"gosips/db/internal/sqldb"
)

func init() { db.Register("mysql", open) }

// DefaultPort is used when the URL has none.
const DefaultPort = "3306"

// Error numbers the driver acts on (MySQL and MariaDB share them).
const (
	errUnknownDB     = 1049
	errNoTable       = 1146
	errNoColumn      = 1054
	errDupEntry      = 1062
	errShutdown      = 1053
	errConnKilled    = 1927 // MariaDB: connection was killed
	errQueryKilled   = 1317
	errClientTimeout = 4031 // MySQL 8: disconnected by the server for inactivity
)

// Config builds the go-sql-driver configuration of a mysql URL.
func Config(u *db.URL, timeout time.Duration) (*mysql.Config, error) {
	if u.Host == "" || u.Database == "" {
		return nil, fmt.Errorf("want mysql://user:pass@host[:port]/database")
	}
	port := u.Port
	if port == "" {
		port = DefaultPort
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User
	cfg.Passwd = u.Password
	cfg.Net = "tcp"
	cfg.Addr = net.JoinHostPort(u.Host, port)
	cfg.DBName = u.Database
	// DATETIME columns hold local wall-clock times, as OpenSIPS writes.
	cfg.ParseTime = true
	cfg.Loc = time.Local
	// Updates report matched rows, not changed ones: Upsert relies on it
	// and SQLite counts the same way.
	cfg.ClientFoundRows = true
	cfg.Timeout = timeout
	// Per-call contexts bound reads and writes; these catch a stalled
	// socket outside any call.
	cfg.ReadTimeout = 4 * timeout
	cfg.WriteTimeout = 4 * timeout
	return cfg, nil
}

func open(ctx context.Context, u *db.URL, cfg db.Config) (db.Conn, error) {
	return Open(ctx, u, cfg, sqldb.Options{})
}

// Open connects with explicit driver options (the db_mysql modparams).
func Open(ctx context.Context, u *db.URL, cfg db.Config, o sqldb.Options) (*sqldb.Conn, error) {
	if o.Timeout <= 0 {
		o.Timeout = sqldb.DefaultTimeout
	}
	mc, err := Config(u, o.Timeout)
	if err != nil {
		return nil, err
	}
	mc.Logger = slogger{cfg.Logger}
	if cfg.Logger == nil {
		mc.Logger = &mysql.NopLogger{}
	}
	pool, err := connect(ctx, mc, o.Timeout)
	var me *mysql.MySQLError
	if err != nil && cfg.Create && errors.As(err, &me) && me.Number == errUnknownDB {
		if err = createDatabase(ctx, mc, o.Timeout); err == nil {
			pool, err = connect(ctx, mc, o.Timeout)
		}
	}
	if err != nil {
		return nil, err
	}
	return sqldb.New(pool, &dialect, u, cfg, o), nil
}

// connect opens a pool and checks that the server answers.
func connect(ctx context.Context, mc *mysql.Config, timeout time.Duration) (*sql.DB, error) {
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, err
	}
	pool := sql.OpenDB(conn)
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := pool.PingContext(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s: %w", mc.Addr, err)
	}
	return pool, nil
}

// slogger sends the driver's own messages (stale idle connections it
// dropped, mostly) to the connection's logger at debug level.
type slogger struct{ l *slog.Logger }

func (s slogger) Print(v ...any) { s.l.Debug("mysql driver: " + fmt.Sprint(v...)) }

// createDatabase makes the URL's database ("gosips db create" on a fresh
// server), with the server's default character set.
func createDatabase(ctx context.Context, mc *mysql.Config, timeout time.Duration) error {
	root := mc.Clone()
	root.DBName = ""
	pool, err := connect(ctx, root, timeout)
	if err != nil {
		return err
	}
	defer pool.Close()
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := db.CheckIdent(mc.DBName); err != nil {
		return fmt.Errorf("database name: %w", err)
	}
	if _, err := pool.ExecContext(cctx, "CREATE DATABASE IF NOT EXISTS `"+mc.DBName+"`"); err != nil {
		return fmt.Errorf("create database %s: %w", mc.DBName, err)
	}
	return nil
}
