package rtpengine

import (
	"bytes"
	"log/slog"
	"reflect"
	"sort"
	"strings"
	"testing"

	"gosips/api"
	"gosips/sip"
	"gosips/sip/siptest"
)

const inviteMsg = `INVITE sip:b@example.com SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-first
Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-second
From: <sip:a@example.com>;tag=ftag
To: <sip:b@example.com>
Call-ID: cid-1
CSeq: 1 INVITE
Content-Type: application/sdp

v=0
`

func ctx(msg *sip.Msg) *api.Ctx {
	var b bytes.Buffer
	return &api.Ctx{Msg: msg, Log: slog.New(slog.NewTextHandler(&b, nil))}
}

func TestBuildOffer(t *testing.T) {
	m := New()
	msg := siptest.Parse(inviteMsg, sip.ProtoUDP, "192.0.2.7:5060")
	body := "v=0\r\n"
	d, callID, err := m.build(ctx(msg), &request{op: opOffer, body: &body,
		flags: "trust-address replace-origin replace-session-connection ICE=remove RTP/SAVPF in-iface=int out-iface=ext via-branch=2 rtcp-mux-demux media-address=1.2.3.4 codec-strip-PCMA"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"command": "offer", "call-id": "cid-1", "from-tag": "ftag", "sdp": body,
		"flags": []any{"trust-address", "codec-strip-PCMA"}, "replace": []any{"origin", "session-connection"},
		"ICE": "remove", "transport-protocol": "RTP/SAVPF", "direction": []any{"int", "ext"},
		"via-branch": "z9hG4bK-second", "rtcp-mux": []any{"demux"}, "media-address": "1.2.3.4",
		"received-from": []any{"IP4", "192.0.2.7"},
	}
	if callID != "cid-1" || !reflect.DeepEqual(d, want) {
		t.Errorf("got  %v\nwant %v", d, want)
	}
}

func TestBuildDirections(t *testing.T) {
	m := New()
	req := siptest.Parse(inviteMsg, sip.ProtoUDP, "192.0.2.7:5060")
	d, _, _ := m.build(ctx(req), &request{op: opDelete})
	if _, ok := d["from-tag"]; ok {
		t.Errorf("delete from a request sends from-tag: %v", d)
	}
	reply := siptest.Parse(`SIP/2.0 200 OK
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-first
From: <sip:a@example.com>;tag=ftag
To: <sip:b@example.com>;tag=ttag
Call-ID: cid-1
CSeq: 1 INVITE

`, sip.ProtoUDP, "192.0.2.8:5060")
	body := "v=0\r\n"
	d, _, _ = m.build(ctx(reply), &request{op: opAnswer, body: &body})
	if d["from-tag"] != "ftag" || d["to-tag"] != "ttag" {
		t.Errorf("answer in a reply: %v", d)
	}
	// An offer in a reply (late SDP) swaps the tags.
	d, _, _ = m.build(ctx(reply), &request{op: opOffer, body: &body})
	if d["from-tag"] != "ttag" || d["to-tag"] != "ftag" {
		t.Errorf("offer in a reply: %v", d)
	}
	d, _, _ = m.build(ctx(reply), &request{op: opOffer, body: &body, flags: "force-answer"})
	if d["command"] != "answer" {
		t.Errorf("force-answer: %v", d["command"])
	}
	for _, bad := range []string{"via-branch=9", "in-iface=x", "call-id", "from-tag", "address-family=IPX", "repacketize=x"} {
		if _, _, err := m.build(ctx(req), &request{op: opOffer, body: &body, flags: bad}); err == nil {
			t.Errorf("flags %q accepted", bad)
		}
	}
}

func TestExports(t *testing.T) {
	var names []string
	for _, f := range New().Funcs() {
		if f.Call == nil {
			t.Errorf("%s has no Call", f.Name)
		}
		names = append(names, f.Name)
	}
	sort.Strings(names)
	want := "rtpengine_answer rtpengine_block_dtmf rtpengine_block_media rtpengine_delete rtpengine_manage " +
		"rtpengine_offer rtpengine_pause_recording rtpengine_play_dtmf rtpengine_play_media rtpengine_start_forwarding " +
		"rtpengine_start_recording rtpengine_stop_forwarding rtpengine_stop_media rtpengine_stop_recording " +
		"rtpengine_unblock_dtmf rtpengine_unblock_media rtpengine_use_set"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("funcs: %s", got)
	}
}
