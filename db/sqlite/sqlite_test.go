package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"gosips/db"
	"gosips/db/schema"
	"gosips/db/sqlite"
	"gosips/internal/testenv"
)

var ctx = context.Background()

// The schema gosips creates, read back with the sqlite3 tool: OpenSIPS'
// column names in order and the version rows.
func TestCreateCheckedBySQLite3Tool(t *testing.T) {
	bin := testenv.Tool(t, "sqlite3", "sqlite3")
	path := filepath.Join(t.TempDir(), "opensips.db")
	c, err := db.Open(ctx, "sqlite://"+path, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTables(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.Close()
	run := func(q string) string {
		out, err := exec.Command(bin, "-batch", "-separator", "|", path, q).CombinedOutput()
		if err != nil {
			t.Fatalf("sqlite3 %q: %v\n%s", q, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	want := map[string]string{
		"version":         "table_name table_version",
		"location":        "contact_id username domain contact received path expires q callid cseq last_modified flags cflags user_agent socket methods sip_instance kv_store attr",
		"subscriber":      "id username domain password ha1 ha1_sha256 ha1_sha512t256",
		"silo":            "id src_addr dst_addr username domain inc_time exp_time snd_time ctype body",
		"dispatcher":      "id setid destination socket state probe_mode weight priority attrs description",
		"registrant":      "id registrar proxy aor third_party_registrant username password binding_URI binding_params expiry forced_socket cluster_shtag state",
		"usr_preferences": "id uuid username domain attribute type value last_modified",
		"acc":             "id method from_tag to_tag callid sip_code sip_reason time duration ms_duration setuptime created",
		"missed_calls":    "id method from_tag to_tag callid sip_code sip_reason time setuptime created",
	}
	for table, cols := range want {
		got := strings.ReplaceAll(run(fmt.Sprintf("SELECT name FROM pragma_table_info('%s')", table)), "\n", " ")
		if got != cols {
			t.Errorf("%s columns:\n got %s\nwant %s", table, got, cols)
		}
	}
	versions := run("SELECT table_name, table_version FROM version ORDER BY table_name")
	var rows []string
	for _, name := range schema.Names() {
		if tb, _ := schema.Lookup(name); name != schema.VersionTable {
			rows = append(rows, fmt.Sprintf("%s|%d", name, tb.Version))
		}
	}
	sort.Strings(rows)
	wantV := strings.Join(rows, "\n")
	if versions != wantV {
		t.Errorf("version rows:\n%s\nwant\n%s", versions, wantV)
	}
	if mode := run("PRAGMA journal_mode"); mode != "wal" {
		t.Errorf("journal_mode = %s, want wal", mode)
	}
	idx := run("SELECT name FROM sqlite_master WHERE type='index' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	var ixs []string
	for _, name := range schema.Names() {
		tb, _ := schema.Lookup(name)
		for _, ix := range tb.Indexes {
			switch {
			case ix.Unique:
			case ix.SQLiteName != "":
				ixs = append(ixs, ix.SQLiteName)
			default:
				ixs = append(ixs, ix.Name)
			}
		}
	}
	sort.Strings(ixs)
	if idx != strings.Join(ixs, "\n") {
		t.Errorf("indexes = %q", idx)
	}
}

// loadFixture builds a database the way OpenSIPS' scripts do.
func loadFixture(t *testing.T) string {
	t.Helper()
	ddl, err := os.ReadFile(filepath.Join("testdata", "opensips-3.6.sql"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "opensips.db")
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(string(ddl)); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return path
}

// A database made with OpenSIPS' DDL is accepted: versions check, rows
// read with their types, and writes work.
func TestOpenSIPSDatabaseAccepted(t *testing.T) {
	path := loadFixture(t)
	c, err := db.Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, name := range schema.Names()[1:] {
		tb, _ := schema.Lookup(name)
		if err := db.CheckVersion(ctx, c, name, tb.Version); err != nil {
			t.Error(err)
		}
	}
	res, err := c.Query(ctx, "location", []string{"username", "q", "callid", "cseq", "last_modified", "methods"}, nil, "contact_id", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Rows {
		var f []string
		for _, v := range r {
			f = append(f, v.Type.String()+":"+v.String())
		}
		got = append(got, strings.Join(f, " "))
	}
	old := time.Date(1900, 1, 1, 0, 0, 1, 0, time.UTC).Unix()
	want := []string{
		fmt.Sprintf(`string:"alice" double:1 string:"Default-Call-ID" int:13 time:%d int:NULL`, old),
		`string:"bob" double:0.5 string:"Default-Call-ID" int:13 time:1700000000 int:8191`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("location rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	res, err = c.Query(ctx, "dispatcher", []string{"weight"}, nil, "", 0)
	if err != nil || len(res.Rows) != 1 || res.Rows[0][0].Type != db.String || res.Rows[0][0].S != "1" {
		t.Errorf("dispatcher weight = %v, %v", res, err)
	}
	id, err := c.Insert(ctx, "location", []string{"username", "contact", "expires", "last_modified"},
		[]db.Value{db.StringValue("carol"), db.StringValue("sip:c@x"), db.IntValue(1), db.TimeValue(time.Unix(1700000100, 0))})
	if err != nil || id != 3 {
		t.Errorf("insert = %d, %v", id, err)
	}
	// The unique key of subscriber is enforced.
	if _, err := c.Insert(ctx, "subscriber", []string{"username", "domain"}, []db.Value{db.StringValue("alice"), db.StringValue("example.com")}); err == nil {
		t.Error("duplicate subscriber accepted")
	}
	// CreateTables leaves OpenSIPS' tables alone.
	sts, err := db.CreateTables(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range sts {
		if st.Created {
			t.Errorf("CreateTables re-created %s", st.Name)
		}
	}
}

// The tables gosips creates are column for column those of OpenSIPS'
// scripts: name, declared type, NOT NULL, default and primary key.
func TestDDLMatchesOpenSIPS(t *testing.T) {
	ref := loadFixture(t)
	mine := filepath.Join(t.TempDir(), "gosips.db")
	c, err := db.Open(ctx, "sqlite://"+mine, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTables(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.Close()
	describe := func(path string) map[string]string {
		raw, err := sql.Open("sqlite3", path)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		out := map[string]string{}
		for _, table := range schema.Names() {
			rows, err := raw.Query("SELECT name, upper(type), \"notnull\", coalesce(dflt_value, '-'), pk FROM pragma_table_info(?)", table)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			for rows.Next() {
				var name, typ, def string
				var nn, pk int
				if err := rows.Scan(&name, &typ, &nn, &def, &pk); err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, "%s %s nn=%d def=%s pk=%d\n", name, typ, nn, strings.ToUpper(def), pk)
			}
			rows.Close()
			idx, err := raw.Query("SELECT il.name, il.\"unique\", group_concat(ii.name) FROM pragma_index_list(?) il, pragma_index_info(il.name) ii GROUP BY il.name ORDER BY il.\"unique\", group_concat(ii.name)", table)
			if err != nil {
				t.Fatal(err)
			}
			for idx.Next() {
				var name, cols string
				var uniq int
				if err := idx.Scan(&name, &uniq, &cols); err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(name, "sqlite_autoindex") {
					name = "(constraint)"
				}
				fmt.Fprintf(&b, "index %s unique=%d (%s)\n", name, uniq, cols)
			}
			idx.Close()
			out[table] = b.String()
		}
		return out
	}
	want, got := describe(ref), describe(mine)
	for _, table := range schema.Names() {
		if want[table] == "" {
			t.Errorf("fixture lacks table %s", table)
		}
		if got[table] != want[table] {
			t.Errorf("table %s:\n got:\n%s\nwant:\n%s", table, got[table], want[table])
		}
	}
}

func TestPath(t *testing.T) {
	tests := []struct {
		url, base, want string
		err             bool
	}{
		{url: "sqlite:///etc/opensips/opensips.db", want: "/etc/opensips/opensips.db"},
		{url: "sqlite:////tmp//x.db", want: "/tmp/x.db"},
		{url: "sqlite://x.db", base: "/etc/opensips", want: "/etc/opensips/x.db"},
		{url: "sqlite:/x.db", base: "/etc/opensips", want: "/etc/opensips/x.db"},
		{url: "sqlite://:memory:", want: sqlite.Memory},
		{url: "sqlite://", err: true},
		{url: "sqlite:///tmp/", err: true},
		{url: "sqlite:x.db", err: true},
	}
	for _, tc := range tests {
		u, err := db.ParseURL(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := sqlite.Path(u, tc.base)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("Path(%q, %q) = %q, %v; want %q", tc.url, tc.base, got, err, tc.want)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "garbage.db")
	os.WriteFile(notDB, bytes.Repeat([]byte("not a database "), 100), 0o644)
	tests := []struct{ url, want string }{
		{"sqlite://" + filepath.Join(dir, "missing.db"), "does not exist"},
		{"sqlite://" + notDB, "not a database"},
		{"sqlite://" + filepath.Join(dir, "nodir", "x.db"), "does not exist"},
	}
	for _, tc := range tests {
		c, err := db.Open(ctx, tc.url)
		if err == nil {
			c.Close()
			t.Errorf("Open(%q) succeeded", tc.url)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.url) {
			t.Errorf("Open(%q) error = %v, want %q and the URL", tc.url, err, tc.want)
		}
	}
	if _, err := db.Open(ctx, "sqlite://:memory:", db.WithPragma("foreign_keys = 1; drop table x")); err == nil {
		t.Error("pragma with ';' accepted")
	}
	if _, err := db.Open(ctx, "sqlite://:memory:", db.WithPragma("no_such_thing(")); err == nil {
		t.Error("bad pragma accepted")
	}
}

func TestPragmasAndBusyTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	c, err := db.Open(ctx, "sqlite://"+path, db.WithCreate(), db.WithPragma("cache_size = -4000"), db.WithBusyTimeout(1234*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rq := c.(db.RawQuerier)
	for q, want := range map[string]int64{"PRAGMA cache_size": -4000, "PRAGMA busy_timeout": 1234} {
		res, err := rq.RawQuery(ctx, q)
		if err != nil || len(res.Rows) != 1 || res.Rows[0][0].Int64() != want {
			t.Errorf("%s = %v, %v; want %d", q, res, err, want)
		}
	}
}

func TestRawQuery(t *testing.T) {
	c := openTemp(t)
	defer c.Close()
	if _, err := db.CreateTables(ctx, c, "subscriber"); err != nil {
		t.Fatal(err)
	}
	rq := c.(db.RawQuerier)
	if _, err := rq.RawQuery(ctx, "INSERT INTO subscriber (username, domain, ha1) VALUES (?, ?, ?)",
		db.StringValue("a"), db.StringValue("d"), db.StringValue("h")); err != nil {
		t.Fatal(err)
	}
	res, err := rq.RawQuery(ctx, "SELECT username, count(*) AS n, 1.5 AS f, NULL AS z FROM subscriber WHERE domain = ? GROUP BY username", db.StringValue("d"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || strings.Join(res.Cols, ",") != "username,n,f,z" {
		t.Fatalf("result = %+v", res)
	}
	r := res.Rows[0]
	if r[0].S != "a" || r[1].Int64() != 1 || r[2].Type != db.Double || r[2].F != 1.5 || !r[3].Null {
		t.Errorf("row = %#v", r)
	}
	if _, err := rq.RawQuery(ctx, "SELEC nonsense"); err == nil {
		t.Error("bad SQL accepted")
	}
}

func TestErrorsNameTheURL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.db")
	c, err := db.Open(ctx, "sqlite://"+path, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Insert(ctx, "location", []string{"username"}, []db.Value{db.StringValue("x")})
	if !errors.Is(err, db.ErrNoTable) || !strings.Contains(err.Error(), "sqlite://"+path) || !strings.Contains(err.Error(), "insert into location") {
		t.Errorf("error = %v", err)
	}
	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Query(ctx2, "version", nil, nil, "", 0); err == nil {
		t.Error("query with a cancelled context succeeded")
	}
}
