package eventrouting

import (
	"testing"

	"gosips/api"
)

func TestExports(t *testing.T) {
	m := &Module{}
	var names []string
	for _, f := range m.Funcs() {
		names = append(names, f.Name)
		if f.Call == nil {
			t.Errorf("%s has no Call", f.Name)
		}
	}
	if got := len(names); got != 2 || names[0] != "notify_on_event" || names[1] != "wait_for_event" {
		t.Errorf("functions %v, want notify_on_event and wait_for_event (OpenSIPS 3.6)", names)
	}
}

func TestRouteFixup(t *testing.T) {
	fc := &api.FixupCtx{Route: func(k api.RouteType, name string) bool { return k == api.RequestRoute && name == "fork" }}
	if err := routeFixup(fc, &api.FixArg{Str: "fork"}); err != nil {
		t.Errorf("defined route: %v", err)
	}
	if err := routeFixup(fc, &api.FixArg{Str: "nope"}); err == nil {
		t.Error("undefined route accepted")
	}
}

func TestFilterMatch(t *testing.T) {
	var p api.EventParams
	p.Str("aor", "bob@example.com")
	p.Int("expires", 3600)
	tests := []struct {
		filters []filter
		want    bool
	}{
		{nil, true},
		{[]filter{{"aor", "bob@example.com"}}, true},
		{[]filter{{"aor", "bob@*"}}, true},
		{[]filter{{"aor", "alice@*"}}, false},
		{[]filter{{"aor", "bob@*"}, {"expires", "3600"}}, true},
		{[]filter{{"aor", "bob@*"}, {"expires", "60"}}, false},
		{[]filter{{"missing", "*"}}, false},
	}
	for _, tc := range tests {
		if got := (&subscription{filters: tc.filters}).matches(p); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.filters, got, tc.want)
		}
	}
}
