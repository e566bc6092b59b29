package domain

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"gosips/api"
	"gosips/db"
	_ "gosips/db/all"
	"gosips/modules/core/coretest"
)

type fakeVar struct{ v api.Value }

func (f *fakeVar) Get(*api.Ctx) (api.Value, error)   { return f.v, nil }
func (f *fakeVar) Set(_ *api.Ctx, v api.Value) error { f.v = v; return nil }
func (f *fakeVar) Name() string                      { return "$var(attrs)" }

func newModule(t *testing.T, mode int) (*Module, db.Conn) {
	t.Helper()
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "d.db")
	c, err := db.Open(ctx, url, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := db.CreateTables(ctx, c, "domain"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		d     string
		attrs any
		sub   int
	}{{"example.com", "a=1", 0}, {"corp.net", nil, 1}} {
		attrs := db.NullValue(db.String)
		if s, ok := r.attrs.(string); ok {
			attrs = db.StringValue(s)
		}
		if _, err := c.Insert(ctx, "domain", []string{"domain", "attrs", "accept_subdomain"},
			[]db.Value{db.StringValue(r.d), attrs, db.IntValue(int64(r.sub))}); err != nil {
			t.Fatal(err)
		}
	}
	m := New()
	m.dbh.URL, m.DBMode = url, mode
	if err := m.Init(&api.InitCtx{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, c
}

func TestIsDomainLocal(t *testing.T) {
	for _, mode := range []int{0, 1} {
		m, _ := newModule(t, mode)
		x := coretest.NewCtx(coretest.New(), nil)
		for _, tc := range []struct {
			host  string
			want  api.Ret
			attrs string
		}{
			{"example.com", 1, "a=1"},
			{"sub.example.com", -1, ""}, // no subdomains accepted
			{"corp.net", 1, ""},
			{"a.b.corp.net", 1, ""},
			{"xcorp.net", -1, ""},
			{"net", -1, ""},
			{"", -1, ""},
		} {
			v := &fakeVar{}
			if got := m.isLocal(x, tc.host, v); got != tc.want || (tc.attrs != "" && v.v.S != tc.attrs) {
				t.Errorf("db_mode %d: %q = %d (attrs %q), want %d (%q)", mode, tc.host, got, v.v.S, tc.want, tc.attrs)
			}
		}
	}
}

func TestReloadAndDump(t *testing.T) {
	m, c := newModule(t, 1)
	ctx := context.Background()
	c.Insert(ctx, "domain", []string{"domain"}, []db.Value{db.StringValue("new.org")})
	x := coretest.NewCtx(coretest.New(), nil)
	if m.isLocal(x, "new.org", nil) != -1 {
		t.Fatal("new.org local before the reload")
	}
	var reload, dump api.MICommand
	for _, cmd := range m.MICommands() {
		switch cmd.Name {
		case "domain_reload":
			reload = cmd
		case "domain_dump":
			dump = cmd
		}
	}
	if _, err := reload.Handler(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if m.isLocal(x, "new.org", nil) != 1 {
		t.Fatal("new.org not local after the reload")
	}
	c.Insert(ctx, "domain", []string{"domain"}, []db.Value{db.StringValue("")})
	if _, err := reload.Handler(ctx, nil); err == nil {
		t.Fatal("reload with an empty domain row succeeded")
	}
	if m.isLocal(x, "new.org", nil) != 1 {
		t.Fatal("old data lost after a failed reload")
	}
	res, _ := dump.Handler(ctx, nil)
	b, _ := json.Marshal(res)
	if want := `{"Domains":[{"name":"example.com","attributes":"a=1"},{"name":"corp.net"},{"name":"new.org"}]}`; string(b) != want {
		t.Errorf("domain_dump = %s, want %s", b, want)
	}
}
