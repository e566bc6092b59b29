package aliasdb

import (
	"context"
	"path/filepath"
	"testing"

	"gosips/api"
	"gosips/db"
	_ "gosips/db/all"
	"gosips/modules/core/coretest"
	"gosips/sip"
)

func TestQuery(t *testing.T) {
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "a.db")
	c, err := db.Open(ctx, url, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	db.CreateTables(ctx, c, "dbaliases")
	for _, r := range [][4]string{{"sales", "example.com", "bob", "example.com"}, {"sales", "other.com", "carol", "example.com"},
		{"boss", "example.com", "bob", "example.com"}} {
		c.Insert(ctx, "dbaliases", []string{"alias_username", "alias_domain", "username", "domain"},
			[]db.Value{db.StringValue(r[0]), db.StringValue(r[1]), db.StringValue(r[2]), db.StringValue(r[3])})
	}
	m := New()
	m.dbh.URL, m.DomainPrefix = url, "sip."
	if err := m.Init(&api.InitCtx{}); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	x := coretest.NewCtx(coretest.New(), nil)
	for _, tc := range []struct {
		uri, flags string
		want       []string
	}{
		{"sip:sales@example.com", "", []string{"sip:bob@example.com"}},
		{"sip:sales@sip.example.com", "", []string{"sip:bob@example.com"}},
		{"sip:sales@x.org", "d", []string{"sip:bob@example.com", "sip:carol@example.com"}},
		{"sip:bob@example.com", "r", []string{"sip:sales@example.com", "sip:boss@example.com"}},
		{"sip:nobody@example.com", "", nil},
	} {
		u, _ := sip.ParseURI(tc.uri)
		f, err := parseFlags(tc.flags)
		if err != nil {
			t.Fatal(err)
		}
		got, ret := m.query(x, "dbaliases", u, f)
		if (ret == api.RetTrue) != (tc.want != nil) || len(got) != len(tc.want) {
			t.Errorf("%s/%s: %v %d", tc.uri, tc.flags, got, ret)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s/%s: %v, want %v", tc.uri, tc.flags, got, tc.want)
			}
		}
	}
	if _, err := parseFlags("x"); err == nil {
		t.Error("flag x accepted")
	}
}
