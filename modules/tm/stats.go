package tm

import "gosips/api"

// counters are tm's statistics. They live in a private registry until Init
// moves them to the instance's registry (group "tm"), so that a tm built
// without one still counts.
type counters struct {
	receivedReplies *api.Stat
	relayedReplies  *api.Stat
	localReplies    *api.Stat
	uas             *api.Stat
	uac             *api.Stat
	tx2xx           *api.Stat
	tx3xx           *api.Stat
	tx4xx           *api.Stat
	tx5xx           *api.Stat
	tx6xx           *api.Stat
	inuse           *api.Stat
	all             []*api.Stat // in OpenSIPS order
}

// newCounters registers tm's statistics in g with OpenSIPS' names;
// inuse_transactions is a gauge (never reset).
func newCounters(g *api.StatGroup) counters {
	c := counters{
		receivedReplies: g.Counter("received_replies"),
		relayedReplies:  g.Counter("relayed_replies"),
		localReplies:    g.Counter("local_replies"),
		uas:             g.Counter("UAS_transactions"),
		uac:             g.Counter("UAC_transactions"),
		tx2xx:           g.Counter("2xx_transactions"),
		tx3xx:           g.Counter("3xx_transactions"),
		tx4xx:           g.Counter("4xx_transactions"),
		tx5xx:           g.Counter("5xx_transactions"),
		tx6xx:           g.Counter("6xx_transactions"),
		inuse:           g.Gauge("inuse_transactions"),
	}
	c.all = []*api.Stat{c.receivedReplies, c.relayedReplies, c.localReplies, c.uas, c.uac,
		c.tx2xx, c.tx3xx, c.tx4xx, c.tx5xx, c.tx6xx, c.inuse}
	return c
}

// Stat is one named statistic value.
type Stat struct {
	Name  string
	Value int64
}

// Stats returns tm's statistics in OpenSIPS order and naming
// ("received_replies", "UAS_transactions", "inuse_transactions"...).
func (t *TM) Stats() []Stat {
	out := make([]Stat, len(t.stats.all))
	for i, s := range t.stats.all {
		out[i] = Stat{s.Name(), s.Value()}
	}
	return out
}

// countFinal records the class of a transaction's final reply.
func (s *counters) countFinal(code int) {
	switch code / 100 {
	case 2:
		s.tx2xx.Inc()
	case 3:
		s.tx3xx.Inc()
	case 4:
		s.tx4xx.Inc()
	case 5:
		s.tx5xx.Inc()
	case 6:
		s.tx6xx.Inc()
	}
}
