package sipmsgops

import (
	"fmt"
	"strings"
	"testing"

	"gosips/api"
)

func spec(t *testing.T, fn string, i int) api.Arg {
	t.Helper()
	for _, f := range New().Funcs() {
		if f.Name == fn {
			return f.Args[i]
		}
	}
	t.Fatalf("%s not declared", fn)
	return api.Arg{}
}

func TestFixups(t *testing.T) {
	tests := []struct {
		fn      string
		arg     int
		str     string
		num     int64
		want    any
		wantErr string
		warns   int
	}{
		{fn: "is_method", str: "INVITE", want: Methods{Mask: MethodInvite}},
		{fn: "is_method", str: "invite|BYE", want: Methods{Mask: MethodInvite | MethodBye}},
		{fn: "is_method", str: "REGISTER,MESSAGE", want: Methods{Mask: MethodRegister | MethodMessage}},
		{fn: "is_method", str: "PUBLISH|SUBSCRIBE", want: Methods{Mask: MethodPublish | MethodSubscribe}},
		{fn: "is_method", str: "KDMQ", want: Methods{Other: "KDMQ"}},
		{fn: "is_method", str: "INVTE", want: Methods{Other: "INVTE"}, warns: 1},
		{fn: "is_method", str: "INVITE|FOO", wantErr: `unknown method "FOO" in list`},
		{fn: "is_method", str: "INVITE|BYEE", wantErr: `did you mean "BYE"?`},
		{fn: "is_method", str: "", wantErr: "empty method name"},
		{fn: "is_method", str: "IN VITE", wantErr: "bad method name"},
		{fn: "remove_hf", str: "User-Agent", want: HeaderName("User-Agent")},
		{fn: "remove_hf", str: "User-Agent:", wantErr: `must not end with ":"`},
		{fn: "is_present_hf", str: "", wantErr: "empty header name"},
		{fn: "append_hf", arg: 1, str: "Call-ID", want: HeaderName("Call-ID")},
		{fn: "has_body", str: "application/sdp", want: Mime("application/sdp")},
		{fn: "has_body_part", str: "", want: Mime("")},
		{fn: "has_body", str: "sdp", wantErr: "expected type/subtype"},
		{fn: "has_body", str: "application/sdp,text/plain", wantErr: "multiple MIME types"},
		{fn: "is_privacy", str: "ID", want: Privacy(1 << 5)},
		{fn: "is_privacy", str: "sesion", wantErr: `did you mean "session"?`},
		{fn: "remove_body_part", arg: 1, str: "revert", want: true},
		{fn: "remove_body_part", arg: 1, str: "rev", want: false, warns: 1},
		{fn: "sipmsg_validate", str: "sH", want: ValidateSDP | ValidateHeaders},
		{fn: "sipmsg_validate", str: "x", want: ValidateFlags(0), warns: 1},
		{fn: "change_reply_status", num: 404},
		{fn: "change_reply_status", num: 1000, wantErr: "out of range"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%d/%s", tc.fn, tc.arg, tc.str), func(t *testing.T) {
			var warns []string
			fc := &api.FixupCtx{Warn: func(m, h string) { warns = append(warns, m) }}
			a := &api.FixArg{Given: true, Const: true, Str: tc.str, Int: tc.num}
			err := spec(t, tc.fn, tc.arg).Fixup(fc, a)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != nil && a.Fixed != tc.want {
				t.Fatalf("Fixed = %#v, want %#v", a.Fixed, tc.want)
			}
			if len(warns) != tc.warns {
				t.Fatalf("warnings = %q, want %d", warns, tc.warns)
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	want := map[string]api.RouteType{
		"is_method":           rofbl,
		"append_to_reply":     rfbe,
		"append_urihf":        api.RequestRoute | api.FailureRoute | api.BranchRoute,
		"append_time":         rfbl,
		"change_reply_status": api.OnReplyRoute,
		"is_uri_user_e164":    api.RequestRoute | api.FailureRoute | api.LocalRoute,
		"sipmsg_validate":     api.RequestRoute | api.OnReplyRoute | api.FailureRoute | api.BranchRoute,
	}
	n := 0
	for _, f := range New().Funcs() {
		if f.Legacy != "" {
			continue
		}
		n++
		if r, ok := want[f.Name]; ok && r != f.Routes {
			t.Errorf("%s routes = %v, want %v", f.Name, f.Routes, r)
		}
	}
	if n != 42 {
		t.Errorf("%d functions declared, want the 42 of OpenSIPS 3.6", n)
	}
}
