package feed_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"calfeed/internal/calendar"
	"calfeed/internal/feed"
	"calfeed/internal/synth"
)

// benchSizes are the synthetic calendars rendered: the 1k, 10k and
// 100k events (bench/synth, seed 1).
var benchSizes = []int{1_000, 10_000, 100_000}

// synthCalendar loads a synthetic calendar of n events.
func synthCalendar(b testing.TB, n int) *calendar.Calendar {
	b.Helper()
	var buf bytes.Buffer
	if err := synth.Write(&buf, synth.Options{Events: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	cal, err := calendar.Load("events.yaml", &buf, calendar.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return cal
}

// everyFeed lists the feeds serve and build render at load, in one
// language: the full feed, one per track and one per event.
func everyFeed(cal *calendar.Calendar, lang string) []feed.Feed {
	feeds := []feed.Feed{{Name: cal.Name.In(lang), Description: cal.Description.In(lang), Events: cal.Events}}
	for _, t := range cal.Tracks {
		var evs []*calendar.Event
		for _, e := range cal.Events {
			if e.InTrack(t.ID) {
				evs = append(evs, e)
			}
		}
		feeds = append(feeds, feed.Feed{Name: cal.Name.In(lang) + " · " + t.Name.In(lang), Description: t.Description.In(lang), Events: evs})
	}
	for _, e := range cal.Events {
		feeds = append(feeds, feed.Feed{Name: e.Title.In(lang), Description: cal.Description.In(lang), Events: []*calendar.Event{e}})
	}
	return feeds
}

// BenchmarkRender renders every feed of a loaded calendar, as a server
// does when it starts or reloads: feed.New, then the full feed, every
// track's and every event's, in every language. feed-bytes/op is what
// they add up to. The 100k case is skipped with -short.
func BenchmarkRender(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			if n > 10_000 && testing.Short() {
				b.Skip("100k events: skipped with -short")
			}
			cal := synthCalendar(b, n)
			feeds := map[string][]feed.Feed{}
			for _, lang := range cal.Languages {
				feeds[lang] = everyFeed(cal, lang)
			}
			var cw countWriter
			b.ReportAllocs()
			for b.Loop() {
				cw = 0
				r, err := feed.New(cal)
				if err != nil {
					b.Fatal(err)
				}
				for _, lang := range cal.Languages {
					for _, f := range feeds[lang] {
						if err := r.Write(&cw, f, lang); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
			b.ReportMetric(float64(cw), "feed-bytes/op")
		})
	}
}

// BenchmarkRenderFull renders the full feed of the 1000-event calendar in
// its default language: the figure compared with ical-generator
// (bench/node/render.js). "new+write" is the whole cost from a loaded
// calendar (feed.New renders every event in every language and alarm, ten
// times what this one feed needs); "write" is the feed alone from a ready
// Renderer, what an uncached feed (?tracks=a,b, ?events=) costs a request.
func BenchmarkRenderFull(b *testing.B) {
	cal := synthCalendar(b, 1_000)
	lang := cal.Languages[0]
	f := feed.Feed{Name: cal.Name.In(lang), Description: cal.Description.In(lang), Events: cal.Events}
	var out bytes.Buffer
	b.Run("new+write", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out.Reset()
			r, err := feed.New(cal)
			if err != nil {
				b.Fatal(err)
			}
			if err := r.Write(&out, f, lang); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(out.Len()))
	})
	b.Run("write", func(b *testing.B) {
		r, err := feed.New(cal)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			out.Reset()
			if err := r.Write(&out, f, lang); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(out.Len()))
	})
}

// countWriter counts bytes and keeps none.
type countWriter int64

func (w *countWriter) Write(p []byte) (int, error) {
	*w += countWriter(len(p))
	return len(p), nil
}

var _ io.Writer = (*countWriter)(nil)
