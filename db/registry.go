package db

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Config carries the driver settings a module or the CLI may pass to Open.
// Drivers ignore the fields that are not theirs.
type Config struct {
	// BaseDir resolves relative paths (OpenSIPS: the config file's
	// directory). Empty means the working directory.
	BaseDir string
	// BusyTimeout is how long SQLite waits for a lock (db_sqlite
	// busy_timeout); 0 means the OpenSIPS default, 500 ms.
	BusyTimeout time.Duration
	// Pragmas are run on every new SQLite connection (db_sqlite
	// exec_pragma), e.g. "foreign_keys = 1".
	Pragmas []string
	// VersionTable is the name of the version table (core
	// db_version_table); empty means "version".
	VersionTable string
	// Logger receives driver logs; nil discards them.
	Logger *slog.Logger
	// Create makes a missing database (SQLite file, db_text directory)
	// instead of failing; "gosips db create" sets it, modules do not.
	Create bool
}

// Option changes a Config.
type Option func(*Config)

// WithBaseDir sets Config.BaseDir.
func WithBaseDir(dir string) Option { return func(c *Config) { c.BaseDir = dir } }

// WithBusyTimeout sets Config.BusyTimeout.
func WithBusyTimeout(d time.Duration) Option { return func(c *Config) { c.BusyTimeout = d } }

// WithPragma adds a Config.Pragmas entry.
func WithPragma(p string) Option { return func(c *Config) { c.Pragmas = append(c.Pragmas, p) } }

// WithVersionTable sets Config.VersionTable.
func WithVersionTable(name string) Option { return func(c *Config) { c.VersionTable = name } }

// WithCreate sets Config.Create.
func WithCreate() Option { return func(c *Config) { c.Create = true } }

// WithLogger sets Config.Logger.
func WithLogger(l *slog.Logger) Option { return func(c *Config) { c.Logger = l } }

// DefaultBusyTimeout is db_sqlite's busy_timeout default.
const DefaultBusyTimeout = 500 * time.Millisecond

// OpenFunc opens a connection for a parsed URL.
type OpenFunc func(ctx context.Context, u *URL, cfg Config) (Conn, error)

// drivers is written by Register from init() only and read-only afterwards.
var drivers = map[string]OpenFunc{}

// Register makes a driver available for a db_url scheme. It is called from
// the driver's init() and panics on a duplicate or empty scheme.
func Register(scheme string, open OpenFunc) {
	if scheme == "" || open == nil {
		panic("db: Register with an empty scheme or nil open")
	}
	if _, dup := drivers[scheme]; dup {
		panic("db: Register called twice for scheme " + scheme)
	}
	drivers[scheme] = open
}

// Schemes lists the registered schemes, sorted.
func Schemes() []string {
	s := make([]string, 0, len(drivers))
	for k := range drivers {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// Supported reports whether a driver is registered for scheme.
func Supported(scheme string) bool {
	_, ok := drivers[scheme]
	return ok
}

// Open connects to the database named by a db_url. Errors name the URL with
// its password masked.
func Open(ctx context.Context, rawURL string, opts ...Option) (Conn, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	open, ok := drivers[u.Scheme]
	if !ok {
		return nil, fmt.Errorf("open db %q: %w %q (gosips has %v)", u, ErrUnknownScheme, u.Scheme, Schemes())
	}
	cfg := Config{BusyTimeout: DefaultBusyTimeout, VersionTable: "version"}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.BusyTimeout <= 0 {
		cfg.BusyTimeout = DefaultBusyTimeout
	}
	if cfg.VersionTable == "" {
		cfg.VersionTable = "version"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := CheckIdent(cfg.VersionTable); err != nil {
		return nil, fmt.Errorf("open db %q: version table: %w", u, err)
	}
	c, err := open(ctx, u, cfg)
	if err != nil {
		return nil, fmt.Errorf("open db %q: %w", u, err)
	}
	return c, nil
}
