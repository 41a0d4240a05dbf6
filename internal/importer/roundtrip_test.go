package importer

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"calfeed/internal/calendar"
	"calfeed/internal/feed"

	_ "time/tzdata"
)

// now is the clock of the tests: rules without end are compared and
// written out from it.
func now() time.Time { return time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC) }

// horizon bounds the occurrences compared in tests.
var horizon = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)

// occurrences lists every occurrence of every event of cal up to horizon,
// by UID, as a subscriber's calendar would show them.
func occurrences(cal *calendar.Calendar) map[string][]string {
	out := map[string][]string{}
	for _, e := range cal.Events {
		uid := feed.UID(cal, e)
		for _, o := range e.Occurrences(time.Time{}, 100000) {
			if o.Start.After(horizon) {
				break
			}
			format := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
			if e.AllDay {
				format = func(t time.Time) string { return t.Format(time.DateOnly) }
			}
			out[uid] = append(out[uid], fmt.Sprintf("%s/%s %s", format(o.Start), format(o.End), o.Status))
		}
	}
	return out
}

// load loads an imported calendar as `calfeed check` does.
func load(t *testing.T, res *Result) *calendar.Calendar {
	t.Helper()
	cal, err := calendar.Load("imported.yaml", bytes.NewReader(res.YAML), calendar.Options{})
	if err != nil {
		t.Fatalf("the imported events.yaml does not load: %v\n%s", err, res.YAML)
	}
	return cal
}

// TestRoundTrip renders calendars with calfeed's own feed renderer,
// imports the feeds and checks that every event comes back with its UID
// and the same occurrences: instants, lengths and cancellations.
func TestRoundTrip(t *testing.T) {
	for _, path := range []string{
		"../../events.yaml",
		"../feed/testdata/fixture.yaml",
		"../feed/testdata/repeat.yaml",
		"../server/testdata/series.yaml",
		"../calendar/testdata/warn_repeat.yaml",
		"../calendar/testdata/warn_repeated.yaml",
	} {
		t.Run(path, func(t *testing.T) {
			cal, err := calendar.ReadFile(t.Context(), path, calendar.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r, err := feed.New(cal)
			if err != nil {
				t.Fatal(err)
			}
			for _, lang := range cal.Languages {
				var ics bytes.Buffer
				f := feed.Feed{Name: cal.Name.In(lang), Description: cal.Description.In(lang), Events: cal.Events}
				if err := r.Write(&ics, f, lang); err != nil {
					t.Fatal(err)
				}
				res, err := ICS("calendar.ics", ics.Bytes(), Options{Lang: lang, Now: now})
				if err != nil {
					t.Fatalf("%s: %v\n%s", lang, err, res.Notes)
				}
				got := load(t, res)
				if got.ID != cal.ID || got.Location.String() != cal.Location.String() {
					t.Errorf("%s: calendar %s in %s, want %s in %s", lang, got.ID, got.Location, cal.ID, cal.Location)
				}
				if diff := cmp.Diff(occurrences(cal), occurrences(got)); diff != "" {
					t.Errorf("%s: occurrences by UID (-feed +imported):\n%s\nimported:\n%s\nnotes:\n%s", lang, diff, res.YAML, notesText(res.Notes))
				}
				// The ids come back: the events are the same events.
				for _, e := range cal.Events {
					if got.Event(e.ID) == nil {
						t.Errorf("%s: event %q has another id", lang, e.ID)
					}
				}
			}
		})
	}
}

func notesText(ns []Note) string {
	var b strings.Builder
	for _, n := range ns {
		b.WriteString(n.String())
		b.WriteByte('\n')
	}
	return b.String()
}
