package api

import (
	"strings"
	"sync"
	"sync/atomic"
)

// StatKind says how a statistic behaves on reset_statistics.
type StatKind uint8

const (
	// StatCounter is incremental: reset_statistics sets it back to zero.
	StatCounter StatKind = iota
	// StatGauge is a level (registered users, active dialogs): it is never
	// reset (OpenSIPS STAT_NO_RESET).
	StatGauge
	// StatFunc is computed on read by a function; it is never reset
	// (OpenSIPS STAT_IS_FUNC).
	StatFunc
)

// Stat is one named statistic of a group, as "group:name" in MI output.
// Its value is updated atomically. All methods are safe on a nil *Stat, so a
// module may update statistics whether or not a Stats registry was given.
type Stat struct {
	group string
	name  string
	kind  StatKind
	v     atomic.Int64
	fn    atomic.Pointer[func() int64]
}

// Group returns the statistic's group (module) name.
func (s *Stat) Group() string {
	if s == nil {
		return ""
	}
	return s.group
}

// Name returns the statistic's name within its group.
func (s *Stat) Name() string {
	if s == nil {
		return ""
	}
	return s.name
}

// FullName returns "group:name".
func (s *Stat) FullName() string {
	if s == nil {
		return ""
	}
	return s.group + ":" + s.name
}

// Kind returns how the statistic behaves on reset.
func (s *Stat) Kind() StatKind {
	if s == nil {
		return StatCounter
	}
	return s.kind
}

// Inc adds one.
func (s *Stat) Inc() { s.Add(1) }

// Dec subtracts one.
func (s *Stat) Dec() { s.Add(-1) }

// Add adds n (which may be negative).
func (s *Stat) Add(n int64) {
	if s == nil || s.kind == StatFunc {
		return
	}
	s.v.Add(n)
}

// Set stores n.
func (s *Stat) Set(n int64) {
	if s == nil || s.kind == StatFunc {
		return
	}
	s.v.Store(n)
}

// Value reads the current value.
func (s *Stat) Value() int64 {
	if s == nil {
		return 0
	}
	if f := s.fn.Load(); f != nil {
		return (*f)()
	}
	return s.v.Load()
}

// Reset zeroes a counter; gauges and computed statistics are left alone.
// It reports whether the statistic was resettable.
func (s *Stat) Reset() bool {
	if s == nil || s.kind != StatCounter {
		return false
	}
	s.v.Store(0)
	return true
}

// Stats is the registry of statistics of one running instance. Groups and
// statistics keep their registration order, which is the MI output order.
// It is safe for concurrent use. A nil *Stats hands out nil groups, whose
// statistics are nil (no-op) *Stat values.
type Stats struct {
	mu     sync.RWMutex
	groups []*StatGroup
}

// NewStats makes an empty registry.
func NewStats() *Stats { return &Stats{} }

// StatGroup is the statistics of one module (or "core").
type StatGroup struct {
	name  string
	reg   *Stats
	stats []*Stat // guarded by reg.mu
}

// Name returns the group name.
func (g *StatGroup) Name() string {
	if g == nil {
		return ""
	}
	return g.name
}

// Group returns the group of that name, creating it on first use.
func (s *Stats) Group(name string) *StatGroup {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.groups {
		if g.name == name {
			return g
		}
	}
	g := &StatGroup{name: name, reg: s}
	s.groups = append(s.groups, g)
	return g
}

// Counter returns the incremental statistic of that name, creating it on
// first use; registering it again returns the same one.
func (g *StatGroup) Counter(name string) *Stat { return g.add(name, StatCounter, nil) }

// Gauge returns the never-reset statistic of that name, creating it on
// first use.
func (g *StatGroup) Gauge(name string) *Stat { return g.add(name, StatGauge, nil) }

// Func registers a statistic computed by f on every read. Registering the
// same name again replaces the function (a reloaded module's new instance).
func (g *StatGroup) Func(name string, f func() int64) *Stat { return g.add(name, StatFunc, f) }

func (g *StatGroup) add(name string, kind StatKind, f func() int64) *Stat {
	if g == nil {
		return nil
	}
	g.reg.mu.Lock()
	defer g.reg.mu.Unlock()
	for _, st := range g.stats {
		if st.name == name {
			if f != nil && st.kind == StatFunc {
				st.fn.Store(&f)
			}
			return st
		}
	}
	st := &Stat{group: g.name, name: name, kind: kind}
	if f != nil {
		st.fn.Store(&f)
	}
	g.stats = append(g.stats, st)
	return st
}

// Stats lists the group's statistics in registration order.
func (g *StatGroup) Stats() []*Stat {
	if g == nil {
		return nil
	}
	g.reg.mu.RLock()
	defer g.reg.mu.RUnlock()
	return append([]*Stat(nil), g.stats...)
}

// Groups lists the groups in registration order.
func (s *Stats) Groups() []*StatGroup {
	if s == nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]*StatGroup(nil), s.groups...)
}

// LookupGroup finds a group by name.
func (s *Stats) LookupGroup(name string) (*StatGroup, bool) {
	if s == nil {
		return nil, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, g := range s.groups {
		if g.name == name {
			return g, true
		}
	}
	return nil, false
}

// Lookup finds a statistic by "name" (first match in any group, as OpenSIPS
// does) or "group:name". Names match case-insensitively.
func (s *Stats) Lookup(name string) (*Stat, bool) {
	if s == nil {
		return nil, false
	}
	group := ""
	if i := strings.LastIndexByte(name, ':'); i > 0 && i < len(name)-1 {
		group, name = name[:i], name[i+1:]
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, g := range s.groups {
		if group != "" && g.name != group {
			continue
		}
		for _, st := range g.stats {
			if strings.EqualFold(st.name, name) {
				return st, true
			}
		}
	}
	return nil, false
}

// All lists every statistic, group by group, in registration order.
func (s *Stats) All() []*Stat {
	if s == nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*Stat
	for _, g := range s.groups {
		out = append(out, g.stats...)
	}
	return out
}
