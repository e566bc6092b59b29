package acc

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gosips/api"
)

// lineLogger captures the messages logged by m.
func lineLogger(m *Acc) *bytes.Buffer {
	var buf bytes.Buffer
	m.log = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key != slog.MessageKey {
				return slog.Attr{}
			}
			return a
		}}))
	m.level = api.LevelNotice
	return &buf
}

var testRec = &record{method: "INVITE", fromTag: "ft", toTag: "tt", callID: "cid@h", code: "200", reason: "OK",
	ts: time.Unix(1700000000, 0)}

func TestLogLineFormat(t *testing.T) {
	m := New()
	buf := lineLogger(m)
	m.logRequest(textAnswered, testRec, nil)
	want := `msg="ACC: transaction answered: timestamp=1700000000;method=INVITE;from_tag=ft;to_tag=tt;call_id=cid@h;code=200;reason=OK"`
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("without context:\n got %s\nwant %s", got, want)
	}

	// With a context: created and setuptime, then extras and every leg.
	m = New()
	_ = setParam(t, m, "extra_fields", api.ParamValue{Str: "log: src->source; dst"})
	_ = setParam(t, m, "leg_fields", api.ParamValue{Str: "log: caller->leg_caller"})
	buf = lineLogger(m)
	x := m.newCtx()
	x.extra[0] = "1.2.3.4"
	x.legs[0][0] = "alice"
	x.legs = append(x.legs, []string{"bob"})
	m.logRequest(textMissed, testRec, x)
	got := strings.TrimSpace(buf.String())
	prefix := `msg="ACC: call missed: timestamp=1700000000;created=0;setuptime=`
	suffix := `;method=INVITE;from_tag=ft;to_tag=tt;call_id=cid@h;code=200;reason=OK;source=1.2.3.4;dst=;leg_caller=alice;leg_caller=bob"`
	if !strings.HasPrefix(got, prefix) || !strings.HasSuffix(got, suffix) {
		t.Errorf("with context:\n got %s\nwant %s<now>%s", got, prefix, suffix)
	}
}

func TestCDRLine(t *testing.T) {
	m := New()
	buf := lineLogger(m)
	created := time.Unix(1700000000, 0)
	start := created.Add(2 * time.Second)
	end := start.Add(5*time.Second + 300*time.Millisecond)
	m.logCDR(nil, testRec, created, start, end, nil, nil)
	want := `msg="ACC: call ended: created=1700000000;call_start_time=1700000002;duration=6;ms_duration=5300;setuptime=2;method=INVITE;from_tag=ft;to_tag=tt;call_id=cid@h;code=200;reason=OK"`
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}

func TestRows(t *testing.T) {
	m := New()
	_ = setParam(t, m, "extra_fields", api.ParamValue{Str: "db: src->src_ip"})
	_ = setParam(t, m, "leg_fields", api.ParamValue{Str: "db: callee->callee"})
	x := m.newCtx()
	x.extra[0] = "10.0.0.1"
	x.legs[0][0] = "b1"
	x.legs = append(x.legs, []string{"b2"})
	r := m.requestRow("missed_calls", testRec, x, true)
	if got := strings.Join(r.cols, ","); got != "method,from_tag,to_tag,callid,sip_code,sip_reason,time,src_ip,callee,setuptime,created" {
		t.Errorf("missed cols = %s", got)
	}
	if len(r.vals) != 2 || r.vals[0][8].S != "b1" || r.vals[1][8].S != "b2" || r.vals[1][7].S != "10.0.0.1" || len(r.vals[1]) != len(r.cols) {
		t.Errorf("missed vals = %+v", r.vals)
	}
	r = m.requestRow("acc", testRec, nil, false)
	if got := strings.Join(r.cols, ","); got != "method,from_tag,to_tag,callid,sip_code,sip_reason,time" {
		t.Errorf("no-context cols = %s", got)
	}
	created := time.Unix(1700000000, 0)
	r = m.cdrRow("acc", testRec, created, created.Add(time.Second), created.Add(3500*time.Millisecond), nil, nil)
	if got := strings.Join(r.cols, ","); got != "method,from_tag,to_tag,callid,sip_code,sip_reason,time,src_ip,setuptime,created,duration,ms_duration" {
		t.Errorf("cdr cols = %s", got)
	}
	v := r.vals[0]
	if v[6].I != 1700000001 || v[8].I != 1 || v[9].I != 1700000000 || v[10].I != 3 || v[11].I != 2500 {
		t.Errorf("cdr vals = %+v", v)
	}
}

func TestSwapUpstream(t *testing.T) {
	r := *testRec
	r.swapIf(true)
	if r.fromTag != "tt" || r.toTag != "ft" {
		t.Errorf("upstream swap: from %q to %q", r.fromTag, r.toTag)
	}
	r.swapIf(false)
	if r.fromTag != "tt" {
		t.Error("swapIf(false) changed the record")
	}
}
