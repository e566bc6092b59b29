package mediarelay

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"gosips/db"
)

func TestSocksAndSelection(t *testing.T) {
	e := &Sets{}
	if err := e.AddSocks("udp:127.0.0.1:2222 udp:127.0.0.1:2223=3", -1, 0); err != nil {
		t.Fatal(err)
	}
	if err := e.AddSocks("2 == udp:[::1]:2224", -1, 0); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"x == udp:1.2.3.4:1", "unix:/tmp/x", "udp:1.2.3.4", "udp:1.2.3.4:1=z", "3 =="} {
		if err := (&Sets{}).AddSocks(bad, -1, 0); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	s0 := e.ByID(0)
	if len(s0.Nodes) != 2 || s0.Nodes[1].Weight != 3 || e.ByID(2).Nodes[0].network != "udp" {
		t.Fatalf("sets: %+v", e.List)
	}
	counts := map[string]int{}
	for i := 0; i < 256; i++ {
		id := string([]byte{byte(i)})
		counts[Select(s0, id, nil).URL]++
	}
	if counts["udp:127.0.0.1:2222"] != 64 || counts["udp:127.0.0.1:2223"] != 192 {
		t.Errorf("weights 1:3 spread %v", counts)
	}
	s0.Nodes[0].Disable(0)
	for i := 0; i < 16; i++ {
		if n := Select(s0, string([]byte{byte(i)}), nil); n != s0.Nodes[1] {
			t.Fatalf("disabled node selected")
		}
	}
	if n := Select(s0, "x", IgnoreList{s0.Nodes[1]}); n != nil {
		t.Errorf("all nodes down or ignored, got %v", n.URL)
	}
}

type fakeConn struct {
	db.Conn
	rows    []db.Row
	version int // -1: no version row
}

func (f *fakeConn) TableVersion(_ context.Context, table string) (int, error) {
	if f.version < 0 {
		return 0, db.ErrNoVersion
	}
	return f.version, nil
}

func (f *fakeConn) Query(_ context.Context, table string, cols []string, _ []db.Cond, _ string, _ int) (*db.Result, error) {
	if table != "rtpengine" || len(cols) != 2 || cols[0] != "socket" || cols[1] != "set_id" {
		return nil, fmt.Errorf("unexpected query %s %v", table, cols)
	}
	return &db.Result{Rows: f.rows}, nil
}

func TestLoadSets(t *testing.T) {
	c := &fakeConn{rows: []db.Row{
		{db.StringValue("udp:127.0.0.1:2222 udp:127.0.0.1:2223=2"), db.IntValue(0)},
		{db.StringValue("udp:127.0.0.1:2224"), db.IntValue(3)},
	}}
	c.version = 1
	s, err := LoadSets(context.Background(), c, "rtpengine", "socket", "set_id", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	show := s.Show()
	if len(show) != 2 || len(show[0].Nodes) != 2 || show[0].Nodes[1].Weight != 2 || show[1].Set != 3 || show[1].Nodes[0].Index != 2 {
		t.Errorf("sets %+v", show)
	}
	if _, err := LoadSets(context.Background(), c, "rtpengine", "socket", "set_id", 2, 0); err == nil ||
		!strings.Contains(err.Error(), "has version 1, gosips needs 2") {
		t.Errorf("version 1 accepted where 2 is needed: %v", err)
	}
	c.version = -1
	if _, err := LoadSets(context.Background(), c, "rtpengine", "socket", "set_id", 2, 0); err != nil {
		t.Errorf("table without a version row: %v", err)
	}
	c.rows = append(c.rows, db.Row{db.NullValue(db.String), db.IntValue(1)})
	if _, err := LoadSets(context.Background(), c, "rtpengine", "socket", "set_id", 2, 0); err == nil {
		t.Error("NULL socket accepted")
	}
}

func BenchmarkSelect(b *testing.B) {
	e := &Sets{}
	e.AddSocks("udp:127.0.0.1:1 udp:127.0.0.1:2=2 udp:127.0.0.1:3=3", -1, 0)
	s := e.ByID(0)
	b.ReportAllocs()
	for b.Loop() {
		if Select(s, "a84b4c76e66710@pc33.atlanta.com", nil) == nil {
			b.Fatal("no node")
		}
	}
}
