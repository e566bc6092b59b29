package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gosips/internal/hep"
	"gosips/internal/testenv"
)

// TestCaptureHomer6Oracle traces a call with homer5_on=0 through OpenSIPS'
// and gosips' tracer: every payload must be the JSON object OpenSIPS
// writes ({"payload": message}, cJSON's formatting, byte for byte), with
// the same chunk layout from both.
func TestCaptureHomer6Oracle(t *testing.T) {
	bin := testenv.Oracle(t)
	needSipp(t)
	run := func(name string, start func(cfg string) int) [][]byte {
		raw := captureListen(t, "udp")
		uasPort, uasDone := startSippUAS(t, "capture_uas_call.xml")
		hepIDs := fmt.Sprintf(`socket=hep_udp:127.0.0.1:%d
modparam("proto_hep", "homer5_on", 0)
modparam("proto_hep", "hep_id", "[raw] 127.0.0.1:%d; transport=udp")
modparam("tracer", "trace_id", "[tid]uri=hep:raw")`, freePort(t), raw.Port)
		cfg := strings.NewReplacer("HEPIDS", hepIDs, "UASPORT", strconv.Itoa(uasPort),
			`modparam("tracer", "trace_id", "[tid]uri=DBURL;table=sip_trace")`, "").Replace(captureProxyCfg)
		port := start(cfg)
		if res := runSipp(t, "uac_call.xml", port); res.Exit != 0 {
			t.Fatalf("%s: sipp uac: %d\n%s", name, res.Exit, res.Output)
		}
		if r := uasDone(); r.Exit != 0 {
			t.Fatalf("%s: sipp uas: %d\n%s", name, r.Exit, r.Output)
		}
		captureWait(13, func() int { return len(raw.Packets()) })
		captureSettle(func() int { return len(raw.Packets()) })
		pkts := raw.Packets()
		for i, b := range pkts {
			p, err := hep.Decode(b)
			if err != nil {
				t.Fatalf("%s packet %d: %v", name, i, err)
			}
			var obj map[string]string
			if err := json.Unmarshal(p.Payload, &obj); err != nil || len(obj) != 1 || obj["payload"] == "" {
				t.Fatalf("%s packet %d: payload %.80q (%v)", name, i, p.Payload, err)
			}
			if want := hep.AppendJSON(nil, "payload", obj["payload"]); string(p.Payload) != string(want) {
				t.Errorf("%s packet %d: payload\n%q\nwant cJSON's\n%q", name, i, p.Payload, want)
			}
		}
		return pkts
	}
	g := run("gosips", func(cfg string) int { return startServer(t, cfg).Port })
	o := run("opensips", func(cfg string) int { return natOracleStartLogs(t, bin, cfg, &syncBuffer{}) })
	if gs, os := slices.Compact(captureSigs(t, g)), slices.Compact(captureSigs(t, o)); !slices.Equal(gs, os) {
		t.Errorf("HEP chunk layouts differ:\n%s", captureDiff(gs, os))
	}
}
