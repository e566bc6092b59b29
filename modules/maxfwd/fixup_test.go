package maxfwd

import (
	"strings"
	"testing"

	"gosips/api"
)

func TestMaxFixup(t *testing.T) {
	tests := []struct {
		limit   int64 // max_limit modparam, 0 = default
		val     int64
		wantErr string
	}{
		{val: 10},
		{val: 70},
		{val: 256},
		{val: 0, wantErr: "invalid Max-Forwards value 0"},
		{val: 257, wantErr: "allowed 1-256"},
		{limit: 16, val: 70, wantErr: "above max_limit 16"},
		{limit: 16, val: 16},
	}
	for _, tc := range tests {
		m := New()
		if tc.limit != 0 {
			if err := m.Params()[0].Set(api.ParamValue{IsInt: true, Int: tc.limit}); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range m.Funcs() {
			a := &api.FixArg{Const: true, Int: tc.val}
			err := f.Args[0].Fixup(&api.FixupCtx{}, a)
			if tc.wantErr == "" {
				if err != nil || a.Fixed != int(tc.val) {
					t.Errorf("%s(%d): %v, Fixed=%v", f.Name, tc.val, err, a.Fixed)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s(%d) limit %d: error = %v, want %q", f.Name, tc.val, tc.limit, err, tc.wantErr)
			}
		}
	}
}

func TestMaxLimitParam(t *testing.T) {
	m := New()
	if err := m.Params()[0].Set(api.ParamValue{IsInt: true, Int: 300}); err == nil {
		t.Fatal("max_limit 300 accepted")
	}
}
