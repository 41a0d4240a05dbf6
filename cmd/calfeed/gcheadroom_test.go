package main

import (
	"bytes"
	"log/slog"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		live, headroom uint64
		want           int
	}{
		{7 * mib, 64 * mib, 915},    // 7 MiB alive: collect at 71 MiB, not 14
		{64 * mib, 64 * mib, 100},   // as much alive as the headroom: Go's default
		{450 * mib, 64 * mib, 100},  // more: Go's default, never less
		{1 * mib, 64 * mib, 1625},   // little alive: the runtime's minimum heap bounds it
		{100 << 10, 64 * mib, 1602}, // (65.1 MiB / 4 MiB)
		{10 * mib, 16 * mib, 160},   // headroom rounded up: 10*2.6 = 26
		{3 * mib, 3 * mib, 100},     // equal
		{0, 64 * mib, 100},          // before the first collection
		{7 * mib, 0, 100},           // no headroom
		{1, 1 << 50, maxGCPercent},  // bounded
		{33 * mib, 64 * mib, 194},   // 33*2.94 = 97.02 >= 97
	} {
		got := gcPercentFor(tc.live, tc.headroom)
		if got != tc.want {
			t.Errorf("gcPercentFor(%d, %d) = %d, want %d", tc.live, tc.headroom, got, tc.want)
		}
		// What the runtime makes of it: the goal is at least live+headroom
		// (or Go's own) and, where the heap minimum is not what bounds it,
		// no more than a percent above that.
		goal := max(tc.live*uint64(100+got)/100, heapMinimum*uint64(got)/100)
		// (Rounding to a whole percent may take up to 1% of the minimum off.)
		if tc.live > 0 && tc.headroom > 0 && got < maxGCPercent && goal+heapMinimum/100 < tc.live+tc.headroom {
			t.Errorf("live %d, headroom %d: GOGC %d gives a goal of %d, below %d", tc.live, tc.headroom, got, goal, tc.live+tc.headroom)
		}
		if got > 100 && got < maxGCPercent && goal > (tc.live+tc.headroom)*101/100 {
			t.Errorf("live %d, headroom %d: GOGC %d gives a goal of %d, above %d", tc.live, tc.headroom, got, goal, tc.live+tc.headroom)
		}
	}
}

// gogc returns the runtime's GOGC.
func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// waitGOGC collects garbage until the runtime's GOGC is want, for up to
// five seconds, and returns what it is.
func waitGOGC(want func(int) bool) int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		got := gogc()
		if want(got) || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var gcKeep []byte

// TestTuneGC: after each collection GOGC follows the live heap, and stop
// puts it back.
func TestTuneGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(old) })
	const headroom = 32 << 20
	var log bytes.Buffer
	stop := tuneGC("", headroom, slog.New(slog.NewTextHandler(&log, nil)))
	defer stop()

	// Little alive (this test binary's few MiB): more than 100.
	live := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	// (Other goroutines of the test binary may collect in between: the
	// live heap the tuner read may not be the one read here at once.)
	if got := waitGOGC(func(p int) bool { return p > 100 && p == gcPercentFor(live(), headroom) }); got <= 100 || got != gcPercentFor(live(), headroom) {
		t.Fatalf("GOGC %d with %d bytes alive, want %d", got, live(), gcPercentFor(live(), headroom))
	}
	// More alive than the headroom: back to 100, after the collection
	// that finds it.
	gcKeep = make([]byte, 2*headroom)
	if got := waitGOGC(func(p int) bool { return p == 100 }); got != 100 {
		t.Errorf("GOGC %d with %d bytes alive, want 100", got, live())
	}
	// Garbage again: above 100 again.
	gcKeep = nil
	if got := waitGOGC(func(p int) bool { return p > 100 }); got <= 100 {
		t.Errorf("GOGC %d with %d bytes alive after the big slice went, want more than 100", got, live())
	}
	stop()
	debug.SetGCPercent(100)
	for range 3 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := gogc(); got != 100 {
		t.Errorf("GOGC %d after stop, want it left alone at 100", got)
	}
	stop() // twice is harmless
}

// TestTuneGCStop: stop puts back the GOGC there was.
func TestTuneGCStop(t *testing.T) {
	old := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(old) })
	stop := tuneGC("", 32<<20, slog.New(slog.DiscardHandler))
	waitGOGC(func(p int) bool { return p > 100 })
	stop()
	if got := gogc(); got != 100 {
		t.Errorf("GOGC %d after stop, want 100", got)
	}
}

// TestTuneGCOff: with GOGC set, or a headroom of 0, GOGC is left alone.
func TestTuneGCOff(t *testing.T) {
	old := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(old) })
	for _, tc := range []struct {
		name     string
		env      string
		headroom int64
	}{
		{"GOGC set", "100", 32 << 20},
		{"headroom 0", "", 0},
	} {
		var log bytes.Buffer
		stop := tuneGC(tc.env, tc.headroom, slog.New(slog.NewTextHandler(&log, nil)))
		for range 3 {
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
		}
		if got := gogc(); got != 100 {
			t.Errorf("%s: GOGC %d, want it left at 100", tc.name, got)
		}
		stop()
		if tc.env != "" && !strings.Contains(log.String(), "GOGC is set") {
			t.Errorf("%s: the log does not say why: %s", tc.name, log.String())
		}
	}
}
