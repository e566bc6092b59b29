package tm

import "sync/atomic"

// counters are tm's statistics, updated atomically.
type counters struct {
	receivedReplies atomic.Int64
	relayedReplies  atomic.Int64
	localReplies    atomic.Int64
	uas             atomic.Int64
	uac             atomic.Int64
	tx2xx           atomic.Int64
	tx3xx           atomic.Int64
	tx4xx           atomic.Int64
	tx5xx           atomic.Int64
	tx6xx           atomic.Int64
	inuse           atomic.Int64
}

// Stat is one named statistic value.
type Stat struct {
	Name  string
	Value int64
}

// Stats returns tm's statistics in OpenSIPS order and naming
// ("received_replies", "UAS_transactions", "inuse_transactions"...).
func (t *TM) Stats() []Stat {
	s := &t.stats
	return []Stat{
		{"received_replies", s.receivedReplies.Load()},
		{"relayed_replies", s.relayedReplies.Load()},
		{"local_replies", s.localReplies.Load()},
		{"UAS_transactions", s.uas.Load()},
		{"UAC_transactions", s.uac.Load()},
		{"2xx_transactions", s.tx2xx.Load()},
		{"3xx_transactions", s.tx3xx.Load()},
		{"4xx_transactions", s.tx4xx.Load()},
		{"5xx_transactions", s.tx5xx.Load()},
		{"6xx_transactions", s.tx6xx.Load()},
		{"inuse_transactions", s.inuse.Load()},
	}
}

// countFinal records the class of a transaction's final reply.
func (s *counters) countFinal(code int) {
	switch code / 100 {
	case 2:
		s.tx2xx.Add(1)
	case 3:
		s.tx3xx.Add(1)
	case 4:
		s.tx4xx.Add(1)
	case 5:
		s.tx5xx.Add(1)
	case 6:
		s.tx6xx.Add(1)
	}
}
