package timerec

import (
	"testing"
	"time"
)

func TestExpr(t *testing.T) {
	at := time.Date(2021, 1, 5, 13, 0, 0, 0, time.UTC) // a Tuesday, lunch time
	morning := time.Date(2021, 1, 5, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		expr string
		t    time.Time
		want bool
	}{
		{"UTC|20210104T080000|20210104T180000||WEEKLY|||MO,TU,WE,TH,FR", at, true},
		{"UTC|20210104T080000|20210104T180000||WEEKLY|||MO,TU,WE,TH,FR & !UTC|20210104T120000|20210104T140000||WEEKLY|||MO,TU,WE,TH,FR", at, false},
		{"UTC|20210104T080000|20210104T180000||WEEKLY|||MO,TU,WE,TH,FR & !UTC|20210104T120000|20210104T140000||WEEKLY|||MO,TU,WE,TH,FR", morning, true},
		{"Europe/Amsterdam|20210427T000000|20210428T000000 / UTC|20210105T000000|20210106T000000", at, true},
		{"!(Europe/Amsterdam|20210427T000000|20210428T000000 / UTC|20210105T000000|20210106T000000)", at, false},
		{"UTC|20300101T000000", at, false},
	}
	for _, tc := range tests {
		e, err := ParseExpr(tc.expr)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		if got := e.Match(tc.t); got != tc.want {
			t.Errorf("%q at %v = %v, want %v", tc.expr, tc.t, got, tc.want)
		}
	}
	for _, bad := range []string{"", "A & B / C", "(UTC|20210101T000000", "UTC|20210101T000000 &", "UTC|garbage"} {
		if _, err := ParseExpr(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
