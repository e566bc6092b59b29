package prometheus

import (
	"strings"
	"testing"

	"gosips/api"
)

func TestPage(t *testing.T) {
	st := api.NewStats()
	g := st.Group("core")
	g.Counter("rcv_requests").Add(5)
	st.Group("usrloc").Gauge("registered_users").Set(2)
	st.Group("pkmem").Func("0-total_size", func() int64 { return 7 })
	tests := []struct {
		mode  int
		stats []string
		want  string
	}{
		{0, []string{"rcv_requests"}, "# TYPE opensips_rcv_requests counter\nopensips_rcv_requests 5\n"},
		{1, []string{"usrloc:"}, "# TYPE opensips_usrloc_registered_users gauge\nopensips_usrloc_registered_users 2\n"},
		{2, []string{"pkmem:", "core:rcv_requests"}, "# TYPE opensips_0_total_size gauge\nopensips_0_total_size{group=\"pkmem\"} 7\n" +
			"# TYPE opensips_rcv_requests counter\nopensips_rcv_requests{group=\"core\"} 5\n"},
		{0, []string{"all", "rcv_requests"}, "# TYPE opensips_rcv_requests counter\nopensips_rcv_requests 5\n" +
			"# TYPE opensips_registered_users gauge\nopensips_registered_users 2\n# TYPE opensips_0_total_size gauge\nopensips_0_total_size 7\n"},
		{0, []string{"nosuch"}, ""},
	}
	for _, tt := range tests {
		m := New()
		m.GroupMode = tt.mode
		m.Statistics = tt.stats
		m.stats = st
		if got := m.Page(); got != tt.want {
			t.Errorf("mode %d %v:\n%s\nwant\n%s", tt.mode, tt.stats, got, tt.want)
		}
	}
}

func TestUnsupportedParams(t *testing.T) {
	for _, p := range New().Params() {
		if p.Name == "labels" || p.Name == "script_route" {
			if err := p.Set(api.ParamValue{Str: "x"}); err == nil || !strings.Contains(err.Error(), "not supported") {
				t.Errorf("%s: %v", p.Name, err)
			}
		}
	}
}
