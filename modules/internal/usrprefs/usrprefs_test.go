package usrprefs

import "testing"

func TestParseDBURLAndScheme(t *testing.T) {
	if u, err := ParseDBURL("2 postgres://h/db"); err != nil || u.ID != 2 || u.URL != "postgres://h/db" {
		t.Fatalf("%+v %v", u, err)
	}
	for _, bad := range []string{"nourl", "-1 sqlite:///x"} {
		if _, err := ParseDBURL(bad); err == nil {
			t.Errorf("ParseDBURL(%q) accepted", bad)
		}
	}
	sc, err := ParseScheme("vm:uuid_col=u;value_col=v;value_type=integer;table=t")
	if err != nil || sc.Name != "vm" || sc.Value != "v" || !sc.IsInt || sc.Table != "t" {
		t.Fatalf("%+v %v", sc, err)
	}
	for _, bad := range []string{"vm", "vm:value_type=float;value_col=v", "vm:uuid_col=u", "vm:valu_col=v"} {
		if _, err := ParseScheme(bad); err == nil {
			t.Errorf("ParseScheme(%q) accepted", bad)
		}
	}
}
