package mi

import (
	"sync"
	"testing"

	"gosips/api"
)

func newStatsDispatcher(t *testing.T) (*Dispatcher, *api.Stats) {
	t.Helper()
	s := api.NewStats()
	core := s.Group("core")
	core.Counter("rcv_requests").Add(5)
	core.Counter("rcv_replies").Add(2)
	ul := s.Group("usrloc")
	ul.Gauge("registered_users").Set(3)
	ul.Func("location-users", func() int64 { return 7 })
	s.Group("empty")
	d, err := NewDispatcher(nil, StatsCommands(s)...)
	if err != nil {
		t.Fatal(err)
	}
	return d, s
}

func TestStatsCommands(t *testing.T) {
	notFound := `{"jsonrpc":"2.0","error":{"code":404,"message":"Statistics Not Found"},"id":1}`
	tests := []struct {
		name, method, params, want string
	}{
		{"one", "get_statistics", `[["rcv_requests"]]`, result(`{"core:rcv_requests":5}`)},
		{"case-insensitive", "get_statistics", `{"statistics":["RCV_Requests"]}`, result(`{"core:rcv_requests":5}`)},
		{"group:name", "get_statistics", `[["usrloc:registered_users"]]`, result(`{"usrloc:registered_users":3}`)},
		{"group", "get_statistics", `[["core:"]]`, result(`{"core:rcv_requests":5,"core:rcv_replies":2}`)},
		{"empty group", "get_statistics", `[["empty:"]]`, result(`{}`)},
		{"all", "statistics:get", `[["all"]]`, result(`{"core:rcv_requests":5,"core:rcv_replies":2,"usrloc:registered_users":3,"usrloc:location-users":7}`)},
		{"several, unknown skipped", "get_statistics", `[["nope","rcv_replies","usrloc:"]]`,
			result(`{"core:rcv_replies":2,"usrloc:registered_users":3,"usrloc:location-users":7}`)},
		{"unknown", "get_statistics", `[["nope","x:"]]`, notFound},
		{"wrong group", "get_statistics", `[["usrloc:rcv_requests"]]`, notFound},
		{"not an array", "get_statistics", `["rcv_requests"]`,
			`{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for parameter 'statistics'"},"id":1}`},
		{"empty array", "get_statistics", `[[]]`,
			`{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Empty array in parameter 'statistics'"},"id":1}`},
		{"list all", "list_statistics", "", result(`{"core:rcv_requests":"incremental","core:rcv_replies":"incremental","usrloc:registered_users":"non-incremental","usrloc:location-users":"non-incremental"}`)},
		{"list one uses bare name", "list_statistics", `[["rcv_requests","usrloc:"]]`,
			result(`{"rcv_requests":"incremental","usrloc:registered_users":"non-incremental","usrloc:location-users":"non-incremental"}`)},
		{"reset unknown", "reset_statistics", `[["nope"]]`, notFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := newStatsDispatcher(t)
			if got := call(t, d, tt.method, tt.params); got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestStatsReset(t *testing.T) {
	d, s := newStatsDispatcher(t)
	if got := call(t, d, "reset_statistics", `[["rcv_requests","registered_users"]]`); got != result(`"OK"`) {
		t.Fatalf("reset: %s", got)
	}
	want := result(`{"core:rcv_requests":0,"core:rcv_replies":2,"usrloc:registered_users":3,"usrloc:location-users":7}`)
	if got := call(t, d, "get_statistics", `[["all"]]`); got != want {
		t.Errorf("after reset\n got %s\nwant %s", got, want)
	}
	if got := call(t, d, "reset_all_statistics", ""); got != result(`"OK"`) {
		t.Fatalf("reset all: %s", got)
	}
	if v := s.Group("core").Counter("rcv_replies").Value(); v != 0 {
		t.Errorf("rcv_replies = %d after reset_all", v)
	}
	if v := s.Group("usrloc").Gauge("registered_users").Value(); v != 3 {
		t.Errorf("gauge reset to %d", v)
	}
}

func TestStatsNilSafeAndConcurrent(t *testing.T) {
	var nilStats *api.Stats
	st := nilStats.Group("core").Counter("x")
	st.Inc() // must not panic
	if st.Value() != 0 || st.FullName() != "" {
		t.Error("nil stat has a value or name")
	}

	s := api.NewStats()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				s.Group("core").Counter("rcv_requests").Inc()
				s.Group("tm").Func("inuse", func() int64 { return 1 })
				_ = s.All()
			}
		}()
	}
	wg.Wait()
	if v := s.Group("core").Counter("rcv_requests").Value(); v != 8000 {
		t.Errorf("counter = %d, want 8000", v)
	}
	if got := len(s.All()); got != 2 {
		t.Errorf("%d statistics, want 2", got)
	}
}
