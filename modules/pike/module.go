// Package pike detects request floods per source address: pike_check_req()
// from the script, or every request when check_route is set.
package pike

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sort"
	"sync"
	"time"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{Name: "pike", Doc: "flood detection per source IP", New: func() api.Module { return New() }})
}

// Pike is one instance of the pike module.
type Pike struct {
	TimeUnit   int    // sampling_time_unit, seconds
	MaxReqs    int    // reqs_density_per_unit
	Latency    int    // remove_latency, seconds
	LogLevel   int    // pike_log_level (OpenSIPS levels: 1 warning ... 4 debug)
	CheckRoute string // check_route: automatic mode

	log     *slog.Logger
	flooded *api.Stat
	blocked *api.Event // E_PIKE_BLOCKED

	mu  sync.Mutex
	ips map[netip.Addr]*node
	now func() time.Time
}

// node is one source address: hits in the current and previous sampling
// unit, and whether it is blocked ("red").
type node struct {
	hits    [2]int // [prev, curr]
	red     bool
	expires time.Time
}

// New returns an instance with OpenSIPS defaults.
func New() *Pike {
	return &Pike{TimeUnit: 2, MaxReqs: 30, Latency: 120, LogLevel: 1, ips: map[netip.Addr]*node{}, now: time.Now}
}

// Params lists pike's parameters.
func (p *Pike) Params() []api.Param {
	return []api.Param{
		api.IntParam("sampling_time_unit", &p.TimeUnit),
		api.IntParam("reqs_density_per_unit", &p.MaxReqs),
		api.IntParam("remove_latency", &p.Latency),
		api.IntParam("pike_log_level", &p.LogLevel),
		api.StrParam("check_route", &p.CheckRoute),
	}
}

// Init checks the settings.
func (p *Pike) Init(ic *api.InitCtx) error {
	if p.TimeUnit <= 0 || p.MaxReqs <= 0 {
		return fmt.Errorf("sampling_time_unit and reqs_density_per_unit must be positive")
	}
	if p.Latency < p.TimeUnit {
		// As OpenSIPS: an address must outlive a sampling unit, or its
		// unblocking would be lost.
		p.Latency = p.TimeUnit + 1
	}
	p.log = ic.Log
	p.flooded = ic.Stats.Group("pike").Counter("flooded_ips")
	if ic.Events != nil {
		p.blocked = ic.Events.MustPublish("E_PIKE_BLOCKED")
	}
	return nil
}

// Start runs the sampling timer: every unit, hits shift to "previous",
// blocked addresses that cooled down are unblocked and idle ones removed.
func (p *Pike) Start(ctx context.Context) error {
	api.Every(ctx, time.Duration(p.TimeUnit)*time.Second, p.tick)
	return nil
}

func (p *Pike) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	for ip, n := range p.ips {
		n.hits[0], n.hits[1] = n.hits[1], 0
		if n.red && !p.hot(n) {
			n.red = false
			p.report("PIKE - UNBLOCKing ip", ip)
		}
		if !n.red && now.After(n.expires) {
			delete(p.ips, ip)
		}
	}
}

// hot is OpenSIPS' test for a complete address: max hits in the current
// or previous unit, or on average over both.
func (p *Pike) hot(n *node) bool {
	return n.hits[0] >= p.MaxReqs || n.hits[1] >= p.MaxReqs || (n.hits[0]+n.hits[1])/2 >= p.MaxReqs
}

// report logs at pike_log_level (-1 and below: silent).
func (p *Pike) report(msg string, ip netip.Addr) {
	if p.log == nil || p.LogLevel < 0 {
		return
	}
	lvl := slog.LevelWarn
	switch {
	case p.LogLevel >= 4:
		lvl = slog.LevelDebug
	case p.LogLevel >= 2:
		lvl = slog.LevelInfo
	case p.LogLevel == 0:
		lvl = slog.LevelError
	}
	p.log.Log(context.Background(), lvl, msg, "ip", ip.String())
}

// Check counts one request from ip: 1 allowed, -2 just detected as a
// flood, -1 already blocked.
func (p *Pike) Check(ip netip.Addr) api.Ret {
	ip = ip.Unmap()
	p.mu.Lock()
	ret := p.check(ip)
	p.mu.Unlock()
	if ret == -2 && p.blocked.HasSubscribers() {
		var ev api.EventParams
		ev.Str("ip", ip.String())
		p.blocked.Raise(ev)
	}
	return ret
}

// check is Check with mu held.
func (p *Pike) check(ip netip.Addr) api.Ret {
	n := p.ips[ip]
	if n == nil {
		n = &node{}
		p.ips[ip] = n
	}
	n.hits[1]++
	n.expires = p.now().Add(time.Duration(p.Latency) * time.Second)
	switch {
	case n.red:
		return -1
	case p.hot(n):
		n.red = true
		p.flooded.Inc()
		p.report("PIKE - BLOCKing ip", ip)
		return -2
	}
	return api.RetTrue
}

func srcIP(c *api.Ctx) (netip.Addr, bool) {
	if c.Msg == nil || c.Msg.Recv() == nil {
		return netip.Addr{}, false
	}
	return c.Msg.Recv().Src.Addr(), true
}

// Funcs: pike_check_req().
func (p *Pike) Funcs() []api.Func {
	return []api.Func{{Name: "pike_check_req", Routes: api.RequestRoute,
		Returns: "1 not blocked (or internal error), -1 known flood source, -2 newly detected flood source",
		Call: func(c *api.Ctx, _ []any) api.Ret {
			ip, ok := srcIP(c)
			if !ok {
				return api.RetTrue
			}
			return p.Check(ip)
		}}}
}

// FilterRequest is the automatic mode: with check_route set, every
// request runs that route first; unless it drops (or exits), the source is
// checked and a flooding one's request is dropped.
func (p *Pike) FilterRequest(c *api.Ctx) bool {
	if p.CheckRoute == "" {
		return true
	}
	if ret, ok := c.Core.RunRoute(c, api.RequestRoute, p.CheckRoute); ok && ret == 0 {
		return true
	}
	ip, ok := srcIP(c)
	if !ok {
		return true
	}
	return p.Check(ip) > 0
}

// MICommands: pike_list (the blocked addresses) and pike_rm (unblock one).
func (p *Pike) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "pike_list", Recipes: [][]string{{}}, Handler: func(context.Context, api.MIParams) (any, error) {
			p.mu.Lock()
			var red []string
			for ip, n := range p.ips {
				if n.red {
					red = append(red, ip.String())
				}
			}
			p.mu.Unlock()
			sort.Strings(red)
			if red == nil {
				red = []string{}
			}
			return map[string]any{"IPs": red}, nil
		}},
		{Name: "pike_rm", Recipes: [][]string{{"ip"}}, Handler: func(_ context.Context, prm api.MIParams) (any, error) {
			s, _ := prm["ip"].(string)
			ip, err := netip.ParseAddr(s)
			if err != nil {
				return nil, &api.MIError{Code: 500, Msg: "Bad IP"}
			}
			p.mu.Lock()
			defer p.mu.Unlock()
			n := p.ips[ip.Unmap()]
			switch {
			case n == nil:
				return nil, &api.MIError{Code: 404, Msg: "Match not found"}
			case !n.red:
				return nil, &api.MIError{Code: 400, Msg: "IP not blocked"}
			}
			n.red, n.hits = false, [2]int{}
			p.report("PIKE - UNBLOCKing ip", ip)
			return "OK", nil
		}},
	}
}

var (
	_ api.Module        = (*Pike)(nil)
	_ api.Initer        = (*Pike)(nil)
	_ api.Starter       = (*Pike)(nil)
	_ api.MIExporter    = (*Pike)(nil)
	_ api.RequestFilter = (*Pike)(nil)
)
