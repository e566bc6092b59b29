package sqlite

import (
	"errors"
	"strconv"
	"sync"

	"gosips/db"
)

// builder assembles a statement from validated identifiers and
// placeholders, and collects the bound arguments.
type builder struct {
	b    []byte
	args []any
}

var errNoColumns = errors.New("no columns to set")

var builders = sync.Pool{New: func() any { return &builder{b: make([]byte, 0, 256), args: make([]any, 0, 24)} }}

func getBuilder() *builder {
	bd := builders.Get().(*builder)
	bd.b, bd.args = bd.b[:0], bd.args[:0]
	return bd
}

func (bd *builder) release() {
	clear(bd.args)
	builders.Put(bd)
}

func (bd *builder) str(s string) { bd.b = append(bd.b, s...) }

// ident writes a quoted identifier after validating it. Grave accents, not
// double quotes: SQLite reads an unknown "name" as a string literal, which
// would turn a misspelt column into a silent constant.
func (bd *builder) ident(name string) error {
	if err := db.CheckIdent(name); err != nil {
		return err
	}
	bd.b = append(bd.b, '`')
	bd.b = append(bd.b, name...)
	bd.b = append(bd.b, '`')
	return nil
}

func (bd *builder) idents(names []string) error {
	for i, n := range names {
		if i > 0 {
			bd.b = append(bd.b, ',')
		}
		if err := bd.ident(n); err != nil {
			return err
		}
	}
	return nil
}

func (bd *builder) where(conds []db.Cond) error {
	for i, c := range conds {
		if i == 0 {
			bd.str(" WHERE ")
		} else {
			bd.str(" AND ")
		}
		op, err := c.CheckOp()
		if err != nil {
			return err
		}
		if err := bd.ident(c.Col); err != nil {
			return err
		}
		if c.Val.Null {
			if op == db.OpEq {
				bd.str(" IS NULL")
			} else {
				bd.str(" IS NOT NULL")
			}
			continue
		}
		bd.str(string(op))
		bd.b = append(bd.b, '?')
		bd.args = append(bd.args, arg(c.Val))
	}
	return nil
}

func (bd *builder) selectQ(table string, cols []string, where []db.Cond, order string, limit int) error {
	bd.str("SELECT ")
	if cols == nil {
		bd.b = append(bd.b, '*')
	} else if err := bd.idents(cols); err != nil {
		return err
	}
	bd.str(" FROM ")
	if err := bd.ident(table); err != nil {
		return err
	}
	if err := bd.where(where); err != nil {
		return err
	}
	col, desc, err := db.ParseOrder(order)
	if err != nil {
		return err
	}
	if col != "" {
		bd.str(" ORDER BY ")
		bd.ident(col)
		if desc {
			bd.str(" DESC")
		}
	}
	if limit > 0 {
		// A literal, not a bound parameter: SQLite (3.47+) marks a bound
		// LIMIT as plan-relevant, so every new binding would expire the
		// cached statement and re-prepare it (parse and plan) on each
		// step. Limits take few distinct values, so the statement cache
		// stays small.
		bd.str(" LIMIT ")
		bd.b = strconv.AppendInt(bd.b, int64(limit), 10)
	}
	return nil
}

func (bd *builder) insertQ(table string, cols []string, vals []db.Value) error {
	if err := db.CheckRow(cols, vals); err != nil {
		return err
	}
	bd.str("INSERT INTO ")
	if err := bd.ident(table); err != nil {
		return err
	}
	if len(cols) == 0 {
		bd.str(" DEFAULT VALUES")
		return nil
	}
	bd.str(" (")
	bd.idents(cols)
	bd.str(") VALUES (")
	for i, v := range vals {
		if i > 0 {
			bd.b = append(bd.b, ',')
		}
		bd.b = append(bd.b, '?')
		bd.args = append(bd.args, arg(v))
	}
	bd.b = append(bd.b, ')')
	return nil
}

func (bd *builder) updateQ(table string, where []db.Cond, cols []string, vals []db.Value) error {
	if err := db.CheckRow(cols, vals); err != nil {
		return err
	}
	if len(cols) == 0 {
		return errNoColumns
	}
	bd.str("UPDATE ")
	if err := bd.ident(table); err != nil {
		return err
	}
	bd.str(" SET ")
	for i, c := range cols {
		if i > 0 {
			bd.b = append(bd.b, ',')
		}
		bd.ident(c)
		bd.str("=?")
		bd.args = append(bd.args, arg(vals[i]))
	}
	return bd.where(where)
}

func (bd *builder) deleteQ(table string, where []db.Cond) error {
	bd.str("DELETE FROM ")
	if err := bd.ident(table); err != nil {
		return err
	}
	return bd.where(where)
}

// arg converts a value to what go-sqlite3 binds. Times are bound as Unix
// seconds, as OpenSIPS' db_sqlite does.
func arg(v db.Value) any {
	if v.Null {
		return nil
	}
	switch v.Type {
	case db.Int, db.BigInt, db.Time:
		return v.I
	case db.Double:
		return v.F
	case db.Blob:
		if v.B == nil {
			return []byte{}
		}
		return v.B
	case db.String:
		return v.S
	}
	return v.Str()
}
