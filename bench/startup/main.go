// Command startup measures what calfeed serve does before its first request
// and on every reload: load and validate an events file (with its lock, if
// any), then render every feed (server.New). Run it under /usr/bin/time -v
// for the peak RSS:
//
//	go run ./bench/startup FILE
//
// It prints one line: events, tracks, and seconds for load, render and both.
// -cpuprofile and -memprofile write profiles of that (the heap profile is
// taken after render, so its in-use figures are what the server keeps);
// -trace writes an execution trace of it (go tool trace), which shows the
// phases that keep one core busy while the other waits.
//
// With -render-full N it then renders the full feed in the default language
// N times, as bench/node/render.js times ical-generator: feed.New and Write
// ("new+write", the whole cost from a loaded calendar) and Write alone from
// a ready Renderer ("write"). It prints the median wall and CPU milliseconds
// of each (CPU: user + system time of the process, every thread, so that
// other processes taking the core do not count).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"syscall"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/feed"
	"calfeed/internal/lock"
	"calfeed/internal/server"
)

func main() {
	renderFull := flag.Int("render-full", 0, "then render the full feed `N` times and print the median times")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of load and render to `file`")
	memProfile := flag.String("memprofile", "", "write a heap profile, taken after render, to `file`")
	traceFile := flag.String("trace", "", "write an execution trace of load and render to `file`")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: startup [-render-full N] [-cpuprofile FILE] [-memprofile FILE] [-trace FILE] FILE")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *renderFull, *cpuProfile, *memProfile, *traceFile); err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
}

func run(path string, renderFull int, cpuProfile, memProfile, traceFile string) error {
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if traceFile != "" {
		f, err := os.Create(traceFile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			return err
		}
		defer trace.Stop()
	}
	t0 := time.Now()
	cal, _, err := lock.Load(context.Background(), path, calendar.Options{})
	if err != nil {
		return err
	}
	t1 := time.Now()
	srv, err := server.New(cal, server.Options{})
	if err != nil {
		return err
	}
	t2 := time.Now()
	fmt.Printf("events=%d tracks=%d load_s=%.3f render_s=%.3f total_s=%.3f\n",
		len(srv.Calendar().Events), len(cal.Tracks),
		t1.Sub(t0).Seconds(), t2.Sub(t1).Seconds(), t2.Sub(t0).Seconds())
	if memProfile != "" {
		f, err := os.Create(memProfile)
		if err != nil {
			return err
		}
		runtime.GC() // the heap as served: what the server keeps
		err = pprof.Lookup("heap").WriteTo(f, 0)
		runtime.KeepAlive(srv)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	if renderFull <= 0 {
		return nil
	}

	lang := cal.Languages[0]
	f := feed.Feed{Name: cal.Name.In(lang), Description: cal.Description.In(lang), Events: cal.Events}
	// ical-generator renders one language; feed.New renders every language
	// of the calendar. Give it one, so that both do the same work.
	one := *cal
	one.Languages = []string{lang}
	newWrite := func() error {
		r, err := feed.New(&one)
		if err != nil {
			return err
		}
		return r.Write(io.Discard, f, lang)
	}
	ready, err := feed.New(cal)
	if err != nil {
		return err
	}
	write := func() error { return ready.Write(io.Discard, f, lang) }
	for _, m := range []struct {
		name string
		fn   func() error
	}{{"new+write", newWrite}, {"write", write}} {
		wall, cpu, err := measure(renderFull, m.fn)
		if err != nil {
			return err
		}
		fmt.Printf("render-full=%s events=%d runs=%d wall_ms=%.3f cpu_ms=%.3f\n", m.name, len(cal.Events), renderFull, wall, cpu)
	}
	return nil
}

// measure runs fn n times after one warm-up and returns the median wall and
// CPU milliseconds of a run.
func measure(n int, fn func() error) (wall, cpu float64, err error) {
	if err := fn(); err != nil {
		return 0, 0, err
	}
	walls := make([]float64, n)
	cpus := make([]float64, n)
	for i := range n {
		c0, t0 := cpuTime(), time.Now()
		if err := fn(); err != nil {
			return 0, 0, err
		}
		walls[i] = float64(time.Since(t0).Microseconds()) / 1000
		cpus[i] = float64((cpuTime() - c0).Microseconds()) / 1000
	}
	return median(walls), median(cpus), nil
}

// cpuTime is the user and system time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}
