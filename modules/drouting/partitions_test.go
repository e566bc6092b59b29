package drouting

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gosips/api"
	"gosips/db"
	_ "gosips/db/all"
)

// TestPartitions loads two partitions from dr_partitions, each with its
// own tables, and checks a reload with a bad row keeps the old data.
func TestPartitions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	url := "sqlite://" + filepath.Join(dir, "dr.db")
	c, err := db.Open(ctx, url, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := db.CreateTables(ctx, c, "dr_partitions", "dr_gateways", "dr_rules", "dr_carriers", "dr_groups"); err != nil {
		t.Fatal(err)
	}
	ins := func(table string, cols []string, vals ...db.Value) {
		t.Helper()
		if _, err := c.Insert(ctx, table, cols, vals); err != nil {
			t.Fatal(err)
		}
	}
	s := db.StringValue
	ins("dr_partitions", []string{"partition_name", "db_url"}, s("out"), s(url))
	ins("dr_partitions", []string{"partition_name", "db_url", "drd_table", "drr_table"}, s("in"), s(url), s("dr_gateways"), s("dr_rules"))
	ins("dr_gateways", []string{"gwid", "address"}, s("gw1"), s("10.0.0.1:5060"))
	ins("dr_rules", []string{"groupid", "prefix", "gwlist"}, s("1,2"), s("44"), s("gw1"))
	m := New()
	m.UsePartitions, m.PartitionsURL, m.ProbingInterval = 1, url, 0
	if err := m.Init(&api.InitCtx{}); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if len(m.Partitions) != 2 || m.partition("in") == nil || m.partition("out") == nil {
		t.Fatalf("partitions: %+v", m.Partitions)
	}
	if got := m.partition("out").GWIDAVP; got != "$avp(___dr_gw_id___out)" {
		t.Errorf("inherited gw_id_avp = %q", got)
	}
	for _, name := range []string{"in", "out"} {
		d := m.partition(name).rt.current()
		if rules, _ := d.matchRules(2, "4420", false, false, time.Now()); len(rules) != 1 {
			t.Errorf("%s: no rule for 4420 in group 2", name)
		}
	}
	ins("dr_rules", []string{"groupid", "prefix", "gwlist", "timerec"}, s("1"), s("33"), s("gw1"), s("not-a-recurrence"))
	err = m.reload(ctx, m.partition("in"), true)
	if err == nil || !strings.HasPrefix(err.Error(), `table dr_rules, id 2: timerec "not-a-recurrence": `) {
		t.Errorf("reload with a bad timerec: %v", err)
	}
	if rules, _ := m.partition("in").rt.current().matchRules(1, "4420", false, false, time.Now()); len(rules) != 1 {
		t.Error("old rules lost after a failed reload")
	}
}
