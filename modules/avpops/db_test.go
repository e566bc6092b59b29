package avpops

import (
	"context"
	"path/filepath"
	"testing"

	"gosips/api"
	"gosips/db"
	_ "gosips/db/sqlite"
	"gosips/modules/core/coretest"
	"gosips/modules/internal/usrprefs"
	"gosips/pv"
)

type fullHolder struct {
	st  *pv.AVPStore
	tab *pv.Table
}

func (h fullHolder) AVPs() *pv.AVPStore { return h.st }
func (h fullHolder) PVTable() *pv.Table { return h.tab }

// fixture returns an avpops instance on a fresh sqlite database, its
// functions and a context whose From user is alice@example.org.
func fixture(t *testing.T) (*AVPOps, map[string]api.Func, *api.Ctx, *pv.AVPStore, db.Conn) {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "avp.db"), db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := db.CreateTables(ctx, conn, "usr_preferences"); err != nil {
		t.Fatal(err)
	}
	m := New()
	m.Prefs.Use(0, conn)
	fs := map[string]api.Func{}
	for _, f := range m.Funcs() {
		fs[f.Name] = f
	}
	st := pv.NewAVPStore()
	c := coretest.NewCtx(coretest.New(), coretest.Msg(t, coretest.Invite))
	c.Priv = fullHolder{st, pv.NewTable(pv.CoreDefs())}
	return m, fs, c, st, conn
}

func invoke(fs map[string]api.Func, name string, c *api.Ctx, args ...any) api.Ret {
	full := make([]any, len(fs[name].Args))
	copy(full, args)
	return fs[name].Call(c, full)
}

func TestDBStoreLoadDelete(t *testing.T) {
	_, fs, c, st, _ := fixture(t)
	st.Push("fwd", api.StrValue("sip:bob@example.net"))
	st.Push("fwd", api.IntValue(7))
	tests := []struct {
		name string
		fn   string
		args []any
		want api.Ret
		avp  string
		vals string
	}{
		{"store uri", "avp_db_store", []any{"$fu", AVPSpec{Name: "fwd"}}, 1, "", ""},
		{"store uuid", "avp_db_store", []any{"u-1", AVPSpec{Name: "fwd"}}, 1, "", ""},
		{"load one", "avp_db_load", []any{"$fu", AVPSpec{Name: "fwd"}, nil, "x_"}, 1, "x_fwd", "7,sip:bob@example.net"},
		{"load legacy i: name", "avp_db_load", []any{"$fu/username", AVPSpec{Name: "fwd"}, nil, "y_"}, 1, "y_fwd", "7,sip:bob@example.net"},
		{"load all by uuid", "avp_db_load", []any{"u-1", AVPSpec{Name: "*"}, nil, "z_"}, 1, "z_fwd", "7,sip:bob@example.net"},
		{"load missing attr", "avp_db_load", []any{"$fu", AVPSpec{Name: "none"}}, -1, "none", ""},
		{"load by domain", "avp_db_load", []any{"$fu/domain", AVPSpec{Name: "fwd"}}, -1, "", ""},
		{"delete", "avp_db_delete", []any{"$fu", AVPSpec{Name: "fwd"}}, 1, "", ""},
		{"load after delete", "avp_db_load", []any{"$fu", AVPSpec{Name: "fwd"}, nil, "w_"}, -1, "w_fwd", ""},
		{"bad db id", "avp_db_load", []any{"$fu", AVPSpec{Name: "fwd"}, int64(3)}, -1, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := invoke(fs, tc.fn, c, tc.args...); got != tc.want {
				t.Fatalf("%s = %d, want %d", tc.fn, got, tc.want)
			}
			if tc.avp != "" {
				if got := joinVals(st.All(tc.avp)); got != tc.vals {
					t.Errorf("$avp(%s) = %q, want %q", tc.avp, got, tc.vals)
				}
			}
		})
	}
	// Integers come back as integers (type column 1).
	if v := st.Get("x_fwd", 0); !v.IsInt() || v.I != 7 {
		t.Errorf("loaded integer = %+v", v)
	}
}

func TestDBUseDomainAndScheme(t *testing.T) {
	m, fs, c, st, conn := fixture(t)
	m.Prefs.UseDomain = 1
	sc, err := usrprefs.ParseScheme("vm:uuid_col=uuid;value_col=value;value_type=integer;table=usr_preferences")
	if err != nil {
		t.Fatal(err)
	}
	m.Prefs.AddScheme(sc)
	ctx := context.Background()
	for _, r := range [][]string{{"alice", "example.org", "lang", "de"}, {"alice", "other.org", "lang", "fr"}, {"", "", "", "42"}} {
		cols := []string{"username", "domain", "attribute", "value", "uuid"}
		vals := []db.Value{db.StringValue(r[0]), db.StringValue(r[1]), db.StringValue(r[2]), db.StringValue(r[3]), db.StringValue("")}
		if r[0] == "" {
			vals[4] = db.StringValue("box-1")
		}
		if _, err := conn.Insert(ctx, "usr_preferences", cols, vals); err != nil {
			t.Fatal(err)
		}
	}
	if invoke(fs, "avp_db_load", c, "$fu", AVPSpec{Name: "lang"}) != 1 || joinVals(st.All("lang")) != "de" {
		t.Errorf("use_domain load: %v", st.All("lang"))
	}
	if invoke(fs, "avp_db_load", c, "box-1", AVPSpec{Name: "box", Flags: "$vm"}) != 1 || !st.Get("box", 0).IsInt() {
		t.Errorf("scheme load: %+v", st.All("box"))
	}
	for _, bad := range []string{"x", "vm:value_col=v;nope=1", "vm:value_col=v;value_type=float", "vm:uuid_col=u"} {
		if _, err := usrprefs.ParseScheme(bad); err == nil {
			t.Errorf("ParseScheme(%q) accepted", bad)
		}
	}
}

func TestDBQuery(t *testing.T) {
	_, fs, c, st, conn := fixture(t)
	ctx := context.Background()
	for _, v := range []string{"a", "b"} {
		if _, err := conn.Insert(ctx, "usr_preferences", []string{"uuid", "attribute", "value", "type"},
			[]db.Value{db.StringValue("q"), db.StringValue(v), db.StringValue(v + "v"), db.IntValue(0)}); err != nil {
			t.Fatal(err)
		}
	}
	q := "SELECT attribute, value FROM usr_preferences WHERE uuid='q' ORDER BY attribute"
	if r := invoke(fs, "avp_db_query", c, q, []AVPSpec{{Name: "k"}, {Name: "v"}}); r != 1 {
		t.Fatalf("avp_db_query = %d", r)
	}
	// The first row ends on top, as in OpenSIPS.
	if joinVals(st.All("k")) != "a,b" || joinVals(st.All("v")) != "av,bv" {
		t.Errorf("k=%v v=%v", st.All("k"), st.All("v"))
	}
	if r := invoke(fs, "avp_db_query", c, "SELECT value FROM usr_preferences WHERE uuid='q' AND attribute='a'"); r != 1 || joinVals(st.All("1")) != "av" {
		t.Errorf("numbered AVPs: %d %v", r, st.All("1"))
	}
	if r := invoke(fs, "avp_db_query", c, "SELECT value FROM usr_preferences WHERE uuid='none'"); r != -2 {
		t.Errorf("empty result = %d, want -2", r)
	}
	if r := invoke(fs, "avp_db_query", c, "SELEC nonsense"); r != -1 {
		t.Errorf("bad query = %d, want -1", r)
	}
}

func joinVals(vs []api.Value) string {
	s := ""
	for i, v := range vs {
		if i > 0 {
			s += ","
		}
		s += pv.Str(v)
	}
	return s
}
