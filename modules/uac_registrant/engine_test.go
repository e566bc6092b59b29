package uacregistrant

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gosips/api"
	"gosips/db"
	_ "gosips/db/all"
	"gosips/sip"
	"gosips/sip/siptest"
)

var bg = context.Background()

type fakeUAC struct {
	mu   sync.Mutex
	reqs []*api.UACRequest
}

func (f *fakeUAC) SendRequest(_ context.Context, r *api.UACRequest) error {
	f.mu.Lock()
	f.reqs = append(f.reqs, r)
	f.mu.Unlock()
	return nil
}

func (f *fakeUAC) take(t *testing.T, n int) []*api.UACRequest {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) != n {
		t.Fatalf("sent %d requests, want %d: %+v", len(f.reqs), n, f.reqs)
	}
	r := f.reqs
	f.reqs = nil
	return r
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// setup makes a registrant table with one row and starts the module.
func setup(t *testing.T, clk *clock, params string) (*Module, *fakeUAC, db.Conn) {
	t.Helper()
	url := "sqlite://" + filepath.Join(t.TempDir(), "reg.db")
	c, err := db.Open(bg, url, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := db.CreateTables(bg, c, "registrant"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Insert(bg, "registrant",
		[]string{"registrar", "aor", "username", "password", "binding_URI", "binding_params", "expiry", "state"},
		[]db.Value{db.StringValue("sip:127.0.0.1:5090"), db.StringValue("sip:acc@example.com"),
			db.StringValue("acc"), db.StringValue("pw"), db.StringValue("sip:acc@127.0.0.1:15060"),
			db.StringValue(params), db.IntValue(3600), db.IntValue(0)}); err != nil {
		t.Fatal(err)
	}
	m := New()
	m.DBURL = url
	m.TimerInterval = 100
	u := &fakeUAC{}
	m.uac, m.now = u, clk.now
	if err := m.Init(&api.InitCtx{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, u, c
}

func reply(t *testing.T, text string) *sip.Msg {
	t.Helper()
	return siptest.Parse(text, sip.ProtoUDP, "127.0.0.1:5090")
}

const challenge = `SIP/2.0 401 Unauthorized
Via: SIP/2.0/UDP 127.0.0.1:15060;branch=z9hG4bK1
From: <sip:acc@example.com>;tag=x
To: <sip:acc@example.com>;tag=y
Call-ID: c
CSeq: 1 REGISTER
WWW-Authenticate: Digest realm="example.com", nonce="abc"

`

const ok200 = `SIP/2.0 200 OK
Via: SIP/2.0/UDP 127.0.0.1:15060;branch=z9hG4bK2
From: <sip:acc@example.com>;tag=x
To: <sip:acc@example.com>;tag=y
Call-ID: c
CSeq: 2 REGISTER
Contact: <sip:acc@127.0.0.1:15060>;expires=600
%s
`

func (m *Module) state() State {
	for _, b := range m.buckets {
		for _, r := range b.recs {
			return r.state
		}
	}
	return -1
}

// tick runs every bucket once.
func (m *Module) tick() {
	for i := range m.buckets {
		m.checkBucket(i)
	}
}

func TestStateMachine(t *testing.T) {
	clk := &clock{t: time.Unix(1700000000, 0)}
	m, uac, conn := setup(t, clk, "")
	m.tick()
	reg := uac.take(t, 1)[0]
	if reg.Method != "REGISTER" || reg.RURI != "sip:127.0.0.1:5090" || reg.To != "<sip:acc@example.com>" ||
		!strings.HasPrefix(reg.From, "<sip:acc@example.com>;tag=") || reg.CSeq != 1 ||
		reg.Headers != "Contact: <sip:acc@127.0.0.1:15060>;expires=3600\r\n" {
		t.Fatalf("REGISTER = %+v", reg)
	}
	if m.state() != Registering {
		t.Fatalf("state = %v", m.state())
	}
	// 401 → REGISTER with Authorization, same Call-ID, next CSeq.
	reg.OnReply(reply(t, challenge), 401)
	auth := uac.take(t, 1)[0]
	h := func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
	resp := h(h("acc:example.com:pw") + ":abc:" + h("REGISTER:sip:127.0.0.1:5090"))
	wantAuth := `Authorization: Digest username="acc", realm="example.com", nonce="abc", uri="sip:127.0.0.1:5090", response="` +
		resp + `", algorithm=MD5` + "\r\n"
	if !strings.HasSuffix(auth.Headers, wantAuth) || auth.CallID != reg.CallID || auth.CSeq != 2 {
		t.Errorf("authenticated REGISTER = %+v\nwant header %q", auth, wantAuth)
	}
	if m.state() != Authenticating {
		t.Fatalf("state = %v", m.state())
	}
	// 200 → REGISTERED_STATE (3) with the granted expiry.
	auth.OnReply(reply(t, fmt.Sprintf(ok200, "")), 200)
	if m.state() != Registered || Registered != 3 {
		t.Fatalf("state = %v", m.state())
	}
	// Refresh timer_interval seconds before expiry, on the same Call-ID.
	clk.t = clk.t.Add(499 * time.Second)
	m.tick()
	uac.take(t, 0)
	clk.t = clk.t.Add(1 * time.Second)
	m.tick()
	refresh := uac.take(t, 1)[0]
	if refresh.CallID != reg.CallID || refresh.CSeq != 3 || !strings.Contains(refresh.Headers, "expires=3600") {
		t.Errorf("refresh = %+v", refresh)
	}
	// A timeout → REGISTER_TIMEOUT_STATE, retried after expires - timer_interval.
	refresh.OnReply(nil, 408)
	if m.state() != RegisterTimeout {
		t.Fatalf("state = %v", m.state())
	}
	clk.t = clk.t.Add(400 * time.Second)
	m.tick()
	uac.take(t, 0)
	clk.t = clk.t.Add(200 * time.Second)
	m.tick()
	retry := uac.take(t, 1)[0]
	if retry.CallID == reg.CallID || retry.CSeq != 1 {
		t.Errorf("retry after an error should use a new Call-ID: %+v", retry)
	}
	retry.OnReply(reply(t, fmt.Sprintf(ok200, "")), 200)

	// reg_list shape.
	res, err := m.miList(bg, api.MIParams{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	want := fmt.Sprintf(`{"Records":[{"AOR":"sip:acc@example.com","expires":600,"state":"REGISTERED_STATE","enabled":"yes","last_register_sent":%q,"registration_t_out":%q,"registrar":"sip:127.0.0.1:5090","binding":"sip:acc@127.0.0.1:15060","dst_IP":"IPv4","ip":"127.0.0.1"}]}`,
		ctime(clk.t.Unix()), ctime(clk.t.Unix()+500))
	if string(b) != want {
		t.Errorf("reg_list:\n got %s\nwant %s", b, want)
	}
	key := api.MIParams{"aor": "sip:acc@example.com", "contact": "sip:acc@127.0.0.1:15060", "registrar": "sip:127.0.0.1:5090"}
	if res, err := m.miList(bg, key); err != nil || !strings.HasPrefix(mustJSON(res), `{"Registrant":{"AOR":`) {
		t.Errorf("reg_list one = %s %v", mustJSON(res), err)
	}
	bad := api.MIParams{"aor": "sip:x@example.com", "contact": "sip:x", "registrar": "sip:y"}
	if _, err := m.miList(bg, bad); err == nil || err.(*api.MIError).Code != 404 {
		t.Errorf("unknown registrant: %v", err)
	}

	// reg_disable un-registers (expires=0) and writes state 1.
	if r, err := m.miDisable(bg, key); err != nil || r != "OK" {
		t.Fatalf("reg_disable = %v %v", r, err)
	}
	unreg := uac.take(t, 1)[0]
	if unreg.Headers != "Contact: <sip:acc@127.0.0.1:15060>;expires=0\r\n" || m.state() != Unregistering {
		t.Errorf("unREGISTER = %+v, state %v", unreg, m.state())
	}
	res2, _ := conn.Query(bg, "registrant", []string{"state"}, nil, "", 0)
	if res2.Rows[0][0].Int64() != 1 {
		t.Errorf("state column = %d, want 1", res2.Rows[0][0].Int64())
	}
	unreg.OnReply(reply(t, strings.Replace(fmt.Sprintf(ok200, ""), "Contact: <sip:acc@127.0.0.1:15060>;expires=600\r\n", "", 1)), 200)
	if m.state() != NotRegistered {
		t.Errorf("after unREGISTER 200: %v", m.state())
	}
	// reg_enable registers again and writes state 0.
	m.miEnable(bg, key)
	uac.take(t, 1)
	res2, _ = conn.Query(bg, "registrant", []string{"state"}, nil, "", 0)
	if res2.Rows[0][0].Int64() != 0 || m.state() != Registering {
		t.Errorf("after reg_enable: column %d, state %v", res2.Rows[0][0].Int64(), m.state())
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestWrongCredentialsAndErrors(t *testing.T) {
	tests := []struct {
		name  string
		codes []int
		want  State
	}{
		{"twice challenged", []int{401, 401}, WrongCredentials},
		{"registrar error", []int{503}, RegistrarError},
		{"redirect", []int{302}, InternalError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &clock{t: time.Unix(1700000000, 0)}
			m, uac, _ := setup(t, clk, "")
			m.tick()
			for i, code := range tt.codes {
				r := uac.take(t, 1)[0]
				var msg *sip.Msg
				if code == 401 {
					msg = reply(t, challenge)
				}
				r.OnReply(msg, code)
				if i == len(tt.codes)-1 {
					uac.take(t, 0)
				}
			}
			if m.state() != tt.want {
				t.Errorf("state = %v, want %v", m.state(), tt.want)
			}
		})
	}
}

func TestUniqueBinding(t *testing.T) {
	clk := &clock{t: time.Unix(1700000000, 0)}
	m, uac, _ := setup(t, clk, `;reg-id=1;+sip.instance="<urn:uuid:1>"`)
	m.tick()
	r := uac.take(t, 1)[0]
	two := fmt.Sprintf(ok200, "Contact: <sip:acc@10.9.9.9:5060>;expires=100\r\n")
	r.OnReply(reply(t, two), 200)
	un := uac.take(t, 1)[0]
	if un.Headers != "Contact: *\r\nExpires: 0\r\n" || m.state() != Unregistering {
		t.Errorf("stale bindings not removed: %+v %v", un, m.state())
	}
	// The registrar confirms the removal; the binding is registered again.
	un.OnReply(reply(t, strings.Replace(fmt.Sprintf(ok200, ""), "Contact: <sip:acc@127.0.0.1:15060>;expires=600\r\n", "", 1)), 200)
	again := uac.take(t, 1)[0]
	if !strings.Contains(again.Headers, `;reg-id=1;+sip.instance="<urn:uuid:1>";expires=3600`) || m.state() != Registering {
		t.Errorf("re-register = %+v %v", again, m.state())
	}
}

func TestTimerIntervalTooShort(t *testing.T) {
	m := New()
	m.HashSize, m.TimerInterval = 5, 16
	if err := m.Init(&api.InitCtx{}); err == nil || !strings.Contains(err.Error(), "MUST be at least") {
		t.Errorf("err = %v", err)
	}
	m = New()
	m.HashSize, m.TimerInterval = 2, 100
	if got := m.bucketInterval(); got != 25*time.Second {
		t.Errorf("bucket interval = %v, want 25s", got)
	}
}

func TestShutdownUnregisters(t *testing.T) {
	clk := &clock{t: time.Unix(1700000000, 0)}
	m, uac, _ := setup(t, clk, "")
	m.tick()
	uac.take(t, 1)[0].OnReply(reply(t, fmt.Sprintf(ok200, "")), 200)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	un := uac.take(t, 1)[0]
	if !strings.Contains(un.Headers, "expires=0") {
		t.Errorf("shutdown request = %+v", un)
	}
	// The registrar's 200 (no Contact left) ends it: no new REGISTER.
	un.OnReply(reply(t, strings.Replace(fmt.Sprintf(ok200, ""), "Contact: <sip:acc@127.0.0.1:15060>;expires=600\n", "", 1)), 200)
	uac.take(t, 0)
	if st := m.state(); st != NotRegistered {
		t.Errorf("state after the shutdown unREGISTER = %v, want %v", st, NotRegistered)
	}
}
