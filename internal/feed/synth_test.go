package feed

import (
	"bytes"
	"testing"

	"calfeed/internal/calendar"
	"calfeed/internal/synth"
)

// loadSynth loads the synthetic calendar of n events from seed.
func loadSynth(tb testing.TB, n int, seed uint64) *calendar.Calendar {
	tb.Helper()
	var buf bytes.Buffer
	if err := synth.Write(&buf, synth.Options{Events: n, Seed: seed}); err != nil {
		tb.Fatal(err)
	}
	cal, err := calendar.Load("events.yaml", &buf, calendar.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return cal
}
