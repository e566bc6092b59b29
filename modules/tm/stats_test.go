package tm

import (
	"testing"

	"gosips/api"
)

func TestStatsRegistered(t *testing.T) {
	tests := []struct {
		name    string
		enable  int
		wantReg bool
	}{{"enabled", 1, true}, {"disabled", 0, false}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := api.NewStats()
			f, m := newCore(), newTM()
			m.EnableStats = tc.enable
			if err := m.Init(&api.InitCtx{Stats: reg}); err != nil {
				t.Fatal(err)
			}
			if r := m.fRelay(f.ctx(invite(t, "z9hG4bK-st1")), []any{nil, nil}); r != 1 {
				t.Fatalf("t_relay = %d", r)
			}
			g, ok := reg.LookupGroup("tm")
			if ok != tc.wantReg {
				t.Fatalf("group tm registered: %v", ok)
			}
			if !ok {
				if statsMap(m)["UAS_transactions"] != 1 {
					t.Fatal("private counters do not count")
				}
				return
			}
			var names []string
			for _, s := range g.Stats() {
				names = append(names, s.Name())
			}
			want := []string{"received_replies", "relayed_replies", "local_replies", "UAS_transactions",
				"UAC_transactions", "2xx_transactions", "3xx_transactions", "4xx_transactions",
				"5xx_transactions", "6xx_transactions", "inuse_transactions"}
			if len(names) != len(want) {
				t.Fatalf("names %v", names)
			}
			for i := range want {
				if names[i] != want[i] {
					t.Fatalf("names %v", names)
				}
			}
			for name, v := range map[string]int64{"tm:UAS_transactions": 1, "tm:inuse_transactions": 1} {
				if s, ok := reg.Lookup(name); !ok || s.Value() != v {
					t.Errorf("%s = %d (%v)", name, s.Value(), ok)
				}
			}
			if s, _ := reg.Lookup("tm:inuse_transactions"); s.Kind() != api.StatGauge || s.Reset() {
				t.Error("inuse_transactions is resettable")
			}
		})
	}
}
