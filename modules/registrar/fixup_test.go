package registrar

import (
	"strings"
	"testing"

	"gosips/api"
	"gosips/modules/usrloc"
)

type record struct{ legacy, warn []string }

func fakeFC(r *record, mods map[string]api.Module) *api.FixupCtx {
	return &api.FixupCtx{
		Legacy:     func(msg, hint string) { r.legacy = append(r.legacy, msg+" => "+hint) },
		Warn:       func(msg, hint string) { r.warn = append(r.warn, msg) },
		BranchFlag: func(name string) (int, error) { return len(name), nil },
		Module: func(name string) api.Module {
			if m, ok := mods[name]; ok {
				return m
			}
			return nil
		},
	}
}

func findFunc(t *testing.T, name string) api.Func {
	t.Helper()
	for _, f := range New().Funcs() {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("function %s not declared", name)
	return api.Func{}
}

func TestSaveFlagsFixup(t *testing.T) {
	tests := []struct {
		in      string
		want    string // canonical named form of the fixed flags
		legacy  string // substring of the legacy hint, "" = none expected
		wantErr string
	}{
		{in: "", want: ""},
		{in: "memory-only", want: "memory-only"},
		{in: "memory-only, no-reply", want: "memory-only,no-reply"},
		{in: "max-contacts=5,path-strict", want: "path-strict,max-contacts=5"},
		{in: "min-expires=60,max-expires=3600", want: "min-expires=60,max-expires=3600"},
		{in: "matching-mode=1", want: "matching-mode=1"},
		{in: "matching-mode=<+sip.instance;reg-id>", want: "matching-mode=<+sip.instance;reg-id>"},
		{in: "force-registration,only-request-contacts,socket-header,path-received",
			want: "socket-header,path-received,force-registration,only-request-contacts"},
		{in: "m", want: "memory-only", legacy: `"memory-only"`},
		{in: "mr", want: "memory-only,no-reply", legacy: `"memory-only,no-reply"`},
		{in: "c5", want: "max-contacts=5", legacy: `"max-contacts=5"`},
		{in: "p2v", want: "path-strict,path-received", legacy: "path-strict"},
		{in: "e30E600", want: "min-expires=30,max-expires=600", legacy: "min-expires=30"},
		{in: "0x01", want: "memory-only", legacy: `"memory-only"`},
		{in: "0x03", want: "memory-only,no-reply", legacy: "no-reply"},
		{in: "0x04", wantErr: `unknown flag "0x04"`},
		{in: "no-replay", wantErr: `unknown flag "no-replay" (did you mean "no-reply"?)`},
		{in: "max-contacts", wantErr: `flag "max-contacts" needs a value`},
		{in: "max-contacts=x", wantErr: `max-contacts value "x" is not a non-negative integer`},
		{in: "memory-only,mr", wantErr: `unknown flag "mr"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var r record
			a := &api.FixArg{Given: true, Const: true, Str: tt.in}
			err := saveFlagsFixup(fakeFC(&r, nil), a)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f, ok := a.Fixed.(*SaveFlags)
			if !ok {
				t.Fatalf("Fixed = %T, want *SaveFlags", a.Fixed)
			}
			if got := f.String(); got != tt.want {
				t.Errorf("flags = %q, want %q", got, tt.want)
			}
			if tt.legacy == "" && len(r.legacy) > 0 {
				t.Errorf("unexpected legacy warning %q", r.legacy)
			}
			if tt.legacy != "" && (len(r.legacy) != 1 || !strings.Contains(r.legacy[0], tt.legacy)) {
				t.Errorf("legacy = %q, want one containing %q", r.legacy, tt.legacy)
			}
		})
	}
}

func TestSaveFlagsUnsetDefaults(t *testing.T) {
	f, _, err := ParseSaveFlags("no-reply")
	if err != nil {
		t.Fatal(err)
	}
	if f.MaxContacts != Unset || f.MinExpires != Unset || f.MaxExpires != Unset || f.MatchingMode != Unset {
		t.Errorf("integer flags not left unset: %+v", f)
	}
}

func TestSaveFlagsBadMatchingModeWarns(t *testing.T) {
	var r record
	a := &api.FixArg{Const: true, Str: "matching-mode=7"}
	if err := saveFlagsFixup(fakeFC(&r, nil), a); err != nil {
		t.Fatal(err)
	}
	if len(r.warn) != 1 || !strings.Contains(r.warn[0], "matching-mode") {
		t.Errorf("warn = %q", r.warn)
	}
}

func TestLookupFlagsFixup(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		legacy  string
		ua      string // a User-Agent the filter must match
		wantErr string
	}{
		{in: "method-filtering", want: "method-filtering"},
		{in: "no-branches,global", want: "no-branches,global"},
		{in: "to-branches-only", want: "to-branches-only"},
		{in: "branch,sort-by-latency,max-ping-latency=300", want: "sort-by-latency,branch,max-ping-latency=300"},
		{in: "ua-filtering=/^Linphone/", want: "ua-filtering=/^Linphone/", ua: "Linphone/5.0"},
		{in: "ua-filtering=/^linphone/,case-insensitive", want: "case-insensitive,ua-filtering=/^linphone/", ua: "LINPHONE 4"},
		{in: "ua-filtering=/a,b/", want: "ua-filtering=/a,b/", ua: "xa,by"},
		{in: "m", want: "method-filtering", legacy: `"method-filtering"`},
		{in: "b", want: "no-branches", legacy: "no-branches"},
		{in: "Bm", want: "method-filtering,to-branches-only", legacy: "to-branches-only"},
		{in: "u/^SJphone/i", want: "case-insensitive,ua-filtering=/^SJphone/", legacy: "ua-filtering", ua: "sjphone"},
		{in: "y100", want: "max-ping-latency=100", legacy: "max-ping-latency=100"},
		{in: "ua-filtering=Linphone", wantErr: "must be /regex/"},
		{in: "ua-filtering=//", wantErr: "regex is empty"},
		{in: "ua-filtering=/(/", wantErr: "bad ua-filtering regex"},
		{in: "method_filtering", wantErr: `unknown flag "method_filtering" (did you mean "method-filtering"?)`},
		{in: "max-ping-latency=-1", wantErr: "not a non-negative integer"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var r record
			a := &api.FixArg{Given: true, Const: true, Str: tt.in}
			err := lookupFlagsFixup(fakeFC(&r, nil), a)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f := a.Fixed.(*LookupFlags)
			if got := f.String(); got != tt.want {
				t.Errorf("flags = %q, want %q", got, tt.want)
			}
			if (tt.legacy == "") != (len(r.legacy) == 0) ||
				(tt.legacy != "" && !strings.Contains(r.legacy[0], tt.legacy)) {
				t.Errorf("legacy = %q, want %q", r.legacy, tt.legacy)
			}
			if tt.ua != "" && (f.UAFilter == nil || !f.UAFilter.MatchString(tt.ua)) {
				t.Errorf("ua filter %v does not match %q", f.UAFilter, tt.ua)
			}
		})
	}
}

func TestDomainFixupRegistersWithUsrloc(t *testing.T) {
	ul := usrloc.New()
	var r record
	fc := fakeFC(&r, map[string]api.Module{"usrloc": ul})
	for _, name := range []string{"location", "aliases", "location"} {
		a := &api.FixArg{Const: true, Str: name}
		if err := domainFixup(fc, a); err != nil {
			t.Fatal(err)
		}
		d, ok := a.Fixed.(*usrloc.Domain)
		if !ok || d.Name != name {
			t.Fatalf("Fixed = %#v, want domain %q", a.Fixed, name)
		}
	}
	if n := len(ul.Domains()); n != 2 {
		t.Errorf("usrloc has %d domains, want 2", n)
	}
	if err := domainFixup(fc, &api.FixArg{Const: true, Str: ""}); err == nil {
		t.Error("empty table name accepted")
	}
}

func TestFuncTable(t *testing.T) {
	tests := []struct {
		name   string
		routes api.RouteType
		nargs  int
		legacy bool
	}{
		{"save", api.RequestRoute | api.OnReplyRoute, 4, false},
		{"lookup", api.RequestRoute | api.OnReplyRoute | api.FailureRoute, 3, false},
		{"remove", api.RequestRoute | api.OnReplyRoute, 6, false},
		{"remove_ip_port", api.AllRoutes, 4, false},
		{"is_registered", locatingRoutes, 2, false},
		{"is_contact_registered", locatingRoutes, 4, false},
		{"is_ip_registered", locatingRoutes, 4, false},
		{"add_sock_hdr", locatingRoutes, 1, false},
		{"registered", locatingRoutes, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := findFunc(t, tt.name)
			if f.Routes != tt.routes {
				t.Errorf("routes = %v, want %v", f.Routes, tt.routes)
			}
			if len(f.Args) != tt.nargs {
				t.Errorf("%d args, want %d", len(f.Args), tt.nargs)
			}
			if (f.Legacy != "") != tt.legacy {
				t.Errorf("legacy = %q", f.Legacy)
			}
			if f.Call == nil {
				t.Error("Call is not implemented")
			}
		})
	}
	if d := findFunc(t, "save").Args[0]; !d.Static || d.Type != api.ArgStr {
		t.Errorf("save domain arg = %+v, want static string", d)
	}
}

func setParam(t *testing.T, m api.Module, name string, v api.ParamValue) error {
	t.Helper()
	for _, p := range m.Params() {
		if p.Name == name {
			if v.IsInt && p.Type&api.ParamInt == 0 || !v.IsInt && p.Type&api.ParamStr == 0 {
				t.Fatalf("param %s does not take %v", name, v)
			}
			return p.Set(v)
		}
	}
	t.Fatalf("param %s not declared", name)
	return nil
}

func TestParams(t *testing.T) {
	m := New()
	if err := setParam(t, m, "default_q", api.ParamValue{IsInt: true, Int: 1001}); err == nil {
		t.Error("default_q 1001 accepted")
	}
	if err := setParam(t, m, "tcp_persistent_flag", api.ParamValue{IsInt: true, Int: 7}); err != nil {
		t.Fatal(err)
	}
	var warns []string
	vc := &api.ValidateCtx{Loaded: func(string) bool { return true },
		Warn: func(msg, hint string) { warns = append(warns, msg+" => "+hint) }}
	if err := m.Validate(vc); err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "TCP_PERSISTENT") {
		t.Errorf("warns = %q", warns)
	}
	for _, p := range m.Params() {
		if p.Name == "append_branches" && p.Legacy == "" {
			t.Error("append_branches is not marked legacy")
		}
	}
	if err := setParam(t, m, "append_branches", api.ParamValue{IsInt: true, Int: 0}); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Legacy["append_branches"]; !ok {
		t.Error("legacy value not kept")
	}
	m.PNEnable = 1
	if err := m.Validate(&api.ValidateCtx{Loaded: func(n string) bool { return n == "tm" }}); err == nil ||
		!strings.Contains(err.Error(), "event_routing") {
		t.Errorf("pn_enable without event_routing: err = %v", err)
	}
}
