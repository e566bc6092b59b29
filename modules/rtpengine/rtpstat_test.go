package rtpengine

import (
	"strings"
	"testing"

	"gosips/internal/bencode"
	"gosips/pv"
	"gosips/sip"
	"gosips/sip/siptest"
)

// queryAnswer is shaped as rtpengine's answer to "query": two legs, each
// with one stream, and the MOS figures of both SSRCs.
const queryAnswer = "d7:createdi1700000000e" +
	"4:SSRCd" +
	"4:1111d11:average MOSd3:MOSi40e6:jitteri3e15:round-trip timei200e11:packet lossi1e11:reported ati1700000010ee" +
	"11:highest MOSd3:MOSi44e6:jitteri1e15:round-trip timei100e11:packet lossi0e11:reported ati1700000005ee" +
	"10:lowest MOSd3:MOSi30e6:jitteri9e15:round-trip timei400e11:packet lossi4e11:reported ati1700000020eee" +
	"4:2222d11:average MOSd3:MOSi20e6:jitteri7e15:round-trip timei300e11:packet lossi5e11:reported ati1700000011ee" +
	"11:highest MOSd3:MOSi25e6:jitteri5e15:round-trip timei250e11:packet lossi2e11:reported ati1700000007ee" +
	"10:lowest MOSd3:MOSi15e6:jitteri11e15:round-trip timei500e11:packet lossi8e11:reported ati1700000030eee" +
	"e" +
	"4:tagsd" +
	"4:ftagd6:mediasld7:streamsld4:SSRCi1111eeeeee" +
	"4:ttagd6:mediasld7:streamsld4:SSRCi2222eeeeee" +
	"e" +
	"6:totalsd3:RTPd5:bytesi1032e7:packetsi6e6:errorsi0ee4:RTCPd5:bytesi0e7:packetsi0e6:errorsi0eee" +
	"e"

func TestRTPStatValues(t *testing.T) {
	v, err := bencode.Decode([]byte(queryAnswer))
	if err != nil {
		t.Fatal(err)
	}
	reply := v.(map[string]any)
	for _, tc := range []struct {
		stat, tag string
		want      int64
		null      bool
	}{
		{"MOS-average", "", 30, false},
		{"mos-average", "ftag", 40, false},
		{"MOS-average", "ttag", 20, false},
		{"MOS-max", "", 44, false},
		{"MOS-min", "", 15, false},
		{"MOS-min", "ftag", 30, false},
		{"MOS-max-at", "", 5, false},
		{"MOS-min-at", "", 30, false},
		{"MOS-min-at", "ftag", 20, false},
		{"jitter-average", "", 5, false},
		{"jitter-max", "ttag", 5, false},
		{"roundtrip-min", "", 400, false},
		{"packetloss-max-at", "ttag", 7, false},
		{"MOS-average", "nosuchtag", 0, true},
	} {
		st, err := parseRTPStat(tc.stat)
		if err != nil {
			t.Fatalf("%s: %v", tc.stat, err)
		}
		got, ok := st.value(reply, tc.tag)
		if ok == tc.null || (ok && got != tc.want) {
			t.Errorf("%s[%s] = %d (ok %v), want %d (null %v)", tc.stat, tc.tag, got, ok, tc.want, tc.null)
		}
	}
	// An answer without MOS figures (a short call, no RTCP): NULL.
	st, _ := parseRTPStat("MOS-average")
	if _, ok := st.value(map[string]any{"SSRC": map[string]any{"1": map[string]any{}}}, ""); ok {
		t.Error("no MOS figures: got a value")
	}
	for _, bad := range []string{"MOS", "MOS-median", "latency-min", "-min", ""} {
		if _, err := parseRTPStat(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRTPStatPV(t *testing.T) {
	m := New()
	tab := pv.NewTable(append(pv.CoreDefs(), m.PVs()...))
	msg := siptest.Parse(inviteMsg, sip.ProtoUDP, "192.0.2.7:5060")
	c := ctx(msg)
	v, _ := bencode.Decode([]byte(queryAnswer))
	c.SetSlot(statsKey{}, v) // as left by rtpengine_delete() or an earlier query
	for raw, want := range map[string]string{
		"$rtpstat":                     "RTP: 1032 bytes, 6 packets, 0 errors; RTCP: 0 bytes, 0 packets, 0 errors",
		"$rtpstat(MOS-average)":        "30",
		"$(rtpstat(MOS-average)[$ft])": "40",
		"$(rtpstat(MOS-min-at)[$ft])":  "20",
	} {
		sp, err := pv.Parse(raw)
		if err == nil {
			err = tab.Resolve(sp)
		}
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		got, err := sp.Get(c)
		if err != nil || pv.Str(got) != want {
			t.Errorf("%s = %q (%v), want %q", raw, pv.Str(got), err, want)
		}
	}
	sp, _ := pv.Parse("$rtpstat(MOS-median)")
	if err := tab.Resolve(sp); err == nil || !strings.Contains(err.Error(), "unknown RTP statistic") {
		t.Errorf("bad statistic name: %v", err)
	}
}
