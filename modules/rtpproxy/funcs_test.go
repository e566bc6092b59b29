package rtpproxy

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"

	"gosips/api"
	"gosips/internal/mediarelay"
	"gosips/pv"
	"gosips/sip"
	"gosips/sip/siptest"
)

// fakeRTPProxy answers U/L commands with a fixed relay address and
// records them.
type fakeRTPProxy struct {
	conn *net.UDPConn
	mu   sync.Mutex
	cmds []string
}

func newFake(t *testing.T, answer string) *fakeRTPProxy {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRTPProxy{conn: c}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			n, from, err := c.ReadFromUDP(buf)
			if err != nil {
				return
			}
			cookie, cmd, _ := strings.Cut(string(buf[:n]), " ")
			f.mu.Lock()
			f.cmds = append(f.cmds, cmd)
			f.mu.Unlock()
			c.WriteToUDP([]byte(cookie+" "+answer+"\n"), from)
		}
	}()
	return f
}

func (f *fakeRTPProxy) commands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.cmds...)
}

func moduleFor(t *testing.T, f *fakeRTPProxy) *Module {
	m := New()
	s := &mediarelay.Sets{}
	if err := s.AddSocks("udp:"+f.conn.LocalAddr().String(), -1, 0); err != nil {
		t.Fatal(err)
	}
	m.sets.Store(s)
	return m
}

const invite = `INVITE sip:b@example.com SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1
From: <sip:a@example.com>;tag=ftag
To: <sip:b@example.com>
Call-ID: cid-7
CSeq: 1 INVITE
Content-Type: application/sdp

BODY`

const sdpBody = "v=0\r\n" +
	"o=a 1 1 IN IP4 10.0.0.1\r\n" +
	"s=-\r\n" +
	"c=IN IP4 10.0.0.1\r\n" +
	"t=0 0\r\n" +
	"m=audio 4000 RTP/AVP 0 8\r\n" +
	"a=rtcp:4001 IN IP4 10.0.0.1\r\n" +
	"m=video 0 RTP/AVP 31\r\n"

func call(m *Module, body string, offer bool, flags string) (*sip.Msg, api.Ret, string) {
	msg := siptest.Parse(strings.Replace(invite, "BODY", body, 1), sip.ProtoUDP, "192.0.2.1:5060")
	var logs bytes.Buffer
	c := &api.Ctx{Msg: msg, Context: context.Background(), Log: slog.New(slog.NewTextHandler(&logs, nil))}
	ret := m.offerAnswer(c, offer, []any{flags, nil, nil, nil, nil, nil})
	return msg, ret, logs.String()
}

func TestOfferRewritesSDP(t *testing.T) {
	f := newFake(t, "35000 127.0.0.9")
	m := moduleFor(t, f)
	msg, ret, logs := call(m, sdpBody, true, "o")
	if ret != api.RetTrue {
		t.Fatalf("ret %d\n%s", ret, logs)
	}
	b := msg.Body()
	for _, w := range []string{"o=a 1 1 IN IP4 127.0.0.9\r\n", "c=IN IP4 127.0.0.9\r\n", "m=audio 35000 RTP/AVP 0 8\r\n",
		"a=rtcp:35001 IN IP4 127.0.0.9\r\n", "m=video 0 RTP/AVP 31\r\na=nortpproxy:yes\r\n"} {
		if !strings.Contains(b, w) {
			t.Errorf("missing %q in\n%s", w, b)
		}
	}
	cmds := f.commands()
	if len(cmds) != 1 || cmds[0] != "U cid-7 192.0.2.1 4000 ftag;1" {
		t.Errorf("commands %q", cmds)
	}
	// An answer in the request (late SDP in ACK) needs the To tag.
	if _, ret, _ := call(m, sdpBody, false, ""); ret != api.RetFalse {
		t.Errorf("answer without To tag: %d", ret)
	}
	// 'r' trusts the SDP address; 'a' adds the asymmetric modifier.
	call(m, sdpBody, true, "ra")
	if cmds := f.commands(); cmds[len(cmds)-1] != "UA cid-7 10.0.0.1 4000 ftag;1" {
		t.Errorf("command %q", cmds[len(cmds)-1])
	}
}

func TestOfferLeavesBadSDPAlone(t *testing.T) {
	f := newFake(t, "35000 127.0.0.9")
	m := moduleFor(t, f)
	for _, body := range []string{"garbage\r\n", "v=0\r\nm=audio x RTP/AVP 0\r\n", "v=0\r\ns=-\r\n", "v=0\r\nm=audio 4000 RTP/AVP 0\r\n"} {
		msg, ret, logs := call(m, body, true, "")
		if ret != api.RetFalse || msg.HasEdits() || !strings.Contains(logs, "level=ERROR") {
			t.Errorf("%q: ret %d, edits %v, logs %s", body, ret, msg.HasEdits(), logs)
		}
	}
	if n := len(f.commands()); n != 0 {
		t.Errorf("%d commands sent for bad bodies", n)
	}
	// A body already through a proxy is left alone unless 'f' is given.
	marked := sdpBody + "a=nortpproxy:yes\r\n"
	if _, ret, _ := call(m, marked, true, ""); ret != api.RetFalse {
		t.Errorf("proxied body rewritten")
	}
	if msg, ret, _ := call(m, marked, true, "f"); ret != api.RetTrue || strings.Count(msg.Body(), "nortpproxy") != 1 {
		t.Errorf("forced: %d\n%s", ret, msg.Body())
	}
}

func TestDeadProxyDisabled(t *testing.T) {
	f := newFake(t, "E7")
	m := moduleFor(t, f)
	if _, ret, _ := call(m, sdpBody, true, ""); ret != api.RetFalse {
		t.Fatalf("offer through a failing proxy: %d", ret)
	}
	if show := m.sets.Load().Show(); show[0].Nodes[0].Disabled != 1 {
		t.Errorf("node not disabled after E7: %+v", show)
	}
}

func TestExports(t *testing.T) {
	var names []string
	for _, f := range New().Funcs() {
		names = append(names, f.Name)
		if f.Call == nil {
			t.Errorf("%s: Call set = %v", f.Name, f.Call != nil)
		}
	}
	sort.Strings(names)
	want := "force_rtp_proxy rtpproxy_all_stats rtpproxy_answer rtpproxy_engage rtpproxy_offer rtpproxy_start_recording " +
		"rtpproxy_stats rtpproxy_stop_stream2uac rtpproxy_stop_stream2uas rtpproxy_stream2uac rtpproxy_stream2uas " +
		"rtpproxy_unforce unforce_rtp_proxy"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("funcs: %s", got)
	}
}

func TestParams(t *testing.T) {
	m := New()
	for _, p := range m.Params() {
		if p.Name == "rtpproxy_timeout" {
			if err := p.Set(api.ParamValue{Str: "0.25"}); err != nil || m.tout.Milliseconds() != 250 {
				t.Errorf("timeout 0.25: %v %v", err, m.tout)
			}
			if err := p.Set(api.ParamValue{Str: "x"}); err == nil {
				t.Error("bad timeout accepted")
			}
		}
		if p.Name == "rtpproxy_sock" {
			p.Set(api.ParamValue{Str: "unix:/var/run/rtpproxy.sock"})
		}
	}
	if err := m.Validate(&api.ValidateCtx{}); err == nil || !strings.Contains(err.Error(), "unix") {
		t.Errorf("unix socket: %v", err)
	}
}

type avpHolder struct{ st *pv.AVPStore }

func (h avpHolder) AVPs() *pv.AVPStore { return h.st }

type avpRef struct{ name string }

func (r avpRef) Get(*api.Ctx) (api.Value, error) { return api.Null, nil }
func (r avpRef) Set(*api.Ctx, api.Value) error   { return nil }
func (r avpRef) Name() string                    { return "$avp(" + r.name + ")" }

func TestAllStats(t *testing.T) {
	f := newFake(t, "1 2 3 4 5")
	m := moduleFor(t, f)
	m.sets.Load().ByID(0).Nodes[0].SetCaps(caps{capStatsExtra: true})
	msg := siptest.Parse(strings.Replace(invite, "BODY", "", 1), sip.ProtoUDP, "192.0.2.1:5060")
	st := pv.NewAVPStore()
	st.Push("st", api.IntValue(99))
	var logs bytes.Buffer
	c := &api.Ctx{Msg: msg, Context: context.Background(), Priv: avpHolder{st}, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	if ret := m.allStats(c, []any{avpRef{"st"}, nil, nil}); ret != api.RetTrue {
		t.Fatalf("ret %d: %s", ret, logs.String())
	}
	got := st.All("st")
	if len(got) != 10 || got[0].I != 1 || got[4].I != 5 || got[5].I != 1 {
		t.Errorf("stats %v", got)
	}
	cmds := f.commands()
	if len(cmds) != 2 || cmds[0] != "Q cid-7 ftag;1 ;1 ttl npkts_ina npkts_ino nrelayed ndropped" {
		t.Errorf("commands %q", cmds)
	}
}
