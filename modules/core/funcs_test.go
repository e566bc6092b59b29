package core

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"gosips/api"
	"gosips/modules/core/coretest"
	"gosips/sip"
)

func callFn(t testing.TB, co *Core, name string, c *api.Ctx, args ...any) api.Ret {
	t.Helper()
	for _, f := range co.Funcs() {
		if f.Name == name {
			full := make([]any, len(f.Args))
			copy(full, args)
			return f.Call(c, full)
		}
	}
	t.Fatalf("%s not declared", name)
	return 0
}

func TestFlags(t *testing.T) {
	co := New()
	c := coretest.NewCtx(coretest.New(), coretest.Msg(t, coretest.Invite))
	c.Branches = []api.Branch{{URI: "sip:a@b"}}
	steps := []struct {
		fn   string
		args []any
		want api.Ret
	}{
		{"isflagset", []any{Flag(3)}, -1},
		{"setflag", []any{Flag(3)}, 1},
		{"isflagset", []any{Flag(3)}, 1},
		{"resetflag", []any{Flag(3)}, 1},
		{"isflagset", []any{Flag(3)}, -1},
		{"setbflag", []any{Flag(1)}, 1},
		{"isbflagset", []any{Flag(1)}, 1},
		{"isbflagset", []any{Flag(1), int64(1)}, -1},
		{"setbflag", []any{Flag(2), int64(1)}, 1},
		{"isbflagset", []any{Flag(2), int64(1)}, 1},
		{"setbflag", []any{Flag(2), int64(5)}, -1},
		{"resetbflag", []any{Flag(1)}, 1},
		{"isbflagset", []any{Flag(1)}, -1},
		{"setsflag", []any{Flag(7)}, 1},
		{"issflagset", []any{Flag(7)}, 1},
	}
	for i, s := range steps {
		if got := callFn(t, co, s.fn, c, s.args...); got != s.want {
			t.Fatalf("step %d %s%v = %d, want %d", i, s.fn, s.args, got, s.want)
		}
	}
	if c.Flags != 1<<7 || c.BFlags != 0 || c.Branches[0].Flags != 1<<2 {
		t.Errorf("flags %b bflags %b branch %b", c.Flags, c.BFlags, c.Branches[0].Flags)
	}
}

func TestURIRewrites(t *testing.T) {
	tests := []struct {
		fn   string
		args []any
		want string
		rc   api.Ret
	}{
		{"seturi", []any{"sip:carol@example.net"}, "sip:carol@example.net", 1},
		{"seturi", []any{"not a uri"}, "sip:bob@example.com", -1},
		{"rewriteuri", []any{"sip:x@y"}, "sip:x@y", 1},
		{"sethost", []any{"10.1.1.1"}, "sip:bob@10.1.1.1", 1},
		{"sethostport", []any{"10.1.1.1:5070"}, "sip:bob@10.1.1.1:5070", 1},
		{"setport", []any{"5080"}, "sip:bob@example.com:5080", 1},
		{"setport", []any{"x"}, "sip:bob@example.com", -1},
		{"setuser", []any{"alice"}, "sip:alice@example.com", 1},
		{"setuser", []any{""}, "sip:example.com", 1},
		{"setuserpass", []any{"u:p"}, "sip:u:p@example.com", 1},
		{"prefix", []any{"+49"}, "sip:+49bob@example.com", 1},
		{"strip", []any{int64(1)}, "sip:ob@example.com", 1},
		{"strip", []any{int64(9)}, "sip:bob@example.com", -1},
		{"strip_tail", []any{int64(2)}, "sip:b@example.com", 1},
	}
	co := New()
	for _, tc := range tests {
		t.Run(tc.fn, func(t *testing.T) {
			m := coretest.Msg(t, coretest.Invite)
			c := coretest.NewCtx(coretest.New(), m)
			if rc := callFn(t, co, tc.fn, c, tc.args...); rc != tc.rc {
				t.Fatalf("rc = %d, want %d", rc, tc.rc)
			}
			if m.RURI() != tc.want {
				t.Errorf("R-URI = %q, want %q", m.RURI(), tc.want)
			}
			if !strings.HasPrefix(string(m.Bytes()), "INVITE "+tc.want+" SIP/2.0\r\n") {
				t.Errorf("first line of\n%s", m.Bytes())
			}
		})
	}
	m := coretest.Msg(t, coretest.Invite)
	c := coretest.NewCtx(coretest.New(), m)
	callFn(t, co, "sethost", c, "h")
	callFn(t, co, "revert_uri", c)
	if m.RURI() != "sip:bob@example.com" {
		t.Errorf("after revert_uri: %s", m.RURI())
	}
	if callFn(t, co, "isdsturiset", c) != -1 || callFn(t, co, "setdsturi", c, "sip:10.0.0.9") != 1 ||
		callFn(t, co, "isdsturiset", c) != 1 || c.DstURI != "sip:10.0.0.9" {
		t.Error("setdsturi")
	}
	callFn(t, co, "resetdsturi", c)
	if c.DstURI != "" {
		t.Error("resetdsturi")
	}
}

func TestXlogLevels(t *testing.T) {
	tests := []struct {
		name      string
		xlogLevel int
		fn        string
		args      []any
		printed   bool
	}{
		{"notice at default", 2, "xlog", []any{LogLevel(LogNotice), "hello\n"}, true},
		{"info filtered at default", 2, "xlog", []any{LogLevel(LogInfo), "hello"}, false},
		{"info printed at 3", 3, "xlog", []any{LogLevel(LogInfo), "hello"}, true},
		{"one argument at print level", 2, "xlog", []any{nil, "hello"}, true},
		{"error", -1, "xlog", []any{LogLevel(LogErr), "hello"}, true},
		{"xdbg filtered", 3, "xdbg", []any{"hello"}, false},
		{"xdbg printed", 4, "xdbg", []any{"hello"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			co := New()
			co.Config.XlogLevel = tc.xlogLevel
			c := coretest.NewCtx(coretest.New(), nil)
			c.Log = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			if rc := callFn(t, co, tc.fn, c, tc.args...); rc != 1 {
				t.Fatalf("rc = %d", rc)
			}
			if got := strings.Contains(buf.String(), "msg=hello"); got != tc.printed {
				t.Errorf("printed = %v, want %v: %q", got, tc.printed, buf.String())
			}
		})
	}
}

func TestBranches(t *testing.T) {
	co := New()
	m := coretest.Msg(t, coretest.Invite)
	c := coretest.NewCtx(coretest.New(), m)
	c.DstURI = "sip:10.0.0.5"
	if callFn(t, co, "append_branch", c) != 1 || len(c.Branches) != 1 ||
		c.Branches[0] != (api.Branch{URI: "sip:bob@example.com", DstURI: "sip:10.0.0.5", Q: -1}) || c.DstURI != "" {
		t.Fatalf("append_branch(): %+v du=%q", c.Branches, c.DstURI)
	}
	if callFn(t, co, "append_msg_branch", c, "sip:x@y", Q(500)) != 1 || c.Branches[1] != (api.Branch{URI: "sip:x@y", Q: 500}) {
		t.Fatalf("append_msg_branch: %+v", c.Branches)
	}
	if callFn(t, co, "remove_msg_branch", c, int64(0)) != 1 || len(c.Branches) != 1 || c.Branches[0].URI != "sip:x@y" {
		t.Fatalf("remove_msg_branch: %+v", c.Branches)
	}
	if callFn(t, co, "remove_msg_branch", c, int64(4)) != -1 {
		t.Error("removing a missing branch succeeded")
	}
}

func TestForward(t *testing.T) {
	co := New()
	fc := coretest.New()
	m := coretest.Msg(t, strings.Replace(coretest.Invite, "sip:bob@example.com SIP", "sip:bob@192.0.2.20:5070 SIP", 1))
	c := coretest.NewCtx(fc, m)
	if rc := callFn(t, co, "forward", c); rc != 1 {
		t.Fatalf("rc = %d", rc)
	}
	sent := fc.Sent()
	if len(sent) != 1 || sent[0].Dest.Addr.String() != "192.0.2.20:5070" {
		t.Fatalf("sent = %+v", sent)
	}
	out := string(sent[0].Bytes)
	branch := sip.StatelessBranch(m, 0)
	if !strings.HasPrefix(out, "INVITE sip:bob@192.0.2.20:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch="+branch+"\r\n") {
		t.Errorf("forwarded:\n%s", out)
	}
	// The received Via gets rport filled in; the message is left as it was.
	if !strings.Contains(out, ";rport=5062") || strings.Contains(string(m.Bytes()), "10.0.0.1:5060;branch") {
		t.Errorf("forwarded:\n%s\nmessage now:\n%s", out, m.Bytes())
	}
	// An explicit destination wins over the R-URI.
	if rc := callFn(t, co, "forward", c, api.Dest{Proto: "udp", Host: "192.0.2.30", Port: 5090}); rc != 1 || fc.Sent()[1].Dest.Addr.String() != "192.0.2.30:5090" {
		t.Errorf("rc = %d, sent %+v", rc, fc.Sent())
	}
}

func TestForceRportAndSocket(t *testing.T) {
	co := New()
	fc := coretest.New()
	m := coretest.Msg(t, coretest.Options)
	c := coretest.NewCtx(fc, m)
	if callFn(t, co, "force_rport", c) != 1 {
		t.Fatal("force_rport failed")
	}
	d, err := sip.ReplyDest(m)
	if err != nil || d.Addr != coretest.Src {
		t.Errorf("reply destination %v %v, want %v", d, err, coretest.Src)
	}
	if callFn(t, co, "force_send_socket", c, api.Dest{Proto: "udp", Host: "10.0.0.1", Port: 5060}) != 1 || c.ForceSocket != fc.Sockets[0] {
		t.Error("force_send_socket on our socket")
	}
	if callFn(t, co, "force_send_socket", c, api.Dest{Proto: "tcp", Host: "10.0.0.1", Port: 5060}) != -1 {
		t.Error("force_send_socket on a missing socket")
	}
	for host, want := range map[string]api.Ret{"10.0.0.1": 1, "sip:10.0.0.1:5060": 1, "192.0.2.1": -1} {
		if got := callFn(t, co, "is_myself", c, host); got != want {
			t.Errorf("is_myself(%s) = %d", host, got)
		}
	}
	if callFn(t, co, "is_myself", c, "10.0.0.1", int64(5070)) != -1 {
		t.Error("is_myself with another port")
	}
}

func BenchmarkIsFlagSet(b *testing.B) {
	c := coretest.NewCtx(coretest.New(), nil)
	c.Flags = 1 << 4
	args := []any{Flag(4)}
	b.ReportAllocs()
	for b.Loop() {
		if isflagset(c, args) != 1 {
			b.Fatal("not set")
		}
	}
}
