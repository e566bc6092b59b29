// Package ratelimit throttles traffic through named pipes: rl_check()
// counts a request against a pipe and tells whether it is over its limit,
// with the TAILDROP, RED, SBT (sliding window), NETWORK (bytes queued on
// the SIP sockets) or FEEDBACK (CPU load driven PID controller) algorithm.
package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"gosips/api"
	"gosips/pv"
)

func init() {
	api.Register(api.ModuleInfo{Name: "ratelimit", Doc: "rate limiting through named pipes", New: func() api.Module { return New() }})
}

// Algo is a pipe algorithm.
type Algo int

// The algorithms, named as in OpenSIPS.
const (
	Nop Algo = iota
	TailDrop
	RED
	Network
	Feedback
	SBT
)

var algoNames = map[Algo]string{TailDrop: "TAILDROP", RED: "RED", Network: "NETWORK", Feedback: "FEEDBACK", SBT: "SBT"}

// parseAlgo maps a name (case-insensitive) to an algorithm; Nop when unknown.
func parseAlgo(s string) Algo {
	for a, n := range algoNames {
		if strings.EqualFold(n, s) {
			return a
		}
	}
	return Nop
}

// Ratelimit is one instance of the module.
type Ratelimit struct {
	TimerInterval    int // seconds
	ExpireTime       int // seconds
	HashSize         int
	DefaultAlgorithm string
	WindowSize       int // seconds (SBT)
	SlotPeriod       int // milliseconds (SBT)
	LimitPerInterval int

	log         *slog.Logger
	defaultAlgo Algo

	mu    sync.Mutex
	pipes map[string]*pipe
	now   func() time.Time

	// FEEDBACK and NETWORK state, under mu.
	pid          pid
	networkLoad  int // bytes waiting at the last tick
	networkPipes int // NETWORK pipes alive: the load is read only then
	stats        *api.Stats
	readCPU      func() (cpuTimes, error)
	network      func() int
}

// pipe is one named pipe. counter counts the current timer interval (or,
// for SBT, the requests in the window); lastCounter is the previous
// interval's count, as rl_list shows it.
type pipe struct {
	algo        Algo
	limit       int
	counter     int
	lastCounter int
	load        int
	lastUsed    time.Time
	win         *window
}

// window is the SBT ring of slots.
type window struct {
	slots      []int
	start      time.Time // time of the last counting; zero when uninitialized
	startIndex int
}

// New returns an instance with OpenSIPS defaults.
func New() *Ratelimit {
	r := &Ratelimit{TimerInterval: 10, ExpireTime: 3600, HashSize: 1024, DefaultAlgorithm: "TAILDROP",
		WindowSize: 10, SlotPeriod: 200, pipes: map[string]*pipe{}, now: time.Now,
		pid: pid{ki: -25}, readCPU: readProcStat}
	r.network = r.waitingBytes
	return r
}

func refused(name, why string) api.Param {
	return api.Param{Name: name, Type: api.ParamStr, Set: func(v api.ParamValue) error {
		if v.IsInt && v.Int == 0 {
			return nil // the default: replication off
		}
		return fmt.Errorf("%s: not implemented in gosips (%s)", name, why)
	}}
}

// Params lists the module parameters.
func (r *Ratelimit) Params() []api.Param {
	cluster := refused("pipe_replication_cluster", "no clusterer; pipes are local to this instance")
	cluster.Type = api.ParamInt
	return []api.Param{
		api.IntParam("timer_interval", &r.TimerInterval),
		api.IntParam("expire_time", &r.ExpireTime),
		api.IntParam("hash_size", &r.HashSize),
		api.StrParam("default_algorithm", &r.DefaultAlgorithm),
		api.IntParam("window_size", &r.WindowSize),
		api.IntParam("slot_period", &r.SlotPeriod),
		api.IntParam("limit_per_interval", &r.LimitPerInterval),
		refused("cachedb_url", "pipes are not shared through a cache database"),
		cluster,
		api.IgnoredParam(api.StrParam("db_prefix", new(string)), "only used with cachedb_url, which is not implemented"),
		api.IgnoredParam(api.IntParam("repl_buffer_threshold", new(int)), "only used with pipe_replication_cluster, which is not implemented"),
		api.IgnoredParam(api.IntParam("repl_timer_interval", new(int)), "only used with pipe_replication_cluster, which is not implemented"),
		api.IgnoredParam(api.IntParam("repl_timer_expire", new(int)), "only used with pipe_replication_cluster, which is not implemented"),
	}
}

// Init checks the settings.
func (r *Ratelimit) Init(ic *api.InitCtx) error {
	r.log = ic.Log
	r.stats = ic.Stats
	if r.TimerInterval <= 0 {
		// OpenSIPS accepts 0 but then never resets a counter.
		return fmt.Errorf("invalid timer_interval %d (must be positive)", r.TimerInterval)
	}
	if r.ExpireTime < 0 {
		return fmt.Errorf("invalid expire_time %d", r.ExpireTime)
	}
	if r.HashSize <= 0 {
		return fmt.Errorf("hash_size must be a positive integer, power of 2")
	}
	if r.WindowSize <= 0 || r.SlotPeriod <= 0 || r.WindowSize*1000/r.SlotPeriod < 1 {
		return fmt.Errorf("window_size (%d s) and slot_period (%d ms) must give at least one slot", r.WindowSize, r.SlotPeriod)
	}
	r.defaultAlgo = parseAlgo(r.DefaultAlgorithm)
	if r.defaultAlgo == Nop {
		return fmt.Errorf("unknown default_algorithm %q (TAILDROP, RED, NETWORK, FEEDBACK, SBT)", r.DefaultAlgorithm)
	}
	return nil
}

// Start runs the interval timer.
func (r *Ratelimit) Start(ctx context.Context) error {
	api.Every(ctx, time.Duration(r.TimerInterval)*time.Second, r.tick)
	return nil
}

// tick ends a timer interval: the CPU load and the FEEDBACK drop rate
// are updated, the NETWORK load read, idle pipes expire, RED and NETWORK
// loads are computed and counters restart.
func (r *Ratelimit) tick() {
	cpu, cpuErr := r.readCPU()
	if cpuErr != nil && r.log != nil {
		r.log.Error("ratelimit: cannot update CPU load", "err", cpuErr)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if cpuErr == nil {
		r.pid.sample(cpu)
		r.pid.update()
	}
	if r.networkPipes > 0 {
		r.networkLoad = r.network()
	}
	now := r.now()
	for name, p := range r.pipes {
		if p.lastUsed.Add(time.Duration(r.ExpireTime) * time.Second).Before(now) {
			if p.algo == Network {
				r.networkPipes--
			}
			delete(r.pipes, name)
			continue
		}
		switch {
		case p.algo == RED && p.limit > 0:
			p.load = p.counter / (p.limit * r.perInterval())
		case p.algo == Network:
			p.load = 1
			if r.networkLoad > p.limit {
				p.load = -1
			}
		}
		p.lastCounter = p.counter
		p.counter = 0
	}
}

// perInterval is the factor turning a per-second limit into the limit of
// one timer interval.
func (r *Ratelimit) perInterval() int {
	if r.LimitPerInterval != 0 {
		return 1
	}
	return r.TimerInterval
}

// parseName strips the replication suffixes ("/r", "/b", "/rb"...) and
// reports whether there were any.
func parseName(name string) (string, bool) {
	i := strings.LastIndexByte(name, '/')
	if i <= 0 || i == len(name)-1 || strings.Trim(name[i+1:], "rb") != "" {
		return name, false
	}
	return strings.TrimSpace(name[:i]), true
}

// Check counts one request against the pipe name, creating it on first
// use: 1 allowed, -1 over the limit.
func (r *Ratelimit) Check(name string, limit int, algo Algo) api.Ret {
	name, repl := parseName(name)
	if repl && r.log != nil {
		r.log.Warn("ratelimit: pipe replication not implemented, counting locally", "pipe", name)
	}
	if algo == Feedback {
		l, ok := r.feedbackLimit(limit)
		if !ok {
			// OpenSIPS logs and lets the request through.
			if r.log != nil {
				r.log.Error("ratelimit: invalid limit for FEEDBACK algorithm (must be between 0 and 100)", "limit", limit)
			}
			return api.RetTrue
		}
		limit = l
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	p := r.pipes[name]
	if p == nil {
		if algo == Nop {
			algo = r.defaultAlgo
		}
		p = &pipe{algo: algo}
		switch algo {
		case SBT:
			p.win = &window{slots: make([]int, r.WindowSize*1000/r.SlotPeriod)}
		case Network:
			r.networkPipes++
		}
		r.pipes[name] = p
	} else if algo != Nop && algo != p.algo && r.log != nil {
		r.log.Warn("ratelimit: algorithm differs from the pipe's initial one", "pipe", name,
			"algorithm", algoNames[algo], "initial", algoNames[p.algo])
	}
	p.limit = limit
	p.lastUsed = now
	p.counter++
	switch p.algo {
	case SBT:
		if r.histUpdate(p, 1, now) > p.limit {
			return api.RetFalse
		}
	case TailDrop:
		if p.counter > p.limit*r.perInterval() {
			return api.RetFalse
		}
	case RED:
		if p.load != 0 && p.counter%p.load != 0 {
			return api.RetFalse
		}
	case Network:
		if p.load < 0 {
			return api.RetFalse
		}
	case Feedback:
		if dropOrder[p.counter%100] < r.pid.dropRate {
			return api.RetFalse
		}
	}
	return api.RetTrue
}

// histUpdate adds n to the SBT slot of now, clearing the slots that went
// by, and returns the count over the window.
func (r *Ratelimit) histUpdate(p *pipe, n int, now time.Time) int {
	w := p.win
	winMs := int64(r.WindowSize) * 1000
	nowMs := now.UnixMilli()
	idx := int((nowMs % winMs) / int64(r.SlotPeriod))
	since := nowMs - w.start.UnixMilli()
	switch {
	case w.start.IsZero() || since >= winMs:
		clear(w.slots)
		w.start, w.startIndex = now, idx
		w.slots[idx] = n
	case since >= int64(r.SlotPeriod):
		for i := (w.startIndex + 1) % len(w.slots); i != idx; i = (i + 1) % len(w.slots) {
			w.slots[i] = 0
		}
		w.start, w.startIndex = now, idx
		w.slots[idx] = n
	default:
		w.slots[w.startIndex] += n
	}
	p.counter = 0
	for _, c := range w.slots {
		p.counter += c
	}
	return p.counter
}

// setCount adds val to a pipe's counter, or resets it when val is 0.
func (r *Ratelimit) setCount(name string, val int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.pipes[name]
	if p == nil {
		return false
	}
	switch {
	case p.algo == SBT && val == 0:
		clear(p.win.slots)
		p.win.start = time.Time{}
		p.counter = 0
	case p.algo == SBT:
		r.histUpdate(p, val, r.now())
	case val != 0 && p.counter+val >= 0:
		p.counter += val
	default:
		p.counter = 0
	}
	return true
}

// count is $rl_count(name): the current count, -1 without such a pipe.
func (r *Ratelimit) count(name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.pipes[name]
	switch {
	case p == nil:
		return -1
	case p.algo == SBT:
		return r.histUpdate(p, 0, r.now())
	}
	return p.counter
}

func (r *Ratelimit) names() []string {
	r.mu.Lock()
	names := make([]string, 0, len(r.pipes))
	for n := range r.pipes {
		names = append(names, n)
	}
	r.mu.Unlock()
	sort.Strings(names)
	return names
}

// nameFixup refuses a literal pipe name asking for replication.
func nameFixup(_ *api.FixupCtx, a *api.FixArg) error {
	if _, repl := parseName(a.Str); repl {
		return fmt.Errorf("pipe replication suffix (/r cachedb, /b clusterer): not implemented in gosips")
	}
	return nil
}

// algoFixup resolves a literal algorithm name at load time.
func algoFixup(_ *api.FixupCtx, a *api.FixArg) error {
	al := parseAlgo(a.Str)
	if al == Nop {
		return fmt.Errorf("unknown algorithm (TAILDROP, RED, NETWORK, FEEDBACK, SBT)")
	}
	a.Fixed = al
	return nil
}

const allRoutes = api.RequestRoute | api.FailureRoute | api.OnReplyRoute | api.BranchRoute |
	api.ErrorRoute | api.LocalRoute | api.TimerRoute | api.EventRoute

// Funcs: rl_check, rl_dec_count, rl_reset_count, rl_values.
func (r *Ratelimit) Funcs() []api.Func {
	change := func(val int) func(c *api.Ctx, args []any) api.Ret {
		return func(c *api.Ctx, args []any) api.Ret {
			name := api.StrArg(args[0])
			if !r.setCount(name, val) {
				c.Log.Error("ratelimit: cannot find any pipe", "pipe", name)
				return api.RetFalse
			}
			return api.RetTrue
		}
	}
	return []api.Func{
		{Name: "rl_check", Routes: allRoutes,
			Args: []api.Arg{{Name: "name", Type: api.ArgStr, Fixup: nameFixup},
				{Name: "limit", Type: api.ArgInt}, {Name: "algorithm", Type: api.ArgStr, Optional: true, Fixup: algoFixup}},
			Returns: "1 under the limit, -1 over it (or on error)",
			Call: func(c *api.Ctx, args []any) api.Ret {
				limit, _ := api.IntArg(args[1])
				algo := Nop
				switch a := args[2].(type) {
				case Algo:
					algo = a
				case string:
					algo = parseAlgo(a)
				}
				return r.Check(api.StrArg(args[0]), int(limit), algo)
			}},
		{Name: "rl_dec_count", Routes: allRoutes, Args: []api.Arg{{Name: "name", Type: api.ArgStr}},
			Returns: "1, or -1 when there is no such pipe", Call: change(-1)},
		{Name: "rl_reset_count", Routes: allRoutes, Args: []api.Arg{{Name: "name", Type: api.ArgStr}},
			Returns: "1, or -1 when there is no such pipe", Call: change(0)},
		{Name: "rl_values", Routes: allRoutes,
			Args:    []api.Arg{{Name: "ret_avp", Type: api.ArgVar, Writable: true}, {Name: "regexp", Type: api.ArgRegex, Optional: true}},
			Returns: "1",
			Call: func(c *api.Ctx, args []any) api.Ret {
				out, _ := args[0].(api.PVRef)
				re, _ := args[1].(*api.Regex)
				for _, n := range r.names() {
					if re != nil && !re.MatchString(n) {
						continue
					}
					if out != nil {
						if err := out.Set(c, api.StrValue(n)); err != nil {
							c.Log.Error("ratelimit: rl_values: cannot set value", "pipe", n, "err", err)
						}
					}
				}
				return api.RetTrue
			}},
	}
}

// PVs: $rl_count(name).
func (r *Ratelimit) PVs() []pv.Def {
	return []pv.Def{{Name: "rl_count", Module: "ratelimit", Inner: pv.NeedInner,
		Doc: "the current counter of a pipe",
		Get: func(c *api.Ctx, sp *pv.Spec) (api.Value, error) {
			name, err := sp.InnerName(c)
			if err != nil {
				return api.Null, err
			}
			n := r.count(name)
			if n < 0 {
				return api.Null, nil
			}
			return pv.IntStr(int64(n)), nil
		}}}
}

// pipeInfo is a pipe as rl_list prints it.
func pipeInfo(name string, p *pipe) map[string]any {
	return map[string]any{"id": name, "algorithm": algoNames[p.algo], "limit": p.limit, "counter": p.lastCounter}
}

// list answers rl_list: all pipes, or those whose name matches (or, with
// out, does not match) a shell pattern.
func (r *Ratelimit) list(pattern string, out bool) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.pipes))
	for n := range r.pipes {
		if pattern != "" {
			m, _ := path.Match(pattern, n)
			if m == out {
				continue
			}
		}
		names = append(names, n)
	}
	sort.Strings(names)
	pipes := make([]any, 0, len(names))
	for _, n := range names {
		pipes = append(pipes, pipeInfo(n, r.pipes[n]))
	}
	return map[string]any{"Pipes": pipes, "drop_rate": r.pid.dropRate}, nil
}

func strParam(p api.MIParams, k string) (string, error) {
	s, ok := p[k].(string)
	if !ok {
		return "", &api.MIError{Code: 400, Msg: "Invalid params"}
	}
	return s, nil
}

// MICommands: rl_list, rl_reset_pipe, rl_dump_pipe, rl_set_pid,
// rl_get_pid.
func (r *Ratelimit) MICommands() []api.MICommand {
	notFound := &api.MIError{Code: 404, Msg: "Pipe Not Found"}
	return []api.MICommand{
		{Name: "rl_list", Help: "Params: [pipe] ; Lists the parameters and variables in the ratelimit module.",
			Recipes: [][]string{{}, {"pipe"}, {"filter"}, {"filter_out"}},
			Handler: func(_ context.Context, prm api.MIParams) (any, error) {
				if _, ok := prm["pipe"]; ok {
					name, err := strParam(prm, "pipe")
					if err != nil {
						return nil, err
					}
					r.mu.Lock()
					defer r.mu.Unlock()
					p := r.pipes[name]
					if p == nil {
						return nil, notFound
					}
					return map[string]any{"Pipe": pipeInfo(name, p), "drop_rate": r.pid.dropRate}, nil
				}
				for _, k := range []string{"filter", "filter_out"} {
					if _, ok := prm[k]; ok {
						f, err := strParam(prm, k)
						if err != nil {
							return nil, err
						}
						return r.list(f, k == "filter_out")
					}
				}
				return r.list("", false)
			}},
		{Name: "rl_reset_pipe", Help: "Params: pipe ; Resets the counter of a specified pipe.",
			Recipes: [][]string{{"pipe"}},
			Handler: func(_ context.Context, prm api.MIParams) (any, error) {
				name, err := strParam(prm, "pipe")
				if err != nil {
					return nil, err
				}
				if !r.setCount(name, 0) {
					return nil, &api.MIError{Code: 400, Msg: "Bad parameter value"}
				}
				return "OK", nil
			}},
		{Name: "rl_dump_pipe", Help: "Params: pipe ; Dumps the details of a (SBT) pipe.",
			Recipes: [][]string{{"pipe"}},
			Handler: func(_ context.Context, prm api.MIParams) (any, error) {
				name, err := strParam(prm, "pipe")
				if err != nil {
					return nil, err
				}
				r.mu.Lock()
				defer r.mu.Unlock()
				p := r.pipes[name]
				if p == nil {
					return nil, &api.MIError{Code: 404, Msg: "Pipe not found"}
				}
				return r.dump(name, p), nil
			}},
		{Name: "rl_set_pid", Help: "Params: ki, kp, kd ; Sets the PID Controller parameters for the Feedback Algorithm.",
			Recipes: [][]string{{"ki", "kp", "kd"}}, Handler: r.miSetPID},
		{Name: "rl_get_pid", Help: "Params: none ; Gets the list of in use PID Controller parameters.",
			Recipes: [][]string{{}}, Handler: r.miGetPID},
	}
}

// dump is rl_dump_pipe's answer: for SBT the live slots of the window,
// then the pipe's algorithm and counters.
func (r *Ratelimit) dump(name string, p *pipe) map[string]any {
	res := map[string]any{"Pipe": name, "Algorithm": algoNames[p.algo], "Counter": p.counter,
		"Replication Nodes": []any{}, "Total": p.counter}
	if p.algo != SBT {
		return res
	}
	w := p.win
	buckets := []any{}
	win := map[string]any{}
	res["Window"] = win
	total := 0
	add := func(i int) {
		buckets = append(buckets, map[string]any{"Index": i, "Count": w.slots[i]})
		total += w.slots[i]
	}
	winMs := int64(r.WindowSize) * 1000
	since := r.now().UnixMilli() - w.start.UnixMilli()
	switch {
	case w.start.IsZero():
		win["Status"] = "Unitialized (?)"
	case since >= 2*winMs:
		win["Status"] = "Expired"
	case since >= winMs:
		first := int((since-winMs)/int64(r.SlotPeriod)+1+int64(w.startIndex)) % len(w.slots)
		for i := first; i != w.startIndex; i = (i + 1) % len(w.slots) {
			add(i)
		}
		win["Status"] = "OK"
	default:
		for i := range w.slots {
			add(i)
		}
		win["Status"] = "OK"
	}
	win["Buckets"] = buckets
	if !w.start.IsZero() {
		win["Window Size"] = len(w.slots)
		win["Bucket Total"] = total
	}
	res["Total"] = total
	return res
}

var (
	_ api.Module     = (*Ratelimit)(nil)
	_ api.Initer     = (*Ratelimit)(nil)
	_ api.Starter    = (*Ratelimit)(nil)
	_ api.MIExporter = (*Ratelimit)(nil)
)
