package text

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"gosips/db"
	"gosips/db/schema"
)

// table is the cached copy of one table file. mu guards everything below
// it; d is replaced, never modified in place, so a failed write leaves the
// cache as it was.
type table struct {
	name string
	path string

	mu    sync.RWMutex
	d     *data
	index map[string]int
	// file identity at the last load or write, to notice outside changes.
	fi    os.FileInfo
	size  int64
	mtime time.Time
}

// fresh reports whether the cache matches the file. It returns fs.ErrNotExist
// when the file is gone.
func (t *table) fresh() (bool, error) {
	fi, err := os.Stat(t.path)
	if err != nil {
		return false, err
	}
	return t.d != nil && os.SameFile(fi, t.fi) && fi.Size() == t.size && fi.ModTime().Equal(t.mtime), nil
}

// load reads the file into the cache; the caller holds mu for writing.
func (t *table) load() error {
	f, err := os.Open(t.path)
	if err != nil {
		t.d = nil
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	d, err := parse(f)
	if err != nil {
		t.d = nil
		return fmt.Errorf("table %s (%s) not loaded: %w", t.name, t.path, err)
	}
	restoreAuto(t.name, d)
	t.set(d, fi)
	return nil
}

// restoreAuto marks the id column of a known table as auto when the file
// lost the flag: OpenSIPS writes ",auto" back for int columns only, so a
// location file it flushed has "contact_id(long)".
func restoreAuto(name string, d *data) {
	def, ok := schema.Lookup(name)
	if !ok || d.autoCol >= 0 {
		return
	}
	for i, c := range d.cols {
		sc, ok := def.Column(c.name)
		if ok && sc.Auto && !c.null && (c.typ == db.Int || c.typ == db.BigInt) {
			d.cols[i].auto = true
			d.autoCol = i
			for _, r := range d.rows {
				if r[i].I >= d.next {
					d.next = r[i].I + 1
				}
			}
			return
		}
	}
}

func (t *table) set(d *data, fi os.FileInfo) {
	t.d = d
	t.fi, t.size, t.mtime = fi, fi.Size(), fi.ModTime()
	if len(t.index) != len(d.cols) {
		t.index = make(map[string]int, len(d.cols))
	}
	clear(t.index)
	for i, c := range d.cols {
		t.index[c.name] = i
	}
}

// refresh reloads the cache when the file changed; the caller holds mu for
// writing.
func (t *table) refresh() error {
	ok, err := t.fresh()
	if err != nil {
		t.d = nil
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s", db.ErrNoTable, t.name)
		}
		return err
	}
	if ok {
		return nil
	}
	if err := t.load(); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s", db.ErrNoTable, t.name)
		}
		return err
	}
	return nil
}

// read runs fn with an up-to-date cache under a read lock.
func (t *table) read(fn func(d *data) error) error {
	t.mu.RLock()
	if ok, _ := t.fresh(); ok {
		defer t.mu.RUnlock()
		return fn(t.d)
	}
	t.mu.RUnlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.refresh(); err != nil {
		return err
	}
	return fn(t.d)
}

// modify runs fn with an up-to-date cache under the write lock; fn returns
// the new content (nil: nothing changed), which is written to disk before it
// replaces the cache.
func (t *table) modify(fn func(d *data) (*data, error)) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.refresh(); err != nil {
		return err
	}
	nd, err := fn(t.d)
	if err != nil || nd == nil {
		return err
	}
	fi, err := writeFile(t.path, nd)
	if err != nil {
		return err
	}
	t.set(nd, fi)
	return nil
}

// writeFile replaces path atomically: the content goes to a temporary file
// in the same directory, which is synced and renamed over path.
func writeFile(path string, d *data) (os.FileInfo, error) {
	var buf bytes.Buffer
	if err := write(&buf, d); err != nil {
		return nil, err
	}
	dir, base := filepath.Split(path)
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("write table: %w", err)
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		cleanup()
		return nil, fmt.Errorf("write table: %w", err)
	}
	if err := tmp.Chmod(mode); err != nil {
		cleanup()
		return nil, fmt.Errorf("write table: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		cleanup()
		return nil, fmt.Errorf("write table: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("write table: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("write table: %w", err)
	}
	syncDir(dir)
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("write table: %w", err)
	}
	return fi, nil
}

// syncDir makes the rename durable; failures are ignored because some
// file systems cannot sync directories.
func syncDir(dir string) {
	if dir == "" {
		dir = "."
	}
	if f, err := os.Open(dir); err == nil {
		f.Sync()
		f.Close()
	}
}
