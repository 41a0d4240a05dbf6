package feed

import (
	"testing"
	"time"

	"calfeed/internal/reminder"
)

// BenchmarkRenderEvent renders the VEVENTs of every event of the
// 1000-event synthetic calendar in every language, without and with a
// reminder: the work feed.New does per event, and its allocations, without
// the digests and the feeds around it. One op is one event in one variant.
func BenchmarkRenderEvent(b *testing.B) {
	cal := loadSynth(b, 1_000, 1)
	r := &Renderer{cal: cal}
	for _, tc := range []struct {
		name  string
		alarm reminder.Reminder
	}{{"plain", reminder.None}, {"alarm", reminder.Reminder(15 * time.Minute)}} {
		b.Run(tc.name, func(b *testing.B) {
			var variants []Variant
			for _, lang := range cal.Languages {
				variants = append(variants, Variant{lang, tc.alarm})
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				e := cal.Events[i%len(cal.Events)]
				v := variants[i/len(cal.Events)%len(variants)]
				sink = r.renderEvent(e, v, nil)
				i++
			}
		})
	}
}

// sink keeps a benchmark's result alive.
var sink []byte
