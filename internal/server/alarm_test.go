package server

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-ical"
)

// alarmYAML has a repeating event with an override and a cancelled
// occurrence, beside one-off events.
const alarmYAML = `
calendar: {id: testcal, name: Test, timezone: Europe/Zurich, languages: [en, fr]}
tracks:
  - {id: alpha, name: Alpha}
  - {id: beta, name: Beta}
events:
  - id: weekly
    title: {en: Weekly, fr: Hebdo}
    start: 2025-03-06 09:00
    duration: 1h
    tracks: [alpha]
    repeat: {freq: weekly, count: 6}
    overrides:
      2025-03-20: {location: Room B}
      2025-03-27: {status: cancelled}
  - {id: once, title: Once, start: 2025-03-10 14:00, duration: 1h, tracks: [beta]}
  - {id: gone, title: Gone, start: 2025-03-11 14:00, duration: 1h, status: cancelled, tracks: [beta]}
  - {id: day, title: Day, start: 2025-03-12, tracks: [alpha, beta]}
`

// TestAlarm checks ?alarm= on every kind of feed: one VALARM in every
// VEVENT that is not cancelled, with the asked trigger, and none without.
func TestAlarm(t *testing.T) {
	s, err := New(loadCalendar(t, alarmYAML), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		target  string
		trigger string // "" for no reminder
		vevents int
	}{
		{"/calendar.ics", "", 6},
		{"/calendar.ics?alarm=", "", 6},
		{"/calendar.ics?alarm=15m", "-PT15M", 6},
		{"/calendar.ics?alarm=30m&lang=fr", "-PT30M", 6},
		{"/calendar.ics?lang=xx&alarm=1h", "-PT1H", 6},
		{"/tracks/alpha.ics?alarm=1d", "-P1D", 4},
		{"/events/weekly.ics?alarm=15m", "-PT15M", 3},
		{"/events/once.ics?alarm=1h", "-PT1H", 1},
		{"/calendar.ics?tracks=alpha,beta&alarm=30m", "-PT30M", 6},
		{"/calendar.ics?tracks=beta&alarm=15m", "-PT15M", 3},
		{"/calendar.ics?events=weekly,once&alarm=1d", "-P1D", 4},
	}
	for _, tc := range tests {
		name := "GET " + tc.target
		cal := parseFeed(t, name, get(t, s, tc.target, nil).Body.Bytes())
		events := cal.Events()
		if len(events) != tc.vevents {
			t.Errorf("%s: %d VEVENTs, want %d", name, len(events), tc.vevents)
		}
		for _, ev := range events {
			var alarms []*ical.Component
			for _, c := range ev.Children {
				if c.Name == ical.CompAlarm {
					alarms = append(alarms, c)
				}
			}
			what := ev.Props.Get(ical.PropUID).Value
			if rid := ev.Props.Get(ical.PropRecurrenceID); rid != nil {
				what += " " + rid.Value
			}
			cancelled := ev.Props.Get(ical.PropStatus).Value == "CANCELLED"
			want := 1
			if tc.trigger == "" || cancelled {
				want = 0
			}
			if len(alarms) != want {
				t.Errorf("%s: %s: %d VALARMs, want %d", name, what, len(alarms), want)
				continue
			}
			if want == 1 {
				a := alarms[0]
				if got := a.Props.Get(ical.PropTrigger).Value; got != tc.trigger || a.Props.Get(ical.PropAction).Value != "DISPLAY" || a.Props.Get(ical.PropDescription) == nil {
					t.Errorf("%s: %s: VALARM %v, want ACTION:DISPLAY with a DESCRIPTION and TRIGGER:%s", name, what, a.Props, tc.trigger)
				}
			}
		}
	}
}

// TestAlarmVariants checks that each reminder is its own resource, with its
// own ETag, and that an empty ?alarm= is the plain feed.
func TestAlarmVariants(t *testing.T) {
	s, err := New(loadCalendar(t, alarmYAML), Options{})
	if err != nil {
		t.Fatal(err)
	}
	plain := get(t, s, "/tracks/alpha.ics", nil)
	if empty := get(t, s, "/tracks/alpha.ics?alarm=", nil); empty.Header().Get("ETag") != plain.Header().Get("ETag") {
		t.Errorf("GET /tracks/alpha.ics?alarm=: ETag %s, want the plain feed's %s", empty.Header().Get("ETag"), plain.Header().Get("ETag"))
	}
	etags := map[string]string{plain.Header().Get("ETag"): "none"}
	for _, a := range []string{"15m", "30m", "1h", "1d"} {
		target := "/tracks/alpha.ics?alarm=" + a
		w := get(t, s, target, nil)
		etag := w.Header().Get("ETag")
		if other, dup := etags[etag]; dup {
			t.Errorf("GET %s: ETag %s, the same as alarm %s", target, etag, other)
		}
		etags[etag] = a
		if again := get(t, s, target, nil); again.Body.String() != w.Body.String() {
			t.Errorf("GET %s: two requests give different bodies", target)
		}
		if w := do(t, s, http.MethodGet, target, http.Header{"If-None-Match": {etag}}); w.Code != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match: status %d, want 304", target, w.Code)
		}
		if w := do(t, s, http.MethodHead, target, nil); w.Code != http.StatusOK || w.Body.Len() != 0 {
			t.Errorf("HEAD %s: status %d, %d bytes", target, w.Code, w.Body.Len())
		}
	}
}

func TestAlarmInvalid(t *testing.T) {
	s, err := New(loadCalendar(t, alarmYAML), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{
		"/calendar.ics?alarm=10m",
		"/calendar.ics?alarm=15",
		"/calendar.ics?alarm=1H",
		"/calendar.ics?alarm=none",
		"/calendar.ics?tracks=alpha,beta&alarm=2h",
		"/tracks/alpha.ics?alarm=-15m",
		"/events/once.ics?alarm=1w",
	} {
		w := do(t, s, http.MethodGet, target, nil)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "15m, 30m, 1h, 1d") {
			t.Errorf("GET %s: status %d, body %q; want 400 listing 15m, 30m, 1h, 1d", target, w.Code, w.Body)
		}
	}
	// An unknown event is still a 404, whatever the alarm.
	if w := do(t, s, http.MethodGet, "/events/nope.ics?alarm=15m", nil); w.Code != http.StatusNotFound {
		t.Errorf("GET /events/nope.ics?alarm=15m: status %d, want 404", w.Code)
	}
}

// TestAlarmConcurrent: a reminder variant is rendered on its first
// request; many first requests at once must all get the same bytes.
func TestAlarmConcurrent(t *testing.T) {
	s, err := New(loadCalendar(t, alarmYAML), Options{})
	if err != nil {
		t.Fatal(err)
	}
	targets := []string{"/calendar.ics?alarm=15m", "/events/weekly.ics?alarm=1h", "/tracks/beta.ics?alarm=1d&lang=fr"}
	const n = 8
	got := make([][]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, target := range targets {
				w := do(t, s, http.MethodGet, target, nil)
				got[i] = append(got[i], w.Header().Get("ETag")+"\n"+w.Body.String())
			}
		}()
	}
	wg.Wait()
	for i := 1; i < n; i++ {
		for j, target := range targets {
			if got[i][j] != got[0][j] {
				t.Errorf("GET %s: concurrent first requests got different feeds", target)
			}
		}
	}
}
