package feed

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/google/go-cmp/cmp"
	"github.com/teambition/rrule-go"

	"calfeed/internal/calendar"
	"calfeed/internal/locale"
	"calfeed/internal/reminder"
)

func loadRepeat(t *testing.T) (*calendar.Calendar, *Renderer) {
	t.Helper()
	cal, err := calendar.ReadFile(t.Context(), "testdata/repeat.yaml", calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return cal, newRenderer(t, cal)
}

// newRenderer makes cal's Renderer.
func newRenderer(t testing.TB, cal *calendar.Calendar) *Renderer {
	t.Helper()
	r, err := New(cal)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRepeatGolden pins the bytes of repeating events' feeds, without and
// with a reminder. Rewrite with go test ./internal/feed -update.
func TestRepeatGolden(t *testing.T) {
	cal, r := loadRepeat(t)
	all := allFeed(cal, "en")
	withAlarm := all
	withAlarm.Alarm = reminder.Reminder(15 * time.Minute)
	for name, f := range map[string]Feed{"repeat.en": all, "repeat.en.alarm-15m": withAlarm} {
		t.Run(name, func(t *testing.T) {
			got := render(t, r, f, "en")
			checkLines(t, got)
			path := filepath.Join("testdata", name+".golden.ics")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
			}
		})
	}
}

// instance is one occurrence as a reader sees it.
type instance struct {
	Start, End              string // UTC, or a date for all-day events
	Summary, Place, Status  string
	Description, Recurrence string
}

// readOccurrences reads a feed with go-ical and expands each series with
// rrule-go (neither is calfeed's code): RRULE from DTSTART, minus EXDATE,
// plus RDATE, each occurrence replaced by the VEVENT whose RECURRENCE-ID
// names it. go-ical resolves TZIDs from Go's zone database, not from the
// feed's VTIMEZONE (the external readers check those). It returns the
// occurrences of each UID starting before limit, in order.
func readOccurrences(t *testing.T, b []byte, limit time.Time) map[string][]instance {
	t.Helper()
	c := parse(t, b)
	masters := map[string]goical.Event{}
	overrides := map[string]map[int64]goical.Event{}
	for _, ev := range c.Events() {
		uid := ev.Props.Get(goical.PropUID).Value
		rid := ev.Props.Get(goical.PropRecurrenceID)
		if rid == nil {
			masters[uid] = ev
			continue
		}
		at, err := rid.DateTime(nil)
		if err != nil {
			t.Fatalf("%s: RECURRENCE-ID: %v", uid, err)
		}
		if overrides[uid] == nil {
			overrides[uid] = map[int64]goical.Event{}
		}
		overrides[uid][at.Unix()] = ev
	}
	format := func(ev goical.Event, tm time.Time) string {
		if ev.Props.Get(goical.PropDateTimeStart).ValueType() == goical.ValueDate {
			return tm.Format(time.DateOnly)
		}
		return tm.UTC().Format(time.RFC3339)
	}
	inst := func(ev goical.Event, start, end time.Time, rid string) instance {
		return instance{
			Start: format(ev, start), End: format(ev, end),
			Summary: propText(t, ev.Component, goical.PropSummary), Place: propText(t, ev.Component, goical.PropLocation),
			Status: propText(t, ev.Component, goical.PropStatus), Description: propText(t, ev.Component, goical.PropDescription),
			Recurrence: rid,
		}
	}
	out := map[string][]instance{}
	for uid, ev := range masters {
		start, err1 := ev.DateTimeStart(nil)
		end, err2 := ev.DateTimeEnd(nil)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", uid, err1, err2)
		}
		if ev.Props.Get(goical.PropRecurrenceRule) == nil {
			out[uid] = []instance{inst(ev, start, end, "")}
			continue
		}
		opt, err := ev.Props.RecurrenceRule()
		if err != nil {
			t.Fatalf("%s: %v", uid, err)
		}
		opt.Dtstart = start
		rule, err := rrule.NewRRule(*opt)
		if err != nil {
			t.Fatalf("%s: %v", uid, err)
		}
		var set rrule.Set
		set.RRule(rule)
		// go-ical's own RecurrenceSet drops RDATE; read both lists here.
		for name, add := range map[string]func(time.Time){goical.PropExceptionDates: set.ExDate, goical.PropRecurrenceDates: set.RDate} {
			for _, p := range ev.Props.Values(name) {
				v, err := p.DateTime(nil)
				if err != nil {
					t.Fatalf("%s: %s %q: %v", uid, name, p.Value, err)
				}
				add(v)
			}
		}
		length := end.Sub(start)
		next := set.Iterator()
		for at, ok := next(); ok && at.Before(limit); at, ok = next() {
			rid := format(ev, at)
			if o, ok := overrides[uid][at.Unix()]; ok {
				os, _ := o.DateTimeStart(nil)
				oe, _ := o.DateTimeEnd(nil)
				out[uid] = append(out[uid], inst(o, os, oe, rid))
				delete(overrides[uid], at.Unix())
				continue
			}
			out[uid] = append(out[uid], inst(ev, at, at.Add(length), rid))
		}
		for at := range overrides[uid] {
			t.Errorf("%s: the override of %v names no occurrence", uid, time.Unix(at, 0).UTC())
		}
	}
	for uid := range out {
		slices.SortStableFunc(out[uid], func(a, b instance) int { return strings.Compare(a.Start, b.Start) })
	}
	return out
}

// TestRecurrenceReadBack reads the feed with go-ical and rrule-go and
// compares every occurrence, overrides applied, with the calendar's.
func TestRecurrenceReadBack(t *testing.T) {
	cal, r := loadRepeat(t)
	limit := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, lang := range cal.Languages {
		got := readOccurrences(t, render(t, r, allFeed(cal, lang), lang), limit)
		want := map[string][]instance{}
		for _, e := range cal.Events {
			for _, o := range e.Occurrences(time.Time{}, 1000) {
				if !o.Start.Before(limit) {
					break
				}
				format := func(tm time.Time) string { return tm.UTC().Format(time.RFC3339) }
				if e.AllDay {
					format = func(tm time.Time) string { return tm.Format(time.DateOnly) }
				}
				title := o.Title.In(lang)
				if o.Status == calendar.Cancelled {
					title = locale.For(lang).Get("feed_cancelled") + title
				}
				in := instance{
					Start: format(o.Start), End: format(o.End), Summary: title, Place: o.Place.In(lang),
					Status: strings.ToUpper(string(o.Status)), Description: r.description(o, lang),
				}
				if e.Repeat != nil {
					in.Recurrence = format(o.Recurrence)
				}
				want[UID(cal, e)] = append(want[UID(cal, e)], in)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: occurrences read back (-calendar +feed):\n%s", lang, diff)
		}
	}
}

// TestWeeklyZurichReadBack: a weekly 09:00 in Zurich, read back through the
// feed, is at 09:00 local on both sides of the March change, so an hour
// earlier in UTC after it; the override and the cancellation are where
// they belong.
func TestWeeklyZurichReadBack(t *testing.T) {
	cal, r := loadRepeat(t)
	b := render(t, r, Feed{Name: "x", Events: []*calendar.Event{cal.Event("weekly-briefing")}}, "en")
	got := readOccurrences(t, b, time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC))["weekly-briefing@fixture"]
	var lines []string
	for _, o := range got {
		lines = append(lines, fmt.Sprintf("%s %s %s %s", o.Start, o.Place, o.Status, o.Summary))
	}
	want := []string{
		"2016-03-03T08:00:00Z Room A CONFIRMED Weekly briefing", // 09:00 CET
		"2016-03-10T08:00:00Z Room A CONFIRMED Weekly briefing",
		// 17 March excepted
		"2016-03-24T08:00:00Z Room A CONFIRMED Weekly briefing",
		"2016-03-31T08:00:00Z Room B CONFIRMED Weekly briefing", // moved to 10:00 CEST
		"2016-04-07T07:00:00Z Room A CONFIRMED Weekly briefing", // 09:00 CEST
		"2016-04-14T07:00:00Z Room A CANCELLED Cancelled: Weekly briefing",
		"2016-04-21T07:00:00Z Room A CONFIRMED Weekly briefing",
		"2016-04-28T07:00:00Z Room A CONFIRMED Weekly briefing", // until, inclusive
		"2016-05-02T07:00:00Z Room A CONFIRMED Weekly briefing", // also
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("occurrences (-want +got):\n%s", diff)
	}
}

// TestRecurrenceForms checks what clients are picky about: RRULE, EXDATE,
// RDATE and RECURRENCE-ID in the form of DTSTART (TZID or DATE, never UTC),
// UNTIL in UTC for a zoned rule and a DATE for an all-day one, no
// one-occurrence rule, and the override after its series.
func TestRecurrenceForms(t *testing.T) {
	cal, r := loadRepeat(t)
	rules := map[string]string{
		"weekly-briefing": "FREQ=WEEKLY;UNTIL=20160502T070000Z;BYDAY=TH", // stretched to the extra date
		"study-group":     "FREQ=WEEKLY;COUNT=30;INTERVAL=2;BYDAY=TU,TH;WKST=MO",
		"monthly-call":    "FREQ=MONTHLY;BYDAY=-1FR",
		"forum-week":      "FREQ=YEARLY;COUNT=4",
		"daily-webcast":   "FREQ=DAILY;COUNT=10",
		"sao-paulo":       "FREQ=WEEKLY;UNTIL=20200330T130000Z;INTERVAL=3",
	}
	for _, lang := range cal.Languages {
		b := render(t, r, allFeed(cal, lang), lang)
		for _, ev := range parse(t, b).Events() {
			uid := ev.Props.Get(goical.PropUID).Value
			id := strings.TrimSuffix(uid, "@fixture")
			start := ev.Props.Get(goical.PropDateTimeStart)
			rule := ev.Props.Get(goical.PropRecurrenceRule)
			if rid := ev.Props.Get(goical.PropRecurrenceID); rid == nil {
				got := ""
				if rule != nil {
					got = rule.Value
				}
				if got != rules[id] {
					t.Errorf("%s: RRULE %q, want %q", id, got, rules[id])
				}
			}
			for _, name := range []string{goical.PropExceptionDates, goical.PropRecurrenceDates, goical.PropRecurrenceID} {
				for _, p := range ev.Props.Values(name) {
					if strings.HasSuffix(p.Value, "Z") || strings.Contains(p.Value, ",") ||
						p.Params.Get("TZID") != start.Params.Get("TZID") || p.ValueType() != start.ValueType() {
						t.Errorf("%s: %s;%v:%s is not in the form of DTSTART;%v:%s", id, name, p.Params, p.Value, start.Params, start.Value)
					}
				}
			}
		}
		// Each override follows its series.
		uids := regexp.MustCompile(`(?m)^UID:(.*)\r$`).FindAllStringSubmatch(string(b), -1)
		for i := 1; i < len(uids); i++ {
			if slices.ContainsFunc(uids[:i-1], func(m []string) bool { return m[1] == uids[i][1] }) && uids[i-1][1] != uids[i][1] {
				t.Errorf("%s: a VEVENT of %s is apart from its series", lang, uids[i][1])
			}
		}
	}
	// The extra date after the rule's end stretches UNTIL; the rule's
	// dates in between go out as EXDATEs, so the set is unchanged.
	e := cal.Event("weekly-briefing")
	rule, extra, _ := ruleValue(e)
	if rule != rules["weekly-briefing"] || len(extra) != 0 {
		t.Errorf("ruleValue = %q %v", rule, extra)
	}
	stretched := loadEvents(t, "{id: e, title: x, start: 2016-05-05 09:00, duration: 1h, repeat: {freq: weekly, count: 2, also: [2016-06-01]}}")
	rule, extra, _ = ruleValue(stretched)
	if want := "FREQ=WEEKLY;UNTIL=20160601T070000Z"; rule != want || len(extra) != 2 || extra[0].Format(time.DateOnly) != "2016-05-19" || extra[1].Format(time.DateOnly) != "2016-05-26" {
		t.Errorf("ruleValue = %q %v, want %q with 19 and 26 May excepted", rule, extra, want)
	}
	allDay := loadEvents(t, "{id: e, title: x, start: 2016-05-05, repeat: {freq: monthly, until: 2016-09-30}}")
	if rule, _, _ := ruleValue(allDay); rule != "FREQ=MONTHLY;UNTIL=20160905" {
		t.Errorf("all-day rrule = %q, want UNTIL as a DATE", rule)
	}
	// An extra date after the end that the stretched rule gives by itself
	// (10 June is a day of a daily rule) is neither excepted nor repeated:
	// EXDATE would remove it even with an RDATE (RFC 5545 §3.8.5.1).
	src := "calendar: {id: x, name: X, timezone: Europe/Zurich}\nevents:\n  - {id: e, title: x, start: 2016-06-01 12:00, duration: 1h, repeat: {freq: daily, count: 3, also: [2016-06-10]}, overrides: {2016-06-10: {start: 2016-06-10 15:00, end: 2016-06-10 16:00}}}\n"
	onCal, err := calendar.Load("x.yaml", strings.NewReader(src), calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	onPattern := onCal.Events[0]
	rule, extra, yielded := ruleValue(onPattern)
	if rule != "FREQ=DAILY;UNTIL=20160610T100000Z" || len(extra) != 6 || len(yielded) != 1 || slices.ContainsFunc(extra, yielded[0].Equal) {
		t.Errorf("ruleValue = %q, extra %v, yielded %v; want 4-9 June excepted and 10 June given by the rule", rule, extra, yielded)
	}
	r, err = New(onCal)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.Write(&buf, Feed{Name: "x", Events: []*calendar.Event{onPattern}}, "en"); err != nil {
		t.Fatal(err)
	}
	if b := buf.String(); strings.Contains(b, "EXDATE;TZID=Europe/Zurich:20160610T120000") || strings.Contains(b, "RDATE") {
		t.Errorf("10 June excepted or repeated as RDATE:\n%s", b)
	}
}

// loadEvents loads one event (YAML flow mapping) into a calendar in Zurich.
func loadEvents(t *testing.T, event string) *calendar.Event {
	t.Helper()
	src := "calendar: {id: x, name: X, timezone: Europe/Zurich}\nevents:\n  - " + event + "\n"
	cal, err := calendar.Load("x.yaml", strings.NewReader(src), calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return cal.Events[0]
}

// TestAlarm checks that a reminder adds exactly one VALARM to every VEVENT
// but the cancelled ones, and changes nothing else.
func TestAlarm(t *testing.T) {
	cal, r := loadRepeat(t)
	plain := render(t, r, allFeed(cal, "zh"), "zh")
	if bytes.Contains(plain, []byte("VALARM")) {
		t.Fatal("a feed without ?alarm= has a VALARM")
	}
	triggers := map[string]string{"15m": "-PT15M", "30m": "-PT30M", "1h": "-PT1H", "1d": "-P1D"}
	for _, a := range reminder.All() {
		f := allFeed(cal, "zh")
		f.Alarm = a
		b := render(t, r, f, "zh")
		checkLines(t, b)
		valarm := regexp.MustCompile(`BEGIN:VALARM\r\n(?:[^\r]*\r\n)*?END:VALARM\r\n`)
		if !bytes.Equal(valarm.ReplaceAll(b, nil), plain) {
			t.Errorf("%s: the feed differs from the plain one by more than its VALARMs", a)
		}
		vevents := 0
		for _, ev := range parse(t, b).Events() {
			vevents++
			var alarms []*goical.Component
			for _, ch := range ev.Children {
				if ch.Name == goical.CompAlarm {
					alarms = append(alarms, ch)
				}
			}
			uid := ev.Props.Get(goical.PropUID).Value
			if propText(t, ev.Component, goical.PropStatus) == "CANCELLED" {
				if len(alarms) != 0 {
					t.Errorf("%s: %s: a cancelled occurrence rings", a, uid)
				}
				continue
			}
			if len(alarms) != 1 {
				t.Errorf("%s: %s: %d VALARMs, want 1", a, uid, len(alarms))
				continue
			}
			va := alarms[0]
			trigger := va.Props.Get(goical.PropTrigger)
			if got := propText(t, va, goical.PropAction); got != "DISPLAY" || trigger == nil || trigger.Value != triggers[a.String()] || trigger.Params.Get("RELATED") == "END" {
				t.Errorf("%s: %s: ACTION %q TRIGGER %+v, want DISPLAY %s before the start", a, uid, got, trigger, triggers[a.String()])
			}
			if got, want := propText(t, va, goical.PropDescription), propText(t, ev.Component, goical.PropSummary); got != want {
				t.Errorf("%s: %s: alarm DESCRIPTION %q, want the SUMMARY %q", a, uid, got, want)
			}
		}
		if vevents < len(cal.Events)+4 {
			t.Errorf("%s: only %d VEVENTs", a, vevents)
		}
	}
	f := allFeed(cal, "zh")
	f.Alarm = reminder.Reminder(10 * time.Minute)
	if err := r.Write(&bytes.Buffer{}, f, "zh"); err == nil {
		t.Error("Write with a reminder outside reminder.All(): no error")
	}
}

// TestZoneSpans: a VTIMEZONE must be right for every occurrence of a rule
// with an end, and up to the horizon for one without.
func TestZoneSpans(t *testing.T) {
	cal, _ := loadRepeat(t)
	spans := zoneSpans(cal.Events)
	byName := map[string][2]time.Time{}
	for name, s := range spans {
		byName[name] = [2]time.Time{s.from, s.to}
	}
	tests := []struct{ zone, from, to string }{
		{"Europe/Zurich", "2016-03-03T08:00:00Z", "2016-11-02T12:30:00Z"},    // to the webcast's tenth day
		{"Australia/Sydney", "2016-03-22T07:30:00Z", "2016-10-06T09:00:00Z"}, // 20:00 AEDT
		{"America/Sao_Paulo", "2018-10-01T13:00:00Z", "2020-03-30T14:00:00Z"},
		// No end: the last year the data names (2020, São Paulo) + HorizonYears.
		{"America/New_York", "2016-01-29T17:00:00Z", "2025-07-01T00:00:00Z"},
	}
	for _, tc := range tests {
		s, ok := byName[tc.zone]
		if !ok {
			t.Errorf("no span for %s", tc.zone)
			continue
		}
		if got := s[0].UTC().Format(time.RFC3339) + " " + s[1].UTC().Format(time.RFC3339); got != tc.from+" "+tc.to {
			t.Errorf("%s: span %s, want %s %s", tc.zone, got, tc.from, tc.to)
		}
	}
	if len(spans) != len(tests) {
		t.Errorf("%d zones, want %d (all-day events need none)", len(spans), len(tests))
	}
}

// TestAlarmConcurrent renders feeds with reminders from many goroutines at
// once: the VEVENTs rendered on first use are rendered once, the same for
// every caller.
func TestAlarmConcurrent(t *testing.T) {
	cal, r := loadRepeat(t)
	const n = 8
	out := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := allFeed(cal, "zh")
			f.Alarm = reminder.All()[i%2]
			var buf bytes.Buffer
			if err := r.Write(&buf, f, "zh"); err != nil {
				t.Error(err)
			}
			out[i] = buf.Bytes()
		}()
	}
	wg.Wait()
	for i := 2; i < n; i++ {
		if !bytes.Equal(out[i], out[i%2]) {
			t.Errorf("rendering %d differs from rendering %d", i, i%2)
		}
	}
}

// TestGapExdate: a date listed under except: because its time falls in a
// daylight-saving gap goes out as the local EXDATE and as the instant RFC
// 5545 gives that time, in UTC, which libical matches where it does not
// match the local one; a date outside a gap, and an all-day series, keep
// the one local EXDATE.
func TestGapExdate(t *testing.T) {
	src := `calendar: {id: x, name: X, timezone: America/New_York}
events:
  - {id: ny, title: x, start: 2024-03-08 02:30, duration: 30m, repeat: {freq: daily, count: 6, except: [2024-03-10, 2024-03-12]}}
  - {id: day, title: x, start: 2024-03-08, repeat: {freq: daily, count: 6, except: [2024-03-10]}}
`
	cal, err := calendar.Load("x.yaml", strings.NewReader(src), calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(cal)
	if err != nil {
		t.Fatal(err)
	}
	b := render(t, r, allFeed(cal, "en"), "en")
	want := map[string][]string{
		"ny@x":  {"TZID=America/New_York:20240310T023000", ":20240310T073000Z", "TZID=America/New_York:20240312T023000"},
		"day@x": {"VALUE=DATE:20240310"},
	}
	for _, ev := range parse(t, b).Events() {
		uid := ev.Props.Get(goical.PropUID).Value
		var got []string
		for _, p := range ev.Props.Values(goical.PropExceptionDates) {
			param := ""
			for k, v := range p.Params {
				param += k + "=" + strings.Join(v, ",")
			}
			got = append(got, param+":"+p.Value)
		}
		if !slices.Equal(got, want[uid]) {
			t.Errorf("%s: EXDATEs %q, want %q", uid, got, want[uid])
		}
	}
}
