package sqldb

import (
	"errors"
	"strings"
	"sync"

	"gosips/db"
	"gosips/db/schema"
)

// builder assembles a statement from validated identifiers and
// placeholders, and collects the bound arguments.
type builder struct {
	d    *Dialect
	t    *schema.Table // nil for tables gosips does not know
	b    []byte
	args []any
}

var errNoColumns = errors.New("no columns to set")

var builders = sync.Pool{New: func() any { return &builder{b: make([]byte, 0, 256), args: make([]any, 0, 24)} }}

func getBuilder(d *Dialect, table string) *builder {
	bd := builders.Get().(*builder)
	bd.d, bd.b, bd.args = d, bd.b[:0], bd.args[:0]
	bd.t, _ = schema.Lookup(table)
	return bd
}

func (bd *builder) release() {
	clear(bd.args)
	bd.t = nil
	builders.Put(bd)
}

func (bd *builder) str(s string) { bd.b = append(bd.b, s...) }

func (bd *builder) ident(name string) error {
	if err := db.CheckIdent(name); err != nil {
		return err
	}
	bd.b = bd.d.Quote(bd.b, name)
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

// bind adds a value for column col and writes its placeholder.
func (bd *builder) bind(col string, v db.Value) {
	bd.args = append(bd.args, Arg(coerce(bd.t, col, v)))
	bd.b = bd.d.Placeholder(bd.b, len(bd.args))
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
		if op == db.OpNe {
			bd.str("<>")
		} else {
			bd.str(string(op))
		}
		bd.bind(c.Col, c.Val)
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
		switch {
		case desc && bd.d.NullsLow:
			bd.str(" DESC NULLS LAST")
		case desc:
			bd.str(" DESC")
		case bd.d.NullsLow:
			bd.str(" NULLS FIRST")
		}
		// Ties keep insertion order, as SQLite's scan gives, whatever
		// sort the server picks.
		if id := autoCol(bd.t); id != "" && !strings.EqualFold(id, col) {
			bd.b = append(bd.b, ',')
			bd.ident(id)
		}
	}
	if limit > 0 {
		bd.str(" LIMIT ")
		bd.args = append(bd.args, int64(limit))
		bd.b = bd.d.Placeholder(bd.b, len(bd.args))
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
	} else {
		bd.str(" (")
		if err := bd.idents(cols); err != nil {
			return err
		}
		bd.str(") VALUES (")
		for i, v := range vals {
			if i > 0 {
				bd.b = append(bd.b, ',')
			}
			bd.bind(cols[i], v)
		}
		bd.b = append(bd.b, ')')
	}
	if id := autoCol(bd.t); id != "" && bd.d.Returning {
		bd.str(" RETURNING ")
		bd.ident(id)
	}
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
		bd.b = append(bd.b, '=')
		bd.bind(c, vals[i])
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

// autoCol returns the auto-increment column of a known table, or "".
func autoCol(t *schema.Table) string {
	if t == nil {
		return ""
	}
	for _, c := range t.Columns {
		if c.Auto {
			return c.Name
		}
	}
	return ""
}
