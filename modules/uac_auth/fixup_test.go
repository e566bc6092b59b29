package uacauth

import (
	"strings"
	"testing"

	"gosips/api"
)

func TestParseCredential(t *testing.T) {
	ha1 := "0x" + strings.Repeat("a1", 16)
	tests := []struct {
		in      string
		want    Credential
		wantErr string
	}{
		{in: "alice:example.com:secret", want: Credential{User: "alice", Realm: "example.com", Password: "secret"}},
		{in: " alice : example.com : secret ", want: Credential{User: "alice", Realm: "example.com", Password: "secret"}},
		{in: "bob:sip.example.org:" + ha1, want: Credential{User: "bob", Realm: "sip.example.org", Password: ha1, HA1: true}},
		{in: "bob:r:0x1234", want: Credential{User: "bob", Realm: "r", Password: "0x1234"}},
		{in: "bob:r:pa:ss", want: Credential{User: "bob", Realm: "r", Password: "pa:ss"}},
		{in: "alice:example.com", wantErr: `expected "user:realm:password"`},
		{in: ":example.com:x", wantErr: "empty user"},
		{in: "alice:example.com:se cret", wantErr: "blank inside the password"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCredential(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %+v (err %v), want %+v", got, err, tt.want)
			}
		})
	}
}

func TestCredentialParamAccumulates(t *testing.T) {
	m := New()
	var p api.Param
	for _, q := range m.Params() {
		if q.Name == "credential" {
			p = q
		}
	}
	if !p.Multi || p.Type != api.ParamStr {
		t.Fatalf("credential param = %+v", p)
	}
	for _, c := range []string{"a:r1:x", "b:r2:y"} {
		if err := p.Set(api.ParamValue{Str: c}); err != nil {
			t.Fatal(err)
		}
	}
	if c, ok := m.Lookup("r2", ""); !ok || c.User != "b" {
		t.Errorf("lookup r2 = %+v %v", c, ok)
	}
	if _, ok := m.Lookup("r1", "b"); ok {
		t.Error("lookup r1/b should fail")
	}
}

func TestValidatePartialAVPs(t *testing.T) {
	m := New()
	m.UsernameAVP = "$avp(u)"
	if err := m.Validate(&api.ValidateCtx{}); err == nil {
		t.Error("partial AVP set accepted")
	}
}
