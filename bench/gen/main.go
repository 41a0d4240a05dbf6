// Command gen writes a synthetic events.yaml for calfeed's benchmarks to
// standard output (see package synth):
//
//	go run ./bench/gen -events 1000 -seed 1 > events-1k.yaml
package main

import (
	"flag"
	"fmt"
	"os"

	"calfeed/internal/synth"
)

func main() {
	events := flag.Int("events", 1000, "number of events")
	seed := flag.Uint64("seed", 1, "random seed; the same seed gives the same file")
	tracks := flag.Int("tracks", 0, fmt.Sprintf("number of tracks (0: one per %d events)", synth.EventsPerTrack))
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := synth.Write(os.Stdout, synth.Options{Events: *events, Seed: *seed, Tracks: *tracks}); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
