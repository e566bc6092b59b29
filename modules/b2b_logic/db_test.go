package b2blogic

import (
	"testing"

	"gosips/api"
)

// cachedb_url is not implemented: with persistence on (db_mode 1 or 2,
// the default) the config is refused rather than losing the calls at a
// restart; with db_mode 0 it is accepted.
func TestCachedbURLRefused(t *testing.T) {
	for _, tc := range []struct {
		mode int64
		ok   bool
	}{{-1, false}, {1, false}, {2, false}, {0, true}} {
		m := New()
		for _, p := range m.Params() {
			switch {
			case p.Name == "cachedb_url":
				_ = p.Set(api.ParamValue{Str: "redis://127.0.0.1:6379/"})
			case p.Name == "db_mode" && tc.mode >= 0:
				_ = p.Set(api.ParamValue{IsInt: true, Int: tc.mode})
			}
		}
		err := m.Validate(&api.ValidateCtx{})
		if (err == nil) != tc.ok {
			t.Errorf("db_mode %d: Validate = %v", tc.mode, err)
		}
	}
}

// A restored session keeps its key; sessions created after it in the
// same bucket are numbered after it, and a key restored twice is refused.
func TestTuplesRestoreKeys(t *testing.T) {
	ts := newTuples(1)
	if !ts.restore(&tuple{key: "1.7"}) {
		t.Fatal("1.7 not restored")
	}
	if ts.restore(&tuple{key: "1.7"}) || ts.restore(&tuple{key: "bad"}) || ts.restore(&tuple{key: "1.x"}) {
		t.Error("a duplicate or malformed key was restored")
	}
	if got := ts.get("1.7"); got == nil || got.id != 7 {
		t.Errorf("get(1.7) = %+v", got)
	}
	for i := 0; i < 4; i++ {
		nt := &tuple{}
		ts.add(nt)
		if nt.key == "1.7" || (nt.key[0] == '1' && nt.id <= 7) {
			t.Errorf("new session %s collides with the restored one", nt.key)
		}
	}
	if n := ts.count.Load(); n != 5 {
		t.Errorf("count = %d, want 5", n)
	}
}

// A session is stored only once it has both bridge entities, as in
// OpenSIPS.
func TestTupleRow(t *testing.T) {
	tp := &tuple{key: "3.1", scenario: "top hiding", state: tsBridged}
	if _, ok := tp.row(func(*leg) string { return "" }); ok {
		t.Fatal("a session without bridge entities has a row")
	}
}
