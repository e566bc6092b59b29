package sl

import (
	"strings"
	"testing"

	"gosips/api"
)

func TestSendReplyCode(t *testing.T) {
	spec := New().Funcs()[0].Args[0]
	tests := []struct {
		code    int64
		wantErr string
	}{{404, ""}, {100, ""}, {699, ""}, {99, "out of range"}, {700, "out of range"}, {0, "out of range"}}
	for _, tc := range tests {
		a := &api.FixArg{Const: true, Int: tc.code}
		err := spec.Fixup(&api.FixupCtx{}, a)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%d: %v", tc.code, err)
		case tc.wantErr == "" && a.Fixed != api.ReplyCode(tc.code):
			t.Errorf("%d: Fixed = %v", tc.code, a.Fixed)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%d: error = %v, want %q", tc.code, err, tc.wantErr)
		}
	}
}

func TestTables(t *testing.T) {
	s := New()
	fs := s.Funcs()
	if fs[0].Name != "sl_send_reply" || fs[0].Routes != api.RequestRoute|api.ErrorRoute {
		t.Errorf("sl_send_reply = %+v", fs[0])
	}
	if fs[1].Name != "sl_reply_error" || fs[1].Routes != api.RequestRoute || len(fs[1].Args) != 0 {
		t.Errorf("sl_reply_error = %+v", fs[1])
	}
	p := s.Params()[0]
	if err := p.Set(api.ParamValue{IsInt: true, Int: 0}); err != nil || s.EnableStats != 0 {
		t.Errorf("enable_stats: %v %d", err, s.EnableStats)
	}
}
