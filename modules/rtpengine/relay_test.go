package rtpengine

import (
	"testing"

	"gosips/api"
)

func TestRelayFlags(t *testing.T) {
	s := &api.RTPRelaySession{CallID: "c1", FromTag: "f", ToTag: "t", InIface: "internal", OutIface: "external",
		Type: "RTP/AVP", CtxFlags: "ICE=remove", Flags: "replace-origin", PeerFlags: "trust-address", Branch: 2}
	want := "call-id=c1 from-tag=f to-tag=t in-iface=internal out-iface=external RTP/AVP ICE=remove replace-origin trust-address via-branch-param=br2"
	if got := relayFlags(s, true); got != want {
		t.Errorf("offer flags\n got %q\nwant %q", got, want)
	}
	s.Branch = -1
	if got := relayFlags(s, false); got != "call-id=c1 from-tag=f to-tag=t ICE=remove replace-origin trust-address" {
		t.Errorf("delete flags %q", got)
	}
	if got := relayFlags(&api.RTPRelaySession{Branch: -1}, true); got != "" {
		t.Errorf("empty flags %q", got)
	}
}
