package sqldb

import (
	"context"
	"database/sql"
	"sync"
)

// maxStmts bounds the statement cache; shapes beyond it (raw queries with
// literal values, mostly) are prepared per call. With MaxOpen connections
// the server holds at most MaxOpen*maxStmts statements, well under MySQL's
// max_prepared_stmt_count default (16382).
const maxStmts = 512

// StmtCache holds prepared statements keyed by their SQL text, which is the
// query shape since values are never part of it. database/sql prepares a
// Stmt again on each pool connection it lands on, including the new ones
// after a server restart.
type StmtCache struct {
	pool *sql.DB
	mu   sync.RWMutex
	m    map[string]*sql.Stmt
}

// NewStmtCache makes a cache of statements prepared on pool.
func NewStmtCache(pool *sql.DB) *StmtCache {
	return &StmtCache{pool: pool, m: map[string]*sql.Stmt{}}
}

// Get returns the statement for q; done must be called after use (it
// closes statements that were not cached).
func (s *StmtCache) Get(ctx context.Context, q []byte) (st *sql.Stmt, done func(), err error) {
	s.mu.RLock()
	st = s.m[string(q)]
	s.mu.RUnlock()
	if st != nil {
		return st, noop, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st = s.m[string(q)]; st != nil {
		return st, noop, nil
	}
	st, err = s.pool.PrepareContext(ctx, string(q))
	if err != nil {
		return nil, nil, err
	}
	if len(s.m) >= maxStmts {
		return st, func() { st.Close() }, nil
	}
	s.m[string(q)] = st
	return st, noop, nil
}

func noop() {}

// Close closes the cached statements.
func (s *StmtCache) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, st := range s.m {
		st.Close()
		delete(s.m, k)
	}
}
