package usrloc

import (
	"path/filepath"
	"testing"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/sip"
)

// fakeCore is a core with one listening socket.
type fakeCore struct {
	api.Core
	sock *sip.Socket
}

func (f fakeCore) FindSocket(proto sip.Proto, host string, port int) *sip.Socket {
	if f.sock.Proto == proto && f.sock.IP == host && f.sock.Port == port {
		return f.sock
	}
	return nil
}

// TestSQLOnlyTwoNodes runs two sql-only instances on one table, each
// with its own listener: a binding saved by A is found by B without A's
// socket, and the expiry timer of both removes an expired row once.
func TestSQLOnlyTwoNodes(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "loc.db")
	c0, err := db.Open(bg, url, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	defer c0.Close()
	if _, err := db.CreateTables(bg, c0, "location"); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1700000000, 0)
	node := func(port int) (*Module, *Domain, *sip.Socket) {
		m, d := testModule(t, &now, func(m *Module) { m.Preset, m.DBURL = PresetSQLOnly, url })
		s := &sip.Socket{Proto: sip.ProtoUDP, IP: "127.0.0.1", Port: port}
		m.SetCore(fakeCore{sock: s})
		if err := m.Start(bg); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m, d, s
	}
	ma, da, sa := node(5060)
	mb, db_, _ := node(5070)

	add(t, da, "alice", "sip:alice@10.0.0.1", ContactInfo{Expires: now.Unix() + 60, Socket: sa, Methods: AllMethods, CallID: "c1", CSeq: 1})
	get := func(d *Domain) *Contact {
		t.Helper()
		d.Lock("alice")
		defer d.Unlock("alice")
		r, ok, err := d.Get(bg, "alice")
		if err != nil || !ok || len(r.Contacts) != 1 {
			t.Fatalf("get alice: %+v %v %v", r, ok, err)
		}
		return r.Contacts[0]
	}
	if c := get(da); c.Socket != sa {
		t.Errorf("node A: socket %v, want its own listener", c.Socket)
	}
	if c := get(db_); c.Socket != nil || c.SocketStr != "udp:127.0.0.1:5060" {
		t.Errorf("node B: socket %v (%q), want none: A's socket is not local", c.Socket, c.SocketStr)
	}

	// Both timers run past the expiry: one row, removed once, no error.
	now = now.Add(2 * time.Minute)
	ma.Timer(bg)
	mb.Timer(bg)
	if got := da.Expired() + db_.Expired(); got != 1 {
		t.Errorf("expired counted %d times, want 1", got)
	}
	res, err := c0.Query(bg, "location", nil, nil, "", 0)
	if err != nil || len(res.Rows) != 0 {
		t.Errorf("rows after expiry: %v %v", res, err)
	}
}
