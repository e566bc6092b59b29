package text

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"gosips/db"
	"gosips/db/schema"
)

// Conn is a db_text database: one directory.
type Conn struct {
	dir  string
	name string // the masked URL, for errors
	vt   string

	mu     sync.Mutex
	tables map[string]*table
	closed bool
}

// Dir returns the database directory.
func (c *Conn) Dir() string { return c.dir }

func (c *Conn) errf(op, tbl string, err error) error {
	return fmt.Errorf("%s: %s %s: %w", c.name, op, tbl, err)
}

// table returns the cache entry of a table, creating it empty.
func (c *Conn) table(name string) (*table, error) {
	if err := db.CheckIdent(name); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errors.New("connection closed")
	}
	t := c.tables[name]
	if t == nil {
		t = &table{name: name, path: filepath.Join(c.dir, name)}
		c.tables[name] = t
	}
	return t, nil
}

// Query implements db.Conn.
func (c *Conn) Query(ctx context.Context, tbl string, cols []string, where []db.Cond, order string, limit int) (*db.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, c.errf("query", tbl, err)
	}
	t, err := c.table(tbl)
	if err != nil {
		return nil, c.errf("query", tbl, err)
	}
	var res *db.Result
	err = t.read(func(d *data) error {
		var err error
		res, err = query(d, t.index, cols, where, order, limit)
		return err
	})
	if err != nil {
		return nil, c.errf("query", tbl, err)
	}
	return res, nil
}

func query(d *data, index map[string]int, cols []string, where []db.Cond, order string, limit int) (*db.Result, error) {
	m, err := compile(d, index, where)
	if err != nil {
		return nil, err
	}
	var pick []int
	if cols == nil {
		pick = make([]int, len(d.cols))
		cols = make([]string, len(d.cols))
		for i, c := range d.cols {
			pick[i], cols[i] = i, c.name
		}
	} else {
		pick = make([]int, len(cols))
		for i, name := range cols {
			j, ok := index[name]
			if !ok {
				return nil, noColumn(d, name)
			}
			pick[i] = j
		}
		cols = slices.Clone(cols)
	}
	ocol, desc, err := db.ParseOrder(order)
	if err != nil {
		return nil, err
	}
	var rows []db.Row
	for _, r := range d.rows {
		if m.match(r) {
			rows = append(rows, r)
		}
	}
	if ocol != "" {
		oi, ok := index[ocol]
		if !ok {
			return nil, noColumn(d, ocol)
		}
		slices.SortStableFunc(rows, func(a, b db.Row) int {
			n := compareNullFirst(a[oi], b[oi])
			if desc {
				return -n
			}
			return n
		})
	}
	if limit > 0 && len(rows) > limit {
		rows = rows[:limit]
	}
	res := &db.Result{Cols: cols, Rows: make([]db.Row, len(rows))}
	cells := make([]db.Value, len(rows)*len(pick))
	for i, r := range rows {
		out := cells[i*len(pick) : (i+1)*len(pick) : (i+1)*len(pick)]
		for k, j := range pick {
			out[k] = r[j]
			if out[k].Type == db.Blob && !out[k].Null {
				out[k].B = slices.Clone(out[k].B)
			}
		}
		res.Rows[i] = out
	}
	return res, nil
}

func noColumn(d *data, name string) error {
	names := make([]string, len(d.cols))
	for i, c := range d.cols {
		names[i] = c.name
	}
	return fmt.Errorf("%w %q (columns: %v)", db.ErrNoColumn, name, names)
}

// Insert implements db.Conn.
func (c *Conn) Insert(ctx context.Context, tbl string, cols []string, vals []db.Value) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, c.errf("insert into", tbl, err)
	}
	t, err := c.table(tbl)
	if err != nil {
		return 0, c.errf("insert into", tbl, err)
	}
	var id int64
	err = t.modify(func(d *data) (*data, error) {
		row, next, err := newRow(d, t.index, cols, vals)
		if err != nil {
			return nil, err
		}
		nd := *d
		nd.rows = append(slices.Clip(d.rows), row)
		if d.autoCol >= 0 {
			id = row[d.autoCol].I
			nd.next = next
		}
		return &nd, nil
	})
	if err != nil {
		return 0, c.errf("insert into", tbl, err)
	}
	return id, nil
}

// newRow builds a full row from cols/vals: missing columns are NULL (and
// must be nullable), the auto column is numbered when not given.
func newRow(d *data, index map[string]int, cols []string, vals []db.Value) (db.Row, int64, error) {
	if err := db.CheckRow(cols, vals); err != nil {
		return nil, 0, err
	}
	row := make(db.Row, len(d.cols))
	set := make([]bool, len(d.cols))
	for i, name := range cols {
		j, ok := index[name]
		if !ok {
			return nil, 0, noColumn(d, name)
		}
		v, err := coerce(d.cols[j], vals[i])
		if err != nil {
			return nil, 0, err
		}
		row[j], set[j] = v, true
	}
	next := d.next
	for j, col := range d.cols {
		if set[j] && !row[j].Null {
			continue
		}
		switch {
		case col.auto:
			if !set[j] || row[j].Null {
				row[j] = db.Value{Type: col.typ, I: next}
			}
		case col.null:
			row[j] = db.NullValue(col.typ)
		default:
			return nil, 0, fmt.Errorf("column %s is not null and has no value", col.name)
		}
	}
	if d.autoCol >= 0 && row[d.autoCol].I >= next {
		next = row[d.autoCol].I + 1
	}
	return row, next, nil
}

// Update implements db.Conn.
func (c *Conn) Update(ctx context.Context, tbl string, where []db.Cond, cols []string, vals []db.Value) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, c.errf("update", tbl, err)
	}
	t, err := c.table(tbl)
	if err != nil {
		return 0, c.errf("update", tbl, err)
	}
	var n int64
	err = t.modify(func(d *data) (*data, error) {
		var err error
		var nd *data
		nd, n, err = update(d, t.index, where, cols, vals)
		return nd, err
	})
	if err != nil {
		return 0, c.errf("update", tbl, err)
	}
	return n, nil
}

func update(d *data, index map[string]int, where []db.Cond, cols []string, vals []db.Value) (*data, int64, error) {
	if err := db.CheckRow(cols, vals); err != nil {
		return nil, 0, err
	}
	m, err := compile(d, index, where)
	if err != nil {
		return nil, 0, err
	}
	idx := make([]int, len(cols))
	set := make([]db.Value, len(cols))
	for i, name := range cols {
		j, ok := index[name]
		if !ok {
			return nil, 0, noColumn(d, name)
		}
		v, err := coerce(d.cols[j], vals[i])
		if err != nil {
			return nil, 0, err
		}
		if v.Null && !d.cols[j].null {
			return nil, 0, fmt.Errorf("column %s is not null", name)
		}
		idx[i], set[i] = j, v
	}
	var n int64
	nd := *d
	nd.rows = nil
	for ri, r := range d.rows {
		if !m.match(r) {
			continue
		}
		if nd.rows == nil {
			nd.rows = slices.Clone(d.rows)
		}
		nr := slices.Clone(r)
		for k, j := range idx {
			nr[j] = set[k]
			if j == d.autoCol && nr[j].I >= nd.next {
				nd.next = nr[j].I + 1
			}
		}
		nd.rows[ri] = nr
		n++
	}
	if n == 0 {
		return nil, 0, nil
	}
	return &nd, n, nil
}

// Delete implements db.Conn.
func (c *Conn) Delete(ctx context.Context, tbl string, where []db.Cond) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, c.errf("delete from", tbl, err)
	}
	t, err := c.table(tbl)
	if err != nil {
		return 0, c.errf("delete from", tbl, err)
	}
	var n int64
	err = t.modify(func(d *data) (*data, error) {
		m, err := compile(d, t.index, where)
		if err != nil {
			return nil, err
		}
		keep := make([]db.Row, 0, len(d.rows))
		for _, r := range d.rows {
			if !m.match(r) {
				keep = append(keep, r)
			}
		}
		n = int64(len(d.rows) - len(keep))
		if n == 0 {
			return nil, nil
		}
		nd := *d
		nd.rows = keep
		return &nd, nil
	})
	if err != nil {
		return 0, c.errf("delete from", tbl, err)
	}
	return n, nil
}

// Upsert implements db.Conn.
func (c *Conn) Upsert(ctx context.Context, tbl string, keys, cols []string, vals []db.Value) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, c.errf("upsert into", tbl, err)
	}
	where, err := db.KeyConds(keys, cols, vals)
	if err != nil {
		return 0, c.errf("upsert into", tbl, err)
	}
	t, err := c.table(tbl)
	if err != nil {
		return 0, c.errf("upsert into", tbl, err)
	}
	var n int64
	err = t.modify(func(d *data) (*data, error) {
		nd, cnt, err := update(d, t.index, where, cols, vals)
		if err != nil || cnt > 0 {
			n = cnt
			return nd, err
		}
		row, next, err := newRow(d, t.index, cols, vals)
		if err != nil {
			return nil, err
		}
		nd = &data{cols: d.cols, autoCol: d.autoCol, next: next, rows: append(slices.Clip(d.rows), row)}
		n = 1
		return nd, nil
	})
	if err != nil {
		return 0, c.errf("upsert into", tbl, err)
	}
	return n, nil
}

// TableVersion implements db.Conn.
func (c *Conn) TableVersion(ctx context.Context, tbl string) (int, error) {
	return db.QueryVersion(ctx, c, c.vt, tbl)
}

// CreateTable implements db.TableCreator: it writes a file holding only
// the header, unless the table file exists.
func (c *Conn) CreateTable(ctx context.Context, def *schema.Table) (bool, error) {
	t, err := c.table(def.Name)
	if err != nil {
		return false, c.errf("create table", def.Name, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, err := os.Stat(t.path); err == nil {
		return false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, c.errf("create table", def.Name, err)
	}
	cols, auto, err := parseHeader(def.TextHeader())
	if err != nil {
		return false, c.errf("create table", def.Name, err)
	}
	d := &data{cols: cols, autoCol: auto, next: 1}
	fi, err := writeFile(t.path, d)
	if err != nil {
		return false, c.errf("create table", def.Name, err)
	}
	t.set(d, fi)
	return true, nil
}

// Reload implements db.Reloader: it drops cached tables so that the next
// access reads their files (dbt_reload).
func (c *Conn) Reload(_ context.Context, tbl string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, t := range c.tables {
		if tbl == "" || name == tbl {
			t.mu.Lock()
			t.d = nil
			t.mu.Unlock()
		}
	}
	return nil
}

// Close implements db.Conn.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.tables = nil
	untrack(c)
	return nil
}

var (
	_ db.Conn         = (*Conn)(nil)
	_ db.TableCreator = (*Conn)(nil)
	_ db.Reloader     = (*Conn)(nil)
)
