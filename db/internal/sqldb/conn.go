package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gosips/db"
	"gosips/db/schema"
)

// Conn is an open client/server SQL database behind the db.Conn API.
type Conn struct {
	d       *Dialect
	name    string // masked URL, for errors and logs
	vt      string
	log     *slog.Logger
	pool    *sql.DB
	stmts   *StmtCache // nil unless d.Prepare
	timeout time.Duration
}

// New wraps a pool. The pool's limits are set here; the caller has already
// checked that the server answers.
func New(pool *sql.DB, d *Dialect, u *db.URL, cfg db.Config, o Options) *Conn {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	pool.SetMaxOpenConns(MaxOpen)
	pool.SetMaxIdleConns(MaxIdle)
	pool.SetConnMaxIdleTime(ConnMaxIdleTime)
	pool.SetConnMaxLifetime(ConnMaxLifetime)
	c := &Conn{d: d, name: u.String(), vt: cfg.VersionTable, log: cfg.Logger, pool: pool, timeout: o.Timeout}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if d.Prepare {
		c.stmts = NewStmtCache(pool)
	}
	return c
}

// DB returns the underlying pool (for tests and tools).
func (c *Conn) DB() *sql.DB { return c.pool }

// Name returns the masked URL.
func (c *Conn) Name() string { return c.name }

// Timeout returns the per-call bound.
func (c *Conn) Timeout() time.Duration { return c.timeout }

// ErrUnavailable is wrapped by errors that mean the server could not be
// reached or the connection broke again on the retry.
var ErrUnavailable = errors.New("database server unavailable")

// wrap adds the URL, the operation and the table to an error, and maps
// the server's error to db.ErrNoTable, db.ErrNoColumn or ErrUnavailable.
func (c *Conn) wrap(op, table string, err error) error {
	switch c.d.Classify(err) {
	case NoTable:
		err = fmt.Errorf("%w: %w", db.ErrNoTable, err)
	case NoColumn:
		err = fmt.Errorf("%w: %w", db.ErrNoColumn, err)
	case Broken:
		err = fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if table == "" {
		return fmt.Errorf("%s: %s: %w", c.name, op, err)
	}
	return fmt.Errorf("%s: %s %s: %w", c.name, op, table, err)
}

// run calls fn under the per-call timeout and calls it once more when the
// connection broke (the server restarted, or killed the session) and time
// is left. The pool drops broken connections, so the retry dials afresh.
func (c *Conn) run(ctx context.Context, op, table string, fn func(ctx context.Context) error) error {
	start := time.Now()
	if _, ok := ctx.Deadline(); !ok {
		// A caller's own deadline wins (a bulk load at start-up may need
		// longer); otherwise every call is bounded.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	err := fn(ctx)
	if err != nil && ctx.Err() == nil && c.d.Classify(err) == Broken {
		c.log.Warn("database connection broken, retrying once", "driver", c.d.Name, "db", c.name, "op", op, "table", table, "err", err)
		err = fn(ctx)
	}
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("no answer after %v: %w", time.Since(start).Round(time.Millisecond), err)
		}
		return c.wrap(op, table, err)
	}
	return nil
}

// query runs a statement that returns rows.
func (c *Conn) query(ctx context.Context, q []byte, args []any) (*sql.Rows, error) {
	if c.stmts == nil {
		return c.pool.QueryContext(ctx, string(q), args...)
	}
	st, done, err := c.stmts.Get(ctx, q)
	if err != nil {
		return nil, err
	}
	defer done()
	return st.QueryContext(ctx, args...)
}

// exec runs a statement that returns no rows.
func (c *Conn) exec(ctx context.Context, q []byte, args []any) (sql.Result, error) {
	if c.stmts == nil {
		return c.pool.ExecContext(ctx, string(q), args...)
	}
	st, done, err := c.stmts.Get(ctx, q)
	if err != nil {
		return nil, err
	}
	defer done()
	return st.ExecContext(ctx, args...)
}

// Query implements db.Conn.
func (c *Conn) Query(ctx context.Context, table string, cols []string, where []db.Cond, order string, limit int) (*db.Result, error) {
	bd := getBuilder(c.d, table)
	defer bd.release()
	if err := bd.selectQ(table, cols, where, order, limit); err != nil {
		return nil, c.wrap("query", table, err)
	}
	var res *db.Result
	err := c.run(ctx, "query", table, func(ctx context.Context) error {
		rs, err := c.query(ctx, bd.b, bd.args)
		if err != nil {
			return err
		}
		res, err = c.d.scanAll(rs, bd.t, cols)
		return err
	})
	if err != nil {
		return nil, err
	}
	if cols != nil {
		// The caller's spelling, not the server's folded one.
		res.Cols = append(res.Cols[:0], cols...)
	}
	return res, nil
}

// Insert implements db.Conn. The id is the new row's auto-increment value
// (0 for a table without one, or one gosips does not know on PostgreSQL).
func (c *Conn) Insert(ctx context.Context, table string, cols []string, vals []db.Value) (int64, error) {
	const op = "insert into"
	bd := getBuilder(c.d, table)
	defer bd.release()
	if err := bd.insertQ(table, cols, vals); err != nil {
		return 0, c.wrap(op, table, err)
	}
	var id int64
	err := c.run(ctx, op, table, func(ctx context.Context) error {
		id = 0
		if c.d.Returning {
			if autoCol(bd.t) == "" {
				_, err := c.exec(ctx, bd.b, bd.args)
				return err
			}
			rs, err := c.query(ctx, bd.b, bd.args)
			if err != nil {
				return err
			}
			defer rs.Close()
			if rs.Next() {
				if err := rs.Scan(&id); err != nil {
					return err
				}
			}
			return rs.Err()
		}
		res, err := c.exec(ctx, bd.b, bd.args)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	return id, err
}

// Update implements db.Conn; the count is of the rows matched, as SQLite
// reports (MySQL connections are opened with "found rows" for this).
func (c *Conn) Update(ctx context.Context, table string, where []db.Cond, cols []string, vals []db.Value) (int64, error) {
	bd := getBuilder(c.d, table)
	defer bd.release()
	if err := bd.updateQ(table, where, cols, vals); err != nil {
		return 0, c.wrap("update", table, err)
	}
	return c.affected(ctx, "update", table, bd)
}

// Delete implements db.Conn.
func (c *Conn) Delete(ctx context.Context, table string, where []db.Cond) (int64, error) {
	bd := getBuilder(c.d, table)
	defer bd.release()
	if err := bd.deleteQ(table, where); err != nil {
		return 0, c.wrap("delete from", table, err)
	}
	return c.affected(ctx, "delete from", table, bd)
}

func (c *Conn) affected(ctx context.Context, op, table string, bd *builder) (int64, error) {
	var n int64
	err := c.run(ctx, op, table, func(ctx context.Context) error {
		res, err := c.exec(ctx, bd.b, bd.args)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// Upsert implements db.Conn: an UPDATE on the keys, then an INSERT when
// nothing matched. It needs no unique index; when there is one and a
// concurrent writer inserted the row first, the UPDATE runs again.
func (c *Conn) Upsert(ctx context.Context, table string, keys, cols []string, vals []db.Value) (int64, error) {
	const op = "upsert into"
	where, err := db.KeyConds(keys, cols, vals)
	if err != nil {
		return 0, c.wrap(op, table, err)
	}
	ub, ib := getBuilder(c.d, table), getBuilder(c.d, table)
	defer ub.release()
	defer ib.release()
	if err := ub.updateQ(table, where, cols, vals); err != nil {
		return 0, c.wrap(op, table, err)
	}
	if err := ib.insertQ(table, cols, vals); err != nil {
		return 0, c.wrap(op, table, err)
	}
	var n int64
	err = c.run(ctx, op, table, func(ctx context.Context) error {
		update := func() error {
			res, err := c.exec(ctx, ub.b, ub.args)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		}
		if err := update(); err != nil || n > 0 {
			return err
		}
		var err error
		if c.d.Returning && autoCol(ib.t) != "" {
			var rs *sql.Rows
			if rs, err = c.query(ctx, ib.b, ib.args); err == nil {
				for rs.Next() {
				}
				err = errors.Join(rs.Err(), rs.Close())
			}
		} else {
			_, err = c.exec(ctx, ib.b, ib.args)
		}
		if err != nil && c.d.Classify(err) == Duplicate {
			return update()
		}
		n = 1
		return err
	})
	return n, err
}

// TableVersion implements db.Conn.
func (c *Conn) TableVersion(ctx context.Context, table string) (int, error) {
	return db.QueryVersion(ctx, c, c.vt, table)
}

// RawQuery implements db.RawQuerier; "?" markers are bound to args.
func (c *Conn) RawQuery(ctx context.Context, q string, args ...db.Value) (*db.Result, error) {
	if c.d.Rebind != nil {
		q = c.d.Rebind(q)
	}
	a := make([]any, len(args))
	for i, v := range args {
		a[i] = Arg(v)
	}
	var res *db.Result
	err := c.run(ctx, "raw query", "", func(ctx context.Context) error {
		// Raw queries are shaped by the script and may embed values:
		// leave them to the driver rather than the statement cache.
		rs, err := c.pool.QueryContext(ctx, q, a...)
		if err != nil {
			return err
		}
		res, err = c.d.scanAll(rs, nil, nil)
		return err
	})
	return res, err
}

// CreateTable implements db.TableCreator.
func (c *Conn) CreateTable(ctx context.Context, t *schema.Table) (bool, error) {
	const op = "create table"
	var created bool
	err := c.run(ctx, op, t.Name, func(ctx context.Context) error {
		var n int
		if err := c.pool.QueryRowContext(ctx, c.d.TableExists, t.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		// The DDL is generated from the fixed definitions in db/schema.
		stmts := c.d.DDL(t)
		if !c.d.TxDDL {
			for _, s := range stmts {
				if _, err := c.pool.ExecContext(ctx, s); err != nil {
					return err
				}
			}
			created = true
			return nil
		}
		tx, err := c.pool.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		return false, err
	}
	if created {
		c.log.Info("created table", "table", t.Name, "db", c.name)
	}
	return created, nil
}

// Close implements db.Conn.
func (c *Conn) Close() error {
	if c.stmts != nil {
		c.stmts.Close()
	}
	if err := c.pool.Close(); err != nil {
		return fmt.Errorf("%s: close: %w", c.name, err)
	}
	return nil
}

var (
	_ db.Conn         = (*Conn)(nil)
	_ db.TableCreator = (*Conn)(nil)
	_ db.RawQuerier   = (*Conn)(nil)
)
