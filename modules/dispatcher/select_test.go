package dispatcher

import (
	"encoding/json"
	"fmt"
	"testing"

	"gosips/api"
	"gosips/pv"
)

var three = []row{
	{set: 1, uri: "sip:10.0.0.1:5060"},
	{set: 1, uri: "sip:10.0.0.2:5060"},
	{set: 1, uri: "sip:10.0.0.3:5060"},
}

func TestRoundRobin(t *testing.T) {
	m, _ := newModule(t, nil, three...)
	var got []string
	for i := 0; i < 6; i++ {
		c := newCtx(fmt.Sprintf("rr-%d", i))
		if r := call(t, m, c, "ds_select_dst", int64(1), int64(4)); r != api.RetTrue {
			t.Fatalf("select %d = %d", i, r)
		}
		got = append(got, c.DstURI)
	}
	want := []string{"sip:10.0.0.1:5060", "sip:10.0.0.2:5060", "sip:10.0.0.3:5060",
		"sip:10.0.0.1:5060", "sip:10.0.0.2:5060", "sip:10.0.0.3:5060"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("round robin = %v, want %v", got, want)
	}
}

func TestWeightedRoundRobin(t *testing.T) {
	m, _ := newModule(t, nil,
		row{set: 1, uri: "sip:10.0.0.1", weight: "2"},
		row{set: 1, uri: "sip:10.0.0.2", weight: "1"})
	var got []string
	for i := 0; i < 6; i++ {
		c := newCtx("w")
		call(t, m, c, "ds_select_dst", int64(1), int64(4))
		got = append(got, c.DstURI[11:])
	}
	if want := "[1 1 2 1 1 2]"; fmt.Sprint(got) != want {
		t.Errorf("weighted round robin = %v, want %s", got, want)
	}
}

func TestHashAlgorithms(t *testing.T) {
	for _, alg := range []int64{0, 1, 2, 3, 6} {
		t.Run(fmt.Sprint("alg", alg), func(t *testing.T) {
			m, _ := newModule(t, nil, three...)
			hits := map[string]int{}
			for i := 0; i < 300; i++ {
				c := newCtx(fmt.Sprintf("call-%d@host", i))
				if alg == 1 || alg == 2 || alg == 3 {
					// Vary the hashed URI.
					u := fmt.Sprintf("sip:user%d@example.com", i)
					c.Msg.SetRURI(u)
					c.Msg.ApplyChanges()
					raw := c.Msg.String()
					raw = replaceAll(raw, "sip:alice@example.com", u)
					raw = replaceAll(raw, "<sip:bob@example.com>", "<"+u+">")
					c = ctxFromRaw(raw)
				}
				if r := call(t, m, c, "ds_select_dst", int64(1), alg); r != api.RetTrue {
					t.Fatalf("select = %d", r)
				}
				hits[c.DstURI]++
			}
			if len(hits) != 3 {
				t.Fatalf("spread over %d destinations: %v", len(hits), hits)
			}
			for u, n := range hits {
				if n < 40 {
					t.Errorf("%s got only %d of 300", u, n)
				}
			}
		})
	}
	// The same Call-ID always goes to the same destination.
	m, _ := newModule(t, nil, three...)
	first := ""
	for i := 0; i < 5; i++ {
		c := newCtx("sticky@host")
		call(t, m, c, "ds_select_dst", int64(1), int64(0))
		if first == "" {
			first = c.DstURI
		} else if c.DstURI != first {
			t.Errorf("call-id hash moved: %s then %s", first, c.DstURI)
		}
	}
}

func TestDSHash(t *testing.T) {
	// Values of OpenSIPS's ds_get_hash, computed by hand from its
	// definition: h = sum(v ^ v>>3) over 4-byte words and the tail, then
	// h + h>>11 + h>>13 + h>>23.
	tests := []struct {
		x, y string
		want uint32
	}{
		{"", "", 0},
		{"a", "", 0x61 + 0x61>>3 + ((0x61 + 0x61>>3) >> 11)},
	}
	for _, tt := range tests {
		if got := dsHash(tt.x, tt.y); got != tt.want {
			t.Errorf("dsHash(%q, %q) = %d, want %d", tt.x, tt.y, got, tt.want)
		}
	}
	if dsHash("abc", "def") != dsHash("abc", "def") || dsHash("abc", "") == dsHash("abd", "") {
		t.Error("hash not deterministic or not discriminating")
	}
}

func TestFailover(t *testing.T) {
	rows := append([]row(nil), three...)
	rows = append(rows, row{set: 1, uri: "sip:10.0.0.4:5060", state: 1})
	m, _ := newModule(t, nil, rows...)
	c := newCtx("fo")
	if r := call(t, m, c, "ds_select_dst", int64(1), int64(8), Failover); r != api.RetTrue {
		t.Fatalf("select = %d", r)
	}
	got := []string{c.DstURI}
	for call(t, m, c, "ds_next_dst") == api.RetTrue {
		got = append(got, c.DstURI)
	}
	want := "[sip:10.0.0.1:5060 sip:10.0.0.2:5060 sip:10.0.0.3:5060]"
	if fmt.Sprint(got) != want {
		t.Errorf("failover order = %v, want %s", got, want)
	}
	st := c.Priv.(*priv).avps
	// As in OpenSIPS, the failed ds_next_dst drops the last used entry too.
	if st.Count("ds_dst_failover") != 0 {
		t.Errorf("dst avps left = %d, want 0", st.Count("ds_dst_failover"))
	}
	if v := st.Get("ds_cnt_failover", 0); v.I != 3 {
		t.Errorf("cnt avp = %v, want 3", v)
	}
	if v := st.Get("ds_grp_failover", 0); v.I != 1 {
		t.Errorf("grp avp = %v, want 1", v)
	}

	// max_results limits the list (the selected one included); the
	// entries farthest from the selected one are dropped.
	c = newCtx("fo2")
	call(t, m, c, "ds_select_dst", int64(1), int64(8), Failover, nil, int64(2))
	got = []string{c.DstURI}
	for call(t, m, c, "ds_next_dst") == api.RetTrue {
		got = append(got, c.DstURI)
	}
	if want := "[sip:10.0.0.1:5060 sip:10.0.0.2:5060]"; fmt.Sprint(got) != want {
		t.Errorf("max_results 2 = %v, want %s", got, want)
	}
}

func TestUseDefaultAndDomain(t *testing.T) {
	m, _ := newModule(t, nil,
		row{set: 2, uri: "sip:10.0.0.1:5070", state: 1},
		row{set: 2, uri: "sip:10.0.0.2:5080"},
		row{set: 2, uri: "sip:backup.invalid.test:5090"})
	_ = m
	c := newCtx("d")
	// Destination 0 is inactive: the round-robin moves on to 1; the
	// default (last) entry is queued last.
	if r := call(t, m, c, "ds_select_domain", int64(2), int64(8), Failover|UseDefault); r != api.RetTrue {
		t.Fatalf("select = %d", r)
	}
	c.Msg.ApplyChanges()
	if c.Msg.RURI() != "sip:bob@10.0.0.2:5080" {
		t.Errorf("R-URI = %q", c.Msg.RURI())
	}
}

func TestMarkAndCount(t *testing.T) {
	m, _ := newModule(t, nil, three...)
	c := newCtx("mark")
	call(t, m, c, "ds_select_dst", int64(1), int64(8), Failover)
	if r := call(t, m, c, "ds_mark_dst"); r != api.RetTrue {
		t.Fatalf("mark = %d", r)
	}
	out := &avpRef{name: "n"}
	call(t, m, c, "ds_count", int64(1), CountInactive, out)
	if out.v.I != 1 {
		t.Errorf("inactive count = %d, want 1", out.v.I)
	}
	call(t, m, c, "ds_count", int64(1), CountActive, out)
	if out.v.I != 2 {
		t.Errorf("active count = %d, want 2", out.v.I)
	}
	// The next selection skips the inactive destination.
	c2 := newCtx("mark2")
	call(t, m, c2, "ds_select_dst", int64(1), int64(8))
	if c2.DstURI != "sip:10.0.0.2:5060" {
		t.Errorf("after mark: $du = %s", c2.DstURI)
	}
	// Probing needs ds_probing_threshold marks.
	call(t, m, c, "ds_next_dst")
	for i := 1; i <= 3; i++ {
		call(t, m, c, "ds_mark_dst", Probing)
		call(t, m, c, "ds_count", int64(1), CountProbing, out)
		want := int64(0)
		if i == 3 {
			want = 1
		}
		if out.v.I != want {
			t.Errorf("after %d probing marks: probing = %d, want %d", i, out.v.I, want)
		}
	}
	call(t, m, c, "ds_mark_dst", Active)
	call(t, m, c, "ds_count", int64(1), CountActive|CountProbing, out)
	if out.v.I != 2 {
		t.Errorf("active|probing = %d, want 2", out.v.I)
	}
}

func TestIsInList(t *testing.T) {
	m, _ := newModule(t, func(m *Module) { m.SetIDPVar = "$avp(setid)" },
		row{set: 3, uri: "sip:10.0.0.7:5062", attrs: "gw=pstn"})
	tests := []struct {
		ip      string
		port    int64
		set     any
		pattern any
		want    api.Ret
	}{
		{"10.0.0.7", 5062, int64(3), nil, api.RetTrue},
		{"10.0.0.7", 0, nil, nil, api.RetTrue},
		{"10.0.0.7", 5060, nil, nil, api.RetFalse},
		{"10.0.0.8", 0, nil, nil, api.RetFalse},
		{"10.0.0.7", 0, int64(4), nil, api.RetFalse},
		{"10.0.0.7", 0, nil, "gw=*", api.RetTrue},
		{"10.0.0.7", 0, nil, "x*", api.RetFalse},
	}
	for _, tt := range tests {
		c := newCtx("in")
		if got := call(t, m, c, "ds_is_in_list", tt.ip, tt.port, tt.set, nil, nil, tt.pattern); got != tt.want {
			t.Errorf("ds_is_in_list(%s, %d, %v, %v) = %d, want %d", tt.ip, tt.port, tt.set, tt.pattern, got, tt.want)
		}
	}
}

func TestScriptAttrs(t *testing.T) {
	m, _ := newModule(t, nil, row{set: 1, uri: "sip:10.0.0.1:5060"})
	c := newCtx("attrs")
	if r := call(t, m, c, "ds_push_script_attrs", "load=5", "10.0.0.1", int64(5060), int64(1)); r != api.RetTrue {
		t.Fatal("push failed")
	}
	out := &avpRef{name: "a"}
	if r := call(t, m, c, "ds_get_script_attrs", "sip:10.0.0.1:5060", int64(1), nil, out); r != api.RetTrue || out.v.S != "load=5" {
		t.Errorf("get = %d %v", r, out.v)
	}
}

// avpRef is an api.PVRef recording what was written.
type avpRef struct {
	name string
	v    api.Value
}

func (r *avpRef) Get(*api.Ctx) (api.Value, error)   { return r.v, nil }
func (r *avpRef) Set(_ *api.Ctx, v api.Value) error { r.v = v; return nil }
func (r *avpRef) Name() string                      { return r.name }

func TestPVAlgo(t *testing.T) {
	m, _ := newModule(t, func(m *Module) { m.PVarAlgoPattern = "$avp(load-%u)" }, three...)
	c := newCtx("load")
	st := c.Priv.(*priv).avps
	st.Push("load-sip:10.0.0.1:5060", api.IntValue(7))
	st.Push("load-sip:10.0.0.2:5060", api.IntValue(1))
	st.Push("load-sip:10.0.0.3:5060", api.IntValue(4))
	if r := call(t, m, c, "ds_select_dst", int64(1), int64(9), Failover); r != api.RetTrue {
		t.Fatalf("select = %d", r)
	}
	got := []string{c.DstURI}
	for call(t, m, c, "ds_next_dst") == api.RetTrue {
		got = append(got, c.DstURI)
	}
	if want := "[sip:10.0.0.2:5060 sip:10.0.0.3:5060 sip:10.0.0.1:5060]"; fmt.Sprint(got) != want {
		t.Errorf("least loaded order = %v, want %s", got, want)
	}
	_ = pv.Str
}

func TestDSListJSON(t *testing.T) {
	m, _ := newModule(t, nil, row{set: 1, uri: "sip:127.0.0.1:5080", attrs: "myattr", desc: "first gw"})
	tests := []struct {
		full bool
		want string
	}{
		{false, `{"PARTITIONS":[{"name":"default","SETS":[{"id":1,"Destinations":[{"URI":"sip:127.0.0.1:5080","state":"Active","first_hit_counter":0,"attr":"myattr","resolved_addresses":["127.0.0.1:5080"]}]}]}]}`},
		{true, `{"PARTITIONS":[{"name":"default","SETS":[{"id":1,"Destinations":[{"URI":"sip:127.0.0.1:5080","state":"Active","first_hit_counter":0,"attr":"myattr","weight":1,"priority":0,"description":"first gw","resolved_addresses":["127.0.0.1:5080"]}]}]}]}`},
	}
	for _, tt := range tests {
		res, err := m.miList(bg, api.MIParams{"full": map[bool]string{true: "1", false: "0"}[tt.full]})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res)
		if string(b) != tt.want {
			t.Errorf("full=%v:\n got %s\nwant %s", tt.full, b, tt.want)
		}
	}
	if _, err := m.miSetState(bg, api.MIParams{"state": "x", "group": "1", "address": "sip:127.0.0.1:5080"}); err == nil ||
		err.(*api.MIError).Code != 500 || err.Error() != "Bad state value" {
		t.Errorf("bad state: %v", err)
	}
	if _, err := m.miSetState(bg, api.MIParams{"state": "i", "group": "1", "address": "sip:127.0.0.2:5080"}); err == nil ||
		err.(*api.MIError).Code != 404 {
		t.Errorf("unknown destination: %v", err)
	}
	if r, err := m.miSetState(bg, api.MIParams{"state": "i", "group": "1", "address": "sip:127.0.0.1:5080"}); err != nil || r != "OK" {
		t.Fatalf("set state: %v %v", r, err)
	}
	res, _ := m.miList(bg, api.MIParams{})
	b, _ := json.Marshal(res)
	if !contains(string(b), `"state":"Inactive"`) {
		t.Errorf("after ds_set_state i: %s", b)
	}
}
