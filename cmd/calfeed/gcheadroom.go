package main

import (
	"log/slog"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// defaultGCHeadroom is serve's -gc-headroom: how much garbage the heap may
// gather above what is alive before the collector runs.
const defaultGCHeadroom = 32 << 20

// heapMinimum is the Go runtime's smallest heap goal at GOGC=100 (its
// defaultHeapMinimum); the runtime scales it with GOGC.
const heapMinimum = 4 << 20

// maxGCPercent bounds the GOGC the tuner sets.
const maxGCPercent = 100_000

// gcPercentFor returns the GOGC that lets a heap of live bytes grow by at
// least headroom before the next collection, and never less than Go's
// default of 100. Go collects when the heap reaches live*(1+GOGC/100), or
// heapMinimum*GOGC/100 if that is more; the second bound keeps the goal
// near live+headroom when little is alive.
func gcPercentFor(live, headroom uint64) int {
	if live == 0 || headroom == 0 {
		return 100
	}
	p := (headroom*100 + live - 1) / live // the first bound, rounded up
	p = min(p, (live+headroom)*100/heapMinimum, maxGCPercent)
	return int(max(p, 100))
}

// tuneGC keeps the garbage collector's goal at least headroom bytes above
// the live heap, as long as the live heap is smaller than headroom: above
// that, Go's default (the heap may double) applies unchanged. A server
// keeps a calendar of a few MiB alive and allocates a few KiB a request;
// at Go's default it would collect, marking the whole calendar each time,
// every few thousand requests. After each collection the tuner sets GOGC
// from the live heap the collection found. A memory limit (GOMEMLIMIT,
// or serve's share of the cgroup's: see setMemoryLimit) still bounds the
// heap: the collector works harder as the heap nears it, whatever GOGC
// says.
//
// It does nothing when gogc, the GOGC environment variable, is set (the
// operator chose) or headroom is 0.
// stop ends the tuning and puts GOGC back as it was.
func tuneGC(gogc string, headroom int64, logger *slog.Logger) (stop func()) {
	if headroom <= 0 {
		return func() {}
	}
	if gogc != "" {
		logger.Info("GOGC is set: -gc-headroom is not applied", slog.String("gogc", gogc))
		return func() {}
	}
	if !gcTuning.CompareAndSwap(false, true) {
		return func() {} // GOGC is the process's: one tuner at a time (tests run several servers)
	}
	t := &gcTuner{headroom: uint64(headroom), sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	t.old = debug.SetGCPercent(gcPercentFor(t.live(), t.headroom))
	t.arm()
	return t.stop
}

// gcTuning is whether a tuner runs in this process.
var gcTuning atomic.Bool

// gcTuner sets GOGC after each collection (see tuneGC).
type gcTuner struct {
	headroom uint64
	old      int // GOGC before tuning

	mu      sync.Mutex
	stopped bool
	sample  []metrics.Sample
}

// gcSentinel is an object nothing refers to, whose cleanup runs after the
// next collection. It is large enough not to share its allocation with
// other objects (tiny allocations are batched, and the cleanup of one may
// never run).
type gcSentinel struct{ _ [64]byte }

// arm has afterGC run after the next collection.
func (t *gcTuner) arm() {
	runtime.AddCleanup(new(gcSentinel), (*gcTuner).afterGC, t)
}

func (t *gcTuner) afterGC() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	debug.SetGCPercent(gcPercentFor(t.live(), t.headroom))
	t.arm()
}

// live returns the bytes the last collection found alive (0 before the
// first).
func (t *gcTuner) live() uint64 {
	metrics.Read(t.sample)
	if t.sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return t.sample[0].Value.Uint64()
}

func (t *gcTuner) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.stopped {
		t.stopped = true
		debug.SetGCPercent(t.old)
		gcTuning.Store(false)
	}
}
