package calendar

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/teambition/rrule-go"
)

// loadEvents loads a calendar (zone Europe/Zurich, languages en and fr)
// with the given events: entries of the events: list, in YAML.
func loadEvents(t *testing.T, events string) *Calendar {
	t.Helper()
	src := "calendar: {id: demo, name: Demo, timezone: Europe/Zurich, languages: [en, fr]}\nevents:\n" + events
	cal, err := Load("r.yaml", strings.NewReader(src), Options{})
	if err != nil {
		t.Fatalf("Load:\n%v\n%s", err, src)
	}
	return cal
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// starts returns the original starts (RECURRENCE-ID) of occurrences.
func starts(os []Occurrence) []time.Time {
	out := make([]time.Time, len(os))
	for i, o := range os {
		out[i] = o.Recurrence.UTC()
	}
	return out
}

// TestOccurrencesAgainstRRule expands rules written in events.yaml and
// compares them with rrule-go (a port of python-dateutil) given the same
// rule by hand, across daylight-saving changes in both hemispheres.
// Go's time.Date, which rrule-go uses, agrees with RFC 5545 §3.3.5 for
// these wall times, none of which falls in a gap or a repeated hour.
func TestOccurrencesAgainstRRule(t *testing.T) {
	zurich, sydney := mustZone(t, "Europe/Zurich"), mustZone(t, "Australia/Sydney")
	ny, london, tokyo := mustZone(t, "America/New_York"), mustZone(t, "Europe/London"), mustZone(t, "Asia/Tokyo")
	at := func(loc *time.Location, y int, m time.Month, d, h, mi int) time.Time {
		return time.Date(y, m, d, h, mi, 0, 0, loc)
	}
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	endOf := func(loc *time.Location, y int, m time.Month, d int) time.Time {
		return time.Date(y, m, d, 23, 59, 59, 0, loc)
	}
	tests := []struct {
		name   string
		yaml   string
		rule   rrule.ROption
		exdate []time.Time
		rdate  []time.Time
		n      int // for a rule without end: how many to compare
	}{
		{
			name:   "zurich weekly across March and October",
			yaml:   `{id: e, title: x, start: 2016-03-03 09:00, end: 2016-03-03 10:00, repeat: {freq: weekly, until: 2016-11-10, except: [2016-03-17], also: [2016-11-12]}}`,
			rule:   rrule.ROption{Freq: rrule.WEEKLY, Dtstart: at(zurich, 2016, 3, 3, 9, 0), Until: endOf(zurich, 2016, 11, 10)},
			exdate: []time.Time{at(zurich, 2016, 3, 17, 9, 0)},
			rdate:  []time.Time{at(zurich, 2016, 11, 12, 9, 0)},
		},
		{
			name: "sydney fortnightly on two days across April and October",
			yaml: `{id: e, title: x, timezone: Australia/Sydney, start: 2016-03-22 18:30, duration: 90m, repeat: {freq: weekly, interval: 2, days: [th, tu], count: 30}}`,
			rule: rrule.ROption{Freq: rrule.WEEKLY, Interval: 2, Byweekday: []rrule.Weekday{rrule.TU, rrule.TH}, Count: 30, Dtstart: at(sydney, 2016, 3, 22, 18, 30)},
		},
		{
			name:   "sydney daily for 400 days",
			yaml:   `{id: e, title: x, timezone: Australia/Sydney, start: 2016-03-01 07:00, duration: 1h, repeat: {freq: daily, count: 400, except: [2016-04-03, 2016-10-02]}}`,
			rule:   rrule.ROption{Freq: rrule.DAILY, Count: 400, Dtstart: at(sydney, 2016, 3, 1, 7, 0)},
			exdate: []time.Time{at(sydney, 2016, 4, 3, 7, 0), at(sydney, 2016, 10, 2, 7, 0)},
		},
		{
			name: "new york last friday without end",
			yaml: `{id: e, title: x, timezone: America/New_York, start: 2016-01-29 18:00, duration: 2h, repeat: {freq: monthly, days: [-1fr]}}`,
			rule: rrule.ROption{Freq: rrule.MONTHLY, Byweekday: []rrule.Weekday{rrule.FR.Nth(-1)}, Dtstart: at(ny, 2016, 1, 29, 18, 0)},
			n:    40,
		},
		{
			name: "tokyo second tuesday without end",
			yaml: `{id: e, title: x, timezone: Asia/Tokyo, start: 2016-01-12 10:00, duration: 1h, repeat: {freq: monthly, days: [2tu]}}`,
			rule: rrule.ROption{Freq: rrule.MONTHLY, Byweekday: []rrule.Weekday{rrule.TU.Nth(2)}, Dtstart: at(tokyo, 2016, 1, 12, 10, 0)},
			n:    30,
		},
		{
			name: "zurich every other month on the 15th",
			yaml: `{id: e, title: x, start: 2016-01-15 12:00, duration: 1h, repeat: {freq: monthly, interval: 2, until: 2018-01-15}}`,
			rule: rrule.ROption{Freq: rrule.MONTHLY, Interval: 2, Dtstart: at(zurich, 2016, 1, 15, 12, 0), Until: endOf(zurich, 2018, 1, 15)},
		},
		{
			name: "london every other week on monday and thursday",
			yaml: `{id: e, title: x, timezone: Europe/London, start: 2016-03-10 10:00, duration: 1h, repeat: {freq: weekly, interval: 2, days: [mo, th], count: 16}}`,
			rule: rrule.ROption{Freq: rrule.WEEKLY, Interval: 2, Wkst: rrule.MO, Byweekday: []rrule.Weekday{rrule.MO, rrule.TH}, Count: 16, Dtstart: at(london, 2016, 3, 10, 10, 0)},
		},
		{
			name: "zurich every third day",
			yaml: `{id: e, title: x, start: 2016-03-20 23:30, duration: 1h, repeat: {freq: daily, interval: 3, until: 2016-11-30}}`,
			rule: rrule.ROption{Freq: rrule.DAILY, Interval: 3, Dtstart: at(zurich, 2016, 3, 20, 23, 30), Until: endOf(zurich, 2016, 11, 30)},
		},
		{
			name: "new york yearly without end",
			yaml: `{id: e, title: x, timezone: America/New_York, start: 2015-12-14 18:00, duration: 2h, repeat: {freq: yearly}}`,
			rule: rrule.ROption{Freq: rrule.YEARLY, Dtstart: at(ny, 2015, 12, 14, 18, 0)},
			n:    12,
		},
		{
			name:   "all-day yearly week",
			yaml:   `{id: e, title: x, start: 2016-05-02, end: 2016-05-06, repeat: {freq: yearly, count: 5, except: [2018-05-02], also: [2021-06-01]}}`,
			rule:   rrule.ROption{Freq: rrule.YEARLY, Count: 5, Dtstart: date(2016, 5, 2)},
			exdate: []time.Time{date(2018, 5, 2)},
			rdate:  []time.Time{date(2021, 6, 1)},
		},
		{
			name: "all-day on three weekdays",
			yaml: `{id: e, title: x, start: 2016-02-29, repeat: {freq: weekly, days: [mo, we, fr], until: 2016-04-01}}`,
			rule: rrule.ROption{Freq: rrule.WEEKLY, Byweekday: []rrule.Weekday{rrule.MO, rrule.WE, rrule.FR}, Dtstart: date(2016, 2, 29), Until: date(2016, 4, 1)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := loadEvents(t, "  - "+tc.yaml+"\n").Event("e")
			r, err := rrule.NewRRule(tc.rule)
			if err != nil {
				t.Fatal(err)
			}
			var set rrule.Set
			set.RRule(r)
			for _, d := range tc.exdate {
				set.ExDate(d)
			}
			for _, d := range tc.rdate {
				set.RDate(d)
			}
			var want []time.Time
			next := set.Iterator()
			for v, ok := next(); ok && (tc.n == 0 || len(want) < tc.n); v, ok = next() {
				want = append(want, v.UTC())
			}
			if len(want) < 2 {
				t.Fatalf("rrule-go gives %d occurrences", len(want))
			}
			n := tc.n
			if n == 0 {
				n = len(want) + 10 // a bounded series must end where rrule-go's does
			}
			got := starts(e.Occurrences(time.Time{}, n))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("occurrences differ from rrule-go's (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWeeklyKeepsLocalTime: a weekly 09:00 in Zurich stays at 09:00 local
// on both sides of the changes, and so moves in UTC.
func TestWeeklyKeepsLocalTime(t *testing.T) {
	e := loadEvents(t, "  - {id: e, title: x, start: 2016-03-17 09:00, end: 2016-03-17 10:00, repeat: {freq: weekly, until: 2016-11-03}}\n").Event("e")
	occ := e.Occurrences(time.Time{}, 100)
	if len(occ) != 34 {
		t.Fatalf("%d occurrences, want 34 (17 March to 3 November 2016)", len(occ))
	}
	for _, o := range occ {
		local := o.Start.In(e.Location)
		summer := local.After(time.Date(2016, 3, 27, 0, 0, 0, 0, time.UTC)) && local.Before(time.Date(2016, 10, 30, 0, 0, 0, 0, time.UTC))
		wantUTC := 8
		if summer {
			wantUTC = 7
		}
		if local.Format("Mon 15:04") != "Thu 09:00" || o.Start.UTC().Hour() != wantUTC || o.End.Sub(o.Start) != time.Hour {
			t.Errorf("%s: %s local, %s UTC, lasts %v; want Thu 09:00 local, %02d:00 UTC, 1h", local.Format(time.DateOnly), local.Format("Mon 15:04"), o.Start.UTC().Format("15:04"), o.End.Sub(o.Start), wantUTC)
		}
	}
}

// TestSydneyKeepsLocalTime: the southern hemisphere's changes go the other
// way round (summer time ends in April, starts in October).
func TestSydneyKeepsLocalTime(t *testing.T) {
	e := loadEvents(t, "  - {id: e, title: x, timezone: Australia/Sydney, start: 2016-03-29 18:30, duration: 1h, repeat: {freq: weekly, count: 30}}\n").Event("e")
	want := map[string]string{
		"2016-03-29": "07:30", // AEDT, UTC+11
		"2016-04-05": "08:30", // AEST, UTC+10, from 3 April
		"2016-09-27": "08:30",
		"2016-10-04": "07:30", // AEDT again from 2 October
		"2016-10-18": "07:30",
	}
	for _, o := range e.Occurrences(time.Time{}, 30) {
		local := o.Start.In(e.Location)
		if local.Format("15:04") != "18:30" {
			t.Errorf("%s: starts %s local, want 18:30", local.Format(time.DateOnly), local.Format("15:04"))
		}
		if w, ok := want[local.Format(time.DateOnly)]; ok && o.Start.UTC().Format("15:04") != w {
			t.Errorf("%s: %s UTC, want %s", local.Format(time.DateOnly), o.Start.UTC().Format("15:04"), w)
		}
	}
}

func TestOverrides(t *testing.T) {
	cal := loadEvents(t, `  - id: e
    title: {en: Briefing, fr: Point}
    location: Room A
    start: 2016-05-05 09:00
    end: 2016-05-05 10:00
    repeat: {freq: weekly, until: 2016-06-02, except: [2016-05-19], also: [2016-06-04]}
    overrides:
      2016-05-12: {start: 2016-05-27 08:00, title: Moved}
      2016-05-26: {status: cancelled}
      2016-06-04: {location: Room C, end: 2016-06-04 12:00}
`)
	e := cal.Event("e")
	type row struct{ Orig, Start, End, Title, Place, Status string }
	var got []row
	for _, o := range e.Occurrences(time.Time{}, 10) {
		got = append(got, row{
			o.Recurrence.In(e.Location).Format("01-02 15:04"), o.Start.In(e.Location).Format("01-02 15:04"),
			o.End.In(e.Location).Format("01-02 15:04"), o.Title.In("fr"), o.Place.In("en"), string(o.Status),
		})
	}
	want := []row{
		{"05-05 09:00", "05-05 09:00", "05-05 10:00", "Point", "Room A", "confirmed"},
		{"05-26 09:00", "05-26 09:00", "05-26 10:00", "Point", "Room A", "cancelled"},
		{"05-12 09:00", "05-27 08:00", "05-27 09:00", "Moved", "Room A", "confirmed"}, // moved past 26 May
		{"06-02 09:00", "06-02 09:00", "06-02 10:00", "Point", "Room A", "confirmed"},
		{"06-04 09:00", "06-04 09:00", "06-04 12:00", "Point", "Room C", "confirmed"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("occurrences (-want +got):\n%s", diff)
	}
	if len(e.Overrides) != 3 || e.Overrides[0].Date.Format(time.DateOnly) != "2016-05-12" || !e.Overrides[0].Place.IsZero() {
		t.Errorf("overrides: %+v", e.Overrides)
	}
	if got := e.Overridden(e.Overrides[1]); got.Status != Cancelled || !got.Start.Equal(time.Date(2016, 5, 26, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("Overridden(26 May) = %+v", got)
	}
}

func TestOccurrencesFrom(t *testing.T) {
	cal := loadEvents(t, `  - {id: weekly, title: x, start: 2016-05-05 09:00, end: 2016-05-05 10:00, repeat: {freq: weekly}}
  - {id: once, title: x, start: 2016-05-05 09:00, end: 2016-05-05 10:00}
  - {id: days, title: x, start: 2016-05-02, repeat: {freq: weekly, count: 3}}
  - {id: moved, title: x, start: 2016-05-05 09:00, end: 2016-05-05 10:00, repeat: {freq: weekly, count: 3}, overrides: {2016-05-05: {start: 2016-05-20 09:00}}}
`)
	zurich := cal.Location
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, zurich)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	dates := func(os []Occurrence) string {
		var s []string
		for _, o := range os {
			s = append(s, o.Start.In(zurich).Format("01-02"))
		}
		return strings.Join(s, " ")
	}
	tests := []struct {
		id, from string
		n        int
		want     string
	}{
		{"weekly", "2016-05-01 00:00", 3, "05-05 05-12 05-19"},
		{"weekly", "2016-05-12 09:30", 2, "05-12 05-19"}, // still running at 09:30
		{"weekly", "2016-05-12 10:00", 2, "05-19 05-26"}, // over at its end
		{"weekly", "2026-01-01 00:00", 1, "01-01"},       // a Thursday, ten years on
		{"weekly", "2016-05-01 00:00", 0, ""},
		{"once", "2016-05-05 09:59", 5, "05-05"},
		{"once", "2016-05-05 10:00", 5, ""},
		{"days", "2016-05-09 23:59", 5, "05-09 05-16"}, // all day on 9 May, Zurich time
		{"days", "2016-05-10 00:00", 5, "05-16"},
		{"moved", "2016-05-01 00:00", 5, "05-12 05-19 05-20"},
		{"moved", "2016-05-19 12:00", 5, "05-20"},
	}
	for _, tc := range tests {
		if got := dates(cal.Event(tc.id).Occurrences(at(tc.from), tc.n)); got != tc.want {
			t.Errorf("%s.Occurrences(%s, %d) = %q, want %q", tc.id, tc.from, tc.n, got, tc.want)
		}
	}
}

func TestLastEndAndRuleDates(t *testing.T) {
	cal := loadEvents(t, `  - {id: count, title: x, start: 2016-05-05 09:00, duration: 1h, repeat: {freq: weekly, count: 3, also: [2016-06-30]}}
  - {id: until, title: x, start: 2016-05-02, repeat: {freq: monthly, days: [1mo], until: 2016-09-30}}
  - {id: open, title: x, start: 2016-05-05 09:00, duration: 1h, repeat: {freq: daily}}
  - {id: once, title: x, start: 2016-05-05 09:00, duration: 1h}
`)
	tests := []struct {
		id, end string
		ok      bool
	}{
		{"count", "2016-06-30T08:00:00Z", true}, // the extra date is last
		{"until", "2016-09-06T00:00:00Z", true}, // 5 September, all day
		{"open", "", false},
		{"once", "2016-05-05T08:00:00Z", true},
	}
	for _, tc := range tests {
		end, ok := cal.Event(tc.id).LastEnd()
		if got := end.UTC().Format(time.RFC3339); ok != tc.ok || ok && got != tc.end {
			t.Errorf("%s.LastEnd() = %s, %v; want %s, %v", tc.id, got, ok, tc.end, tc.ok)
		}
	}
	if got := cal.Event("count").Repeat.Last.UTC().Format(time.RFC3339); got != "2016-05-19T07:00:00Z" {
		t.Errorf("count: Repeat.Last = %s, want the third Thursday", got)
	}
	date := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	var got []string
	for _, d := range cal.Event("count").RuleDates(date("2016-05-20"), date("2016-06-30")) {
		got = append(got, d.Format(time.DateOnly))
	}
	if want := "2016-05-26 2016-06-02 2016-06-09 2016-06-16 2016-06-23 2016-06-30"; strings.Join(got, " ") != want {
		t.Errorf("RuleDates = %v, want %s (count ignored)", got, want)
	}
}

// TestResolveRFC checks RFC 5545 §3.3.5's reading of a wall time in a gap
// (the offset before the gap), where Go's time.Date differs west of UTC.
func TestResolveRFC(t *testing.T) {
	wall := func(s string) time.Time { v, _ := time.Parse("2006-01-02 15:04", s); return v }
	tests := []struct {
		zone, wall, utc string
		res             wallResult
	}{
		{"America/New_York", "2016-03-13 02:30", "2016-03-13T07:30:00Z", wallGap}, // 03:30 EDT
		{"Europe/Zurich", "2016-03-27 02:30", "2016-03-27T01:30:00Z", wallGap},    // 03:30 CEST
		{"Australia/Sydney", "2016-10-02 02:30", "2016-10-01T16:30:00Z", wallGap}, // 03:30 AEDT
		{"Australia/Lord_Howe", "2016-10-02 02:15", "2016-10-01T15:45:00Z", wallGap},
		{"Europe/Zurich", "2016-10-30 02:30", "2016-10-30T00:30:00Z", wallRepeated}, // the first
		{"Europe/Zurich", "2016-10-30 03:30", "2016-10-30T02:30:00Z", wallOK},
	}
	for _, tc := range tests {
		got, res := resolveRFC(wall(tc.wall), mustZone(t, tc.zone))
		if got.UTC().Format(time.RFC3339) != tc.utc || res != tc.res {
			t.Errorf("%s %s: %s (%d), want %s (%d)", tc.zone, tc.wall, got.UTC().Format(time.RFC3339), res, tc.utc, tc.res)
		}
	}
}

func TestParseDay(t *testing.T) {
	tests := []struct {
		in   string
		want Day
		bad  bool
	}{
		{"th", Day{Weekday: time.Thursday}, false},
		{"TH", Day{Weekday: time.Thursday}, false},
		{"1tu", Day{Weekday: time.Tuesday, Nth: 1}, false},
		{"-1fr", Day{Weekday: time.Friday, Nth: -1}, false},
		{"+2mo", Day{Weekday: time.Monday, Nth: 2}, false},
		{"5tu", Day{}, true},
		{"0tu", Day{}, true},
		{"thu", Day{}, true},
		{"", Day{}, true},
	}
	for _, tc := range tests {
		got, msg := parseDay(tc.in)
		if (msg != "") != tc.bad || !tc.bad && got != tc.want {
			t.Errorf("parseDay(%q) = %+v, %q", tc.in, got, msg)
		}
		if !tc.bad && strings.ToLower(strings.TrimPrefix(tc.in, "+")) != got.String() {
			t.Errorf("Day(%q).String() = %q", tc.in, got.String())
		}
	}
}

// TestFastForward checks the shortcuts that find a rule's nth date, its
// last date before a bound, and the dates near one, against walking every
// date from the start.
func TestFastForward(t *testing.T) {
	date := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	rules := []struct {
		start string
		r     Repeat
	}{
		{"2016-03-03", Repeat{Freq: Daily, Interval: 1}},
		{"2016-03-03", Repeat{Freq: Daily, Interval: 3}},
		{"2016-03-03", Repeat{Freq: Weekly, Interval: 1}},
		{"2016-03-03", Repeat{Freq: Weekly, Interval: 2, Days: []Day{{Weekday: time.Monday}, {Weekday: time.Thursday}, {Weekday: time.Saturday}}}},
		{"2016-03-06", Repeat{Freq: Weekly, Interval: 3, Days: []Day{{Weekday: time.Tuesday}, {Weekday: time.Sunday}}}},
		{"2016-01-15", Repeat{Freq: Monthly, Interval: 2}},
		{"2016-01-29", Repeat{Freq: Monthly, Interval: 1, Days: []Day{{Weekday: time.Friday, Nth: -1}}}},
		{"2016-03-08", Repeat{Freq: Monthly, Interval: 5, Days: []Day{{Weekday: time.Tuesday, Nth: 2}}}},
		{"2016-05-02", Repeat{Freq: Yearly, Interval: 1}},
		{"2016-05-02", Repeat{Freq: Yearly, Interval: 4}},
	}
	for _, tc := range rules {
		start := date(tc.start)
		var all []time.Time
		for d := range tc.r.pattern(start) {
			if len(all) == 150 {
				break
			}
			all = append(all, d)
		}
		name := fmt.Sprintf("%s %s/%d %v", tc.start, tc.r.Freq, tc.r.Interval, tc.r.Days)
		for n := 1; n <= len(all); n++ {
			if got := tc.r.nth(start, n); !got.Equal(all[n-1]) {
				t.Fatalf("%s: nth(%d) = %s, want %s", name, n, got.Format(time.DateOnly), all[n-1].Format(time.DateOnly))
			}
		}
		e := &Event{Start: start, AllDay: true, Repeat: &tc.r}
		step := map[Freq]int{Daily: 1, Weekly: 1, Monthly: 5, Yearly: 61}[tc.r.Freq]
		for d := start.AddDate(0, 0, -3); d.AddDate(0, 0, 41).Before(all[len(all)-1]); d = d.AddDate(0, 0, step) {
			var before, after time.Time
			for _, a := range all {
				if a.After(d) {
					break
				}
				before = a
			}
			if got := tc.r.lastUntil(start, d); !got.Equal(before) {
				t.Fatalf("%s: lastUntil(%s) = %s, want %s", name, d.Format(time.DateOnly), got.Format(time.DateOnly), before.Format(time.DateOnly))
			}
			for _, a := range all {
				if !a.Before(d) {
					after = a
					break
				}
			}
			got := e.RuleDates(d, d.AddDate(0, 0, 40))
			var want []time.Time
			for _, a := range all {
				if !a.Before(d) && !a.After(d.AddDate(0, 0, 40)) {
					want = append(want, a)
				}
			}
			if !slices.EqualFunc(got, want, time.Time.Equal) {
				t.Fatalf("%s: RuleDates(%s, +40 days) = %v, want %v", name, d.Format(time.DateOnly), got, want)
			}
			if tc.r.matches(start, d) != slices.ContainsFunc(all, d.Equal) {
				t.Fatalf("%s: matches(%s) = %v", name, d.Format(time.DateOnly), !slices.ContainsFunc(all, d.Equal))
			}
			if s := e.nearDates(d); !after.IsZero() && !strings.Contains(s, after.Format(time.DateOnly)) || !before.IsZero() && !before.Equal(d) && !strings.Contains(s, before.Format(time.DateOnly)) {
				t.Fatalf("%s: nearDates(%s) = %q, want %s and %s", name, d.Format(time.DateOnly), s, before.Format(time.DateOnly), after.Format(time.DateOnly))
			}
		}
	}
}

// TestDaysBetweenFarApart: days are counted as dates, in the dates' own
// zone across its clock changes, also past the 292 years a time.Duration
// holds: a rule's dates centuries on are found, and an except on one is
// taken.
func TestDaysBetweenFarApart(t *testing.T) {
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, zurich)
	for _, n := range []int{0, 1, 89, 365, 106751, 106752, 200000, 2000000} {
		if got := daysBetween(start, start.AddDate(0, 0, n)); got != n {
			t.Errorf("daysBetween(%s, %d days on) = %d", start.Format(time.DateOnly), n, got)
		}
		if got := daysBetween(start.AddDate(0, 0, n), start); got != -n {
			t.Errorf("daysBetween(%d days on, %s) = %d", n, start.Format(time.DateOnly), got)
		}
	}
	src := "calendar: {id: c, name: C, timezone: Europe/Zurich}\nevents:\n  - {id: a, title: A, start: 2026-01-01 10:00, duration: 1h, repeat: {freq: daily, interval: 3, except: [%s]}}\n"
	onRule := start.AddDate(0, 0, 3*45000).Format(time.DateOnly) // 2395
	if _, err := Load("c.yaml", strings.NewReader(fmt.Sprintf(src, onRule)), Options{}); err != nil {
		t.Errorf("except %s, a date of the rule: %v", onRule, err)
	}
	offRule := start.AddDate(0, 0, 3*45000+1).Format(time.DateOnly)
	if _, err := Load("c.yaml", strings.NewReader(fmt.Sprintf(src, offRule)), Options{}); err == nil || !strings.Contains(err.Error(), offRule+" is not a date of the rule") {
		t.Errorf("except %s, off the rule: %v", offRule, err)
	}
}
