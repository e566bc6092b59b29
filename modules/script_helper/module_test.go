package script_helper

import (
	"strings"
	"testing"

	"gosips/api"
)

// TestTables checks the export table against OpenSIPS 3.6 script_helper.c:
// three parameters, no function, no MI command.
func TestTables(t *testing.T) {
	m := &Module{}
	want := map[string]api.ParamType{"use_dialog": api.ParamInt, "create_dialog_flags": api.ParamStr, "sequential_route": api.ParamStr}
	for _, p := range m.Params() {
		if want[p.Name] != p.Type {
			t.Errorf("param %s type %v, want %v", p.Name, p.Type, want[p.Name])
		}
		delete(want, p.Name)
	}
	if len(want) > 0 {
		t.Errorf("missing params: %v", want)
	}
	if len(m.Funcs()) != 0 {
		t.Errorf("script_helper exports no function, got %d", len(m.Funcs()))
	}
}

func set(t *testing.T, m *Module, name string, v api.ParamValue) {
	t.Helper()
	for _, p := range m.Params() {
		if p.Name == name {
			if err := p.Set(v); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no param %s", name)
}

// TestUseDialogNeedsDialog: use_dialog without the dialog module is a
// config error (OpenSIPS aborts on the modparam dependency).
func TestUseDialogNeedsDialog(t *testing.T) {
	m := &Module{}
	loaded := map[string]bool{"rr": true, "sl": true, "tm": true}
	vc := &api.ValidateCtx{Loaded: func(n string) bool { return loaded[n] }}
	if err := m.Validate(vc); err != nil {
		t.Fatalf("without use_dialog: %v", err)
	}
	set(t, m, "use_dialog", api.ParamValue{IsInt: true, Int: 1})
	err := m.Validate(vc)
	if err == nil || !strings.Contains(err.Error(), "dialog") || api.ErrorHint(err) == "" {
		t.Fatalf("use_dialog without dialog: %v", err)
	}
	loaded["dialog"] = true
	if err := m.Validate(vc); err != nil {
		t.Fatalf("with dialog: %v", err)
	}
}

// TestNamedRoutes: sequential_route is reported to check as a used route.
func TestNamedRoutes(t *testing.T) {
	m := &Module{}
	if len(m.NamedRoutes()) != 0 {
		t.Fatal("routes named without sequential_route")
	}
	set(t, m, "sequential_route", api.ParamValue{Str: "seq"})
	nr := m.NamedRoutes()
	if len(nr) != 1 || nr[0].Name != "seq" || nr[0].Kind != api.RequestRoute {
		t.Fatalf("NamedRoutes = %+v", nr)
	}
}
