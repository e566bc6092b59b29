package uacregistrant

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gosips/api"
	"gosips/db"
)

func TestParseShtag(t *testing.T) {
	tests := []struct {
		in         string
		key        string
		active     bool
		wantErrSub string
	}{
		{in: "vip/1=active", key: "vip/1", active: true},
		{in: " vip / 2 = BACKUP ", key: "vip/2", active: false},
		{in: "vip/1", key: "vip/1", active: true},
		{in: "vip", wantErrSub: "want name/cluster_id"},
		{in: "/1=active", wantErrSub: "want name/cluster_id"},
		{in: "vip/x=active", wantErrSub: "bad cluster id"},
		{in: "vip/0", wantErrSub: "bad cluster id"},
		{in: "vip/1=on", wantErrSub: "neither active nor backup"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			key, active, err := parseShtag(tt.in)
			if tt.wantErrSub != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrSub) {
					t.Fatalf("err = %v, want %q", err, tt.wantErrSub)
				}
				return
			}
			if err != nil || key != tt.key || active != tt.active {
				t.Errorf("= %q %v %v, want %q %v", key, active, err, tt.key, tt.active)
			}
		})
	}
}

// clusterNode starts one node on the shared registrant table, with the
// given sharing_tag lines.
func clusterNode(t *testing.T, url string, clk *clock, tags ...string) (*Module, *fakeUAC) {
	t.Helper()
	m := New()
	m.DBURL, m.TimerInterval = url, 100
	if err := set(t, m, "enable_clustering", num(1)); err != nil {
		t.Fatal(err)
	}
	for _, tag := range tags {
		if err := set(t, m, "sharing_tag", api.ParamValue{Str: tag}); err != nil {
			t.Fatal(err)
		}
	}
	u := &fakeUAC{}
	m.uac, m.now = u, clk.now
	if err := m.Init(&api.InitCtx{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, u
}

// recState is the state of the record of aor.
func (m *Module) recState(aor string) State {
	for _, b := range m.buckets {
		for _, r := range b.recs {
			if r.aor == aor {
				return r.state
			}
		}
	}
	return -1
}

func aors(reqs []*api.UACRequest) string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.To)
	}
	return strings.Join(out, " ")
}

// TestSharingTag runs two nodes on one registrant table: the tagged
// record is registered only by the node holding "vip" active, the
// untagged one by both; switching the tag over MI moves the tagged
// record to the other node.
func TestSharingTag(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "reg.db")
	c, err := db.Open(bg, url, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := db.CreateTables(bg, c, "registrant"); err != nil {
		t.Fatal(err)
	}
	for _, row := range []struct{ aor, tag string }{{"sip:vip@example.com", "vip"}, {"sip:local@example.com", ""}} {
		if _, err := c.Insert(bg, "registrant",
			[]string{"registrar", "aor", "binding_URI", "expiry", "cluster_shtag", "state"},
			[]db.Value{db.StringValue("sip:127.0.0.1:5090"), db.StringValue(row.aor),
				db.StringValue("sip:gw@127.0.0.1:15060"), db.IntValue(600), db.StringValue(row.tag), db.IntValue(0)}); err != nil {
			t.Fatal(err)
		}
	}
	clk := &clock{t: time.Unix(1700000000, 0)}
	a, ua := clusterNode(t, url, clk, "vip/1=active", "other/2=backup")
	b, ub := clusterNode(t, url, clk)

	a.tick()
	b.tick()
	sentA := ua.take(t, 2)
	if got := aors(sentA); !strings.Contains(got, "sip:vip@") || !strings.Contains(got, "sip:local@") {
		t.Errorf("node A sent to %s, want both records", got)
	}
	if got := aors(ub.take(t, 1)); got != "<sip:local@example.com>" {
		t.Errorf("node B sent to %s, want only the untagged record", got)
	}
	var vipA *api.UACRequest
	for _, r := range sentA {
		if strings.Contains(r.To, "vip") {
			vipA = r
		}
	}
	if b.recState("sip:vip@example.com") != NotRegistered {
		t.Errorf("node B state of the tagged record = %v", b.recState("sip:vip@example.com"))
	}

	// Fail over: B takes the tag, A gives it up.
	if _, err := b.miShtagSet(bg, api.MIParams{"tag": "vip/1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.miShtagSet(bg, api.MIParams{"tag": "vip/1", "state": "backup"}); err != nil {
		t.Fatal(err)
	}
	// The 200 to A's REGISTER arrives after the switch: ignored.
	vipA.OnReply(reply(t, fmt.Sprintf(strings.ReplaceAll(ok200, "acc@", "gw@"), "")), 200)
	if st := a.recState("sip:vip@example.com"); st != NotRegistered {
		t.Errorf("node A state after giving the tag up = %v, want NOT_REGISTERED", st)
	}
	a.tick()
	b.tick()
	ua.take(t, 0)
	if got := aors(ub.take(t, 1)); got != "<sip:vip@example.com>" {
		t.Errorf("node B sent to %s after taking the tag, want the tagged record", got)
	}

	res, err := a.miShtagList(bg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustJSON(res); got != `[{"Tag":"other","Cluster":2,"State":"backup"},{"Tag":"vip","Cluster":1,"State":"backup"}]` {
		t.Errorf("clusterer_list_shtags = %s", got)
	}
	for _, p := range []api.MIParams{{}, {"tag": "vip"}, {"tag": "vip/1", "state": "up"}} {
		if _, err := a.miShtagSet(bg, p); err == nil {
			t.Errorf("clusterer_shtag_set_active %v: no error", p)
		}
	}
}
