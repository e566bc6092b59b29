// Package dbserver finds the MySQL/MariaDB and PostgreSQL servers the
// database tests run against, as started by .ci/dbservers.sh, and drives
// their outage hooks.
//
// A server is taken from GOSIPS_TEST_MYSQL_URL / GOSIPS_TEST_PG_URL, or
// else from the env file the script writes (GOSIPS_DBSERVERS_ENV, default
// /tmp/gosips-dbservers.env). Tests skip (fail in strict mode, see
// internal/testenv) when neither names a server, or when only the env file
// does and the server is not listening; a server named in the environment
// that does not answer fails the test.
package dbserver

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"gosips/db"
	"gosips/internal/testenv"
)

// Kind names a server type.
type Kind string

// The server kinds.
const (
	MySQL    Kind = "MYSQL"
	Postgres Kind = "PG"
)

// DefaultEnvFile is where .ci/dbservers.sh writes the URLs.
const DefaultEnvFile = "/tmp/gosips-dbservers.env"

// Server is one test server.
type Server struct {
	Kind Kind
	// URL is the db_url of the server's test database.
	URL string
	// stop and start are shell commands that stop and start the server,
	// keeping its data; empty when unknown.
	stop, start string
}

// EnvFile returns the path of the env file.
func EnvFile() string {
	if f := os.Getenv("GOSIPS_DBSERVERS_ENV"); f != "" {
		return f
	}
	return DefaultEnvFile
}

// ReadEnvFile parses KEY=VALUE lines (values optionally double-quoted);
// a missing file gives an empty map.
func ReadEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read env file: %w", err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		env[strings.TrimSpace(k)] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read env file: %w", err)
	}
	return env, nil
}

// Find returns the server of a kind, or skips the test with the reason.
func Find(t testing.TB, k Kind) *Server {
	t.Helper()
	key := "GOSIPS_TEST_" + string(k) + "_URL"
	explicit := os.Getenv(key) != ""
	env, err := ReadEnvFile(EnvFile())
	if err != nil {
		t.Fatal(err)
	}
	get := func(name string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return env[name]
	}
	s := &Server{Kind: k, URL: get(key), stop: get("GOSIPS_TEST_" + string(k) + "_STOP"), start: get("GOSIPS_TEST_" + string(k) + "_START")}
	if s.URL == "" {
		testenv.Missing(t, string(k)+" test server", "set "+key+" or run .ci/dbservers.sh start (as root)")
	}
	u, err := db.ParseURL(s.URL)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	lockShared(t)
	if err := s.dial(u); err != nil {
		if explicit {
			t.Fatalf("%s server %s does not answer: %v", k, u, err)
		}
		testenv.Missing(t, string(k)+" test server", fmt.Sprintf("the server from %s does not answer (%v): run .ci/dbservers.sh start", EnvFile(), err))
	}
	return s
}

func (s *Server) dial(u *db.URL) error {
	port := u.Port
	if port == "" {
		port = map[Kind]string{MySQL: "3306", Postgres: "5432"}[s.Kind]
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(u.Host, port), 2*time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}

// CanRestart reports whether the stop and start commands are known.
func (s *Server) CanRestart() bool { return s.stop != "" && s.start != "" }

// Stop stops the server (its data is kept).
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	exclusive()
	s.run(t, "stop", s.stop)
}

// Start starts the server again and waits until it answers.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	s.run(t, "start", s.start)
	shared()
}

func (s *Server) run(t testing.TB, what, cmd string) {
	t.Helper()
	if cmd == "" {
		testenv.Missing(t, what+" command for the "+string(s.Kind)+" server", "not in "+EnvFile())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "sh", "-c", cmd).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s server: %v\n%s", what, s.Kind, err, out)
	}
}

// WithDatabase returns raw with its database part replaced by name.
func WithDatabase(raw, name string) (string, error) {
	i := strings.Index(raw, "://")
	if i < 0 {
		return "", fmt.Errorf("url %q has no authority", db.MaskURL(raw))
	}
	j := strings.LastIndexByte(raw[i+3:], '/')
	if j < 0 {
		return raw + "/" + name, nil
	}
	return raw[:i+3+j+1] + name, nil
}

// UniqueName returns prefix followed by random hex digits, a valid
// lower-case identifier for a throw-away database.
func UniqueName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
