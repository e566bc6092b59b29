// Package statistics lets the script define, update, reset, read and
// iterate statistics ($stat, update_stat(), stat groups and series).
package statistics

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"gosips/api"
	"gosips/pv"
)

// DynamicGroup holds statistics created by the script without a group.
const DynamicGroup = "dynamic"

func init() {
	api.Register(api.ModuleInfo{Name: "statistics", Doc: "script statistics", New: func() api.Module { return New() }})
}

// Statistics is one instance of the statistics module.
type Statistics struct {
	vars     []varDecl
	groups   map[string]bool
	profiles map[string]*profile
	stats    *api.Stats

	mu     sync.Mutex
	series map[string]*series // by profile name + "\x00" + stat name
}

type varDecl struct {
	group, name string
	noReset     bool
}

// New returns an instance with no declared statistics.
func New() *Statistics {
	return &Statistics{groups: map[string]bool{}, profiles: map[string]*profile{}, series: map[string]*series{}}
}

// Params lists the module parameters (OpenSIPS 3.6 statistics.c).
func (s *Statistics) Params() []api.Param {
	return []api.Param{
		api.FuncParam("variable", api.ParamStr, true, func(v api.ParamValue) error {
			name, flag, _ := strings.Cut(v.Str, "/")
			d := varDecl{name: strings.TrimSpace(name)}
			switch strings.TrimSpace(flag) {
			case "":
			case "no_reset":
				d.noReset = true
			default:
				return fmt.Errorf("unsupported flag %q (only no_reset)", flag)
			}
			if g, n, ok := strings.Cut(d.name, ":"); ok {
				d.group, d.name = g, n
			}
			if d.name == "" {
				return fmt.Errorf("empty statistic name")
			}
			s.vars = append(s.vars, d)
			return nil
		}),
		api.FuncParam("stat_groups", api.ParamStr, true, func(v api.ParamValue) error {
			for _, g := range strings.Split(v.Str, ",") {
				if g = strings.TrimSpace(g); g != "" {
					s.groups[g] = true
				}
			}
			return nil
		}),
		api.FuncParam("stat_series_profile", api.ParamStr, true, func(v api.ParamValue) error {
			p, err := parseProfile(v.Str)
			if err != nil {
				return err
			}
			if _, dup := s.profiles[p.name]; dup {
				return fmt.Errorf("profile %q defined twice", p.name)
			}
			s.profiles[p.name] = p
			return nil
		}),
	}
}

// Init registers the declared statistics.
func (s *Statistics) Init(ic *api.InitCtx) error {
	s.stats = ic.Stats
	for _, d := range s.vars {
		group := d.group
		if group == "" {
			group = DynamicGroup
		} else if !s.groups[group] {
			return fmt.Errorf("statistic %s:%s: group %q is not declared in stat_groups", group, d.name, group)
		}
		g := s.stats.Group(group)
		if d.noReset {
			g.Gauge(d.name)
		} else {
			g.Counter(d.name)
		}
	}
	// A profile's statistics live in its group, declared implicitly.
	for _, p := range s.profiles {
		s.groups[p.group] = true
	}
	return nil
}

// Funcs lists the script functions.
func (s *Statistics) Funcs() []api.Func {
	routes := api.AllRoutes &^ api.ErrorRoute
	iter := api.Arg{Name: "iter", Type: api.ArgStr, Static: true}
	return []api.Func{
		{Name: "update_stat", Routes: routes, Returns: "1 updated, -1 error",
			Args: []api.Arg{{Name: "variable", Type: api.ArgStr, Fixup: s.nameFixup}, {Name: "value", Type: api.ArgInt}},
			Call: func(c *api.Ctx, a []any) api.Ret {
				n := a[1].(int64)
				if n == 0 {
					return api.RetTrue
				}
				st, err := s.resolve(a[0].(string), true)
				if err != nil {
					c.Log.Error("statistics: cannot update", "stat", a[0], "err", err)
					return api.RetFalse
				}
				st.Add(n)
				return api.RetTrue
			}},
		{Name: "reset_stat", Routes: routes, Returns: "1 reset, -1 error",
			Args: []api.Arg{{Name: "variable", Type: api.ArgStr, Fixup: s.nameFixup}},
			Call: func(c *api.Ctx, a []any) api.Ret {
				st, err := s.resolve(a[0].(string), true)
				if err != nil {
					c.Log.Error("statistics: cannot reset", "stat", a[0], "err", err)
					return api.RetFalse
				}
				st.Reset()
				return api.RetTrue
			}},
		{Name: "stat_iter_init", Routes: routes, Returns: "1 initialised, -1 unknown group",
			Args: []api.Arg{{Name: "group", Type: api.ArgStr, Fixup: s.groupFixup}, iter},
			Call: func(c *api.Ctx, a []any) api.Ret {
				g, ok := s.stats.LookupGroup(a[0].(string))
				var list []*api.Stat
				if ok {
					list = g.Stats()
				} else if !s.groups[a[0].(string)] {
					return api.RetFalse
				}
				c.SetSlot(iterKey(a[1].(string)), &iterator{stats: list})
				return api.RetTrue
			}},
		{Name: "stat_iter_next", Routes: routes, Returns: "1 one more statistic, -1 end of the group",
			Args: []api.Arg{{Name: "name", Type: api.ArgVar, Writable: true}, {Name: "val", Type: api.ArgVar, Writable: true}, iter},
			Call: func(c *api.Ctx, a []any) api.Ret {
				it, _ := c.Slot(iterKey(a[2].(string))).(*iterator)
				if it == nil || it.pos >= len(it.stats) {
					return api.RetFalse
				}
				st := it.stats[it.pos]
				it.pos++
				if err := a[0].(api.PVRef).Set(c, api.StrValue(st.Name())); err != nil {
					return api.RetFalse
				}
				if err := a[1].(api.PVRef).Set(c, pv.IntStr(st.Value())); err != nil {
					return api.RetFalse
				}
				return api.RetTrue
			}},
		{Name: "update_stat_series", Routes: api.AllRoutes, Returns: "1 updated, -1 error",
			Args: []api.Arg{{Name: "profile", Type: api.ArgStr, Static: true, Fixup: s.profileFixup},
				{Name: "variable", Type: api.ArgStr}, {Name: "value", Type: api.ArgInt}},
			Call: func(c *api.Ctx, a []any) api.Ret {
				ss, err := s.seriesFor(a[0].(*profile), a[1].(string))
				if err != nil {
					c.Log.Error("statistics: cannot update series", "stat", a[1], "err", err)
					return api.RetFalse
				}
				ss.update(a[2].(int64), time.Now())
				return api.RetTrue
			}},
	}
}

// iterKey names a script iterator in the message's slots.
type iterKey string

type iterator struct {
	stats []*api.Stat
	pos   int
}

// nameFixup checks the group of a literal "group:name".
func (s *Statistics) nameFixup(_ *api.FixupCtx, a *api.FixArg) error {
	_, _, err := s.split(a.Str)
	return err
}

func (s *Statistics) groupFixup(_ *api.FixupCtx, a *api.FixArg) error {
	if !s.groups[a.Str] {
		return fmt.Errorf("stat group %q must be declared with modparam(\"statistics\", \"stat_groups\", ...)", a.Str)
	}
	return nil
}

func (s *Statistics) profileFixup(_ *api.FixupCtx, a *api.FixArg) error {
	p, ok := s.profiles[a.Str]
	if !ok {
		return fmt.Errorf("unknown stat_series_profile %q", a.Str)
	}
	a.Fixed = p
	return nil
}

// split turns "group:name" or "name" into its parts; a group must be
// declared in stat_groups.
func (s *Statistics) split(full string) (group, name string, err error) {
	if g, n, ok := strings.Cut(full, ":"); ok {
		if !s.groups[g] {
			return "", "", fmt.Errorf("stat group %q is not declared in stat_groups", g)
		}
		return g, n, nil
	}
	return "", full, nil
}

// resolve finds a statistic by name (any group when none is given) and,
// when create is set, creates a missing one in its group or "dynamic".
func (s *Statistics) resolve(full string, create bool) (*api.Stat, error) {
	group, name, err := s.split(full)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, fmt.Errorf("empty statistic name")
	}
	if st, ok := s.stats.Lookup(full); ok {
		return st, nil
	}
	if !create {
		return nil, nil
	}
	if group == "" {
		group = DynamicGroup
	}
	if s.stats == nil {
		return nil, fmt.Errorf("no statistics registry")
	}
	return s.stats.Group(group).Counter(name), nil
}

// PVs: $stat(name) reads a statistic; assigning to it resets it.
func (s *Statistics) PVs() []pv.Def {
	return []pv.Def{{Name: "stat", Module: "statistics", Inner: pv.NeedInner, Writable: true,
		Doc: "a statistic's value; assigning resets it",
		Get: func(c *api.Ctx, sp *pv.Spec) (api.Value, error) {
			name, err := sp.InnerName(c)
			if err != nil {
				return api.Null, err
			}
			st, err := s.resolve(name, false)
			if err != nil || st == nil {
				return api.Null, err
			}
			return pv.IntStr(int64(int32(st.Value()))), nil
		},
		Set: func(c *api.Ctx, sp *pv.Spec, v api.Value) error {
			name, err := sp.InnerName(c)
			if err != nil {
				return err
			}
			st, err := s.resolve(name, true)
			if err != nil {
				return err
			}
			if v.IsInt() && v.I != 0 {
				c.Log.Warn("statistics: non-zero value assigned to $stat, resetting to 0", "stat", name)
			}
			st.Reset()
			return nil
		}}}
}

// profile is a stat_series_profile.
type profile struct {
	name     string
	alg      string // accumulate, average, percentage
	group    string
	window   int // seconds
	slots    int
	factor   int64
	slotSize int64 // milliseconds
}

func parseProfile(def string) (*profile, error) {
	name, attrs, _ := strings.Cut(def, ":")
	p := &profile{name: strings.TrimSpace(name), alg: "accumulate", window: 60, factor: 100}
	if p.name == "" {
		return nil, fmt.Errorf("stat_series_profile %q: missing name", def)
	}
	for _, kv := range strings.Fields(attrs) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("stat_series_profile %q: %q is not attr=value", p.name, kv)
		}
		num := func() (int, error) {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("stat_series_profile %q: %s must be a positive integer", p.name, k)
			}
			return n, nil
		}
		var err error
		switch k {
		case "algorithm":
			switch v {
			case "accumulate", "average", "percentage":
				p.alg = v
			default:
				return nil, fmt.Errorf("stat_series_profile %q: unknown algorithm %q", p.name, v)
			}
		case "group":
			p.group = v
		case "window":
			p.window, err = num()
		case "slots":
			p.slots, err = num()
		case "percentage_factor":
			var f int
			f, err = num()
			p.factor = int64(f)
		case "hash_size":
			_, err = num()
		default:
			return nil, fmt.Errorf("stat_series_profile %q: unknown attribute %q", p.name, k)
		}
		if err != nil {
			return nil, err
		}
	}
	if p.group == "" {
		p.group = p.name
	}
	if p.slots == 0 {
		p.slots = p.window
	}
	p.slotSize = int64(p.window) * 1000 / int64(p.slots)
	if p.slotSize == 0 {
		return nil, fmt.Errorf("stat_series_profile %q: more slots than milliseconds in the window", p.name)
	}
	return p, nil
}

// seriesFor returns the series of a profile for a statistic name, making
// and registering it (a computed statistic of the profile's group) on
// first use.
func (s *Statistics) seriesFor(p *profile, name string) (*series, error) {
	key := p.name + "\x00" + name
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss, ok := s.series[key]; ok {
		return ss, nil
	}
	if _, exists := s.stats.Lookup(p.group + ":" + name); exists {
		return nil, fmt.Errorf("statistic %s:%s already exists", p.group, name)
	}
	ss := &series{p: p, slots: make([]seriesSlot, p.slots)}
	s.stats.Group(p.group).Func(name, func() int64 { return ss.value(time.Now()) })
	s.series[key] = ss
	return ss, nil
}

// series accumulates values over a sliding window of slots.
type series struct {
	p        *profile
	mu       sync.Mutex
	slots    []seriesSlot
	cache    seriesSlot
	lastMS   int64
	lastSlot int
}

type seriesSlot struct {
	sum, nr int64 // accumulate uses sum; average sum and nr; percentage sum (true) and nr (false)
}

func (ss *series) slotOf(ms int64) int {
	return int(ms % (int64(ss.p.window) * 1000) / ss.p.slotSize)
}

// advance clears the slots that fell out of the window since the last
// update and returns the current slot; mu held.
func (ss *series) advance(ms int64) int {
	cur := ss.slotOf(ms)
	if ms-ss.lastMS >= int64(ss.p.window)*1000 {
		clear(ss.slots)
		ss.cache = seriesSlot{}
		return cur
	}
	if cur == ss.lastSlot {
		return cur
	}
	for i := (ss.lastSlot + 1) % len(ss.slots); ; i = (i + 1) % len(ss.slots) {
		ss.cache.sum -= ss.slots[i].sum
		ss.cache.nr -= ss.slots[i].nr
		ss.slots[i] = seriesSlot{}
		if i == cur {
			break
		}
	}
	return cur
}

func (ss *series) update(v int64, now time.Time) {
	ms := now.UnixMilli()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	i := ss.advance(ms)
	ss.lastMS, ss.lastSlot = ms, i
	sl := &ss.slots[i]
	switch ss.p.alg {
	case "average":
		sl.sum += v
		sl.nr++
		ss.cache.sum += v
		ss.cache.nr++
	case "percentage":
		if v > 0 {
			sl.sum += v
			ss.cache.sum += v
		} else {
			sl.nr -= v
			ss.cache.nr -= v
		}
	default:
		sl.sum += v
		ss.cache.sum += v
	}
}

func (ss *series) value(now time.Time) int64 {
	ms := now.UnixMilli()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.lastMS == 0 || ms-ss.lastMS >= int64(ss.p.window)*1000 {
		return 0
	}
	ss.lastSlot = ss.advance(ms)
	ss.lastMS = ms
	switch ss.p.alg {
	case "average":
		if ss.cache.nr == 0 {
			return 0
		}
		return ss.cache.sum / ss.cache.nr
	case "percentage":
		if t := ss.cache.sum + ss.cache.nr; t != 0 {
			return ss.cache.sum * ss.p.factor / t
		}
		return 0
	}
	return ss.cache.sum
}

var (
	_ api.Module  = (*Statistics)(nil)
	_ api.Initer  = (*Statistics)(nil)
	_ pv.Exporter = (*Statistics)(nil)
)
