// Package sqldb is the engine the client/server SQL drivers (db/mysql,
// db/postgres) share: statement building from validated identifiers and
// placeholders, per-call timeouts, one transparent retry on a broken
// connection, value coercion from the known OpenSIPS schemas and result
// scanning. Each driver supplies a Dialect and a database/sql pool.
package sqldb

import (
	"time"

	"gosips/db"
	"gosips/db/schema"
)

// Kind classifies a driver error.
type Kind uint8

// The error kinds a Dialect tells apart.
const (
	Other     Kind = iota
	NoTable        // the table does not exist
	NoColumn       // a column does not exist
	Duplicate      // a unique key was violated
	Broken         // the connection broke or the server is unreachable: retry once
)

// Dialect is what differs between the SQL servers.
type Dialect struct {
	// Name is the driver name used in logs ("mysql", "postgres").
	Name string
	// Quote appends a quoted identifier; the name is already validated.
	Quote func(b []byte, name string) []byte
	// Placeholder appends the n-th (1-based) parameter marker.
	Placeholder func(b []byte, n int) []byte
	// Rebind turns a raw query's "?" markers into the dialect's; nil
	// keeps them.
	Rebind func(q string) string
	// NullsLow adds NULLS FIRST / NULLS LAST to ORDER BY so that NULL
	// sorts below every value, as in SQLite and MySQL.
	NullsLow bool
	// Returning fetches an insert's id with INSERT ... RETURNING instead
	// of sql.Result.LastInsertId.
	Returning bool
	// Prepare keeps a cache of prepared *sql.Stmt per query shape (for
	// drivers that do not cache statements themselves).
	Prepare bool
	// FoldsNames: the server folds unquoted names to lower case, so result
	// column names are mapped back to the spelling of the schema.
	FoldsNames bool
	// Classify sorts a driver error into a Kind.
	Classify func(err error) Kind
	// ColType maps a result column's DatabaseTypeName to a value type.
	ColType func(dbType string) db.Type
	// Single reports whether a floating column type is single precision
	// (its values are rounded to the float32 they were).
	Single func(dbType string) bool
	// WallClock reports whether a date-time column type comes back as a
	// UTC time holding the stored wall clock, which was written in local
	// time (PostgreSQL's TIMESTAMP WITHOUT TIME ZONE).
	WallClock func(dbType string) bool
	// TableExists is a query with one placeholder, the table name, that
	// returns a count.
	TableExists string
	// DDL returns the statements creating a table.
	DDL func(*schema.Table) []string
	// TxDDL runs the DDL of one table in a transaction.
	TxDDL bool
}

// Options are the connection settings shared by the drivers.
type Options struct {
	// Timeout bounds every call, its one retry included, when the
	// caller's context has no deadline of its own.
	Timeout time.Duration
}

// DefaultTimeout bounds a call when the driver is given none: about what
// OpenSIPS' db_mysql takes with its default timeout_interval (2 s) and
// three attempts.
const DefaultTimeout = 5 * time.Second

// Pool sizes: enough connections for the SIP workers and the timers
// without exhausting a shared server's max_connections across nodes.
const (
	MaxOpen         = 16
	MaxIdle         = 8
	ConnMaxIdleTime = 5 * time.Minute
	ConnMaxLifetime = 30 * time.Minute
)
