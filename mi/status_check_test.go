package mi

import (
	"math"
	"testing"
)

func TestStatusReportsStatus(t *testing.T) {
	r := NewStatusReports()
	r.Register("core", "extra", 0)
	r.Set("core", "main", StateRunning, "running")
	r.Set("core", "extra", -1, "down")
	for _, tc := range []struct {
		group, ident string
		want         int
		found        bool
	}{
		{"core", "", StateRunning, true}, {"core", "main", StateRunning, true}, {"core", "all", -1, true},
		{"core", "nope", math.MinInt32, true}, {"nogroup", "", math.MinInt32, false},
	} {
		if st, ok := r.Status(tc.group, tc.ident); st != tc.want || ok != tc.found {
			t.Errorf("Status(%q, %q) = %d, %v", tc.group, tc.ident, st, ok)
		}
	}
	r.Set("core", "extra", 1, "up")
	if st, _ := r.Status("core", "ALL"); st != 1 {
		t.Errorf("all ready: %d", st)
	}
}
