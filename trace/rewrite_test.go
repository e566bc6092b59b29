package trace

import (
	"strings"
	"testing"

	"gosips/lang"
	"gosips/lang/ast"
)

// TestRewriteDB checks that --db replaces every *db_url modparam and
// leaves the others alone.
func TestRewriteDB(t *testing.T) {
	src := `loadmodule "usrloc.so"
loadmodule "acc.so"
modparam("usrloc", "db_url", "mysql://u:p@db/opensips")
modparam("acc", "db_url", "mysql://u:p@db/acc")
modparam("usrloc", "working_mode_preset", "single-instance-sql-write-back")
route {
	exit;
}
`
	f, diags := lang.Parse("x.cfg", []byte(src), lang.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if err := rewrite(f, Options{DB: "sqlite:///tmp/trace.db"}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range f.Items {
		if mp, ok := it.(*ast.ModParam); ok {
			got = append(got, mp.Param+"="+mp.Value.Str)
		}
	}
	want := "db_url=sqlite:///tmp/trace.db db_url=sqlite:///tmp/trace.db working_mode_preset=single-instance-sql-write-back"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("modparams after --db: %s, want %s", s, want)
	}
	if err := rewrite(f, Options{Set: []string{"ru=x"}}); err == nil {
		t.Errorf("--set without $ accepted")
	}
}
