package group

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"gosips/api"
	"gosips/db"
	_ "gosips/db/all"
	"gosips/modules/core/coretest"
)

type avp struct{ vals []int64 }

func (a *avp) Get(*api.Ctx) (api.Value, error)   { return api.Null, nil }
func (a *avp) Set(_ *api.Ctx, v api.Value) error { a.vals = append(a.vals, v.I); return nil }
func (a *avp) Name() string                      { return "$avp(g)" }

func TestGroups(t *testing.T) {
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "g.db")
	c, err := db.Open(ctx, url, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	db.CreateTables(ctx, c, "grp", "re_grp")
	c.Insert(ctx, "grp", []string{"username", "domain", "grp"}, []db.Value{db.StringValue("alice"), db.StringValue("a.com"), db.StringValue("ld")})
	c.Insert(ctx, "re_grp", []string{"reg_exp", "group_id"}, []db.Value{db.StringValue("^sip:ali.*@"), db.IntValue(1)})
	c.Insert(ctx, "re_grp", []string{"reg_exp", "group_id"}, []db.Value{db.StringValue("@A\\.COM$"), db.IntValue(2)})
	m := New()
	m.dbh.URL, m.ReTable, m.UseDomain = url, "re_grp", 1
	if err := m.Init(&api.InitCtx{}); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	msg := coretest.Msg(t, "INVITE sip:alice@a.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1\r\n"+
		"From: <sip:bob@b.com>;tag=1\r\nTo: <sip:alice@a.com>\r\nCall-ID: g1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
	x := coretest.NewCtx(coretest.New(), msg)
	for _, tc := range []struct {
		uri, grp string
		want     api.Ret
	}{
		{"Request-URI", "ld", 1}, {"To", "ld", 1}, {"From", "ld", -6}, {"sip:alice@b.com", "ld", -6},
		{"sip:alice@a.com", "intl", -6}, {"Credentials", "ld", -1},
	} {
		if got := m.isUserIn(x, tc.uri, tc.grp); got != tc.want {
			t.Errorf("%s in %s = %d, want %d", tc.uri, tc.grp, got, tc.want)
		}
	}
	out := &avp{}
	if got := m.getUserGroup(x, "Request-URI", out); got != 2 || len(out.vals) != 2 || out.vals[0] != 2 {
		t.Errorf("db_get_user_group = %d %v", got, out.vals)
	}
	m.MultipleGID = 0
	out = &avp{}
	if got := m.getUserGroup(x, "From", out); got != -1 {
		t.Errorf("bob's groups = %d %v", got, out.vals)
	}
	c.Insert(ctx, "re_grp", []string{"reg_exp", "group_id"}, []db.Value{db.StringValue("(["), db.IntValue(3)})
	if err := m.loadRe(ctx); err == nil || !strings.Contains(err.Error(), "table re_grp, id 3") {
		t.Errorf("bad regex row: %v", err)
	}
}
