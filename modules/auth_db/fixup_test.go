package authdb

import (
	"reflect"
	"strings"
	"testing"

	"gosips/api"
)

func TestParseCredentials(t *testing.T) {
	tests := []struct {
		in      string
		want    []Credential
		wantErr string
	}{
		{in: "", want: nil},
		{in: "rpid", want: []Credential{{AVP: "$avp(rpid)", Column: "rpid"}}},
		{in: "$avp(caller_rpid)=rpid; email_address;",
			want: []Credential{{AVP: "$avp(caller_rpid)", Column: "rpid"}, {AVP: "$avp(email_address)", Column: "email_address"}}},
		{in: "$var(x)=rpid", wantErr: `"$var(x)" is not an AVP`},
		{in: "$avp(x)=", wantErr: "no column"},
		{in: "rpid;;email", wantErr: "empty element 2"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCredentials(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLoadCredentialsParam(t *testing.T) {
	m := New()
	if len(m.Credentials) != 1 || m.Credentials[0].Column != "rpid" {
		t.Errorf("default credentials = %+v", m.Credentials)
	}
	for _, p := range m.Params() {
		if p.Name == "load_credentials" {
			if err := p.Set(api.ParamValue{Str: ""}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(m.Credentials) != 0 {
		t.Errorf("credentials after \"\" = %+v", m.Credentials)
	}
}

func TestValidateDBURL(t *testing.T) {
	tests := []struct {
		url     string
		loaded  string
		wantErr string
	}{
		{url: "sqlite:///var/lib/opensips.db", loaded: "db_sqlite"},
		{url: "text:///etc/opensips/db", loaded: "db_text"},
		{url: "text:///etc/opensips/db", wantErr: `needs loadmodule "db_text.so"`},
		{url: "postgres://u@h/db", loaded: "db_postgres"},
		{url: "postgres://u@h/db", wantErr: `needs loadmodule "db_postgres.so"`},
		{url: "oracle://u@h/db", wantErr: `needs loadmodule "db_oracle.so"`},
		{url: "", wantErr: "db_url is not set"},
		{url: "/var/db", wantErr: "has no scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			m := New()
			m.DBURL = tt.url
			err := m.Validate(&api.ValidateCtx{Loaded: func(n string) bool { return n == tt.loaded }})
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestFuncTable(t *testing.T) {
	fs := New().Funcs()
	byName := map[string]api.Func{}
	for _, f := range fs {
		byName[f.Name] = f
	}
	for name, want := range map[string]api.RouteType{
		"www_authorize": api.RequestRoute, "proxy_authorize": api.RequestRoute,
		"db_does_uri_exist":   api.RequestRoute | api.FailureRoute | api.LocalRoute,
		"db_is_to_authorized": api.RequestRoute, "db_is_from_authorized": api.RequestRoute,
		"db_get_auth_id": api.RequestRoute | api.FailureRoute | api.LocalRoute,
	} {
		f, ok := byName[name]
		if !ok || f.Routes != want || f.Legacy != "" {
			t.Errorf("%s: %+v", name, f)
		}
	}
	for _, old := range []string{"check_to", "check_from", "db_check_to", "db_check_from", "does_uri_exist"} {
		if f, ok := byName[old]; !ok || f.Legacy == "" {
			t.Errorf("legacy %s not declared", old)
		}
	}
	table := byName["www_authorize"].Args[1]
	if err := table.Fixup(&api.FixupCtx{}, &api.FixArg{Const: true, Str: " "}); err == nil {
		t.Error("blank table accepted")
	}
}
