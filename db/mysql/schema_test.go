package mysql_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gosips/db"
	"gosips/internal/dbserver"
)

// infoTables are the tables gosips creates.
const infoTables = "'version','location','subscriber','silo','dispatcher','registrant','acc','missed_calls','tls_mgm','b2b_entities','b2b_logic'"

// The testdata/upstream-*.tsv files hold what information_schema shows of
// a database made by OpenSIPS 3.6's scripts/mysql/*-create.sql (standard,
// usrloc, auth_db, msilo, dispatcher, registrant, tls_mgm, b2b), for these
// queries.
var infoQueries = map[string]string{
	"upstream-columns.tsv": "SELECT table_name, column_name, column_type, is_nullable, IFNULL(column_default,'<none>'), extra, column_key " +
		"FROM information_schema.columns WHERE table_schema=DATABASE() AND table_name IN (" + infoTables + ") ORDER BY table_name, ordinal_position",
	"upstream-indexes.tsv": "SELECT table_name, index_name, non_unique, column_name FROM information_schema.statistics " +
		"WHERE table_schema=DATABASE() AND table_name IN (" + infoTables + ") ORDER BY table_name, index_name, seq_in_index",
}

// TestCreateMatchesUpstream creates the tables as "gosips db create" does
// and compares the server's catalogue with OpenSIPS' own schema.
func TestCreateMatchesUpstream(t *testing.T) {
	s := dbserver.Find(t, dbserver.MySQL)
	c, _ := fresh(t, s)
	defer c.Close()
	if _, err := db.CreateTables(ctx, c); err != nil {
		t.Fatal(err)
	}
	for file, q := range infoQueries {
		want, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.(db.RawQuerier).RawQuery(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var got strings.Builder
		for _, r := range res.Rows {
			for i, v := range r {
				if i > 0 {
					got.WriteByte('\t')
				}
				got.WriteString(v.Str())
			}
			got.WriteByte('\n')
		}
		if got.String() != string(want) {
			t.Errorf("%s differs from upstream:\n got:\n%s\nwant:\n%s", file, got.String(), want)
		}
	}
}
