package db

import (
	"context"
	"errors"
	"fmt"

	"gosips/db/schema"
)

// Conn is an open database. Implementations are safe for concurrent use.
// Table and column names must be plain identifiers ([A-Za-z0-9_], see
// CheckIdent); values are always passed as parameters, never spliced into
// statements.
type Conn interface {
	// Query returns cols (nil: every column, in table order) of the rows
	// matching all of where, sorted by order ("" | "col" | "col asc" |
	// "col desc"), at most limit rows (0: no limit).
	Query(ctx context.Context, table string, cols []string, where []Cond, order string, limit int) (*Result, error)
	// Insert adds one row and returns the auto-increment id it was given
	// (0 when the table has none).
	Insert(ctx context.Context, table string, cols []string, vals []Value) (lastID int64, err error)
	// Update sets cols to vals on the rows matching where and returns how
	// many rows it changed.
	Update(ctx context.Context, table string, where []Cond, cols []string, vals []Value) (int64, error)
	// Delete removes the rows matching where (all rows when where is empty)
	// and returns how many it removed.
	Delete(ctx context.Context, table string, where []Cond) (int64, error)
	// Upsert updates the rows whose keys columns equal the corresponding
	// vals, or inserts the row when there is none; keys must be a subset of
	// cols. It returns the number of rows written.
	Upsert(ctx context.Context, table string, keys, cols []string, vals []Value) (int64, error)
	// TableVersion returns the table's row in the version table; a missing
	// row is an error wrapping ErrNoVersion.
	TableVersion(ctx context.Context, table string) (int, error)
	// Close releases the connection.
	Close() error
}

// TableCreator is implemented by drivers that can create tables from their
// definitions (both built-in drivers do).
type TableCreator interface {
	// CreateTable creates t with its indexes unless a table of that name
	// exists; it reports whether it created it.
	CreateTable(ctx context.Context, t *schema.Table) (created bool, err error)
}

// BatchInserter is implemented by drivers that can add many rows of the
// same columns in one transaction, much cheaper than one commit per row
// (acc writes its CDRs through it under load). Either every row is added
// or none.
type BatchInserter interface {
	InsertMany(ctx context.Context, table string, cols []string, rows [][]Value) error
}

// RawQuerier is implemented by SQL drivers for the script's raw queries
// (sqlops, avpops): sql may hold "?" placeholders bound to args.
type RawQuerier interface {
	RawQuery(ctx context.Context, sql string, args ...Value) (*Result, error)
}

// Reloader is implemented by caching drivers (db_text): Reload drops the
// cached copy of a table ("" = every table) so the next access reads the
// file again.
type Reloader interface {
	Reload(ctx context.Context, table string) error
}

// Op is a comparison operator of a Cond.
type Op string

// The operators every driver supports. With a NULL value, OpEq and OpNe
// mean IS NULL and IS NOT NULL.
const (
	OpEq Op = "="
	OpNe Op = "!="
	OpLt Op = "<"
	OpGt Op = ">"
	OpLe Op = "<="
	OpGe Op = ">="
)

// Cond is one condition of a where list; the conditions of a list are
// ANDed.
type Cond struct {
	Col string
	Op  Op // "" means "="
	Val Value
}

// Eq returns the condition col = v.
func Eq(col string, v Value) Cond { return Cond{Col: col, Op: OpEq, Val: v} }

// CheckOp validates a condition's operator and NULL use, returning the
// normalised operator.
func (c Cond) CheckOp() (Op, error) {
	op := c.Op
	switch op {
	case "", "==":
		op = OpEq
	case "<>":
		op = OpNe
	case OpEq, OpNe, OpLt, OpGt, OpLe, OpGe:
	default:
		return "", fmt.Errorf("column %s: unknown operator %q", c.Col, string(c.Op))
	}
	if c.Val.Null && op != OpEq && op != OpNe {
		return "", fmt.Errorf("column %s: operator %s cannot compare with NULL", c.Col, op)
	}
	return op, nil
}

// Row is one result row, in the order of Result.Cols.
type Row []Value

// Result is the answer to a query.
type Result struct {
	Cols []string
	Rows []Row
}

// Index returns the position of column name in r.Cols, or -1.
func (r *Result) Index(name string) int {
	for i, c := range r.Cols {
		if c == name {
			return i
		}
	}
	return -1
}

// Errors the drivers wrap, for errors.Is.
var (
	ErrNoVersion     = errors.New("no version row")
	ErrNoTable       = errors.New("table does not exist")
	ErrNoColumn      = errors.New("no such column")
	ErrUnknownScheme = errors.New("unknown db_url scheme")
)

// CheckRow validates that cols and vals pair up and that every name is an
// identifier.
func CheckRow(cols []string, vals []Value) error {
	if len(cols) != len(vals) {
		return fmt.Errorf("%d columns but %d values", len(cols), len(vals))
	}
	for _, c := range cols {
		if err := CheckIdent(c); err != nil {
			return err
		}
	}
	return nil
}

// KeyConds returns the equality conditions of an upsert: one per key,
// with the value given for that key in cols/vals.
func KeyConds(keys, cols []string, vals []Value) ([]Cond, error) {
	if err := CheckRow(cols, vals); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("upsert needs at least one key column")
	}
	where := make([]Cond, len(keys))
	for i, k := range keys {
		j := -1
		for n, c := range cols {
			if c == k {
				j = n
				break
			}
		}
		if j < 0 {
			return nil, fmt.Errorf("key column %s is not among the columns written", k)
		}
		where[i] = Eq(k, vals[j])
	}
	return where, nil
}
