package speeddial

import (
	"context"
	"path/filepath"
	"testing"

	"gosips/api"
	"gosips/db"
	_ "gosips/db/all"
	"gosips/modules/core/coretest"
)

func TestLookup(t *testing.T) {
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "sd.db")
	c, err := db.Open(ctx, url, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	db.CreateTables(ctx, c, "speed_dial")
	ins := func(user, domain, sd, uri string) {
		c.Insert(ctx, "speed_dial", []string{"username", "domain", "sd_username", "sd_domain", "new_uri"},
			[]db.Value{db.StringValue(user), db.StringValue(domain), db.StringValue(sd), db.StringValue("example.com"), db.StringValue(uri)})
	}
	ins("alice", "example.com", "1", "sip:bob@example.com")
	ins("alice", "other.com", "2", "carol@example.com")
	m := New()
	m.dbh.URL, m.UseDomain, m.DomainPrefix = url, 1, "sip."
	if err := m.Init(&api.InitCtx{}); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, tc := range []struct {
		ruri, owner, want string
		ret               api.Ret
	}{
		{"sip:1@example.com", "", "sip:bob@example.com", 1},
		{"sip:2@example.com", "", "sip:2@example.com", -1},
		{"sip:2@example.com", "sip:alice@sip.other.com", "sip:carol@example.com", 1},
	} {
		msg := coretest.Msg(t, "INVITE "+tc.ruri+" SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1\r\n"+
			"From: <sip:alice@example.com>;tag=1\r\nTo: <"+tc.ruri+">\r\nCall-ID: sd1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
		x := coretest.NewCtx(coretest.New(), msg)
		var owner any
		if tc.owner != "" {
			owner = tc.owner
		}
		if got := m.lookup(x, "speed_dial", owner); got != tc.ret || x.RURI() != tc.want {
			t.Errorf("%s (%s): %d %s, want %d %s", tc.ruri, tc.owner, got, x.RURI(), tc.ret, tc.want)
		}
	}
}
