package b2bentities

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
