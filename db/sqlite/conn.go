package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"gosips/db"
	"gosips/db/internal/sqldb"
	"gosips/db/schema"
)

// Conn is an open SQLite database.
type Conn struct {
	name string // masked URL, for errors
	path string
	vt   string
	log  *slog.Logger
	w, r *sql.DB
	// ws and rs cache the statements of the write and read pools.
	ws, rs *sqldb.StmtCache
	// cols caches the result columns of each query text.
	colMu sync.RWMutex
	cols  map[string]*colInfo
}

// colInfo is the column names and declared types of a query's result.
type colInfo struct {
	names []string
	types []db.Type
}

func (c *Conn) colsOf(q []byte) *colInfo {
	c.colMu.RLock()
	ci := c.cols[string(q)]
	c.colMu.RUnlock()
	return ci
}

func (c *Conn) setCols(q []byte, ci *colInfo) {
	c.colMu.Lock()
	if c.cols == nil {
		c.cols = map[string]*colInfo{}
	}
	c.cols[string(q)] = ci
	c.colMu.Unlock()
}

// Path returns the database file (or ":memory:").
func (c *Conn) Path() string { return c.path }

// wrap adds the URL, the operation and the table to an error, and maps
// SQLite's "no such table/column" to db.ErrNoTable and db.ErrNoColumn.
func (c *Conn) wrap(op, table string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "no such table"):
		err = fmt.Errorf("%w: %w", db.ErrNoTable, err)
	case strings.Contains(msg, "no such column"), strings.Contains(msg, "has no column"):
		err = fmt.Errorf("%w: %w", db.ErrNoColumn, err)
	}
	return fmt.Errorf("%s: %s %s: %w", c.name, op, table, err)
}

// Query implements db.Conn.
func (c *Conn) Query(ctx context.Context, table string, cols []string, where []db.Cond, order string, limit int) (*db.Result, error) {
	bd := getBuilder()
	defer bd.release()
	if err := bd.selectQ(table, cols, where, order, limit); err != nil {
		return nil, c.wrap("query", table, err)
	}
	// SQLite queries are local and bounded by busy_timeout; a cancellable
	// context would make the driver arm an interrupt watcher per query.
	ctx = context.WithoutCancel(ctx)
	st, done, err := c.rs.Get(ctx, bd.b)
	if err != nil {
		return nil, c.wrap("query", table, err)
	}
	defer done()
	rs, err := st.QueryContext(ctx, bd.args...)
	if err != nil {
		return nil, c.wrap("query", table, err)
	}
	ci := c.colsOf(bd.b)
	res, ci2, err := scanAll(rs, ci, limit)
	if err != nil {
		return nil, c.wrap("query", table, err)
	}
	if ci == nil && ci2 != nil {
		c.setCols(bd.b, ci2)
	}
	return res, nil
}

// exec runs a write statement built by build on the writer.
func (c *Conn) exec(ctx context.Context, op, table string, build func(*builder) error) (sql.Result, error) {
	bd := getBuilder()
	defer bd.release()
	if err := build(bd); err != nil {
		return nil, c.wrap(op, table, err)
	}
	st, done, err := c.ws.Get(ctx, bd.b)
	if err != nil {
		return nil, c.wrap(op, table, err)
	}
	defer done()
	res, err := st.ExecContext(ctx, bd.args...)
	if err != nil {
		return nil, c.wrap(op, table, err)
	}
	return res, nil
}

// Insert implements db.Conn; the id returned is the new row's rowid, which
// is the auto-increment column when the table has one.
func (c *Conn) Insert(ctx context.Context, table string, cols []string, vals []db.Value) (int64, error) {
	res, err := c.exec(ctx, "insert into", table, func(bd *builder) error { return bd.insertQ(table, cols, vals) })
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, c.wrap("insert into", table, err)
	}
	return id, nil
}

// InsertMany implements db.BatchInserter: the rows go in one transaction,
// through one prepared statement.
func (c *Conn) InsertMany(ctx context.Context, table string, cols []string, rows [][]db.Value) error {
	const op = "insert into"
	if len(rows) == 0 {
		return nil
	}
	bds := make([]*builder, len(rows))
	defer func() {
		for _, bd := range bds {
			if bd != nil {
				bd.release()
			}
		}
	}()
	for i, vals := range rows {
		bds[i] = getBuilder()
		if err := bds[i].insertQ(table, cols, vals); err != nil {
			return c.wrap(op, table, err)
		}
	}
	// Prepare before taking the only write connection.
	st, done, err := c.ws.Get(ctx, bds[0].b)
	if err != nil {
		return c.wrap(op, table, err)
	}
	defer done()
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return c.wrap(op, table, err)
	}
	defer tx.Rollback()
	txst := tx.StmtContext(ctx, st)
	defer txst.Close()
	for i, bd := range bds {
		if i > 0 && string(bd.b) != string(bds[0].b) {
			// A value bound differently (NULL): its own statement.
			if _, err := tx.ExecContext(ctx, string(bd.b), bd.args...); err != nil {
				return c.wrap(op, table, err)
			}
			continue
		}
		if _, err := txst.ExecContext(ctx, bd.args...); err != nil {
			return c.wrap(op, table, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return c.wrap(op, table, err)
	}
	return nil
}

// Update implements db.Conn.
func (c *Conn) Update(ctx context.Context, table string, where []db.Cond, cols []string, vals []db.Value) (int64, error) {
	res, err := c.exec(ctx, "update", table, func(bd *builder) error { return bd.updateQ(table, where, cols, vals) })
	if err != nil {
		return 0, err
	}
	return affected(c, "update", table, res)
}

// Delete implements db.Conn.
func (c *Conn) Delete(ctx context.Context, table string, where []db.Cond) (int64, error) {
	res, err := c.exec(ctx, "delete from", table, func(bd *builder) error { return bd.deleteQ(table, where) })
	if err != nil {
		return 0, err
	}
	return affected(c, "delete from", table, res)
}

func affected(c *Conn, op, table string, res sql.Result) (int64, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return 0, c.wrap(op, table, err)
	}
	return n, nil
}

// Upsert implements db.Conn with an UPDATE, then an INSERT when nothing
// matched, in one IMMEDIATE transaction; it needs no unique index.
func (c *Conn) Upsert(ctx context.Context, table string, keys, cols []string, vals []db.Value) (int64, error) {
	const op = "upsert into"
	where, err := db.KeyConds(keys, cols, vals)
	if err != nil {
		return 0, c.wrap(op, table, err)
	}
	ub, ib := getBuilder(), getBuilder()
	defer ub.release()
	defer ib.release()
	if err := ub.updateQ(table, where, cols, vals); err != nil {
		return 0, c.wrap(op, table, err)
	}
	if err := ib.insertQ(table, cols, vals); err != nil {
		return 0, c.wrap(op, table, err)
	}
	// Prepare before taking the only write connection.
	ust, udone, err := c.ws.Get(ctx, ub.b)
	if err != nil {
		return 0, c.wrap(op, table, err)
	}
	defer udone()
	ist, idone, err := c.ws.Get(ctx, ib.b)
	if err != nil {
		return 0, c.wrap(op, table, err)
	}
	defer idone()
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, c.wrap(op, table, err)
	}
	defer tx.Rollback()
	res, err := tx.StmtContext(ctx, ust).ExecContext(ctx, ub.args...)
	if err != nil {
		return 0, c.wrap(op, table, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, c.wrap(op, table, err)
	}
	if n == 0 {
		if _, err := tx.StmtContext(ctx, ist).ExecContext(ctx, ib.args...); err != nil {
			return 0, c.wrap(op, table, err)
		}
		n = 1
	}
	if err := tx.Commit(); err != nil {
		return 0, c.wrap(op, table, err)
	}
	return n, nil
}

// TableVersion implements db.Conn.
func (c *Conn) TableVersion(ctx context.Context, table string) (int, error) {
	return db.QueryVersion(ctx, c, c.vt, table)
}

// RawQuery implements db.RawQuerier: SELECT (and WITH, PRAGMA, EXPLAIN)
// statements run on the read pool, anything else on the writer.
func (c *Conn) RawQuery(ctx context.Context, q string, args ...db.Value) (*db.Result, error) {
	cache := c.ws
	if isRead(q) {
		cache = c.rs
	}
	st, done, err := cache.Get(ctx, []byte(q))
	if err != nil {
		return nil, fmt.Errorf("%s: raw query: %w", c.name, err)
	}
	defer done()
	a := make([]any, len(args))
	for i, v := range args {
		a[i] = arg(v)
	}
	rs, err := st.QueryContext(ctx, a...)
	if err != nil {
		return nil, fmt.Errorf("%s: raw query: %w", c.name, err)
	}
	res, _, err := scanAll(rs, nil, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: raw query: %w", c.name, err)
	}
	return res, nil
}

func isRead(q string) bool {
	f := strings.Fields(q)
	if len(f) == 0 {
		return false
	}
	switch strings.ToUpper(f[0]) {
	case "SELECT", "WITH", "EXPLAIN":
		return true
	}
	return false
}

// CreateTable implements db.TableCreator.
func (c *Conn) CreateTable(ctx context.Context, t *schema.Table) (bool, error) {
	const op = "create table"
	var n int
	err := c.w.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?", t.Name).Scan(&n)
	if err != nil {
		return false, c.wrap(op, t.Name, err)
	}
	if n > 0 {
		return false, nil
	}
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return false, c.wrap(op, t.Name, err)
	}
	defer tx.Rollback()
	// The DDL is generated from the fixed definitions in db/schema.
	for _, stmt := range t.SQLiteDDL() {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return false, c.wrap(op, t.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return false, c.wrap(op, t.Name, err)
	}
	c.log.Info("created table", "table", t.Name, "db", c.name)
	return true, nil
}

// Close implements db.Conn.
func (c *Conn) Close() error {
	c.rs.Close()
	if c.ws != c.rs {
		c.ws.Close()
	}
	var errs []error
	if c.r != c.w {
		errs = append(errs, c.r.Close())
	}
	errs = append(errs, c.w.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%s: close: %w", c.name, err)
	}
	return nil
}

var (
	_ db.Conn         = (*Conn)(nil)
	_ db.TableCreator = (*Conn)(nil)
	_ db.RawQuerier   = (*Conn)(nil)
)

var _ db.BatchInserter = (*Conn)(nil)
