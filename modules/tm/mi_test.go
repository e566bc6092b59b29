package tm

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gosips/api"
	"gosips/sip"
)

func miCmd(t *testing.T, m *TM, name string) api.MICommand {
	t.Helper()
	for _, c := range m.MICommands() {
		if c.Name == name {
			if c.Handler == nil {
				t.Fatalf("%s has no handler", name)
			}
			return c
		}
	}
	t.Fatalf("no MI command %s", name)
	return api.MICommand{}
}

func miCode(err error) int {
	var me *api.MIError
	if errors.As(err, &me) {
		return me.Code
	}
	return 0
}

func TestMIReply(t *testing.T) {
	f, m := newCore(), newTM()
	defer m.Close()
	c := f.ctx(invite(t, "z9hG4bK-mirep"))
	if r := m.fNewtran(c, nil); r != 1 {
		t.Fatalf("t_newtran = %d", r)
	}
	f.take()
	id := txOf(c).ID()
	h := miCmd(t, m, "t_reply").Handler
	tests := []struct {
		name     string
		p        api.MIParams
		wantCode int
	}{
		{"bad id", api.MIParams{"code": "404", "reason": "x", "trans_id": "zz", "to_tag": "t"}, 400},
		{"unknown", api.MIParams{"code": "404", "reason": "x", "trans_id": "1:1", "to_tag": "t"}, 404},
		{"bad code", api.MIParams{"code": "700", "reason": "x", "trans_id": id, "to_tag": "t"}, 400},
		{"ok", api.MIParams{"code": "486", "reason": "Busy Here", "trans_id": id, "to_tag": "mi1", "new_headers": `X-A: 1\r\n`}, 0},
		{"again", api.MIParams{"code": "486", "reason": "Busy Here", "trans_id": id, "to_tag": "mi1"}, 500},
	}
	for _, tc := range tests {
		_, err := h(context.Background(), tc.p)
		if miCode(err) != tc.wantCode {
			t.Fatalf("%s: err %v, want code %d", tc.name, err, tc.wantCode)
		}
	}
	rpl := find(t, f.take(), "SIP/2.0 486").msg
	if rpl.ToTag() != "mi1" {
		t.Fatalf("To tag %q", rpl.ToTag())
	}
	if v, _ := rpl.Header("X-A"); v != "1" {
		t.Fatalf("X-A %q", v)
	}
}

func TestParseTransID(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"5:12", 12<<shardBits | 5, true},
		{"c.5", 12<<shardBits | 5, true}, // reversed hex
		{"01.1", 16<<shardBits | 1, true},
		{"300:1", 0, false},
		{"x:1", 0, false},
		{"nope", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseTransID(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseTransID(%q) = %d %v", tc.in, got, ok)
		}
	}
}

func TestMIHashAndCancel(t *testing.T) {
	f, m := newCore(), newTM()
	defer m.Close()
	c := f.ctx(invite(t, "z9hG4bK-micancel"))
	if r := m.fRelay(c, []any{nil, nil}); r != 1 {
		t.Fatalf("t_relay = %d", r)
	}
	br := find(t, f.take(), "INVITE").msg
	f.deliver(t, m, replyTo(t, br, 180, "b1"))
	f.take()

	res, err := miCmd(t, m, "t_hash").Handler(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cur, total := 0, 0
	for _, e := range res.([]map[string]any) {
		cur += e["Current"].(int)
		total += int(e["Total"].(int64))
	}
	if len(res.([]map[string]any)) != shards || cur != 1 || total != 1 {
		t.Fatalf("t_hash: current %d total %d", cur, total)
	}

	h := miCmd(t, m, "t_uac_cancel").Handler
	if _, err := h(context.Background(), api.MIParams{"callid": "nope", "cseq": "1"}); miCode(err) != 481 {
		t.Fatalf("unknown call: %v", err)
	}
	if _, err := h(context.Background(), api.MIParams{"callid": "call-1@192.0.2.1", "cseq": "1"}); err != nil {
		t.Fatal(err)
	}
	if n := count(f.take(), "CANCEL"); n != 1 {
		t.Fatalf("%d CANCELs", n)
	}
}

func TestMIUACDlg(t *testing.T) {
	f := newCore()
	m := startedTM(t, f)
	h := miCmd(t, m, "t_uac_dlg").Handler
	bad := []struct {
		p    api.MIParams
		code int
	}{
		{api.MIParams{"method": "OPTIONS", "ruri": "sip:x@198.51.100.2", "headers": `To: <sip:x@y>\r\n`}, 400},
		{api.MIParams{"method": "OPTIONS", "ruri": "sip:x@198.51.100.2", "headers": `From: <sip:a@y>\r\nTo: <sip:x@y>\r\nCSeq: 3 INVITE\r\n`}, 400},
		{api.MIParams{"method": "OPTIONS", "ruri": "sip:x@198.51.100.2", "body": "x", "headers": `From: <sip:a@y>\r\nTo: <sip:x@y>\r\n`}, 400},
	}
	for _, b := range bad {
		if _, err := h(context.Background(), b.p); miCode(err) != b.code {
			t.Fatalf("%v: %v", b.p, err)
		}
	}
	m.FrTimeout = 100 // a lost reply fails the call within a second
	// The downstream side answers from another goroutine while the MI
	// call waits; it must not call t.Fatal.
	go func() {
		for i := 0; i < 500; i++ {
			for _, o := range f.take() {
				if o.msg.Method() == "OPTIONS" {
					if rpl, err := sip.Parse(sip.NewReply(o.msg, 200, "", "gw").Bytes()); err == nil {
						f.deliver(t, m, rpl)
					}
					return
				}
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	res, err := h(context.Background(), api.MIParams{"method": "OPTIONS", "ruri": "sip:x@198.51.100.2",
		"headers": `From: <sip:mi@example.org>\r\nTo: <sip:x@example.org>\r\nCSeq: 9 OPTIONS\r\nX-Mi: 1\r\n`})
	if err != nil {
		t.Fatal(err)
	}
	r := res.(map[string]any)
	if r["Status"] != "200 OK" || !strings.Contains(r["Message"].(string), "CSeq: 9 OPTIONS") {
		t.Fatalf("result %v", r)
	}
}
