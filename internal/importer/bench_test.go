package importer

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"calfeed/internal/calendar"
	"calfeed/internal/feed"
	"calfeed/internal/synth"
)

// BenchmarkImport imports what calendars are exported as: the full feed
// calfeed writes for the synthetic calendars (bench/gen, seed 1), and
// files where many events share a title, a uid column or tracks, which
// once took time in the square of their events. B/op counts every
// allocation; the peak a process reaches is measured by hand
// (BENCHMARKS.md, "calfeed import's peak memory"). The 10k feed is
// skipped with -short.
func BenchmarkImport(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("ics/events=%d", n), func(b *testing.B) {
			if n > 1_000 && testing.Short() {
				b.Skip("10k events: skipped with -short")
			}
			benchImport(b, ICS, synthFeed(b, n))
		})
	}
	const rows = 5_000
	b.Run(fmt.Sprintf("ics/one-title/events=%d", rows), func(b *testing.B) {
		var s strings.Builder
		s.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n")
		for i := range rows {
			fmt.Fprintf(&s, "BEGIN:VEVENT\r\nUID:u%d@elsewhere.example.org\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:Meeting\r\n"+
				"DTSTART:2026%02d%02dT090000Z\r\nDTEND:2026%02d%02dT100000Z\r\nCATEGORIES:Track %d\r\nEND:VEVENT\r\n",
				i, 1+i%12, 1+i%28, 1+i%12, 1+i%28, i%(rows/4))
		}
		s.WriteString("END:VCALENDAR\r\n")
		benchImport(b, ICS, []byte(s.String()))
	})
	b.Run(fmt.Sprintf("csv/one-title-uids/rows=%d", rows), func(b *testing.B) {
		var s strings.Builder
		s.WriteString("uid,title,start,duration,timezone,tracks\n")
		for i := range rows {
			fmt.Fprintf(&s, "u%d@old.example.org,Meeting,2026-%02d-%02d 09:00,1h,Europe/Zurich,Track %d\n", i, 1+i%12, 1+i%28, i%(rows/4))
		}
		benchImport(b, CSV, []byte(s.String()))
	})
}

func benchImport(b *testing.B, imp func(string, []byte, Options) (*Result, error), src []byte) {
	b.Helper()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := imp("bench", src, Options{Now: now})
		if err != nil {
			b.Fatal(err)
		}
		if res.Events == 0 {
			b.Fatal("no event imported")
		}
	}
}

// synthFeed returns the full feed calfeed writes for the synthetic
// calendar of n events.
func synthFeed(b *testing.B, n int) []byte {
	b.Helper()
	var src bytes.Buffer
	if err := synth.Write(&src, synth.Options{Events: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	cal, err := calendar.Load("events.yaml", &src, calendar.Options{})
	if err != nil {
		b.Fatal(err)
	}
	r, err := feed.New(cal)
	if err != nil {
		b.Fatal(err)
	}
	lang := cal.Languages[0]
	var out bytes.Buffer
	if err := r.Write(&out, feed.Feed{Name: cal.Name.In(lang), Description: cal.Description.In(lang), Events: cal.Events}, lang); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}
