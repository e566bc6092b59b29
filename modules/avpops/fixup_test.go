package avpops

import (
	"fmt"
	"strings"
	"testing"

	"gosips/api"
)

func TestFixups(t *testing.T) {
	tests := []struct {
		fn      string
		arg     int
		str     string
		num     int64
		want    any
		wantErr string
		legacy  bool
	}{
		{fn: "avp_delete", str: "$avp(x)/g", want: AVPSpec{"x", "g"}},
		{fn: "avp_delete", str: "$avp(s:x)/g", want: AVPSpec{"x", "g"}, legacy: true},
		{fn: "is_avp_set", str: "$avp(i:25)", want: AVPSpec{"25", ""}, legacy: true},
		{fn: "avp_shuffle", str: "$avp(gw)/g", wantErr: `unexpected "/g"`},
		{fn: "avp_copy", str: "$var(x)", wantErr: "expected an AVP"},
		{fn: "avp_copy", arg: 1, str: "$avp(s:y)/gd", want: AVPSpec{"y", "gd"}, legacy: true},
		{fn: "avp_subst", str: "$avp(a)/$avp(b)", want: AVPSpec{"a", "$avp(b)"}},
		{fn: "avp_subst", arg: 1, str: "/a/b/", want: nil},
		{fn: "avp_subst", arg: 1, str: "/a/b", wantErr: "bad subst expression"},
		{fn: "avp_db_load", str: "$ru/domain", want: "$ru/domain"},
		{fn: "avp_db_load", str: "$fu/usrname", wantErr: `did you mean "username"?`},
		{fn: "avp_db_load", arg: 1, str: "$avp(s:callfwd)", want: AVPSpec{"callfwd", ""}, legacy: true},
		{fn: "avp_db_load", arg: 1, str: "/$myscheme", want: AVPSpec{"", "$myscheme"}},
		{fn: "avp_db_load", arg: 1, str: "*", want: AVPSpec{"*", ""}},
		{fn: "avp_db_load", arg: 1, str: "*/prefs", want: AVPSpec{"*", "prefs"}},
		{fn: "avp_db_load", arg: 1, str: "s:callfwd/usr_preferences", want: AVPSpec{"callfwd", "usr_preferences"}, legacy: true},
		{fn: "avp_db_query", arg: 1, str: "$avp(s:a);$avp(b)", want: []AVPSpec{{"a", ""}, {"b", ""}}, legacy: true},
		{fn: "avp_db_query", arg: 2, num: 1, wantErr: "no db_url with id 1"},
		{fn: "avp_pushto", str: "$ru/domain", want: "$ru/domain"},
		{fn: "avp_pushto", str: "$hdr(X-Foo)", want: "$hdr(X-Foo)"},
		{fn: "avp_pushto", str: "$fu", wantErr: "bad destination"},
		{fn: "avp_check", arg: 1, str: "eq/$ru/i", want: nil},
		{fn: "avp_check", arg: 1, str: "equal/1", wantErr: "unknown operation"},
		{fn: "avp_op", arg: 1, str: "add/$avp(y)", want: nil},
		{fn: "avp_op", arg: 1, str: "ad/1", wantErr: `did you mean "add"?`},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%d/%s", tc.fn, tc.arg, tc.str), func(t *testing.T) {
			var legacies []string
			fc := &api.FixupCtx{Legacy: func(m, h string) { legacies = append(legacies, m) }}
			var spec api.Arg
			for _, f := range New().Funcs() {
				if f.Name == tc.fn {
					if f.Legacy == "" {
						t.Fatalf("%s must carry its modern form", f.Name)
					}
					spec = f.Args[tc.arg]
				}
			}
			a := &api.FixArg{Const: true, Str: tc.str, Int: tc.num}
			err := spec.Fixup(fc, a)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != nil && fmt.Sprint(a.Fixed) != fmt.Sprint(tc.want) {
				t.Fatalf("Fixed = %#v, want %#v", a.Fixed, tc.want)
			}
			if (len(legacies) > 0) != tc.legacy {
				t.Fatalf("legacy warnings = %q", legacies)
			}
		})
	}
}

func TestDBURL(t *testing.T) {
	tests := []struct {
		urls    []string
		deflt   string
		loaded  string
		wantErr string
	}{
		{urls: []string{"sqlite:///tmp/x.db"}, loaded: "db_sqlite"},
		{urls: []string{"1 text:///etc/db"}, loaded: "db_text"},
		{urls: []string{"text:///etc/db"}, wantErr: `needs loadmodule "db_text.so"`},
		{urls: []string{"mysql://u:p@h/db"}, loaded: "db_mysql"},
		{urls: []string{"postgres://u:p@h/db"}, loaded: "db_postgres"},
		{urls: []string{"mysql://u:p@h/db"}, wantErr: `needs loadmodule "db_mysql.so"`},
		{urls: []string{"postgres://h/db"}, wantErr: "db_postgres"},
		{urls: []string{"foo://h/db"}, wantErr: `needs loadmodule "db_foo.so"`},
		{deflt: "text:///x", wantErr: "db_text"},
		{},
	}
	for _, tc := range tests {
		m := New()
		var err error
		for _, u := range tc.urls {
			if err = m.Params()[0].Set(api.ParamValue{Str: u}); err != nil {
				t.Fatal(err)
			}
		}
		vc := &api.ValidateCtx{
			Loaded: func(n string) bool { return n == tc.loaded },
			Global: func(n string) (api.Value, bool) {
				return api.StrValue(tc.deflt), n == "db_default_url" && tc.deflt != ""
			},
		}
		err = m.Validate(vc)
		if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%v: error = %v, want %q", tc.urls, err, tc.wantErr)
		}
	}
	m := New()
	p := m.Params()[0]
	if err := p.Set(api.ParamValue{Str: "2 sqlite:///a"}); err != nil || m.Prefs.URLs[0].ID != 2 {
		t.Fatalf("id parse: %v %+v", err, m.Prefs.URLs)
	}
	if err := p.Set(api.ParamValue{Str: "2 sqlite:///b"}); err == nil {
		t.Fatal("duplicate id accepted")
	}
	if err := p.Set(api.ParamValue{Str: "nourl"}); err == nil {
		t.Fatal("bad url accepted")
	}
}
