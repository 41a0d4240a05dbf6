package timezone

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // results must not depend on the host's zoneinfo

	"github.com/google/go-cmp/cmp"
)

// span is a zone and the years [from, to] a feed needs it for.
type span struct {
	zone     string
	from, to int
}

// propertySpans are checked hour by hour against Go (TestImpliedOffsetsMatchGo).
var propertySpans = []span{
	{"America/New_York", 2015, 2015},
	{"America/New_York", 2005, 2009}, // US rules changed in 2007
	{"America/New_York", 2038, 2041}, // past Go's table: the TZ rule string, and golang/go#81583
	{"Europe/Zurich", 2015, 2015},
	{"Europe/Zurich", 2016, 2016},
	{"Europe/Zurich", 1966, 1969}, // no DST at all then, window before 1970
	{"Europe/Zurich", 2039, 2041},
	{"Asia/Shanghai", 2015, 2015},
	{"Asia/Kolkata", 2015, 2015},
	{"Australia/Lord_Howe", 2015, 2015}, // 30-minute DST
	{"Australia/Lord_Howe", 2024, 2026},
	{"America/Sao_Paulo", 2015, 2015},
	{"America/Sao_Paulo", 2018, 2020}, // DST abolished in 2019
	{"America/Sao_Paulo", 2025, 2025},
	{"America/Sao_Paulo", 2037, 2039}, // Go reports a no-change bound in 2038
	{"Europe/Dublin", 2015, 2015},     // "negative DST" in tzdata
	{"Europe/Dublin", 2024, 2026},
	{"Africa/Casablanca", 2015, 2015}, // summer time suspended for Ramadan
	{"Africa/Casablanca", 2017, 2020}, // 2018: permanent +01, +00 in Ramadan
	{"Africa/Casablanca", 2019, 2019},
	{"Africa/Casablanca", 2026, 2026},
	{"Asia/Pyongyang", 2015, 2015},
	{"Asia/Pyongyang", 2018, 2018},
	{"Asia/Pyongyang", 2014, 2019},
	{"Europe/London", 2015, 2015},
	{"Australia/Sydney", 2015, 2015}, // southern hemisphere
	{"America/Santiago", 2015, 2016},
	{"America/Santiago", 2019, 2023},
	{"Pacific/Apia", 2011, 2012}, // skipped 30 December 2011
	{"Pacific/Apia", 2020, 2022}, // DST abolished in 2021
	{"Asia/Jerusalem", 2012, 2016},
	{"Asia/Jerusalem", 2024, 2026},
	{"UTC", 2015, 2015},
	{"America/New_York", 1880, 1884}, // LMT -4:56:02 until 1883: no start bound, offsets with seconds
	{"Europe/Dublin", 1915, 1917},    // Dublin Mean Time -0:25:21 and its summer time
}

func load(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

// forSpan calls For with two event times inside the span's first and last
// years, failing the test instead of hanging if For does not return.
func forSpan(t *testing.T, loc *time.Location, from, to int) Zone {
	t.Helper()
	done := make(chan Zone, 1)
	go func() {
		done <- For(loc, time.Date(from, 5, 5, 9, 0, 0, 0, loc), time.Date(to, 9, 20, 18, 30, 0, 0, loc))
	}()
	select {
	case z := <-done:
		return z
	case <-time.After(5 * time.Second):
		t.Fatalf("For(%s, %d-%d) did not return within 5s", loc, from, to)
		return Zone{}
	}
}

// std and dst build expected observances; the wall clock is in UTC.
func std(start string, from, to int, name, rule string) Observance {
	return Observance{Start: wall(start), OffsetFrom: from, OffsetTo: to, Name: name, RRule: rule}
}

func dst(start string, from, to int, name, rule string) Observance {
	o := std(start, from, to, name, rule)
	o.Daylight = true
	return o
}

func wall(s string) time.Time {
	t, err := time.ParseInLocation("20060102T150405", s, time.UTC)
	if err != nil {
		panic(err)
	}
	return t
}

const hour = 3600

// The core property: at every hour of each span, and one second either side
// of (and at) every transition Go reports in it, the offset a calendar
// client derives from the VTIMEZONE equals Go's.
func TestImpliedOffsetsMatchGo(t *testing.T) {
	for _, sp := range propertySpans {
		loc := load(t, sp.zone)
		z := forSpan(t, loc, sp.from, sp.to)
		spanStart := time.Date(sp.from, time.January, 1, 0, 0, 0, 0, loc)
		spanEnd := time.Date(sp.to+1, time.January, 1, 0, 0, 0, 0, loc)

		view, err := expandZone(z, spanEnd.Add(24*time.Hour))
		if err != nil {
			t.Errorf("For(%s, %d-%d): a client cannot read it: %v", sp.zone, sp.from, sp.to, err)
			continue
		}

		var instants []time.Time
		for at := spanStart; at.Before(spanEnd); at = at.Add(time.Hour) {
			instants = append(instants, at)
		}
		transitions := goTransitions(loc, spanStart, spanEnd)
		for _, tr := range transitions {
			instants = append(instants, tr.Add(-time.Second), tr, tr.Add(time.Second))
		}

		failures := 0
		for _, at := range instants {
			_, goOffset := at.In(loc).Zone()
			implied, ok := view.offsetAt(at)
			impliedText := FormatOffset(implied)
			if !ok {
				impliedText = "none (no observance covers it)"
			}
			if !ok || implied != goOffset {
				t.Errorf("For(%s, %d-%d): at %v implied offset %s, Go says %s",
					sp.zone, sp.from, sp.to, at.UTC(), impliedText, FormatOffset(goOffset))
				if failures++; failures == 5 {
					t.Errorf("For(%s, %d-%d): further failures not shown; zone: %+v", sp.zone, sp.from, sp.to, z)
					break
				}
			}
		}
	}
}

// The interpreter above must be able to fail: a zone with a wrong rule, or
// with a rule left running after the law changed, is caught.
func TestInterpreterCatchesWrongZones(t *testing.T) {
	loc := load(t, "America/New_York")
	spanStart := time.Date(2005, 1, 1, 0, 0, 0, 0, loc)
	spanEnd := time.Date(2010, 1, 1, 0, 0, 0, 0, loc)
	good := For(loc, spanStart, spanEnd.Add(-time.Hour))

	// mismatches counts the hours of the span where z disagrees with Go.
	mismatches := func(z Zone) (int, error) {
		view, err := expandZone(z, spanEnd)
		if err != nil {
			return 0, err
		}
		n := 0
		for at := spanStart; at.Before(spanEnd); at = at.Add(time.Hour) {
			_, goOffset := at.Zone()
			if got, ok := view.offsetAt(at); !ok || got != goOffset {
				n++
			}
		}
		return n, nil
	}
	if n, err := mismatches(good); err != nil || n != 0 {
		t.Fatalf("the real zone: %d mismatches, error %v; the rest of this test means nothing", n, err)
	}

	// Each mutation applies to the first observance, the pre-2007
	// "last Sunday of October" rule with its UNTIL.
	for _, tc := range []struct {
		name   string
		mutate func(o *Observance)
		// unreadable: the interpreter must refuse the zone (DTSTART no
		// longer an occurrence of the rule); else it must find mismatches.
		unreadable bool
	}{
		{"UNTIL dropped", func(o *Observance) { o.RRule, _, _ = strings.Cut(o.RRule, ";UNTIL=") }, false},
		{"UNTIL a year later", func(o *Observance) {
			o.RRule = strings.Replace(o.RRule, "UNTIL=2006", "UNTIL=2007", 1)
		}, false},
		{"OffsetTo an hour off", func(o *Observance) { o.OffsetTo -= hour }, false},
		{"2SU instead of -1SU", func(o *Observance) {
			o.RRule = strings.Replace(o.RRule, "BYDAY=-1SU", "BYDAY=2SU", 1)
		}, true},
	} {
		bad := Zone{TZID: good.TZID, Observances: append([]Observance(nil), good.Observances...)}
		tc.mutate(&bad.Observances[0])
		if bad.Observances[0] == good.Observances[0] {
			t.Fatalf("%s: mutation changed nothing in %+v", tc.name, good.Observances[0])
		}
		n, err := mismatches(bad)
		switch {
		case tc.unreadable && err == nil:
			t.Errorf("%s: the interpreter accepted %+v", tc.name, bad.Observances[0])
		case !tc.unreadable && err != nil:
			t.Errorf("%s: unexpected error %v", tc.name, err)
		case !tc.unreadable && n == 0:
			t.Errorf("%s: the interpreter found no mismatch", tc.name)
		}
	}
}

// Every result, whatever the zone, has the form the contract describes.
func TestShapeOfEveryResult(t *testing.T) {
	// RFC 5545 §3.3.10, restricted to what this package emits; no RDATE.
	rrulePattern := regexp.MustCompile(`^FREQ=YEARLY;BYMONTH=([1-9]|1[0-2]);(BYDAY=(-1|[1-4])|BYMONTHDAY=([1-9]|[12][0-9]|3[01])(,([1-9]|[12][0-9]|3[01])){0,6};BYDAY=)(SU|MO|TU|WE|TH|FR|SA)(;UNTIL=\d{8}T\d{6}Z)?$`)
	var spans []span
	for _, sp := range propertySpans {
		spans = append(spans, sp, span{sp.zone, sp.from, -sp.to}) // -to: ForEndless
	}
	for _, sp := range spans {
		loc := load(t, sp.zone)
		var z Zone
		if sp.to < 0 {
			sp.to = -sp.to
			z = ForEndless(loc, time.Date(sp.from, 5, 5, 9, 0, 0, 0, loc), time.Date(sp.to, 9, 20, 18, 30, 0, 0, loc))
		} else {
			z = forSpan(t, loc, sp.from, sp.to)
		}
		if z.TZID != sp.zone {
			t.Errorf("For(%s, %d-%d): TZID %q", sp.zone, sp.from, sp.to, z.TZID)
		}
		if len(z.Observances) == 0 {
			t.Errorf("For(%s, %d-%d): no observances", sp.zone, sp.from, sp.to)
		}
		for i, o := range z.Observances {
			if o.Start.Location() != time.UTC {
				t.Errorf("For(%s, %d-%d): observance %d Start %v is not in time.UTC", sp.zone, sp.from, sp.to, i, o.Start)
			}
			if o.RRule != "" && !rrulePattern.MatchString(o.RRule) {
				t.Errorf("For(%s, %d-%d): observance %d RRULE %q", sp.zone, sp.from, sp.to, i, o.RRule)
			}
			if o.Name == "" {
				t.Errorf("For(%s, %d-%d): observance %d has no TZNAME", sp.zone, sp.from, sp.to, i)
			}
			if i == 0 {
				continue
			}
			prev := z.Observances[i-1]
			if o.Start.Before(prev.Start) || o.Start.Equal(prev.Start) && prev.Daylight && !o.Daylight {
				t.Errorf("For(%s, %d-%d): observances %d and %d out of order", sp.zone, sp.from, sp.to, i-1, i)
			}
		}
	}
}

func TestNewYork2015(t *testing.T) {
	loc := load(t, "America/New_York")
	got := For(loc, time.Date(2015, 5, 5, 9, 0, 0, 0, loc), time.Date(2015, 5, 5, 10, 0, 0, 0, loc))
	want := Zone{TZID: "America/New_York", Observances: []Observance{
		std("20131103T020000", -4*hour, -5*hour, "EST", "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"),
		dst("20140309T020000", -5*hour, -4*hour, "EDT", "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("For(America/New_York, 2015) (-want +got):\n%s", diff)
	}
}

// Across the 2007 change the old rules end with UNTIL (in UTC) at their last
// onset and the new ones are open-ended.
func TestNewYorkAcross2007(t *testing.T) {
	loc := load(t, "America/New_York")
	got := For(loc, time.Date(2005, 3, 1, 0, 0, 0, 0, loc), time.Date(2009, 12, 31, 0, 0, 0, 0, loc))
	want := Zone{TZID: "America/New_York", Observances: []Observance{
		std("20031026T020000", -4*hour, -5*hour, "EST", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20061029T060000Z"),
		dst("20040404T020000", -5*hour, -4*hour, "EDT", "FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;UNTIL=20060402T070000Z"),
		dst("20070311T020000", -5*hour, -4*hour, "EDT", "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"),
		std("20071104T020000", -4*hour, -5*hour, "EST", "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("For(America/New_York, 2005-2009) (-want +got):\n%s", diff)
	}
}

// EU rules are "last Sunday", which falls on the 4th or 5th Sunday: -1SU.
func TestZurichLastSunday(t *testing.T) {
	loc := load(t, "Europe/Zurich")
	got := For(loc, time.Date(2016, 5, 5, 9, 0, 0, 0, loc), time.Date(2016, 5, 5, 9, 0, 0, 0, loc))
	want := Zone{TZID: "Europe/Zurich", Observances: []Observance{
		std("20141026T030000", 2*hour, 1*hour, "CET", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"),
		dst("20150329T020000", 1*hour, 2*hour, "CEST", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("For(Europe/Zurich, 2016) (-want +got):\n%s", diff)
	}
}

func TestLondonLastSunday(t *testing.T) {
	loc := load(t, "Europe/London")
	got := For(loc, time.Date(2015, 1, 1, 0, 0, 0, 0, loc), time.Date(2015, 12, 31, 0, 0, 0, 0, loc))
	want := Zone{TZID: "Europe/London", Observances: []Observance{
		std("20131027T020000", 1*hour, 0, "GMT", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"),
		dst("20140330T010000", 0, 1*hour, "BST", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("For(Europe/London, 2015) (-want +got):\n%s", diff)
	}
}

// Zones without daylight saving get one STANDARD with equal offsets.
func TestZonesWithoutDST(t *testing.T) {
	for _, tc := range []struct {
		zone   string
		offset int
		name   string
	}{
		{"Asia/Shanghai", 8 * hour, "CST"},
		{"Asia/Kolkata", 5*hour + 30*60, "IST"},
		{"UTC", 0, "UTC"},
		{"America/Sao_Paulo", -3 * hour, "-03"}, // 2025: DST abolished in 2019
	} {
		loc := load(t, tc.zone)
		got := For(loc, time.Date(2025, 5, 5, 9, 0, 0, 0, loc), time.Date(2025, 6, 1, 0, 0, 0, 0, loc))
		want := Zone{TZID: tc.zone, Observances: []Observance{
			std("19700101T000000", tc.offset, tc.offset, tc.name, ""),
		}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("For(%s, 2025) (-want +got):\n%s", tc.zone, diff)
		}
	}
}

// Lord Howe Island moves its clocks by 30 minutes: +1030 / +11.
func TestLordHoweHalfHourDST(t *testing.T) {
	loc := load(t, "Australia/Lord_Howe")
	got := For(loc, time.Date(2015, 5, 5, 9, 0, 0, 0, loc), time.Date(2015, 5, 5, 9, 0, 0, 0, loc))
	want := Zone{TZID: "Australia/Lord_Howe", Observances: []Observance{
		dst("20131006T020000", 10*hour+30*60, 11*hour, "+11", "FREQ=YEARLY;BYMONTH=10;BYDAY=1SU"),
		std("20140406T020000", 11*hour, 10*hour+30*60, "+1030", "FREQ=YEARLY;BYMONTH=4;BYDAY=1SU"),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("For(Australia/Lord_Howe, 2015) (-want +got):\n%s", diff)
	}
}

// Southern hemisphere: DAYLIGHT begins in October, STANDARD in April.
func TestSydneySouthernHemisphere(t *testing.T) {
	loc := load(t, "Australia/Sydney")
	got := For(loc, time.Date(2015, 5, 5, 9, 0, 0, 0, loc), time.Date(2015, 5, 5, 9, 0, 0, 0, loc))
	want := Zone{TZID: "Australia/Sydney", Observances: []Observance{
		dst("20131006T020000", 10*hour, 11*hour, "AEDT", "FREQ=YEARLY;BYMONTH=10;BYDAY=1SU"),
		std("20140406T030000", 11*hour, 10*hour, "AEST", "FREQ=YEARLY;BYMONTH=4;BYDAY=1SU"),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("For(Australia/Sydney, 2015) (-want +got):\n%s", diff)
	}
}

// tzdata gives Dublin "negative DST" (winter GMT is the isDST period); the
// VTIMEZONE still has summer IST as DAYLIGHT, as Outlook expects.
func TestDublinSummerIsDaylight(t *testing.T) {
	loc := load(t, "Europe/Dublin")
	t.Logf("Go: winter IsDST=%v, summer IsDST=%v",
		time.Date(2015, 1, 15, 12, 0, 0, 0, loc).IsDST(), time.Date(2015, 7, 15, 12, 0, 0, 0, loc).IsDST())
	got := For(loc, time.Date(2015, 5, 5, 9, 0, 0, 0, loc), time.Date(2015, 5, 5, 9, 0, 0, 0, loc))
	want := Zone{TZID: "Europe/Dublin", Observances: []Observance{
		std("20131027T020000", 1*hour, 0, "GMT", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"),
		dst("20140330T010000", 0, 1*hour, "IST", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("For(Europe/Dublin, 2015) (-want +got):\n%s", diff)
	}
}

func TestSaoPaulo2015(t *testing.T) {
	loc := load(t, "America/Sao_Paulo")
	got := For(loc, time.Date(2015, 5, 5, 9, 0, 0, 0, loc), time.Date(2015, 5, 5, 9, 0, 0, 0, loc))
	// DST began on the third Sunday of October every year; it ended on the
	// third Sunday of February except in Carnival years (2015: 4th).
	want := Zone{TZID: "America/Sao_Paulo", Observances: []Observance{
		dst("20131020T000000", -3*hour, -2*hour, "-02", "FREQ=YEARLY;BYMONTH=10;BYDAY=3SU"),
		std("20140216T000000", -2*hour, -3*hour, "-03", ""),
		std("20150222T000000", -2*hour, -3*hour, "-03", ""),
		std("20160221T000000", -2*hour, -3*hour, "-03", ""),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("For(America/Sao_Paulo, 2015) (-want +got):\n%s", diff)
	}
}

// Brazil abolished DST in 2019: every rule ends with UNTIL, and no
// DAYLIGHT rule stays open after it.
func TestSaoPauloAbolishedDST(t *testing.T) {
	loc := load(t, "America/Sao_Paulo")
	got := For(loc, time.Date(2018, 5, 5, 9, 0, 0, 0, loc), time.Date(2020, 5, 5, 9, 0, 0, 0, loc))
	want := Zone{TZID: "America/Sao_Paulo", Observances: []Observance{
		dst("20161016T000000", -3*hour, -2*hour, "-02", "FREQ=YEARLY;BYMONTH=10;BYDAY=3SU;UNTIL=20171015T030000Z"),
		std("20170219T000000", -2*hour, -3*hour, "-03", "FREQ=YEARLY;BYMONTH=2;BYDAY=3SU;UNTIL=20190217T020000Z"),
		dst("20181104T000000", -3*hour, -2*hour, "-02", ""),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("For(America/Sao_Paulo, 2018-2020) (-want +got):\n%s", diff)
	}
	for _, o := range got.Observances {
		if o.Daylight && o.RRule != "" && !strings.Contains(o.RRule, "UNTIL=") {
			t.Errorf("open-ended DAYLIGHT rule after DST was abolished: %+v", o)
		}
	}
}

// Morocco suspends summer time for Ramadan: those changes follow the lunar
// calendar, fit no weekday rule and must be one-off observances (never
// RDATE). The larger offset is DAYLIGHT although since 2018 tzdata calls
// +01 standard time and the Ramadan +00 "DST".
func TestCasablancaRamadan(t *testing.T) {
	loc := load(t, "Africa/Casablanca")
	for _, year := range []int{2015, 2019, 2026} {
		z := For(loc, time.Date(year, 5, 5, 9, 0, 0, 0, loc), time.Date(year, 5, 5, 9, 0, 0, 0, loc))
		oneOffs := 0
		for _, o := range z.Observances {
			if o.RRule == "" {
				oneOffs++
			}
			if want := o.OffsetTo == 1*hour; o.Daylight != want {
				t.Errorf("For(Africa/Casablanca, %d): %+v: Daylight = %v, want %v", year, o, o.Daylight, want)
			}
		}
		// Each window year has at least one Ramadan: two changes each.
		if oneOffs < 6 {
			t.Errorf("For(Africa/Casablanca, %d): %d one-off observances, want >= 6: %+v", year, oneOffs, z.Observances)
		}
	}

	// 2015: the March and October rules were regular ("last Sunday"),
	// Ramadan in June/July was not.
	z := For(loc, time.Date(2015, 5, 5, 9, 0, 0, 0, loc), time.Date(2015, 5, 5, 9, 0, 0, 0, loc))
	want := []Observance{
		std("20131027T030000", 1*hour, 0, "+00", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"),
		dst("20140330T020000", 0, 1*hour, "+01", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"),
		std("20140628T030000", 1*hour, 0, "+00", ""),
		dst("20140802T020000", 0, 1*hour, "+01", ""),
		std("20150614T030000", 1*hour, 0, "+00", ""),
		dst("20150719T020000", 0, 1*hour, "+01", ""),
		std("20160605T030000", 1*hour, 0, "+00", ""),
		dst("20160710T020000", 0, 1*hour, "+01", ""),
	}
	if diff := cmp.Diff(want, z.Observances); diff != "" {
		t.Errorf("For(Africa/Casablanca, 2015) (-want +got):\n%s", diff)
	}
}

// Pyongyang moved to +0830 in 2015 and back to +09 in 2018: one-off
// STANDARD changes, not a seasonal pair.
func TestPyongyangOneOffs(t *testing.T) {
	loc := load(t, "Asia/Pyongyang")
	z := For(loc, time.Date(2015, 1, 1, 0, 0, 0, 0, loc), time.Date(2018, 12, 31, 0, 0, 0, 0, loc))
	var changes []Observance
	for _, o := range z.Observances {
		if o.Daylight || o.RRule != "" {
			t.Errorf("For(Asia/Pyongyang, 2015-2018): want one-off STANDARD only, got %+v", o)
		}
		if o.OffsetFrom != o.OffsetTo {
			changes = append(changes, o)
		}
	}
	want := []Observance{
		std("20150815T000000", 9*hour, 8*hour+30*60, "KST", ""),
		std("20180504T233000", 8*hour+30*60, 9*hour, "KST", ""),
	}
	if diff := cmp.Diff(want, changes); diff != "" {
		t.Errorf("For(Asia/Pyongyang, 2015-2018) offset changes (-want +got):\n%s", diff)
	}
}

// The output depends only on the zone and the years of from and to.
func TestDeterministicByYear(t *testing.T) {
	for _, name := range []string{"America/New_York", "Europe/Dublin", "Africa/Casablanca", "Asia/Jerusalem", "Australia/Sydney"} {
		loc := load(t, name)
		oneDay := For(loc, time.Date(2015, 7, 4, 10, 0, 0, 0, loc), time.Date(2015, 7, 4, 11, 0, 0, 0, loc))
		again := For(loc, time.Date(2015, 7, 4, 10, 0, 0, 0, loc), time.Date(2015, 7, 4, 11, 0, 0, 0, loc))
		wholeYear := For(loc, time.Date(2015, 1, 1, 0, 0, 0, 0, loc), time.Date(2015, 12, 31, 23, 59, 59, 0, loc))
		reversed := For(loc, time.Date(2015, 12, 31, 0, 0, 0, 0, loc), time.Date(2015, 2, 1, 0, 0, 0, 0, loc))
		inUTC := For(loc, time.Date(2015, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2015, 11, 1, 0, 0, 0, 0, time.UTC))
		for what, z := range map[string]Zone{"second call": again, "whole year": wholeYear, "reversed": reversed, "UTC times": inUTC} {
			if diff := cmp.Diff(oneDay, z); diff != "" {
				t.Errorf("%s: one day of 2015 vs %s (-one day +%s):\n%s", name, what, what, diff)
			}
		}
		// A different year does change the result: the test above is not
		// comparing constants.
		if other := For(loc, time.Date(2019, 7, 4, 10, 0, 0, 0, loc), time.Date(2019, 7, 4, 11, 0, 0, 0, loc)); cmp.Equal(oneDay, other) {
			t.Errorf("%s: 2015 and 2019 give the same Zone %+v", name, other)
		}
	}
}

func TestFormatOffset(t *testing.T) {
	for _, tc := range []struct {
		sec  int
		want string
	}{
		{0, "+0000"},
		{3600, "+0100"},
		{19800, "+0530"},
		{37800, "+1030"},
		{50400, "+1400"},
		{-18000, "-0500"},
		{-34200, "-0930"},
		{-(4*hour + 56*60 + 2), "-045602"},
		{4*hour + 42*60 + 46, "+044246"},
		{1, "+000001"},
		{-1, "-000001"},
		{-59, "-000059"},
	} {
		if got := FormatOffset(tc.sec); got != tc.want {
			t.Errorf("FormatOffset(%d) = %q, want %q", tc.sec, got, tc.want)
		}
	}
}

// TestOffsetChanges: the changes of offset after a time up to another, in
// order, stepping over period boundaries that keep the offset (London kept
// +01:00 from February 1968 to October 1971, "British Standard Time", a
// period boundary in the database in October 1968), half-hour changes
// included, the last one yielded when it falls on until itself.
func TestOffsetChanges(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	lordHowe, err := time.LoadLocation("Australia/Lord_Howe")
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		at               string
		from, to         int
		wallFrom, wallTo string
	}
	collect := func(from, until time.Time) []got {
		var out []got
		for c := range OffsetChanges(from, until) {
			before, after := c.Walls()
			out = append(out, got{c.At.UTC().Format(time.RFC3339), c.From, c.To, before.Format("2006-01-02 15:04"), after.Format("2006-01-02 15:04")})
		}
		return out
	}
	for _, tc := range []struct {
		name        string
		from, until time.Time
		want        []got
	}{
		{
			name: "London 1968-1971", from: time.Date(1968, 1, 1, 0, 0, 0, 0, london), until: time.Date(1972, 1, 1, 0, 0, 0, 0, london),
			want: []got{
				{"1968-02-18T02:00:00Z", 0, 3600, "1968-02-18 02:00", "1968-02-18 03:00"},
				{"1971-10-31T02:00:00Z", 3600, 0, "1971-10-31 03:00", "1971-10-31 02:00"},
			},
		},
		{
			name: "Lord Howe, half an hour, until the second change itself", from: time.Date(2026, 1, 1, 0, 0, 0, 0, lordHowe), until: time.Date(2026, 10, 3, 15, 30, 0, 0, time.UTC),
			want: []got{
				{"2026-04-04T15:00:00Z", 39600, 37800, "2026-04-05 02:00", "2026-04-05 01:30"},
				{"2026-10-03T15:30:00Z", 37800, 39600, "2026-10-04 02:00", "2026-10-04 02:30"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, collect(tc.from, tc.until), cmp.AllowUnexported(got{})); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
	// A loop that stops early stops the walk.
	n := 0
	for range OffsetChanges(time.Date(2000, 1, 1, 0, 0, 0, 0, london), time.Date(2030, 1, 1, 0, 0, 0, 0, london)) {
		if n++; n == 3 {
			break
		}
	}
	if n != 3 {
		t.Errorf("%d changes seen, want the walk stopped at 3", n)
	}
}

// endlessZones are zones whose rules a client applies past the VTIMEZONE's
// window when an event repeats without end: Chile's and Israel's rules are
// a weekday on or after a day of the month, Egypt's a Friday that may be
// the 1st of November, Casablanca's follow Ramadan, and the rest are the
// common kinds.
var endlessZones = []string{
	"America/Santiago", "Pacific/Easter", "Africa/Cairo", "Asia/Jerusalem", "Asia/Gaza",
	"America/Nuuk", "America/Asuncion", "America/Havana", "Africa/Casablanca",
	"Australia/Lord_Howe", "Pacific/Chatham", "Pacific/Auckland", "Australia/Sydney",
	"Europe/Dublin", "Europe/Zurich", "Europe/London", "Europe/Chisinau", "America/New_York",
	"America/St_Johns", "America/Sao_Paulo", "America/Mexico_City", "Antarctica/Troll",
	"Pacific/Norfolk", "America/Scoresbysund", "Asia/Tehran", "Asia/Kolkata", "UTC",
	"America/Ciudad_Juarez", // its law since 2022 is "Sun>=8"; before it, Mexico's
}

// endlessMismatches counts the instants from the start of z's window (the
// year before from) to past years after its end (two years after to) where
// the offset a client derives from z differs from Go's, at every change
// Go reports (a second either side too) and every day at noon UTC, and
// returns the first few.
func endlessMismatches(t *testing.T, loc *time.Location, z Zone, from, to, past int) (int, []string) {
	t.Helper()
	start := time.Date(from-1, time.January, 1, 0, 0, 0, 0, loc)
	end := time.Date(to+2+past, time.January, 1, 0, 0, 0, 0, loc)
	view, err := expandZone(z, end.Add(24*time.Hour))
	if err != nil {
		t.Fatalf("%s %d-%d: a client cannot read it: %v", loc, from, to, err)
	}
	var instants []time.Time
	for at := time.Date(from-1, time.January, 1, 12, 0, 0, 0, time.UTC); at.Before(end); at = at.Add(24 * time.Hour) {
		instants = append(instants, at)
	}
	for _, tr := range goTransitions(loc, start, end) {
		instants = append(instants, tr.Add(-time.Second), tr, tr.Add(time.Second))
	}
	n := 0
	var first []string
	for _, at := range instants {
		_, goOffset := at.In(loc).Zone()
		if got, ok := view.offsetAt(at); !ok || got != goOffset {
			if n++; len(first) < 3 {
				first = append(first, fmt.Sprintf("at %v the VTIMEZONE gives %s, Go %s", at.UTC(), FormatOffset(got), FormatOffset(goOffset)))
			}
		}
	}
	return n, first
}

// TestEndlessRightPastTheWindow: ForEndless is right past the window For
// describes, where a client keeps applying its rules to an event repeating
// without end, in every zone above, for a calendar of today, of ten years
// ago and of 25 years ago (whose 28 years past the window see Cairo's and
// Ciudad Juarez's rules of today begin late, so that a rule found from
// them alone would miss days): for futureYears, as checked against Go, and
// as long again after them, where its rules run on alone. For is not, in Chile and
// Egypt: the check can fail.
func TestEndlessRightPastTheWindow(t *testing.T) {
	for _, name := range endlessZones {
		loc := load(t, name)
		for _, years := range [][2]int{{2025, 2026}, {2015, 2016}, {2000, 2001}} {
			z := ForEndless(loc, time.Date(years[0], 3, 1, 12, 0, 0, 0, loc), time.Date(years[1], 11, 1, 12, 0, 0, 0, loc))
			// Its rules run on right past the years checked against Go,
			// but for Casablanca's and Gaza's, which the time zone
			// database lists year by year, after Ramadan.
			past := 2 * futureYears
			if name == "Africa/Casablanca" || name == "Asia/Gaza" {
				past = futureYears
			}
			if n, first := endlessMismatches(t, loc, z, years[0], years[1], past); n > 0 {
				t.Errorf("ForEndless(%s, %d-%d): %d instants wrong within %d years past its window: %v", name, years[0], years[1], n, past, first)
			}
		}
	}
	for _, name := range []string{"America/Santiago", "Africa/Cairo"} {
		loc := load(t, name)
		z := For(loc, time.Date(2025, 3, 1, 12, 0, 0, 0, loc), time.Date(2026, 11, 1, 12, 0, 0, 0, loc))
		if n, _ := endlessMismatches(t, loc, z, 2025, 2026, futureYears); n == 0 {
			t.Errorf("For(%s) is right past its window too: the check above cannot fail", name)
		}
	}
}

// TestEndlessLeavesRegularZonesAlone: where For's rules go on as the zone
// does, ForEndless is For, byte for byte.
func TestEndlessLeavesRegularZonesAlone(t *testing.T) {
	for _, name := range []string{"America/New_York", "Europe/Zurich", "Australia/Sydney", "Asia/Shanghai", "UTC"} {
		loc := load(t, name)
		from, to := time.Date(2025, 3, 1, 12, 0, 0, 0, loc), time.Date(2026, 11, 1, 12, 0, 0, 0, loc)
		if diff := cmp.Diff(For(loc, from, to), ForEndless(loc, from, to)); diff != "" {
			t.Errorf("%s: ForEndless differs from For (-For +ForEndless):\n%s", name, diff)
		}
	}
}
