package text

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"gosips/db"
)

// ReloadCached re-reads the cached tables of the open connections: by
// database and table, refusing what is not cached, and reporting a file
// that no longer parses while the table keeps its old rows.
func TestReloadCached(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, name := range []string{"subscriber", "version"} {
		b, err := os.ReadFile(filepath.Join("testdata", "opensips", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := db.Open(ctx, "text://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Query(ctx, "subscriber", nil, nil, "", 0); err != nil {
		t.Fatal(err)
	}
	if err := ReloadCached("", ""); err != nil {
		t.Errorf("reload all: %v", err)
	}
	for _, arg := range []string{dir, "text://" + dir} {
		if err := ReloadCached(arg, "subscriber"); err != nil {
			t.Errorf("reload %s subscriber: %v", arg, err)
		}
	}
	if err := ReloadCached(dir, "location"); !errors.Is(err, ErrNotCached) {
		t.Errorf("table not cached: %v", err)
	}
	if err := ReloadCached("/nonexistent", ""); !errors.Is(err, ErrNotCached) {
		t.Errorf("database not open: %v", err)
	}
	conn := c.(*Conn)
	tb, _ := conn.table("subscriber")
	before := len(tb.d.rows)
	if err := os.WriteFile(filepath.Join(dir, "subscriber"), []byte("id(int,auto) username(\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ReloadCached(dir, "subscriber"); err == nil || errors.Is(err, ErrNotCached) {
		t.Errorf("broken file: %v", err)
	}
	if tb.d == nil || len(tb.d.rows) != before {
		t.Errorf("old content not kept after a failed reload")
	}
	c.Close()
	if err := ReloadCached(dir, ""); !errors.Is(err, ErrNotCached) {
		t.Errorf("closed connection still reloaded: %v", err)
	}
}
