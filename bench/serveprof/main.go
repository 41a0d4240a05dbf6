// Command serveprof serves an events file the way calfeed serve does
// (server.New with a text logger writing a line per request to a file, an
// http.Server with serve's timeouts) and records a CPU profile of it, for
// finding where the time of the serving path goes under wrk:
//
//	go run ./bench/serveprof -addr 127.0.0.1:18090 -seconds 10 -cpuprofile cpu.prof FILE &
//	taskset -c 0 wrk -t1 -c64 -d10s http://127.0.0.1:18090/tracks/track-003.ics
//	go tool pprof -top cpu.prof
//
// Profiling starts once the server listens and stops after -seconds; then
// the command exits. It has no file watcher: a reload is not profiled.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/lock"
	"calfeed/internal/server"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18090", "listen address")
	seconds := flag.Int("seconds", 10, "how long to profile")
	profile := flag.String("cpuprofile", "cpu.prof", "CPU profile to write")
	logFile := flag.String("log", os.DevNull, "where the request log goes")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: serveprof [flags] FILE")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *addr, *profile, *logFile, time.Duration(*seconds)*time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "serveprof:", err)
		os.Exit(1)
	}
}

func run(path, addr, profile, logFile string, d time.Duration) error {
	cal, _, err := lock.Load(context.Background(), path, calendar.Options{})
	if err != nil {
		return err
	}
	lf, err := os.Create(logFile)
	if err != nil {
		return err
	}
	defer lf.Close()
	logger := slog.New(slog.NewTextHandler(lf, nil))
	srv, err := server.New(cal, server.Options{Logger: logger, RequestLog: lf})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	go hs.Serve(ln)
	pf, err := os.Create(profile)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(pf); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "serveprof: serving %s on http://%s, profiling for %s\n", path, ln.Addr(), d)
	time.Sleep(d)
	pprof.StopCPUProfile()
	hs.Close()
	return pf.Close()
}
