package sl

import (
	"sync/atomic"

	"gosips/api"
)

// counters are sl's statistics, updated atomically.
type counters struct {
	byClass      [6]atomic.Int64 // 1xx..6xx
	sent         atomic.Int64
	sentErr      atomic.Int64
	receivedACKs atomic.Int64
}

// Stat is one named statistic value.
type Stat struct {
	Name  string
	Value int64
}

// Stats returns sl's statistics in OpenSIPS order and naming; empty when
// enable_stats is 0.
func (s *SL) Stats() []Stat {
	if s.EnableStats == 0 {
		return nil
	}
	st := &s.stats
	out := make([]Stat, 0, 9)
	for i := range st.byClass {
		out = append(out, Stat{Name: string(rune('1'+i)) + "xx_replies", Value: st.byClass[i].Load()})
	}
	return append(out,
		Stat{"sent_replies", st.sent.Load()},
		Stat{"sent_err_replies", st.sentErr.Load()},
		Stat{"received_ACKs", st.receivedACKs.Load()})
}

// count records a sent reply.
func (s *SL) count(code int) {
	st := &s.stats
	if c := code/100 - 1; c >= 0 && c < len(st.byClass) {
		st.byClass[c].Add(1)
	}
	st.sent.Add(1)
	if code >= 300 {
		st.sentErr.Add(1)
	}
}

// Init registers sl's statistics (sl:1xx_replies … sl:received_ACKs) when
// enable_stats is on, as OpenSIPS does.
func (s *SL) Init(ic *api.InitCtx) error {
	if s.EnableStats == 0 || ic.Stats == nil {
		return nil
	}
	g := ic.Stats.Group("sl")
	st := &s.stats
	for i := range st.byClass {
		c := &st.byClass[i]
		g.Func(string(rune('1'+i))+"xx_replies", c.Load)
	}
	g.Func("sent_replies", st.sent.Load)
	g.Func("sent_err_replies", st.sentErr.Load)
	g.Func("received_ACKs", st.receivedACKs.Load)
	return nil
}

var _ api.Initer = (*SL)(nil)
