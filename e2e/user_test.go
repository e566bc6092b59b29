package e2e

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"

	"gosips/db"
)

// TestUserCommand adds, changes and removes a subscriber with "gosips
// user" and checks the rows as opensips-cli writes them: ha1 =
// MD5(user:domain:password), ha1_sha256 and ha1_sha512t256 the same with
// SHA-256 and SHA-512/256, no clear-text password unless --plain-text.
func TestUserCommand(t *testing.T) {
	url := sqliteDB(t, "subscriber")
	bin := gosipsBin(t)
	run := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(bin, append([]string{"user"}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	row := func(user, domain string) map[string]string {
		out := map[string]string{}
		withDB(t, url, func(ctx context.Context, c db.Conn) {
			cols := []string{"password", "ha1", "ha1_sha256", "ha1_sha512t256"}
			res, err := c.Query(ctx, "subscriber", cols, []db.Cond{db.Eq("username", db.StringValue(user)), db.Eq("domain", db.StringValue(domain))}, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Rows) > 1 {
				t.Fatalf("%d rows for %s@%s", len(res.Rows), user, domain)
			}
			for _, r := range res.Rows {
				for i, c := range cols {
					out[c] = r[i].S
				}
			}
		})
		return out
	}
	hashes := func(user, domain, pass string) map[string]string {
		in := []byte(user + ":" + domain + ":" + pass)
		s, x := sha256.Sum256(in), sha512.Sum512_256(in)
		return map[string]string{"ha1": md5hex(string(in)), "ha1_sha256": hex.EncodeToString(s[:]), "ha1_sha512t256": hex.EncodeToString(x[:])}
	}
	check := func(user, domain, pass, plain string) {
		t.Helper()
		r := row(user, domain)
		want := hashes(user, domain, pass)
		want["password"] = plain
		for k, v := range want {
			if r[k] != v {
				t.Errorf("%s@%s %s = %q, want %q", user, domain, k, r[k], v)
			}
		}
	}
	if out, err := run("", "add", "--url", url, "alice@example.com", "s3cret"); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	check("alice", "example.com", "s3cret", "")
	if out, err := run("", "add", "--url", url, "alice@example.com", "other"); err == nil || !strings.Contains(out, "already exists") {
		t.Errorf("second add: %v %s", err, out)
	}
	// Password from stdin, default domain, clear text kept.
	if out, err := run("pw2\n", "add", "--url", url, "--plain-text", "--domain", "sip.test", "bob"); err != nil {
		t.Fatalf("user add bob: %v %s", err, out)
	}
	check("bob", "sip.test", "pw2", "pw2")
	if out, err := run("", "passwd", "--url", url, "alice@example.com", "n3w"); err != nil {
		t.Fatalf("passwd: %v %s", err, out)
	}
	check("alice", "example.com", "n3w", "")
	if out, err := run("", "passwd", "--url", url, "carol@example.com", "x"); err == nil || !strings.Contains(out, "does not exist") {
		t.Errorf("passwd of a missing user: %v %s", err, out)
	}
	if out, err := run("", "rm", "--url", url, "alice@example.com"); err != nil {
		t.Fatalf("rm: %v %s", err, out)
	}
	if r := row("alice", "example.com"); len(r) != 0 {
		t.Errorf("alice still there: %v", r)
	}
	if out, err := run("", "rm", "--url", url, "alice@example.com"); err == nil || !strings.Contains(out, "does not exist") {
		t.Errorf("second rm: %v %s", err, out)
	}
}
