package calendar_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"calfeed/internal/calendar"
	"calfeed/internal/synth"
)

// benchSizes are the synthetic calendars the benchmarks load: the issue's
// 1k, 10k and 100k events (bench/synth, seed 1).
var benchSizes = []int{1_000, 10_000, 100_000}

// writeSynth writes a synthetic events.yaml of n events into dir.
func writeSynth(b *testing.B, dir string, n int) string {
	b.Helper()
	path := filepath.Join(dir, "events.yaml")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := synth.Write(f, synth.Options{Events: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkLoad reads, validates and resolves synthetic calendars
// (calendar.ReadFile: open + Load). The 100k case is skipped with -short.
func BenchmarkLoad(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			if n > 10_000 && testing.Short() {
				b.Skip("100k events: skipped with -short")
			}
			path := writeSynth(b, b.TempDir(), n)
			st, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(st.Size())
			b.ReportAllocs()
			for b.Loop() {
				cal, err := calendar.ReadFile(b.Context(), path, calendar.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if len(cal.Events) != n {
					b.Fatalf("loaded %d events, want %d", len(cal.Events), n)
				}
			}
		})
	}
}
