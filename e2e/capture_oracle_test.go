package e2e

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/db"
	"gosips/internal/hep"
	"gosips/internal/testenv"
	"gosips/modules/sipcapture"
)

// captureOracleRun is what one proxy's traced call left behind.
type captureOracleRun struct {
	callid  string
	roles   map[string]string
	packets [][]byte // as the raw collector got them
	trace   []string // sip_trace rows, normalized and sorted
}

// captureSigs are the HEP packets' chunk layouts: vendor, type and the
// length of every fixed-size chunk, in wire order (payload and correlation
// lengths vary with the message).
func captureSigs(t *testing.T, pkts [][]byte) []string {
	t.Helper()
	var out []string
	for _, b := range pkts {
		var sig []string
		sig = append(sig, string(b[:4]))
		for o := 6; o+6 <= len(b); {
			v, ty, n := int(b[o])<<8|int(b[o+1]), int(b[o+2])<<8|int(b[o+3]), int(b[o+4])<<8|int(b[o+5])
			l := strconv.Itoa(n)
			if ty == hep.ChunkPayload || ty == hep.ChunkCorrelationID {
				l = "*"
			}
			sig = append(sig, fmt.Sprintf("%d/%#x/%s", v, ty, l))
			o += n
		}
		out = append(out, strings.Join(sig, " "))
	}
	slices.Sort(out)
	return out
}

// TestCaptureTracerOracle runs the same traced call through OpenSIPS'
// tracer and through gosips' tracer, each sending HEPv3 to a gosips and to
// an OpenSIPS sipcapture server and to a raw collector, and writing its
// sip_trace table. Both capture servers must store identical rows (all but
// the id and the date) for every packet of both tracers; both tracers must
// trace the same messages (rows, HEP packets) with the same chunk layout.
func TestCaptureTracerOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	needSipp(t)

	// The two capture servers.
	gDB := sqliteDB(t, "version")
	gHEP := freePort(t)
	startServer(t, strings.NewReplacer("HEPPORT", strconv.Itoa(gHEP), "DBURL", gDB).Replace(captureServerCfg))
	oDB := sqliteDB(t, "version")
	withDB(t, oDB, func(ctx context.Context, c db.Conn) {
		if _, err := c.(db.TableCreator).CreateTable(ctx, sipcapture.CaptureTable("sip_capture")); err != nil {
			t.Fatal(err)
		}
	})
	oHEP := freePort(t)
	oLogs := &syncBuffer{}
	natOracleStartLogs(t, bin, strings.NewReplacer("HEPPORT", strconv.Itoa(oHEP), "DBURL", oDB,
		`xlog("L_NOTICE", "captured v$HEPVERSION $rm from $hep_net(src_ip) si=$si:$sp\n");`, "").Replace(captureServerCfg), oLogs)

	run := func(name string, start func(cfg string) int) captureOracleRun {
		raw := captureListen(t, "udp")
		traceDB := sqliteDB(t, "sip_trace")
		uasPort, uasDone := startSippUAS(t, "capture_uas_call.xml")
		hepIDs := fmt.Sprintf(`socket=hep_udp:127.0.0.1:%d
modparam("proto_hep", "hep_id", "[g] 127.0.0.1:%d; transport=udp")
modparam("proto_hep", "hep_id", "[o] 127.0.0.1:%d; transport=udp")
modparam("proto_hep", "hep_id", "[raw] 127.0.0.1:%d; transport=udp")
modparam("tracer", "trace_id", "[tid]uri=hep:g")
modparam("tracer", "trace_id", "[tid]uri=hep:o")
modparam("tracer", "trace_id", "[tid]uri=hep:raw")`, freePort(t), gHEP, oHEP, raw.Port)
		port := start(strings.NewReplacer("HEPIDS", hepIDs, "DBURL", traceDB, "UASPORT", strconv.Itoa(uasPort)).Replace(captureProxyCfg))
		res := runSipp(t, "uac_call.xml", port)
		if res.Exit != 0 {
			t.Fatalf("%s: sipp uac: %d\n%s", name, res.Exit, res.Output)
		}
		if r := uasDone(); r.Exit != 0 {
			t.Fatalf("%s: sipp uas: %d\n%s", name, r.Exit, r.Output)
		}
		r := captureOracleRun{callid: captureCallID(t, res.Messages)}
		r.roles = map[string]string{strconv.Itoa(capturePort(t, res.Messages)): "UAC", strconv.Itoa(uasPort): "UAS", strconv.Itoa(port): "PROXY"}
		captureWait(13, func() int { return len(raw.Packets()) })
		captureSettle(func() int { return len(raw.Packets()) })
		r.packets = raw.Packets()
		cols := []string{"direction", "method", "status", "from_proto", "from_ip", "from_port", "to_proto", "to_ip", "to_port", "trace_attrs"}
		var rows [][]string
		captureWait(len(r.packets), func() int {
			rows = captureRows(t, traceDB, "sip_trace", "callid", r.callid, cols)
			return len(rows)
		})
		for _, row := range rows {
			row[5], row[8] = r.role(row[5]), r.role(row[8])
			r.trace = append(r.trace, strings.Join(row, "|"))
		}
		slices.Sort(r.trace)
		r.trace = slices.Compact(r.trace) // a retransmission under load is traced again
		return r
	}
	gosips := run("gosips", func(cfg string) int { return startServer(t, cfg).Port })
	opensips := run("opensips", func(cfg string) int { return natOracleStartLogs(t, bin, cfg, &syncBuffer{}) })

	// Capture servers: identical rows for each tracer's packets.
	// micro_ts is left out: OpenSIPS' tracer stamps each destination's
	// copy of a message with its own time.
	ccols := []string{"method", "reply_reason", "ruri", "ruri_user", "from_user", "from_tag", "to_user", "to_tag",
		"pid_user", "contact_user", "auth_user", "callid", "callid_aleg", "via_1", "via_1_branch", "cseq", "reason",
		"content_type", "auth", "user_agent", "source_ip", "source_port", "destination_ip", "destination_port",
		"contact_ip", "contact_port", "originator_ip", "originator_port", "proto", "family", "rtp_stat", "type", "node",
		"correlation_id", "from_domain", "to_domain", "ruri_domain", "msg", "custom_field1", "custom_field2", "custom_field3"}
	stored := map[string][]string{}
	for _, r := range []captureOracleRun{gosips, opensips} {
		var g, o [][]string
		captureWait(len(r.packets), func() int { g = captureRows(t, gDB, "sip_capture", "callid", r.callid, ccols); return len(g) })
		captureWait(len(r.packets), func() int { o = captureRows(t, oDB, "sip_capture", "callid", r.callid, ccols); return len(o) })
		flat := func(rows [][]string) []string {
			var out []string
			for _, row := range rows {
				out = append(out, strings.Join(row, "|"))
			}
			slices.Sort(out)
			return out
		}
		gf, of := flat(g), flat(o)
		if len(gf) != len(r.packets) || !slices.Equal(gf, of) {
			t.Errorf("call %s: gosips' capture stored %d rows, OpenSIPS' %d (packets %d); they differ:\n%s",
				r.callid, len(gf), len(of), len(r.packets), captureDiff(gf, of))
		}
		var norm []string
		for _, row := range g {
			reason := row[1]
			if row[0] == "100" {
				reason = "-" // tm's 100 reason phrase: "Trying" here, "Giving it a try" in OpenSIPS
			}
			norm = append(norm, strings.Join([]string{row[0], reason, r.role(row[21]), r.role(row[23]), row[28], row[29], row[31], row[32], strconv.FormatBool(row[33] == r.callid)}, "|"))
		}
		slices.Sort(norm)
		stored[r.callid] = slices.Compact(norm)
	}

	// The two tracers traced the same messages.
	if g, o := stored[gosips.callid], stored[opensips.callid]; !slices.Equal(g, o) {
		t.Errorf("captured messages differ:\n%s", captureDiff(g, o))
	}
	if !slices.Equal(gosips.trace, opensips.trace) {
		t.Errorf("sip_trace rows differ:\n%s", captureDiff(gosips.trace, opensips.trace))
	}
	if g, o := slices.Compact(captureSigs(t, gosips.packets)), slices.Compact(captureSigs(t, opensips.packets)); !slices.Equal(g, o) {
		t.Errorf("HEP chunk layouts differ:\n%s", captureDiff(g, o))
	}
}

// captureSettle waits until f stops growing for 300ms (at most 3s).
func captureSettle(f func() int) {
	last, since := f(), time.Now()
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if n := f(); n != last {
			last, since = n, time.Now()
		} else if time.Since(since) >= 300*time.Millisecond {
			return
		}
	}
}

func (r captureOracleRun) role(p string) string {
	if v, ok := r.roles[p]; ok {
		return v
	}
	return p
}

// captureDiff lists the lines only in g (gosips) or only in o (OpenSIPS).
func captureDiff(g, o []string) string {
	var b strings.Builder
	for _, l := range g {
		if !slices.Contains(o, l) {
			fmt.Fprintf(&b, "gosips only:   %.300s\n", l)
		}
	}
	for _, l := range o {
		if !slices.Contains(g, l) {
			fmt.Fprintf(&b, "opensips only: %.300s\n", l)
		}
	}
	return b.String()
}
