package text_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"gosips/db"
	"gosips/db/text"
)

var ctx = context.Background()

// copyDir copies testdata/NAME into a temp dir and opens it.
func openFixture(t *testing.T, name string) (db.Conn, string) {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("testdata", name)
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := db.Open(ctx, "text://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, dir
}

// OpenSIPS' shipped files (header with a trailing space, doubles as %.2f)
// load, and their version rows are what the modules expect.
func TestOpenSIPSFiles(t *testing.T) {
	c, dir := openFixture(t, "opensips")
	for table, want := range map[string]int{"location": 1013, "subscriber": 8, "dispatcher": 9, "silo": 6, "registrant": 3} {
		if err := db.CheckVersion(ctx, c, table, want); err != nil {
			t.Error(err)
		}
	}
	res, err := c.Query(ctx, "location", []string{"contact", "received", "path", "q", "user_agent", "socket", "methods", "attr"}, nil, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 {
		t.Fatalf("rows = %d", len(res.Rows))
	}
	var got []string
	for _, v := range res.Rows[0] {
		got = append(got, v.String())
	}
	want := `"sip:alice@192.0.2.10:5060;transport=udp"|NULL|"<sip:edge.example.com;lr>"|1|"Linphone/5.2 (belle-sip)"|"udp:192.0.2.1:5060"|8191|NULL`
	if strings.Join(got, "|") != want {
		t.Errorf("location row:\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
	res, err = c.Query(ctx, "dispatcher", []string{"destination", "state", "weight", "attrs", "description"}, []db.Cond{db.Eq("setid", db.IntValue(1))}, "priority", 0)
	if err != nil || len(res.Rows) != 2 {
		t.Fatalf("dispatcher: %v, %v", res, err)
	}
	if res.Rows[1][3].Str() != "a=b" || !res.Rows[1][4].Null || res.Rows[0][4].Str() != "gw one" {
		t.Errorf("dispatcher rows = %v", res.Rows)
	}
	// A write keeps the header OpenSIPS understands and the id sequence.
	id, err := c.Insert(ctx, "subscriber", []string{"username", "domain", "password", "ha1", "ha1_sha256", "ha1_sha512t256"},
		[]db.Value{db.StringValue("bob"), db.StringValue("example.com"), db.StringValue("pw"), db.StringValue("h"), db.StringValue("s"), db.StringValue("t")})
	if err != nil || id != 2 {
		t.Fatalf("insert = %d, %v", id, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "subscriber"))
	if err != nil {
		t.Fatal(err)
	}
	wantFile := "id(int,auto) username(string) domain(string) password(string) ha1(string) ha1_sha256(string) ha1_sha512t256(string)\n" +
		"1:alice:example.com:secret:5ebe2294ecd0e0f08eab7690d2a6ee69:x:y\n2:bob:example.com:pw:h:s:t\n"
	if string(b) != wantFile {
		t.Errorf("subscriber file:\n%s\nwant\n%s", b, wantFile)
	}
}

func TestBadTableFile(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"nullrow", "id(int,auto) username(string)\n1:\n", "column username is empty (NULL) but not declared null"},
		{"badtype", "id(integer) x(varchar)\n", "unknown type"},
		{"fields", "a(int) b(int)\n1:2:3\n", "line 2: more than 2 fields"},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		if err := os.WriteFile(filepath.Join(dir, tc.name), []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := db.Open(ctx, "text://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, tc := range tests {
		_, err := c.Query(ctx, tc.name, nil, nil, "", 0)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "not loaded") {
			t.Errorf("%s: error = %v, want %q", tc.name, err, tc.want)
		}
		// Writes are refused too, so the broken file is not overwritten.
		if _, err := c.Delete(ctx, tc.name, nil); err == nil {
			t.Errorf("%s: delete on a broken table succeeded", tc.name)
		}
	}
}

func TestEmptyStringInNotNullColumn(t *testing.T) {
	c := openTemp(t)
	defer c.Close()
	if _, err := db.CreateTables(ctx, c, "subscriber"); err != nil {
		t.Fatal(err)
	}
	cols := []string{"username", "domain", "password", "ha1", "ha1_sha256", "ha1_sha512t256"}
	vals := []db.Value{db.StringValue("a"), db.StringValue("d"), db.StringValue(""), db.StringValue("h"), db.StringValue("s"), db.StringValue("t")}
	if _, err := c.Insert(ctx, "subscriber", cols, vals); err == nil || !strings.Contains(err.Error(), "password") {
		t.Errorf("insert of an empty password: %v, want an error naming the column", err)
	}
	if _, err := c.Insert(ctx, "subscriber", cols[:2], vals[:2]); err == nil || !strings.Contains(err.Error(), "not null") {
		t.Errorf("insert without the not-null columns: %v", err)
	}
}

func TestOutsideChangesAreSeen(t *testing.T) {
	c, dir := openFixture(t, "opensips")
	n := func() int {
		res, err := c.Query(ctx, "dispatcher", []string{"id"}, nil, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Rows)
	}
	if n() != 2 {
		t.Fatal("fixture changed")
	}
	// Another connection (or an editor) rewrites the file.
	other, err := db.Open(ctx, "text://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Delete(ctx, "dispatcher", []db.Cond{db.Eq("id", db.IntValue(1))}); err != nil {
		t.Fatal(err)
	}
	if got := n(); got != 1 {
		t.Errorf("rows after outside delete = %d, want 1", got)
	}
	path := filepath.Join(dir, "dispatcher")
	b, _ := os.ReadFile(path)
	b = append(b, "9:2:sip\\:x::0:0:1:0::\n"...)
	if err := os.WriteFile(path+".new", b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
	if got := n(); got != 2 {
		t.Errorf("rows after edit = %d, want 2", got)
	}
	// The next id continues after the edited one.
	id, err := c.Insert(ctx, "dispatcher", []string{"setid", "destination", "state", "probe_mode", "weight", "priority"},
		[]db.Value{db.IntValue(3), db.StringValue("sip:y"), db.IntValue(0), db.IntValue(0), db.StringValue("1"), db.IntValue(0)})
	if err != nil || id != 10 {
		t.Errorf("insert after edit = %d, %v; want 10", id, err)
	}
	os.Remove(path)
	if _, err := c.Query(ctx, "dispatcher", nil, nil, "", 0); !errors.Is(err, db.ErrNoTable) {
		t.Errorf("query after removal: %v", err)
	}
	if err := c.(db.Reloader).Reload(ctx, ""); err != nil {
		t.Error(err)
	}
}

// A reader of the table file never sees a partial write, whatever the
// interleaving with the writer.
func TestAtomicRewrite(t *testing.T) {
	c := openTemp(t)
	defer c.Close()
	if _, err := db.CreateTables(ctx, c, "silo"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(c.(*text.Conn).Dir(), "silo")
	big := strings.Repeat("x:y\\z\n", 2000)
	var stop atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("read: %v", err)
				return
			}
			if !strings.HasPrefix(string(b), "id(int,auto) ") || !strings.HasSuffix(string(b), "\n") {
				t.Errorf("partial file (%d bytes)", len(b))
				return
			}
			if err := text.Check(b); err != nil {
				t.Errorf("file does not parse: %v", err)
				return
			}
			reads.Add(1)
		}
	}()
	cols := []string{"src_addr", "dst_addr", "username", "domain", "inc_time", "exp_time", "snd_time", "body"}
	for i := range 60 {
		vals := []db.Value{db.StringValue("a"), db.StringValue("b"), db.StringValue("u"), db.StringValue("d"),
			db.IntValue(int64(i)), db.IntValue(0), db.IntValue(0), db.BlobValue([]byte(big))}
		if _, err := c.Insert(ctx, "silo", cols, vals); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if reads.Load() == 0 {
		t.Error("reader never ran")
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func TestDir(t *testing.T) {
	tests := []struct {
		url, base, want string
		err             bool
	}{
		{url: "text:///var/lib/opensips", want: "/var/lib/opensips"},
		{url: "text:////x//y/", want: "/x/y"},
		{url: "text://db", base: "/etc/opensips", want: "/etc/opensips/db"},
		{url: "text://../db", base: "/etc/opensips", want: "/etc/db"},
		{url: "text://", err: true},
		{url: "text:/tmp", err: true},
	}
	for _, tc := range tests {
		u, err := db.ParseURL(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := text.Dir(u, tc.base)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("Dir(%q, %q) = %q, %v; want %q", tc.url, tc.base, got, err, tc.want)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o644)
	for _, u := range []string{"text://" + filepath.Join(dir, "missing"), "text://" + file} {
		if c, err := db.Open(ctx, u); err == nil {
			c.Close()
			t.Errorf("Open(%q) succeeded", u)
		} else if !strings.Contains(err.Error(), u) {
			t.Errorf("Open(%q) error does not name the URL: %v", u, err)
		}
	}
	c, err := db.Open(ctx, "text://"+filepath.Join(dir, "new", "db"), db.WithCreate())
	if err != nil {
		t.Fatalf("Open with create: %v", err)
	}
	c.Close()
	if _, err := c.Query(ctx, "version", nil, nil, "", 0); err == nil {
		t.Error("query after Close succeeded")
	}
}

// OpenSIPS writes ",auto" back only for int columns, so location files it
// flushed say "contact_id(long)"; new contacts still get ids.
func TestAutoRestoredForKnownTables(t *testing.T) {
	dir := t.TempDir()
	hdr := "contact_id(long) username(string) domain(string,null) contact(string) received(string,null) path(string,null) expires(int) q(double) callid(string) cseq(int) last_modified(int) flags(int) cflags(string,null) user_agent(string) socket(string,null) methods(int,null) sip_instance(string,null) kv_store(string,null) attr(string,null)\n"
	row := "41:alice::sip\\:a@x:::1:1.00:cid:1:0:0::ua:::::\n"
	if err := os.WriteFile(filepath.Join(dir, "location"), []byte(hdr+row), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "other"), []byte("id(long) v(int)\n1:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := db.Open(ctx, "text://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	id, err := c.Insert(ctx, "location", []string{"username", "contact", "expires", "q", "callid", "cseq", "last_modified", "flags", "user_agent"},
		[]db.Value{db.StringValue("bob"), db.StringValue("sip:b@y"), db.IntValue(1), db.DoubleValue(1), db.StringValue("c"),
			db.IntValue(1), db.IntValue(0), db.IntValue(0), db.StringValue("ua")})
	if err != nil || id != 42 {
		t.Errorf("insert = %d, %v; want 42", id, err)
	}
	if _, err := c.Insert(ctx, "other", []string{"v"}, []db.Value{db.IntValue(2)}); err == nil {
		t.Error("unknown table without auto column numbered a row")
	}
}
