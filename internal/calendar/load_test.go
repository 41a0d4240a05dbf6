package calendar

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "time/tzdata"

	"github.com/google/go-cmp/cmp"
)

// want is a problem a testdata file says it must produce, written on the
// line as `# ERROR LINE:COL message` or `# WARNING LINE:COL message`.
type want struct {
	warning   bool
	line, col int
	msg       string
}

var wantRE = regexp.MustCompile(`# (ERROR|WARNING) (\d+):(\d+) ([^#\n]*)`)

func wants(t *testing.T, data []byte) []want {
	t.Helper()
	var ws []want
	for _, m := range wantRE.FindAllStringSubmatch(string(data), -1) {
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		ws = append(ws, want{warning: m[1] == "WARNING", line: line, col: col, msg: strings.TrimSpace(m[4])})
	}
	return ws
}

// TestTestdata loads every file under testdata/ and checks that it reports
// exactly the problems its comments announce, at their line and column.
func TestTestdata(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, path := range files {
		name := filepath.Base(path)
		if name == "invalid_syntax.yaml" {
			continue // TestSyntaxError
		}
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			ws := wants(t, data)
			if len(ws) == 0 {
				t.Fatalf("%s announces no problem", path)
			}
			cal, err := Load(path, strings.NewReader(string(data)), Options{})
			var errs, warns []Problem
			var le *Error
			switch {
			case errors.As(err, &le):
				errs = le.Problems
			case err != nil:
				t.Fatalf("Load: %v, want *Error", err)
			default:
				warns = cal.Warnings
			}
			for _, w := range ws {
				got := errs
				if w.warning {
					got = warns
				}
				if !hasProblem(got, path, w) {
					t.Errorf("missing %s:%d:%d: %s\ngot:\n%s", path, w.line, w.col, w.msg, format(got))
				}
			}
			for _, p := range append(errs, warns...) {
				if !announced(ws, p) {
					t.Errorf("unexpected problem %s", p)
				}
			}
		})
	}
}

func hasProblem(ps []Problem, file string, w want) bool {
	for _, p := range ps {
		if p.File == file && p.Line == w.line && p.Col == w.col && strings.Contains(p.Msg, w.msg) {
			return true
		}
	}
	return false
}

func announced(ws []want, p Problem) bool {
	for _, w := range ws {
		if p.Line == w.line && p.Col == w.col && strings.Contains(p.Msg, w.msg) {
			return true
		}
	}
	return false
}

func format(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "\t%s\n", p)
	}
	return b.String()
}

func TestSyntaxError(t *testing.T) {
	_, err := ReadFile(t.Context(), "testdata/invalid_syntax.yaml", Options{})
	var le *Error
	if !errors.As(err, &le) || len(le.Problems) != 1 {
		t.Fatalf("ReadFile = %v, want one problem", err)
	}
	p := le.Problems[0]
	// The quote that is never closed, line 7 column 12.
	if got, want := p.String(), "testdata/invalid_syntax.yaml:7:12: YAML syntax: this quote is never closed"; !strings.HasPrefix(got, want) {
		t.Errorf("problem = %q, want %q…", got, want)
	}
}

func TestInvalidUTF8(t *testing.T) {
	src := "calendar:\n  id: demo\n  name: D\xe9mo\n"
	_, err := Load("x.yaml", strings.NewReader(src), Options{})
	var le *Error
	if !errors.As(err, &le) {
		t.Fatalf("Load = %v, want *Error", err)
	}
	if got, want := le.Problems[0].String(), "x.yaml:3:10: invalid UTF-8"; !strings.HasPrefix(got, want) {
		t.Errorf("problem = %q, want prefix %q", got, want)
	}
}

func TestMaxSize(t *testing.T) {
	data, err := os.ReadFile("../../events.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load("events.yaml", strings.NewReader(string(data)), Options{MaxSize: int64(len(data) - 1)})
	if err == nil || !strings.Contains(err.Error(), "larger than the limit") {
		t.Errorf("Load over the limit = %v, want a size error", err)
	}
	if _, err := Load("events.yaml", strings.NewReader(string(data)), Options{MaxSize: int64(len(data))}); err != nil {
		t.Errorf("Load at the limit: %v", err)
	}
}

func TestEmpty(t *testing.T) {
	for _, src := range []string{"", "\n# only a comment\n"} {
		_, err := Load("e.yaml", strings.NewReader(src), Options{})
		if err == nil || !strings.Contains(err.Error(), "empty") {
			t.Errorf("Load(%q) = %v, want an empty-file error", src, err)
		}
	}
}

// TestSeed checks the repository's events.yaml: every event at the instant
// the press release gives, in the tracks it names.
func TestSeed(t *testing.T) {
	cal, err := ReadFile(t.Context(), "../../events.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cal.ID != "wsis10" || cal.Location.String() != "America/New_York" || strings.Join(cal.Languages, ",") != "zh,en" {
		t.Errorf("calendar = %s %s %v", cal.ID, cal.Location, cal.Languages)
	}
	if len(cal.Warnings) != 0 {
		t.Errorf("warnings: %v", cal.Warnings)
	}
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	date := func(s string) time.Time {
		v, _ := time.Parse("2006-01-02", s)
		return v
	}
	tests := []struct {
		id         string
		start, end time.Time
		allDay     bool
		tracks     string
		en         string
	}{
		// 13:15 EST is 18:15 UTC.
		{"action-lines-implementation", utc("2015-12-14T18:15:00Z"), utc("2015-12-14T19:30:00Z"), false, "action-lines", "WSIS+10 and Implementation"},
		{"gem-tech-awards-2015", utc("2015-12-14T23:00:00Z"), utc("2015-12-15T01:00:00Z"), false, "gender", "GEM-TECH Awards 2015"},
		{"gender-digital-age", utc("2015-12-15T18:15:00Z"), utc("2015-12-15T19:30:00Z"), false, "gender", "WSIS+10 and Gender"},
		{"measuring-ict4d", utc("2015-12-15T20:00:00Z"), utc("2015-12-15T23:00:00Z"), false, "measurement", "WSIS+10 and Measurement"},
		{"trusted-connected-world", utc("2015-12-16T18:15:00Z"), utc("2015-12-16T19:30:00Z"), false, "action-lines", "Enabling a Trusted Connected World"},
		{"wsis10-hlm", date("2015-12-15"), date("2015-12-17"), true, "", "High-Level Meeting"},
		{"wsis-prizes-nominations", date("2015-12-14"), date("2015-12-15"), true, "action-lines", "WSIS Prizes"},
		{"wsis-forum-2016", date("2016-05-02"), date("2016-05-07"), true, "", "WSIS Forum 2016"},
	}
	if len(cal.Events) != len(tests) {
		t.Errorf("%d events, want %d", len(cal.Events), len(tests))
	}
	for _, tc := range tests {
		e := cal.Event(tc.id)
		if e == nil {
			t.Errorf("event %q missing", tc.id)
			continue
		}
		if !e.Start.Equal(tc.start) || !e.End.Equal(tc.end) || e.AllDay != tc.allDay {
			t.Errorf("%s: %v - %v (all day %v), want %v - %v (%v)", tc.id, e.Start.UTC(), e.End.UTC(), e.AllDay, tc.start, tc.end, tc.allDay)
		}
		if got := strings.Join(e.Tracks, ","); got != tc.tracks {
			t.Errorf("%s: tracks %q, want %q", tc.id, got, tc.tracks)
		}
		if !strings.Contains(e.Title.In("en"), tc.en) || e.Title.In("zh") == "" || e.Title.In("zh") == e.Title.In("en") {
			t.Errorf("%s: titles %q / %q", tc.id, e.Title.In("zh"), e.Title.In("en"))
		}
	}
	if got := cal.Event("wsis-forum-2016").Location.String(); got != "Europe/Zurich" {
		t.Errorf("wsis-forum-2016 zone = %s", got)
	}
}

func TestWallTimes(t *testing.T) {
	src := `
calendar: {id: demo, name: Demo, timezone: Europe/Zurich}
events:
  - {id: lord-howe, title: x, timezone: Australia/Lord_Howe, start: 2016-04-03 01:45, end: 2016-04-03 02:15}
  - {id: across-spring, title: x, start: 2016-03-27 01:00, end: 2016-03-27 04:00}
  - {id: across-autumn, title: x, start: 2016-10-30 01:00, end: 2016-10-30 04:00}
  - {id: duration, title: x, start: 2016-03-27 01:30, duration: 1h}
  - {id: seconds, title: x, start: "2016-05-02T09:00:30", end: "2016-05-02T10:00:00"}
  - {id: days, title: x, start: 2016-05-02, duration: 3d}
`
	cal, err := Load("w.yaml", strings.NewReader(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	real := func(id string) time.Duration { e := cal.Event(id); return e.End.Sub(e.Start) }
	// Lord Howe falls back 30 minutes at 02:00 on 3 April 2016: 01:45 and
	// 02:15 are 60 real minutes apart, and 01:45 happens twice.
	if got := real("lord-howe"); got != time.Hour {
		t.Errorf("lord-howe lasts %v, want 1h", got)
	}
	if !cal.Event("lord-howe").UTC || len(cal.Warnings) != 1 {
		t.Errorf("lord-howe UTC = %v, warnings %v; want the repeated 01:45 flagged", cal.Event("lord-howe").UTC, cal.Warnings)
	}
	if got := real("across-spring"); got != 2*time.Hour {
		t.Errorf("01:00-04:00 on the spring-forward night lasts %v, want 2h", got)
	}
	if got := real("across-autumn"); got != 4*time.Hour {
		t.Errorf("01:00-04:00 on the fall-back night lasts %v, want 4h", got)
	}
	// A duration is real time: 01:30 CET + 1h is 03:30 CEST.
	if got := cal.Event("duration").End.In(cal.Location).Format("15:04 MST"); got != "03:30 CEST" {
		t.Errorf("01:30 + 1h ends %s, want 03:30 CEST", got)
	}
	if got := cal.Event("seconds").Start.Second(); got != 30 {
		t.Errorf("seconds lost: %d", got)
	}
	if e := cal.Event("days"); !e.AllDay || e.End.Format("2006-01-02") != "2016-05-05" {
		t.Errorf("3d all-day ends %v, want 2016-05-05 (exclusive)", e.End)
	}
}

// TestDurationEndsInRepeatedHour: an end found from a duration whose wall
// time the clocks show twice would be read as the first of the two, which
// may not be it: a one-off event and an occurrence are written in UTC,
// with a warning at the duration, and a series is refused, as for an end
// written in that hour.
func TestDurationEndsInRepeatedHour(t *testing.T) {
	src := `
calendar: {id: demo, name: Demo, timezone: America/New_York}
events:
  - {id: first-pass, title: x, start: 2024-11-03 00:30, duration: 1h}
  - {id: second-pass, title: x, start: 2024-11-03 00:30, duration: 2h}
  - {id: troll, title: x, timezone: Antarctica/Troll, start: 2024-10-27 00:30, duration: 2h}
  - {id: clear, title: x, start: 2024-11-03 00:30, duration: 3h}
  - id: series
    title: x
    start: 2024-11-01 00:30
    duration: 45m
    repeat: {freq: daily, count: 5}
    overrides:
      2024-11-03: {duration: 1h}
      2024-11-04: {start: 2024-11-04 00:30, duration: 2h}
`
	cal, err := Load("d.yaml", strings.NewReader(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ends := map[string]string{
		"first-pass":  "2024-11-03T05:30:00Z", // 01:30 EDT
		"second-pass": "2024-11-03T06:30:00Z", // 01:30 EST
		"troll":       "2024-10-27T00:30:00Z", // 02:30 +02, the first of 02:00-03:00
		"clear":       "2024-11-03T07:30:00Z",
	}
	for id, want := range ends {
		e := cal.Event(id)
		if got := e.End.UTC().Format(time.RFC3339); got != want {
			t.Errorf("%s ends %s, want %s", id, got, want)
		}
		if inRepeated := id != "clear"; e.UTC != inRepeated {
			t.Errorf("%s: written in UTC = %v, want %v", id, e.UTC, inRepeated)
		}
	}
	ov := cal.Event("series").Overrides[0]
	if !ov.UTC || ov.End.UTC().Format(time.RFC3339) != "2024-11-03T05:30:00Z" {
		t.Errorf("the override ending at 01:30 EDT: UTC %v, end %v", ov.UTC, ov.End.UTC())
	}
	if cal.Event("series").Overrides[1].UTC {
		t.Error("an override ending outside the repeated hour is written in UTC")
	}
	var warned []string
	for _, w := range cal.Warnings {
		if strings.Contains(w.String(), "happens twice") {
			warned = append(warned, w.String())
		}
	}
	if len(warned) != 4 || !strings.Contains(warned[0], "d.yaml:4:67: ") || !strings.Contains(warned[0], "end (start + 1h): 2024-11-03 01:30 happens twice") {
		t.Errorf("warnings %q; want one at each of the four durations, the first at d.yaml:4:67", warned)
	}

	// A series whose first end, from its duration, is in that hour.
	_, err = Load("s.yaml", strings.NewReader(`
calendar: {id: demo, name: Demo, timezone: America/New_York}
events:
  - {id: s, title: x, start: 2024-11-03 00:30, duration: 45m, repeat: {freq: daily, count: 5}}
`), Options{})
	if err == nil || !strings.Contains(err.Error(), "s.yaml:4:58: ") || !strings.Contains(err.Error(), "a repeating event cannot end in that hour") {
		t.Errorf("a series ending in the repeated hour: %v", err)
	}
}

func TestResolveWall(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	wall := func(s string) time.Time { v, _ := time.Parse("2006-01-02 15:04", s); return v }
	tests := []struct {
		wall string
		res  wallResult
		utc  string
	}{
		{"2016-03-13 01:59", wallOK, "2016-03-13T06:59:00Z"},
		{"2016-03-13 02:00", wallGap, ""},
		{"2016-03-13 02:59", wallGap, ""},
		{"2016-03-13 03:00", wallOK, "2016-03-13T07:00:00Z"},
		{"2016-11-06 00:59", wallOK, "2016-11-06T04:59:00Z"},
		{"2016-11-06 01:00", wallRepeated, "2016-11-06T05:00:00Z"}, // the first, EDT
		{"2016-11-06 01:59", wallRepeated, "2016-11-06T05:59:00Z"},
		{"2016-11-06 02:00", wallOK, "2016-11-06T07:00:00Z"},
	}
	for _, tc := range tests {
		got, res := resolveWall(wall(tc.wall), ny)
		if res != tc.res {
			t.Errorf("%s: result %d, want %d", tc.wall, res, tc.res)
		}
		if tc.utc != "" && got.UTC().Format(time.RFC3339) != tc.utc {
			t.Errorf("%s: %s, want %s", tc.wall, got.UTC().Format(time.RFC3339), tc.utc)
		}
	}
}

func TestTextFallback(t *testing.T) {
	src := `
calendar: {id: demo, name: {en: Demo, fr: Démo}, timezone: UTC, languages: [fr, en, es]}
events:
  - {id: a, title: {en: Only English}, start: 2016-05-02, description: "  same for all \n\n"}
`
	cal, err := Load("t.yaml", strings.NewReader(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := cal.Event("a")
	for _, lang := range []string{"fr", "en", "es"} {
		if got := e.Title.In(lang); got != "Only English" {
			t.Errorf("title in %s = %q", lang, got)
		}
		if got := e.Description.In(lang); got != "same for all" {
			t.Errorf("description in %s = %q", lang, got)
		}
	}
	if got := cal.Name.In("es"); got != "Démo" {
		t.Errorf("name in es = %q, want the default language's (fr) Démo", got)
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Europe/Pari", "Europe/Paris"},
		{"europe/zurich", "Europe/Zurich"},
		{"Asia/Shangai", "Asia/Shanghai"},
		{"Nowhere/Atall", ""},
	}
	for _, tc := range tests {
		if got := suggest(tc.in, zoneNames[:]); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestNoPanic loads every prefix of the seed file and of each testdata file:
// truncated and mangled input gives problems, never a panic.
func TestNoPanic(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	files = append(files, "../../events.yaml")
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		step := max(1, len(data)/300) // about 300 prefixes a file; FuzzLoad goes further
		for n := 0; n <= len(data); n += step {
			cal, err := Load(path, strings.NewReader(string(data[:n])), Options{})
			if err == nil && cal == nil {
				t.Fatalf("%s[:%d]: nil calendar and nil error", path, n)
			}
		}
	}
}

// TestWallTimesFarFuture covers years past the zone's transition table,
// where Go's ZoneBounds misreports period ends in leap years.
func TestWallTimesFarFuture(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	wall := func(s string) time.Time { v, _ := time.Parse("2006-01-02 15:04", s); return v }
	if _, res := resolveWall(wall("2040-03-11 02:30"), ny); res != wallGap {
		t.Errorf("2040-03-11 02:30 New York: result %d, want a gap", res)
	}
	if got, res := resolveWall(wall("2040-11-04 01:30"), ny); res != wallRepeated || got.UTC().Hour() != 5 {
		t.Errorf("2040-11-04 01:30 New York: %v result %d, want the first of two (05:30 UTC)", got.UTC(), res)
	}
	if got, res := resolveWall(wall("2040-12-31 12:00"), ny); res != wallOK || got.UTC().Hour() != 17 {
		t.Errorf("2040-12-31 12:00 New York: %v result %d", got.UTC(), res)
	}
}

// TestBadCalendarZoneStillChecksEvents: an unknown calendar.timezone does
// not hide the problems of the events that rely on it: they are checked in
// the zone it most likely means, every problem in one run.
func TestBadCalendarZoneStillChecksEvents(t *testing.T) {
	src := "calendar: {id: x, name: X, timezone: America/New_Yrok}\nevents:\n" +
		"  - {id: b, title: B, start: 2016-03-13 02:30, duration: 1h}\n" +
		"  - {id: c, title: C, start: 2016-05-01 10:00, end: 2016-05-01 09:00}\n"
	_, err := Load("events.yaml", strings.NewReader(src), Options{})
	var le *Error
	if !errors.As(err, &le) {
		t.Fatalf("Load = %v", err)
	}
	var got []string
	for _, p := range le.Problems {
		got = append(got, p.String())
	}
	want := []string{
		`events.yaml:1:38: calendar.timezone: unknown time zone "America/New_Yrok" (did you mean "America/New_York"?); use an IANA name such as "Europe/Zurich"; meanwhile the events without a timezone of their own are checked in America/New_York`,
		`events.yaml:3:30: events[0] "b": start: 2016-03-13 02:30 does not exist in America/New_York: the clocks go forward from 02:00 to 03:00 that night; use a time outside the gap`,
		`events.yaml:4:53: events[1] "c": end 2016-05-01 09:00 is not after start 2016-05-01 10:00`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestUID: an event keeps the uid: its file gives it; the others have
// <id>@<calendar id>.
func TestUID(t *testing.T) {
	const doc = `calendar: {id: demo, name: Demo, timezone: Europe/Zurich}
events:
  - {id: kept, uid: "7kukuqrfedlm2f9t0vr42q2r5s@google.com", title: Kept, start: 2016-05-02 09:00, duration: 1h}
  - {id: plain, title: Plain, start: 2016-05-02 11:00, duration: 1h}
`
	cal, err := Load("uid.yaml", strings.NewReader(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"kept": "7kukuqrfedlm2f9t0vr42q2r5s@google.com", "plain": "plain@demo"} {
		if got := cal.Event(id).UID; got != want {
			t.Errorf("%s: UID %q, want %q", id, got, want)
		}
	}
}

// TestLikelyLayout: the layout tried first for a wall time is the one that
// reads it, for each form wallTime takes (and for one-digit hours and
// fractional seconds, which time.Parse reads too), so that a valid time
// costs one parse. Whatever the guess, the other layouts are tried after
// it: a wrong one would cost time, not a wrong result.
func TestLikelyLayout(t *testing.T) {
	for _, s := range []string{
		"2026-03-24", "2026-03-24 09:45", "2026-03-24T09:45", "2026-03-24 09:45:30", "2026-03-24T09:45:30",
		"2026-03-24 9:45", "2026-03-24T9:45", "2026-03-24 09:45:30.250", "2026-03-24T09:45:30.5",
	} {
		layout := likelyLayout(s)
		if _, err := time.Parse(layout, s); err != nil {
			t.Errorf("likelyLayout(%q) = %q, which does not read it: %v", s, layout, err)
		}
	}
}

// TestClockChangeWording: a gap or a repeated hour is described by the
// change itself, whatever its length and whichever way daylight saving
// goes: Lord Howe's half hour, Troll's two hours, Casablanca's return from
// its negative summer offset, and a repeated hour in New York.
func TestClockChangeWording(t *testing.T) {
	src := `calendar: {id: x, name: X, timezone: UTC}
events:
  - {id: a, title: x, timezone: Australia/Lord_Howe, start: 2024-10-06 02:15, duration: 1h}
  - {id: b, title: x, timezone: Antarctica/Troll, start: 2024-03-31 02:00, duration: 1h}
  - {id: c, title: x, timezone: Africa/Casablanca, start: 2025-04-06 02:30, duration: 1h}
  - {id: d, title: x, timezone: America/New_York, start: 2024-11-03 01:30, duration: 1h}
`
	_, err := Load("x.yaml", strings.NewReader(src), Options{})
	var le *Error
	if !errors.As(err, &le) {
		t.Fatalf("Load: %v", err)
	}
	var got []string
	for _, p := range append(le.Problems, le.Warnings...) {
		got = append(got, p.Msg)
	}
	for _, want := range []string{
		"2024-10-06 02:15 does not exist in Australia/Lord_Howe: the clocks go forward from 02:00 to 02:30 that night;",
		"2024-03-31 02:00 does not exist in Antarctica/Troll: the clocks go forward from 01:00 to 03:00 that night;",
		"2025-04-06 02:30 does not exist in Africa/Casablanca: the clocks go forward from 02:00 to 03:00 that night;",
		"2024-11-03 01:30 happens twice in America/New_York (the clocks go back from 02:00 to 01:00);",
	} {
		if !slices.ContainsFunc(got, func(m string) bool { return strings.Contains(m, want) }) {
			t.Errorf("no problem says %q; got %q", want, got)
		}
	}
}

// TestSpansAndDays: a series whose occurrences span a change of the clocks
// is warned of (Thunderbird reads their length by the clock), unless an
// override gives that date its own end; a one-off event whose duration of
// days spans one is warned that its end moved on the clock; one of hours
// is not.
func TestSpansAndDays(t *testing.T) {
	src := `calendar: {id: x, name: X, timezone: America/New_York}
events:
  - {id: nightly, title: x, start: 2024-03-08 00:00, end: 2024-03-08 04:00, repeat: {freq: daily, count: 5}}
  - id: settled
    title: x
    start: 2024-03-08 00:00
    end: 2024-03-08 04:00
    repeat: {freq: daily, count: 5}
    overrides: {2024-03-10: {end: 2024-03-10 04:00}}
  - {id: daytime, title: x, start: 2024-03-08 10:00, end: 2024-03-08 12:00, repeat: {freq: daily, count: 5}}
  - {id: days, title: x, start: 2024-03-09 12:00, duration: 3d}
  - {id: hours, title: x, start: 2024-03-09 12:00, duration: 72h}
`
	cal, err := Load("x.yaml", strings.NewReader(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := warningStrings(cal)
	want := []string{
		`x.yaml:3:59: warning: events[0] "nightly": the occurrence on 2024-03-10 spans a change of the clocks (they go forward from 02:00 to 03:00): ` +
			`like every occurrence it lasts 4h, so it ends at 05:00, as calfeed and Evolution show it, but Thunderbird ends it 4h after its start by the clock, at 04:00; ` +
			`to give it one end in every calendar, add an override for that date with end:`,
		`x.yaml:11:61: warning: events[3] "days": duration 3d is 72 hours, and the clocks change in between (from 02:00 to 03:00): ` +
			`it ends at 2024-03-12 13:00; for the start's time of day, write end: 2024-03-12 12:00`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if got := cal.Event("settled").Occurrences(time.Time{}, 5)[2].End.UTC().Format(time.RFC3339); got != "2024-03-10T08:00:00Z" {
		t.Errorf("the override's end: %s, want 04:00 EDT", got)
	}
}

// TestSpanBackAtMidnight: Santiago's clocks go back from 00:00 to 23:00;
// the warning says back, where comparing the two times said forward.
func TestSpanBackAtMidnight(t *testing.T) {
	src := `calendar: {id: x, name: X, timezone: America/Santiago}
events:
  - {id: night, title: x, start: 2024-04-05 22:00, end: 2024-04-06 06:00, repeat: {freq: daily, count: 4}}
`
	cal, err := Load("x.yaml", strings.NewReader(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cal.Warnings) != 1 || !strings.Contains(cal.Warnings[0].Msg, "they go back from 00:00 to 23:00") {
		t.Errorf("warnings %v", cal.Warnings)
	}
}

// TestEndInRepeatedHour: an occurrence that ends, by its length, just
// before the clocks go back, at a time they then show twice (or exactly
// as they go back), is ended by Thunderbird at the second such time: it is
// warned of as one spanning the change is, and an override with its end
// makes it one in every calendar (its end is written in UTC).
func TestEndInRepeatedHour(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"Santiago's Saturday concert", "calendar: {id: x, name: X, timezone: America/Santiago}\nevents:\n  - {id: c, title: x, start: 2025-03-01 21:00, end: 2025-03-01 23:30, repeat: {freq: weekly, until: 2025-05-31}}\n",
			`the occurrence on 2025-04-05 ends at 23:30, a time the clocks show twice that night (they go back from 00:00 to 23:00): like every occurrence it lasts 2h30m, so it ends at the first 23:30, as calfeed and Evolution show it, but Thunderbird takes the second, and shows it 1h longer`},
		{"ends in Zurich's repeated hour", "calendar: {id: x, name: X, timezone: Europe/Zurich}\nevents:\n  - {id: c, title: x, start: 2025-10-05 01:30, end: 2025-10-05 02:30, repeat: {freq: weekly, until: 2025-11-30}}\n",
			`the occurrence on 2025-10-26 ends at 02:30, a time the clocks show twice that night (they go back from 03:00 to 02:00)`},
		{"ends as the clocks go back", "calendar: {id: x, name: X, timezone: Europe/Zurich}\nevents:\n  - {id: c, title: x, start: 2025-10-05 01:00, duration: 2h, repeat: {freq: weekly, until: 2025-11-30}}\n",
			`the occurrence on 2025-10-26 spans a change of the clocks (they go back from 03:00 to 02:00): like every occurrence it lasts 2h, so it ends at 02:00, as calfeed and Evolution show it, but Thunderbird ends it 2h after its start by the clock, at 03:00`},
	} {
		got := strings.Join(warningsOf(t, tc.yaml), "\n")
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s: warnings\n%s\nwant one containing\n%s", tc.name, got, tc.want)
		}
	}
	// Ending well before the change, or on another night: nothing.
	quiet := "calendar: {id: x, name: X, timezone: Europe/Zurich}\nevents:\n  - {id: c, title: x, start: 2025-10-05 10:00, duration: 2h, repeat: {freq: weekly, until: 2025-11-30}}\n"
	if got := warningsOf(t, quiet); len(got) != 0 {
		t.Errorf("a series far from the change: warnings %q", got)
	}
	// The override the warning asks for puts that end in UTC: no longer
	// the series' warning.
	fixed := "calendar: {id: x, name: X, timezone: America/Santiago}\nevents:\n  - id: c\n    title: x\n    start: 2025-03-01 21:00\n    end: 2025-03-01 23:30\n    repeat: {freq: weekly, until: 2025-05-31}\n    overrides:\n      2025-04-05: {end: 2025-04-05 23:30}\n"
	if got := strings.Join(warningsOf(t, fixed), "\n"); strings.Contains(got, "Thunderbird takes the second") {
		t.Errorf("with the override: warnings\n%s", got)
	}
}

// TestGapLength: a series whose time the clocks skip is told how far
// clients may move it: an hour in most zones, a day in Apia's skipped
// 30 December 2011, half an hour on Lord Howe.
func TestGapLength(t *testing.T) {
	for zone, tc := range map[string]struct{ start, want string }{
		"Europe/Zurich":       {"2025-03-02 02:30", "(an hour later or earlier)"},
		"Pacific/Apia":        {"2011-12-03 10:00", "(a day later or earlier)"},
		"Australia/Lord_Howe": {"2025-09-07 02:15", "(30m later or earlier)"},
	} {
		src := "calendar: {id: x, name: X, timezone: " + zone + "}\nevents:\n  - {id: a, title: A, start: " + tc.start + ", duration: 1h, repeat: {freq: daily, count: 400}}\n"
		if _, err := Load("x.yaml", strings.NewReader(src), Options{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v\nwant %s", zone, err, tc.want)
		}
	}
}

// warningsOf loads src, which must be valid, and returns its warnings.
func warningsOf(t *testing.T, src string) []string {
	t.Helper()
	cal, err := Load("x.yaml", strings.NewReader(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return warningStrings(cal)
}

// warningStrings are cal's warnings as check prints them.
func warningStrings(cal *Calendar) []string {
	var got []string
	for _, w := range cal.Warnings {
		got = append(got, w.String())
	}
	return got
}

// TestCommentedValue: a value that begins with # after a space (a colour
// left unquoted) is a YAML comment; the problem says so and what to write,
// in block and in flow style.
func TestCommentedValue(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"block", "calendar: {id: c, name: C, timezone: Europe/Zurich}\ntracks:\n  - id: talks\n    name: Talks\n    color: #C2185B\nevents: []\n",
			`c.yaml:5:11: tracks[0] "talks": color: want a single value, got nothing: after a space, # starts a comment in YAML, which hid the rest of the line; put the value in quotes: color: "#C2185B"`},
		{"a comment after it", "calendar: {id: c, name: C, timezone: Europe/Zurich}\ntracks:\n  - id: talks\n    name: Talks\n    color: #1565C0   # blue\nevents: []\n",
			`put the value in quotes: color: "#1565C0"`},
		{"quoted with its comment", "calendar: {id: c, name: C, timezone: Europe/Zurich}\ntracks:\n  - id: talks\n    name: Talks\n    color: \"#1565C0   # blue\"\nevents: []\n",
			`c.yaml:5:12: tracks[0] "talks": color "#1565C0   # blue" holds a comment: within quotes, # is part of the value; write color: "#1565C0" and put the comment after the closing quote`},
		{"empty title", "calendar: {id: c, name: C, timezone: Europe/Zurich}\nevents:\n  - id: b\n    title: #2 meeting\n    start: 2026-05-04 09:00\n    duration: 1h\n",
			`put the value in quotes: title: "#2 meeting"`},
		{"flow", "calendar: {id: c, name: C, timezone: Europe/Zurich}\ntracks:\n  - {id: talks, name: Talks, color: #C2185B}\nevents: []\n",
			`c.yaml:3:37: YAML syntax: this # starts a comment (after a space, # does in YAML), which hides the rest of the line and the } that ends the {; put the value in quotes, as in color: "#C2185B"`},
		{"flow, another item after", "calendar: {id: c, name: C, timezone: Europe/Zurich}\ntracks:\n  - {id: a, name: A, color: #C2185B}\n  - {id: b, name: B}\nevents: []\n",
			`c.yaml:3:29: YAML syntax: this # starts a comment`},
		{"flow, a block item after", "calendar: {id: c, name: C, timezone: Europe/Zurich}\ntracks:\n  - {id: a, name: A, color: #C2185B}\n  - id: b\n    name: B\nevents: []\n",
			`c.yaml:3:29: YAML syntax: this # starts a comment`},
		{"flow, at the end", "calendar: {id: c, name: C, timezone: Europe/Zurich}\nevents: []\ntracks:\n  - {id: a, name: A, color: #C2185B}\n",
			`c.yaml:4:29: YAML syntax: this # starts a comment`},
		// A comment on a line of its own hides nothing: the [ left open is
		// the slip (calfeed init's file has a comment before each event).
		{"a comment line after a [ left open", "calendar: {id: c, name: C, timezone: Europe/Zurich}\nevents:\n  - id: a\n    start: 2027-03-22 18:00\n    tracks: [workshops\n\n  # the next one\n  - id: b\n    start: 2027-03-29 10:00\n",
			`c.yaml:5:13: YAML syntax: this [ is never closed`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("c.yaml", strings.NewReader(tc.yaml), Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v\nwant it to contain %s", err, tc.want)
			}
		})
	}
	// A quoted colour is not told to be quoted.
	if _, err := Load("c.yaml", strings.NewReader("calendar: {id: c, name: C, timezone: Europe/Zurich}\ntracks:\n  - {id: talks, name: Talks, color: \"#12345\"}\nevents: []\n"), Options{}); err == nil || strings.Contains(err.Error(), "quote it") {
		t.Errorf("a quoted colour of five digits: %v", err)
	}
	// A comment after a complete value is no problem.
	if _, err := Load("c.yaml", strings.NewReader("calendar: {id: c, name: C, timezone: Europe/Zurich} # the calendar\ntracks:\n  - {id: talks, name: Talks, color: \"#C2185B\"} # red\nevents: []\n"), Options{}); err != nil {
		t.Errorf("comments after values: %v", err)
	}
}

// TestZoneHint: an unknown zone gets the zone of the city it names, or a
// zone it is a typo of, and nothing far from it (Europe/Geneva is not a
// misspelt Europe/Kiev).
func TestZoneHint(t *testing.T) {
	for in, want := range map[string]string{
		"Europe/Geneva":      ` (Geneva is in "Europe/Zurich")`,
		"Asia/Beijing":       ` (Beijing is in "Asia/Shanghai")`,
		"Europe/Zurik":       ` (did you mean "Europe/Zurich"?)`,
		"america/new_york":   ` (did you mean "America/New_York"?)`,
		"Erope/Zurich":       ` (did you mean "Europe/Zurich"?)`,
		"Europe/Atlantis":    "",
		"Mars/Olympus_Mons":  "",
		"America/Washington": ` (Washington is in "America/New_York")`,
		"US/Washington":      "", // the state, on Pacific time
		"Geneva":             ` (Geneva is in "Europe/Zurich")`,
		"Tokyo":              ` (Tokyo is in "Asia/Tokyo")`,
		"New York":           ` (New York is in "America/New_York")`,
		"new_york":           ` (New York is in "America/New_York")`,
		"Buenos Aires":       ` (Buenos Aires is in "America/Argentina/Buenos_Aires")`,
		"Eastern":            ` (did you mean "US/Eastern"?)`, // by spelling, not Canada/Eastern by city
		"PST":                ` (did you mean "America/Los_Angeles"?)`,
		"IST":                ` (IST names India Standard Time, "Asia/Kolkata", Israel Standard Time, "Asia/Jerusalem", and Irish Standard Time, "Europe/Dublin": write the one meant)`,
		"cst":                ` (CST names China Standard Time, "Asia/Shanghai" or, in Taiwan, "Asia/Taipei", and Central Standard Time, "America/Chicago": write the one meant)`,
		"UTC+9":              ` (UTC+9 is "Etc/GMT-9", its sign reversed as the time zone database writes it; a city's zone, such as "Asia/Tokyo", also follows daylight saving)`,
		"GMT-05:00":          ` (GMT-05:00 is "Etc/GMT+5", its sign reversed as the time zone database writes it; a city's zone, such as "Asia/Tokyo", also follows daylight saving)`,
		"UTC+0":              ` (did you mean "Etc/UTC"?)`,
		"UTC+15":             "",
	} {
		if got := ZoneHint(in); got != want {
			t.Errorf("ZoneHint(%q) = %q, want %q", in, got, want)
		}
	}
	_, err := Load("s.yaml", strings.NewReader("calendar: {id: c, name: C, timezone: Europe/Geneva}\nevents:\n  - {id: a, title: x, start: 2026-05-04 09:00, duration: 1h, status: canceled}\n"), Options{})
	for _, want := range []string{
		`unknown time zone "Europe/Geneva" (Geneva is in "Europe/Zurich"); use an IANA name such as "Europe/Zurich"; meanwhile the events without a timezone of their own are checked in Europe/Zurich`,
		`status "canceled" must be confirmed, tentative or cancelled (did you mean "cancelled"?)`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v\nwant it to contain %s", err, want)
		}
	}
}

// TestSkippedDay: a time on a day its zone skipped whole (Kiritimati went
// from UTC-10 to UTC+14 on 31 December 1994) is an error that gives the
// dates of the jump, not "from 00:00 to 00:00".
func TestSkippedDay(t *testing.T) {
	_, err := Load("k.yaml", strings.NewReader("calendar: {id: k, name: K, timezone: Pacific/Kiritimati}\nevents:\n  - {id: a, title: x, start: 1994-12-31 10:00, duration: 1h}\n"), Options{})
	want := "the clocks go forward from 1994-12-31 00:00 to 1995-01-01 00:00; use a time outside the gap"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v\nwant it to contain %s", err, want)
	}
}

// TestZoneWarning: zones that exist but are seldom what was meant (EST for
// New York, an Etc zone's reversed sign) are a warning at their place,
// once a file however many events name them; the zones people mean are
// none.
func TestZoneWarning(t *testing.T) {
	src := `calendar: {id: c, name: C, timezone: EST}
events:
  - {id: a, title: A, start: 2026-05-04 09:00, end: 2026-05-04 10:00, timezone: Etc/GMT+8}
  - {id: b, title: B, start: 2026-05-04 09:00, end: 2026-05-04 10:00, timezone: Etc/GMT+8}
  - {id: d, title: D, start: 2026-05-04 09:00, end: 2026-05-04 10:00, timezone: America/New_York}
  - {id: e, title: E, start: 2026-05-04 09:00, end: 2026-05-04 10:00, timezone: Etc/GMT+0}
  - {id: f, title: F, start: 2026-05-04 09:00, end: 2026-05-04 10:00, timezone: MST}
`
	cal, err := Load("c.yaml", strings.NewReader(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := warningStrings(cal)
	want := []string{
		`c.yaml:1:38: warning: calendar.timezone: "EST" is UTC-05:00 all year, with no daylight saving: New York, Toronto and the US East Coast are "America/New_York"`,
		`c.yaml:3:81: warning: events[0] "a": timezone: "Etc/GMT+8" is UTC-08:00 (the Etc zones' sign is the reverse of the offset's): for UTC+08:00 write "Etc/GMT-8"`,
		`c.yaml:7:81: warning: events[4] "f": timezone: "MST" is UTC-07:00 all year`,
	}
	if len(got) != len(want) {
		t.Fatalf("warnings:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("warning %d:\n%s\nwant it to begin\n%s", i, got[i], want[i])
		}
	}
	// The warning is one: the times are still those of the zone named.
	if e := cal.Event("a"); e.Start.UTC().Hour() != 17 {
		t.Errorf("09:00 in Etc/GMT+8 is %v, want 17:00 UTC", e.Start.UTC())
	}
}

// TestDateHint: a date or time nearly right is told what is wrong with it,
// not blamed on the part that is right.
func TestDateHint(t *testing.T) {
	for in, want := range map[string]string{
		"2027-5-1 10:00":         ": write the month and the day with two digits each, as in 2027-05-01",
		"2027-5-1":               ": write the month and the day with two digits each, as in 2027-05-01",
		"2027-05-1T10:00":        ": write the month and the day with two digits each, as in 2027-05-01",
		"2027-05-01T10:00:00Z":   ": a wall time takes no Z or UTC offset",
		"2027-05-01 10:00+02:00": ": a wall time takes no Z or UTC offset",
		"2027-05-01 10:00 -0500": ": a wall time takes no Z or UTC offset",
		"2027-05-01 10h00":       ": the time must be HH:MM or HH:MM:SS, 24-hour",
		"2027-05-01 25:00":       ": there is no hour 25; hours run from 00 to 23",
		"2027-05-01 9:60":        ": there is no minute 60; minutes run from 00 to 59",
		"2027-05-01 09:30:61":    ": there is no second 61; seconds run from 00 to 59",
		"2027-05-01 09:30:60":    ": there is no second 60; seconds run from 00 to 59",
		"2027-05-01 09:5":        ": the time must be HH:MM or HH:MM:SS, 24-hour",
		"2027-02-30":             ": February 2027 has 28 days",
		"2027-13-01 10:00":       ": there is no month 13",
		"next tuesday":           "",
		"26-03-05 10:00":         ": write the year with four digits",
		"2026-03-051":            "",
		"2027-03-20 24:00":       ": 24:00 is 00:00 of the next day; write 2027-03-21 00:00",
		"2027-12-31 24:00:00":    ": 24:00 is 00:00 of the next day; write 2028-01-01 00:00",
		"10:30":                  ": a wall time needs its date, as in 2026-03-05 10:30 (for an end, duration: may be simpler",
		"03/22/2027 18:00":       ": write the date year first, as in 2027-03-22 18:00",
		"22.03.2027":             ": write the date year first, as in 2027-03-22",
		"03/04/2027":             ": write the date year first, YYYY-MM-DD: 2027-03-04 if 3 is the month, 2027-04-03 if it is the day",
	} {
		if got := dateHint(in); !strings.HasPrefix(got, want) || (want == "" && got != "") {
			t.Errorf("dateHint(%q) = %q, want it to begin %q", in, got, want)
		}
	}
	// A start that cannot be read leaves the end and the duration to be
	// read on their own: every problem at once.
	both := "calendar: {id: c, name: C, timezone: Europe/Zurich}\nevents:\n  - {id: a, title: A, start: 2027-05-01 1:15pm, end: 2027-05-01 24:00}\n  - {id: b, title: B, end: 2027-05-01 10:00, duration: 2 hours}\n"
	_, err := Load("c.yaml", strings.NewReader(both), Options{})
	for _, want := range []string{
		`c.yaml:3:30: events[0] "a": start: "2027-05-01 1:15pm" is not a date`,
		`c.yaml:3:54: events[0] "a": end: "2027-05-01 24:00" is not a date (2015-12-14) or a wall time (2015-12-14 18:00): 24:00 is 00:00 of the next day; write 2027-05-02 00:00`,
		`c.yaml:4:5: events[1] "b": start missing`,
		`c.yaml:4:46: events[1] "b": give end or duration, not both`,
		`c.yaml:4:56: events[1] "b": duration: "2 hours" is not a duration`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("a start that cannot be read: no %q in\n%v", want, err)
		}
	}
	src := "calendar: {id: c, name: C, timezone: Europe/Zurich}\nevents:\n  - {id: a, title: A, start: 2027-5-1 10:00, duration: 1h}\n"
	if _, err := Load("c.yaml", strings.NewReader(src), Options{}); err == nil || !strings.Contains(err.Error(), `c.yaml:3:30: events[0] "a": start: "2027-5-1 10:00" is not a date (2015-12-14) or a wall time (2015-12-14 18:00): write the month and the day with two digits each`) {
		t.Errorf("got %v", err)
	}
}

// TestShapeHints: what people write for a list, a text with a comma in
// { }, and keys from other formats, is answered with what to write.
func TestShapeHints(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"a list as one value": {"calendar: {id: c, name: C, timezone: Europe/Zurich}\ntracks: [{id: talks, name: Talks}, {id: panels, name: Panels}]\nevents:\n  - id: a\n    title: A\n    start: 2026-05-04 09:00\n    duration: 1h\n    tracks: talks, panels\n",
			`c.yaml:8:13: events[0] "a": tracks: want a list, got "talks, panels"; write a list in brackets: [talks, panels]`},
		"languages as one": {"calendar: {id: c, name: C, timezone: Europe/Zurich, languages: en}\nevents: []\n",
			`calendar.languages: want a list, got "en"; write a list in brackets: [en]`},
		"a comma in { }": {"calendar: {id: c, name: {zh: 测试,日历, en: Test}, timezone: Europe/Zurich, languages: [zh, en]}\nevents: []\n",
			`c.yaml:1:33: calendar.name: language "日历" is not in calendar.languages (zh, en) (within { }, a comma ends a text: put a text that holds one in quotes, as in zh: "…, …")`},
		"frequency": {"calendar: {id: c, name: C, timezone: Europe/Zurich}\nevents:\n  - {id: a, title: A, start: 2026-05-04 09:00, duration: 1h, repeat: {frequency: weekly, count: 3}}\n",
			`unknown key "frequency" (did you mean "freq"?)`},
		"summary": {"calendar: {id: c, name: C, timezone: Europe/Zurich}\nevents:\n  - {id: a, summary: A, start: 2026-05-04 09:00, duration: 1h}\n",
			`unknown key "summary" (did you mean "title"?)`},
		"begin": {"calendar: {id: c, name: C, timezone: Europe/Zurich}\nevents:\n  - {id: a, title: A, begin: 2026-05-04 09:00, duration: 1h}\n",
			`unknown key "begin" (did you mean "start"?)`},
		"a typo still": {"calendar: {id: c, name: C, timezone: Europe/Zurich}\nevents:\n  - {id: a, titel: A, start: 2026-05-04 09:00, duration: 1h}\n",
			`unknown key "titel" (did you mean "title"?)`},
	} {
		_, err := Load("c.yaml", strings.NewReader(tc.yaml), Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v\nwant it to contain %s", name, err, tc.want)
		}
	}
	// A key from another format is read as the one it stands for: one
	// slip, one problem, not also "title missing" and "start missing".
	_, err := Load("c.yaml", strings.NewReader("calendar: {id: c, name: C, timezone: Europe/Zurich}\nevents:\n  - {id: a, summary: A, begin: 2026-05-04 09:00, duration: 1h}\n"), Options{})
	if err == nil || strings.Contains(err.Error(), "missing") || strings.Count(err.Error(), "\n") != 1 {
		t.Errorf("summary and begin: %v", err)
	}
	// until: beside a repeat: is not taken for end:.
	_, err = Load("c.yaml", strings.NewReader("calendar: {id: c, name: C, timezone: Europe/Zurich}\nevents:\n  - {id: a, title: A, start: 2026-05-04 09:00, duration: 1h, repeat: {freq: weekly}, until: 2026-06-01}\n"), Options{})
	if err == nil || strings.Contains(err.Error(), `did you mean "end"`) {
		t.Errorf("until beside repeat: %v", err)
	}
	// A language not in the list, outside { } or after a text, is only that.
	_, err = Load("c.yaml", strings.NewReader("calendar: {id: c, name: C, timezone: Europe/Zurich}\nevents:\n  - {id: a, title: {en: A, fr: B}, start: 2026-05-04 09:00, duration: 1h}\n"), Options{})
	if err == nil || strings.Contains(err.Error(), "a comma ends") {
		t.Errorf("a language not in the list: %v", err)
	}
}

// TestEventNamedFromTheStart: an event's problems found before its id is
// read (an unknown key, a repeated one) name it by its id too; an id that
// is not one is not quoted as if it were.
func TestEventNamedFromTheStart(t *testing.T) {
	src := "calendar: {id: x, name: X, timezone: UTC}\nevents:\n" +
		"  - {titel: A, id: opening, start: 2026-01-01 09:00, duration: 1h}\n" +
		"  - {id: Not An Id, title: B, title: C, start: 2026-01-01 09:00, duration: 1h}\n" +
		"  - {id: first, colr: x, id: second, title: D, start: 2026-01-01 09:00, duration: 1h}\n" +
		"  - {id: [a], colour: x, title: E, start: 2026-01-01 09:00, duration: 1h}\n"
	_, err := Load("events.yaml", strings.NewReader(src), Options{})
	var le *Error
	if !errors.As(err, &le) {
		t.Fatalf("Load = %v", err)
	}
	got := le.Error()
	for _, want := range []string{`events[0] "opening": unknown key "titel"`, `events[1]: key "title" repeated`,
		`events[2] "first": unknown key "colr"`, `events[3]: unknown key "colour"`} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}

// TestEndReadBesideABadStart: an event's end and duration are read, and
// their problems reported, when its start is in a gap of the clocks or
// both are given.
func TestEndReadBesideABadStart(t *testing.T) {
	src := "calendar: {id: x, name: X, timezone: America/New_York}\nevents:\n" +
		"  - {id: gap, title: A, start: 2016-03-13 02:30, end: 2016-03-13 25:00}\n" +
		"  - {id: both, title: B, start: 2016-03-14 09:00, end: 2016-03-14 10:00, duration: 1.5h}\n"
	_, err := Load("events.yaml", strings.NewReader(src), Options{})
	var le *Error
	if !errors.As(err, &le) {
		t.Fatalf("Load = %v", err)
	}
	got := le.Error()
	for _, want := range []string{
		`events[0] "gap": start: 2016-03-13 02:30 does not exist`,
		`events[0] "gap": end: "2016-03-13 25:00" is not a date`,
		`events[1] "both": give end or duration, not both`,
		`events[1] "both": duration`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}
