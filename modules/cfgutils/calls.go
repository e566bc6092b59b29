package cfgutils

import (
	"context"
	"fmt"
	"gosips/internal/timerec"
	"hash/fnv"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"time"

	"gosips/api"
	"gosips/pv"
)

// Init seeds $shv with the shvset values and hashes hash_file.
func (c *CfgUtils) Init(ic *api.InitCtx) error {
	c.prob.Store(int32(c.InitialProbability))
	for _, v := range c.Shvset {
		c.shv.Set(v.Name, v.Value)
		c.noteSHV(v.Name)
	}
	if c.HashFile != "" {
		h, err := hashFile(c.HashFile)
		if err != nil {
			return fmt.Errorf("cfgutils: hash_file: %w", err)
		}
		c.hash = h
	}
	return nil
}

// SHVs returns the module's $shv store.
func (c *CfgUtils) SHVs() *pv.SHVStore { return c.shv }

func intArg(a any) (int64, bool) {
	switch v := a.(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	}
	return 0, false
}

func ret(ok bool) api.Ret {
	if ok {
		return api.RetTrue
	}
	return api.RetFalse
}

func (c *CfgUtils) randSetProb(x *api.Ctx, args []any) api.Ret {
	p, ok := intArg(args[0])
	if !ok || p < 0 || p > 100 {
		return api.RetFalse
	}
	c.prob.Store(int32(p))
	return api.RetTrue
}

func (c *CfgUtils) randResetProb(x *api.Ctx, _ []any) api.Ret {
	c.prob.Store(int32(c.InitialProbability))
	return api.RetTrue
}

func (c *CfgUtils) randGetProb(x *api.Ctx, _ []any) api.Ret {
	x.Log.Info("current probability", "percent", c.prob.Load())
	return api.RetTrue
}

// randEvent is rand_event([percent]): true with that probability (the
// module's current one when omitted).
func (c *CfgUtils) randEvent(x *api.Ctx, args []any) api.Ret {
	p := int64(c.prob.Load())
	if v, ok := intArg(args[0]); ok {
		p = v
	}
	return ret(rand.Int64N(100) < p)
}

// pause waits d or until the message's context ends.
func pause(x *api.Ctx, d time.Duration) api.Ret {
	ctx := x.Context
	if ctx == nil {
		ctx = context.Background()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return api.RetTrue
}

func sleepSec(x *api.Ctx, args []any) api.Ret {
	n, _ := intArg(args[0])
	return pause(x, time.Duration(n)*time.Second)
}

func sleepUsec(x *api.Ctx, args []any) api.Ret {
	n, _ := intArg(args[0])
	return pause(x, time.Duration(n)*time.Microsecond)
}

// abort stops the script; OpenSIPS aborts the whole process, which a
// server shared by every worker must not do.
func abort(x *api.Ctx, _ []any) api.Ret {
	x.Log.Error("abort() called by the script")
	return api.RetStop
}

func memStatus(x *api.Ctx, _ []any) api.Ret {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	x.Log.Info("memory status", "heap_alloc", ms.HeapAlloc, "heap_sys", ms.HeapSys, "objects", ms.HeapObjects)
	return api.RetTrue
}

// avpName returns NAME of a "$avp(NAME)" variable.
func avpName(v api.PVRef) (string, bool) {
	n := v.Name()
	if !strings.HasPrefix(n, "$avp(") || !strings.HasSuffix(n, ")") {
		return "", false
	}
	return n[5 : len(n)-1], true
}

func avps(x *api.Ctx) *pv.AVPStore {
	if h, ok := x.Priv.(pv.AVPHolder); ok {
		return h.AVPs()
	}
	return nil
}

// setCount is set_count(avp, result): how many values the AVP holds.
func setCount(x *api.Ctx, args []any) api.Ret {
	v, _ := args[0].(api.PVRef)
	res, _ := args[1].(api.PVRef)
	st := avps(x)
	if v == nil || res == nil || st == nil {
		return api.RetFalse
	}
	name, ok := avpName(v)
	if !ok {
		return api.RetFalse
	}
	n := st.Count(name)
	if res.Set(x, api.IntValue(int64(n))) != nil {
		return api.RetFalse
	}
	if n == 0 {
		return api.RetFalse
	}
	return api.Ret(n)
}

// setSelectWeight is set_select_weight(avp): picks a value index at
// random, weighted by the integer values.
func setSelectWeight(x *api.Ctx, args []any) api.Ret {
	v, _ := args[0].(api.PVRef)
	st := avps(x)
	if v == nil || st == nil {
		return api.RetFalse
	}
	name, ok := avpName(v)
	if !ok {
		return api.RetFalse
	}
	vals := st.All(name)
	var total int64
	for _, w := range vals {
		if w.IsInt() && w.I > 0 {
			total += w.I
		}
	}
	if total == 0 {
		return api.RetFalse
	}
	r := rand.Int64N(total)
	for i, w := range vals {
		if !w.IsInt() || w.I <= 0 {
			continue
		}
		if r < w.I {
			return api.Ret(i)
		}
		r -= w.I
	}
	return api.RetFalse
}

func getAccurateTime(x *api.Ctx, args []any) api.Ret {
	now := time.Now()
	sec, _ := args[0].(api.PVRef)
	usec, _ := args[1].(api.PVRef)
	if sec == nil || usec == nil {
		return api.RetFalse
	}
	us := int64(now.Nanosecond() / 1000)
	if sec.Set(x, api.IntValue(now.Unix())) != nil || usec.Set(x, api.IntValue(us)) != nil {
		return api.RetFalse
	}
	if s, ok := args[2].(api.PVRef); ok {
		if s.Set(x, api.StrValue(fmt.Sprintf("%d.%06d", now.Unix(), us))) != nil {
			return api.RetFalse
		}
	}
	return api.RetTrue
}

// tsUsecDelta is ts_usec_delta(t1s, t1u, t2s, t2u[, str][, int]): the
// absolute difference in microseconds.
func tsUsecDelta(x *api.Ctx, args []any) api.Ret {
	var n [4]int64
	for i := range n {
		v, ok := intArg(args[i])
		if !ok {
			return api.RetFalse
		}
		n[i] = v
	}
	d := (n[0]-n[2])*1_000_000 + n[1] - n[3]
	if d < 0 {
		d = -d
	}
	if s, ok := args[4].(api.PVRef); ok && s.Set(x, api.StrValue(fmt.Sprint(d))) != nil {
		return api.RetFalse
	}
	if s, ok := args[5].(api.PVRef); ok && s.Set(x, api.IntValue(d)) != nil {
		return api.RetFalse
	}
	return api.RetTrue
}

// locks are the script locks: static ones by name, dynamic ones hashed
// into a pool of lock_pool_size.
type locks struct {
	mu     sync.Mutex
	static map[string]*sync.Mutex
	pool   []sync.Mutex
}

func (l *locks) staticLock(key string) *sync.Mutex {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.static == nil {
		l.static = map[string]*sync.Mutex{}
	}
	m, ok := l.static[key]
	if !ok {
		m = &sync.Mutex{}
		l.static[key] = m
	}
	return m
}

func (l *locks) slot(key string, size int) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return int(h.Sum32() % uint32(size))
}

func (l *locks) dynamicLock(key string, size int) *sync.Mutex {
	l.mu.Lock()
	if l.pool == nil {
		l.pool = make([]sync.Mutex, size)
	}
	l.mu.Unlock()
	return &l.pool[l.slot(key, len(l.pool))]
}

func (c *CfgUtils) lockFn(dynamic, acquire bool) func(*api.Ctx, []any) api.Ret {
	return func(x *api.Ctx, args []any) api.Ret {
		key, _ := args[0].(string)
		m := c.locks.staticLock(key)
		if dynamic {
			m = c.locks.dynamicLock(key, c.LockPoolSize)
		}
		if acquire {
			m.Lock()
		} else if !m.TryLock() {
			m.Unlock()
		} else {
			// It was not held: release what TryLock just took.
			m.Unlock()
			x.Log.Warn("releasing a lock that is not held", "key", key)
		}
		return api.RetTrue
	}
}

func (c *CfgUtils) stringsShareLock(x *api.Ctx, args []any) api.Ret {
	a, _ := args[0].(string)
	b, _ := args[1].(string)
	return ret(c.locks.slot(a, c.LockPoolSize) == c.locks.slot(b, c.LockPoolSize))
}

// shuffleAVPs is shuffle_avps(avp): the values in random order.
func shuffleAVPs(x *api.Ctx, args []any) api.Ret {
	v, _ := args[0].(api.PVRef)
	st := avps(x)
	if v == nil || st == nil {
		return api.RetFalse
	}
	name, ok := avpName(v)
	if !ok {
		return api.RetFalse
	}
	vals := st.All(name)
	rand.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
	st.DelAll(name)
	for i := len(vals) - 1; i >= 0; i-- {
		st.Push(name, vals[i])
	}
	return api.RetTrue
}

// checkTimeRec is check_time_rec(rec[, timestamp]).
func checkTimeRec(x *api.Ctx, args []any) api.Ret {
	rec, _ := args[0].(string)
	tr, err := timerec.Parse(rec)
	if err != nil {
		x.Log.Error("check_time_rec: bad time recurrence", "rec", rec, "err", err)
		return -2
	}
	now := time.Now()
	if ts, ok := intArg(args[1]); ok {
		now = time.Unix(ts, 0)
	}
	return ret(tr.Match(now))
}

var _ api.Initer = (*CfgUtils)(nil)
