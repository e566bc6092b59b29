package dbserver

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gosips/db"
	"gosips/internal/testenv"
)

// warm fills the location table with one row and reads it, so that the
// pool holds live connections with prepared statements.
func warm(t *testing.T, c db.Conn, user string) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.CreateTables(ctx, c, "location"); err != nil {
		t.Fatal(err)
	}
	insert(t, c, user)
	count(t, c, user, 1)
}

func insert(t *testing.T, c db.Conn, user string) error {
	t.Helper()
	_, err := c.Insert(context.Background(), "location", []string{"username", "contact", "expires"},
		[]db.Value{db.StringValue(user), db.StringValue("sip:" + user + "@192.0.2.1"), db.IntValue(3600)})
	return err
}

func count(t *testing.T, c db.Conn, user string, want int) {
	t.Helper()
	res, err := c.Query(context.Background(), "location", []string{"contact"}, []db.Cond{db.Eq("username", db.StringValue(user))}, "", 0)
	if err != nil {
		t.Fatalf("query after recovery: %v", err)
	}
	if len(res.Rows) != want {
		t.Fatalf("rows for %s = %d, want %d", user, len(res.Rows), want)
	}
}

// KilledSessions checks that calls succeed without an error after the
// server killed every session of the pool (MySQL KILL,
// pg_terminate_backend): the driver retries once on a fresh connection.
func KilledSessions(t *testing.T, c db.Conn, kill func(t *testing.T) int) {
	warm(t, c, "k1")
	for round := range 2 {
		if n := kill(t); n == 0 {
			t.Fatal("no session of the pool found to kill")
		}
		// Give the server a moment to close the sockets.
		time.Sleep(100 * time.Millisecond)
		count(t, c, "k1", 1+round)
		if err := insert(t, c, "k1"); err != nil {
			t.Fatalf("insert after kill (round %d): %v", round, err)
		}
	}
}

// Restart stops the server under a warm pool, checks that calls fail
// cleanly within the driver's timeout while it is down (an error naming
// the URL with its password masked, no panic, no hang), then starts it
// and checks that the same pool works again.
func Restart(t *testing.T, s *Server, c db.Conn, timeout time.Duration, password string) {
	if !s.CanRestart() {
		testenv.Missing(t, "stop/start commands for the "+string(s.Kind)+" server", "not in "+EnvFile())
	}
	warm(t, c, "r1")
	s.Stop(t)
	started := false
	t.Cleanup(func() {
		if !started {
			s.Start(t)
		}
	})
	for i := range 3 {
		t0 := time.Now()
		_, err := c.Query(context.Background(), "location", nil, nil, "", 0)
		took := time.Since(t0)
		if err == nil {
			t.Fatalf("query %d succeeded while the server is down", i)
		}
		msg := err.Error()
		t.Logf("down: %v (after %v)", err, took.Round(time.Millisecond))
		if took > timeout+time.Second {
			t.Errorf("query %d took %v, over the %v timeout", i, took, timeout)
		}
		if password != "" && strings.Contains(msg, password) {
			t.Errorf("error shows the password: %s", msg)
		}
		if !strings.Contains(msg, db.MaskURL(s.URL)[:strings.LastIndexByte(db.MaskURL(s.URL), '/')]) {
			t.Errorf("error does not name the server: %s", msg)
		}
	}
	// A caller's shorter deadline is honoured too.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := insertCtx(ctx, c); err == nil {
		t.Error("insert succeeded while the server is down")
	} else if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		t.Errorf("deadline error before the deadline: %v", err)
	}
	s.Start(t)
	started = true
	count(t, c, "r1", 1)
	if err := insert(t, c, "r2"); err != nil {
		t.Fatalf("insert after restart: %v", err)
	}
	count(t, c, "r2", 1)
}

func insertCtx(ctx context.Context, c db.Conn) error {
	_, err := c.Insert(ctx, "location", []string{"username", "contact", "expires"},
		[]db.Value{db.StringValue("x"), db.StringValue("sip:x@192.0.2.1"), db.IntValue(1)})
	return err
}
