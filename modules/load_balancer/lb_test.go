package loadbalancer

import (
	"testing"

	"gosips/api"
)

func TestParseResources(t *testing.T) {
	res, order, err := parseResources("pstn=32; transc = 10")
	if err != nil || res["pstn"] != 32 || res["transc"] != 10 || len(order) != 2 {
		t.Fatalf("%v %v %v", res, order, err)
	}
	for _, bad := range []string{"", "pstn", "pstn=x", "pstn=-1", "a=1;a=2"} {
		if _, _, err := parseResources(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	s := &callState{group: 2, flags: "rs", res: []string{"pstn", "vm"}, tried: []int64{3, 10}}
	if got := s.String(); got != "2|rs|pstn;vm|3,10" {
		t.Errorf("state = %s", got)
	}
}

func TestExports(t *testing.T) {
	want := map[string]int{"lb_start": 4, "lb_start_or_next": 4, "lb_next": 1, "lb_reset": 0, "lb_is_started": 0,
		"lb_disable_dst": 0, "lb_is_destination": 5, "lb_count_call": 5}
	got := map[string]api.Func{}
	for _, f := range New().Funcs() {
		got[f.Name] = f
	}
	for name, n := range want {
		if f, ok := got[name]; !ok || len(f.Args) != n || f.Call == nil {
			t.Errorf("%s: %d args", name, len(f.Args))
		}
	}
}
