package drouting

import (
	"strings"
	"testing"
	"time"

	"gosips/api"
	"gosips/internal/timerec"
	"gosips/sip"
)

func TestMatchRules(t *testing.T) {
	past, _ := timerec.ParseExpr("20200101T000000|20200102T000000")
	d := &data{rules: map[int64]map[string][]*rule{}}
	add := func(id int64, prefix string, prio int64, tr *timerec.Expr) {
		r := &rule{id: id, prefix: prefix, priority: prio, tr: tr}
		if d.rules[1] == nil {
			d.rules[1] = map[string][]*rule{}
		}
		d.rules[1][prefix] = append(d.rules[1][prefix], r)
	}
	add(1, "", 0, nil)
	add(2, "4", 0, nil)
	add(3, "49", 5, past)
	add(4, "49", 1, nil)
	add(5, "4930", 9, past)
	now := time.Now()
	for _, tc := range []struct {
		number        string
		strict, all   bool
		want, matched string
	}{
		{"4912", false, false, "4", "49"},
		{"4930", false, false, "4", "49"},
		{"4812", false, false, "2", "4"},
		{"5", false, false, "1", ""},
		{"4912", false, true, "4,2,1", "49"},
		{"49", true, false, "4", "49"},
		{"491", true, false, "", ""},
	} {
		rules, matched := d.matchRules(1, tc.number, tc.strict, tc.all, now)
		var ids []string
		for _, r := range rules {
			ids = append(ids, string(rune('0'+r.id)))
		}
		if got := strings.Join(ids, ","); got != tc.want || matched != tc.matched {
			t.Errorf("%s strict=%v all=%v: rules %q prefix %q, want %q %q", tc.number, tc.strict, tc.all, got, matched, tc.want, tc.matched)
		}
	}
}

func TestListsAndOrder(t *testing.T) {
	items, err := parseList("gw1=10, #cr1 ,gw2")
	if err != nil || len(items) != 3 || items[0].weight != 10 || !items[1].carrier || items[1].id != "cr1" || items[2].weight != 1 {
		t.Fatalf("parseList: %+v %v", items, err)
	}
	for _, bad := range []string{"gw1=x", "#", "gw1=-1"} {
		if _, err := parseList(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	a, b := &gateway{id: "a"}, &gateway{id: "b"}
	first := map[string]int{}
	for i := 0; i < 2000; i++ {
		o := order([]dest{{weight: 1, gw: a}, {weight: 3, gw: b}}, 'W')
		first[o[0].gw.id]++
	}
	if first["b"] < 1300 || first["b"] > 1700 {
		t.Errorf("weighted order: b first %d of 2000, want about 1500", first["b"])
	}
	u, _ := sip.ParseURI("sip:004912345@proxy.example.com;user=phone")
	if got := buildRURI(u, &gateway{strip: 2, pri: "+", address: "10.0.0.1:5080"}); got != "sip:+4912345@10.0.0.1:5080;user=phone" {
		t.Errorf("buildRURI = %s", got)
	}
}

func TestExports(t *testing.T) {
	want := map[string]int{"do_routing": 7, "route_to_carrier": 4, "route_to_gw": 4, "use_next_gw": 4,
		"is_from_gw": 5, "goes_to_gw": 5, "dr_is_gw": 6, "dr_disable": 1, "dr_match": 5}
	got := map[string]api.Func{}
	for _, f := range New().Funcs() {
		got[f.Name] = f
	}
	for name, n := range want {
		if f, ok := got[name]; !ok || len(f.Args) != n || f.Call == nil {
			t.Errorf("%s: %d args", name, len(f.Args))
		}
	}
	if _, ok := parseRouteFlags("FLC"); !ok {
		t.Error("FLC rejected")
	}
	if _, ok := parseGWFlags("spincr"); !ok {
		t.Error("spincr rejected")
	}
	if _, ok := parseGWFlags("x"); ok {
		t.Error("x accepted")
	}
}
