package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"gosips/db"
	_ "gosips/db/all"
	"gosips/mi"
)

// newUDPClientOn is a SIP client bound to a given loopback address, so a
// test can send from 127.0.0.x sources.
func newUDPClientOn(t *testing.T, ip string) *udpClient {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &udpClient{conn: c, t: t}
}

// newSQLiteDB creates a sqlite database with the named tables (and their
// version rows) and returns its URL and an open connection.
func newSQLiteDB(t *testing.T, tables ...string) (string, db.Conn) {
	t.Helper()
	url := "sqlite://" + filepath.Join(t.TempDir(), "routing.db")
	ctx := context.Background()
	c, err := db.Open(ctx, url, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := db.CreateTables(ctx, c, tables...); err != nil {
		t.Fatal(err)
	}
	return url, c
}

// addRow adds one row given as column/value pairs.
func addRow(t *testing.T, c db.Conn, table string, kv ...any) {
	t.Helper()
	var cols []string
	var vals []db.Value
	for i := 0; i+1 < len(kv); i += 2 {
		cols = append(cols, kv[i].(string))
		switch v := kv[i+1].(type) {
		case int:
			vals = append(vals, db.IntValue(int64(v)))
		case string:
			vals = append(vals, db.StringValue(v))
		case nil:
			vals = append(vals, db.NullValue(db.String))
		default:
			t.Fatalf("insertRow: %T", v)
		}
	}
	if _, err := c.Insert(context.Background(), table, cols, vals); err != nil {
		t.Fatal(err)
	}
}

// miHTTP calls a management command on a server's mi_http port.
func miHTTP(t *testing.T, port int, method string, params any) (json.RawMessage, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return mi.CallHTTP(ctx, nil, fmt.Sprintf("http://127.0.0.1:%d/mi", port), method, params)
}
