package core

import (
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"gosips/api"
)

// coreStatNames are OpenSIPS' core statistics (core_stats.c), in its order.
var coreStatNames = []string{"rcv_requests", "rcv_replies", "fwd_requests", "fwd_replies",
	"drop_requests", "drop_replies", "err_requests", "err_replies", "bad_URIs_rcvd",
	"bad_msg_hdr", "slow_messages"}

// Init registers the core statistic groups in OpenSIPS' order: core,
// shmem, pkmem, net and load (the engine fills net and load, which need
// the sockets and the workers).
func (co *Core) Init(ic *api.InitCtx) error {
	if err := co.initEvents(ic); err != nil {
		return err
	}
	if ic.Stats == nil {
		return nil
	}
	g := ic.Stats.Group("core")
	for _, n := range coreStatNames {
		g.Counter(n)
	}
	start := time.Now()
	g.Func("timestamp", func() int64 { return int64(time.Since(start) / time.Second) })
	co.fwdRequests = g.Counter("fwd_requests")
	co.dropRequests = g.Counter("drop_requests")
	registerMemStats(ic.Stats)
	ic.Stats.Group("net")
	ic.Stats.Group("load")
	return nil
}

// memSampler reads the Go runtime's memory classes without stopping the
// world (runtime/metrics), at most every 100 ms.
type memSampler struct {
	mu      sync.Mutex
	at      time.Time
	samples []metrics.Sample
	maxUsed atomic.Int64
}

const (
	mTotal    = "/memory/classes/total:bytes"
	mReleased = "/memory/classes/heap/released:bytes"
	mHeapFree = "/memory/classes/heap/free:bytes"
	mObjects  = "/memory/classes/heap/objects:bytes"
	mStacks   = "/memory/classes/heap/stacks:bytes"
	mLimit    = "/gc/gomemlimit:bytes"
)

func newMemSampler() *memSampler {
	names := []string{mTotal, mReleased, mHeapFree, mObjects, mStacks, mLimit}
	s := &memSampler{samples: make([]metrics.Sample, len(names))}
	for i, n := range names {
		s.samples[i].Name = n
	}
	return s
}

// read returns the named values, refreshed when older than 100 ms.
func (s *memSampler) read() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.at) > 100*time.Millisecond {
		metrics.Read(s.samples)
		s.at = time.Now()
	}
	out := make(map[string]int64, len(s.samples))
	for _, x := range s.samples {
		if x.Value.Kind() == metrics.KindUint64 {
			v := x.Value.Uint64()
			if v > 1<<62 {
				v = 1 << 62
			}
			out[x.Name] = int64(v)
		}
	}
	if u := out[mTotal] - out[mReleased] - out[mHeapFree]; u > s.maxUsed.Load() {
		s.maxUsed.Store(u)
	}
	return out
}

// registerMemStats maps OpenSIPS' memory statistics onto the Go runtime,
// which has one garbage-collected heap instead of a shared segment plus
// per-process pools:
//
//	shmem:total_size      memory the runtime obtained from the OS
//	shmem:used_size       bytes in live and not yet collected heap objects
//	shmem:real_used_size  total_size minus free and released heap pages
//	shmem:max_used_size   highest real_used_size seen by a read
//	shmem:free_size       free heap pages, retained or returned to the OS
//	shmem:fragments       0 (no free-list fragments in Go's allocator)
//	pkmem:0-*             the same for goroutine stacks, the closest
//	                      thing Go has to per-process private memory
func registerMemStats(st *api.Stats) {
	s := newMemSampler()
	get := func(f func(m map[string]int64) int64) func() int64 {
		return func() int64 { return f(s.read()) }
	}
	sh := st.Group("shmem")
	sh.Func("total_size", get(func(m map[string]int64) int64 { return m[mTotal] }))
	sh.Func("used_size", get(func(m map[string]int64) int64 { return m[mObjects] }))
	sh.Func("real_used_size", get(func(m map[string]int64) int64 { return m[mTotal] - m[mReleased] - m[mHeapFree] }))
	sh.Func("max_used_size", get(func(map[string]int64) int64 { return s.maxUsed.Load() }))
	sh.Func("free_size", get(func(m map[string]int64) int64 { return m[mReleased] + m[mHeapFree] }))
	sh.Func("fragments", func() int64 { return 0 })
	pk := st.Group("pkmem")
	pk.Func("0-total_size", get(func(m map[string]int64) int64 { return m[mStacks] }))
	pk.Func("0-used_size", get(func(m map[string]int64) int64 { return m[mStacks] }))
	pk.Func("0-real_used_size", get(func(m map[string]int64) int64 { return m[mStacks] }))
	pk.Func("0-max_used_size", get(func(m map[string]int64) int64 { return m[mStacks] }))
	pk.Func("0-free_size", func() int64 { return 0 })
	pk.Func("0-fragments", func() int64 { return 0 })
}

// MemStatus is the memory summary of the mem_* MI commands: the same
// values as the shmem statistics.
func MemStatus(st *api.Stats) map[string]int64 {
	out := map[string]int64{}
	if g, ok := st.LookupGroup("shmem"); ok {
		for _, s := range g.Stats() {
			out[s.Name()] = s.Value()
		}
	}
	return out
}

var _ api.Initer = (*Core)(nil)
