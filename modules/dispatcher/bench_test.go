package dispatcher

import (
	"testing"

	"gosips/pv"
)

func BenchmarkSelectDstFailover(b *testing.B) {
	m, _ := newModule(b, nil, three...)
	c := newCtx("bench@host")
	st := c.Priv.(*priv)
	b.ReportAllocs()
	for b.Loop() {
		st.avps = pv.NewAVPStore()
		call(b, m, c, "ds_select_dst", int64(1), int64(0), Failover)
	}
}

func BenchmarkDSHash(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		dsHash("a84b4c76e66710@pc33.atlanta.example.com", "")
	}
}
