package text

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
)

// ErrNotCached reports a dbt_reload of a database or table this process
// has not opened.
var ErrNotCached = errors.New("not cached")

// open is the registry of the connections open in this process, so that
// dbt_reload reaches every cache (OpenSIPS keeps one cache per process
// group; gosips one per connection).
var openConns = struct {
	mu    sync.Mutex
	conns map[*Conn]struct{}
}{conns: map[*Conn]struct{}{}}

func track(c *Conn) {
	openConns.mu.Lock()
	openConns.conns[c] = struct{}{}
	openConns.mu.Unlock()
}

func untrack(c *Conn) {
	openConns.mu.Lock()
	delete(openConns.conns, c)
	openConns.mu.Unlock()
}

// ReloadCached re-reads the cached tables of the open connections from
// disk, as dbt_reload: all of them (dir ""), those of one database
// directory, or one table of it. A table whose file no longer parses keeps
// its old content and the error is returned after the others are done.
// An unknown database, or a table not cached in it, is ErrNotCached.
func ReloadCached(dir, table string) error {
	openConns.mu.Lock()
	conns := make([]*Conn, 0, len(openConns.conns))
	for c := range openConns.conns {
		if dir == "" || sameDir(c.dir, dir) {
			conns = append(conns, c)
		}
	}
	openConns.mu.Unlock()
	if dir != "" && len(conns) == 0 {
		return fmt.Errorf("database %s: %w", dir, ErrNotCached)
	}
	var errs []error
	found := false
	for _, c := range conns {
		n, err := c.reloadCached(table)
		if n > 0 {
			found = true
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if table != "" && !found {
		return fmt.Errorf("table %s of %s: %w", table, dir, ErrNotCached)
	}
	return errors.Join(errs...)
}

// sameDir compares a cached directory with a dbt_reload argument, which
// may be the directory or the text:// URL naming it.
func sameDir(cached, arg string) bool {
	arg = strings.TrimPrefix(arg, "text://")
	return filepath.Clean(arg) == cached
}

// reloadCached reloads the cached tables named name ("" for all) and
// returns how many matched.
func (c *Conn) reloadCached(name string) (int, error) {
	c.mu.Lock()
	var ts []*table
	for tn, t := range c.tables {
		if name == "" || strings.EqualFold(tn, name) {
			ts = append(ts, t)
		}
	}
	c.mu.Unlock()
	var errs []error
	for _, t := range ts {
		if err := t.reload(); err != nil {
			errs = append(errs, c.errf("reload", t.name, err))
		}
	}
	return len(ts), errors.Join(errs...)
}

// reload reads the file again, keeping the old content when it fails.
func (t *table) reload() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	old, oldFi, size, mtime := t.d, t.fi, t.size, t.mtime
	if err := t.load(); err != nil {
		if old != nil {
			t.set(old, oldFi)
			t.size, t.mtime = size, mtime
		}
		return err
	}
	return nil
}
