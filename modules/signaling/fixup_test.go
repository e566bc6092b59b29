package signaling

import (
	"strings"
	"testing"

	"gosips/api"
)

func TestSendReply(t *testing.T) {
	f := New().Funcs()[0]
	if f.Name != "send_reply" || f.Routes != api.RequestRoute|api.ErrorRoute|api.FailureRoute {
		t.Fatalf("send_reply = %+v", f)
	}
	tests := []struct {
		code    int64
		wantErr string
	}{{200, ""}, {483, ""}, {1000, "reply code 1000 out of range"}, {-1, "out of range"}}
	for _, tc := range tests {
		err := f.Args[0].Fixup(&api.FixupCtx{}, &api.FixArg{Const: true, Int: tc.code})
		if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%d: error = %v, want %q", tc.code, err, tc.wantErr)
		}
	}
}

func TestDependsOnSLOrTM(t *testing.T) {
	info, ok := api.Default().Lookup("signaling")
	if !ok || len(info.Deps) != 1 || len(info.Deps[0].AnyOf) != 2 {
		t.Fatalf("signaling deps = %+v", info)
	}
}
