package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"calfeed/internal/calendar"
)

// TestInit: init writes a commented calendar that check accepts, dated in
// the coming weeks: one language, two tracks, a timed, an all-day and a
// weekly event; it never overwrites a file.
func TestInit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.yaml")
	var stdout, stderr strings.Builder
	if err := run(context.Background(), []string{"init", "-o", path, "-timezone", "Asia/Shanghai"}, &stdout, &stderr, fakeEnv(nil)); err != nil {
		t.Fatalf("init: %v\n%s", err, stderr.String())
	}
	if r := runCmd(t, nil, "check", path); r.code != 0 || !strings.Contains(r.stdout, "ok: 3 events, 2 tracks") {
		t.Errorf("check of the new file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	cal, err := calendar.ReadFile(t.Context(), path, calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cal.Languages) != 1 || len(cal.Tracks) != 2 || cal.Location.String() != "Asia/Shanghai" {
		t.Errorf("languages %v, %d tracks, zone %s", cal.Languages, len(cal.Tracks), cal.Location)
	}
	kinds := map[string]bool{}
	for _, e := range cal.Events {
		switch {
		case e.Repeats():
			kinds["weekly"] = true
		case e.AllDay:
			kinds["all-day"] = true
		default:
			kinds["timed"] = true
		}
		if !e.End.After(time.Now()) {
			t.Errorf("%s is over (%v): the sample should be in the coming weeks", e.ID, e.End)
		}
	}
	if len(kinds) != 3 {
		t.Errorf("event kinds %v, want timed, all-day and weekly", kinds)
	}
	data, _ := os.ReadFile(path)
	if strings.Count(string(data), "#") < 15 {
		t.Error("the file is hardly commented")
	}

	// Never over an existing file.
	r := runCmd(t, nil, "init", "-o", path)
	if r.code != 1 || !strings.Contains(r.stderr, "exists; it was left as it is") {
		t.Errorf("init over a file: exit %d, %s", r.code, r.stderr)
	}
	if again, _ := os.ReadFile(path); string(again) != string(data) {
		t.Error("init changed an existing file")
	}
	if r := runCmd(t, nil, "init", "-o", filepath.Join(t.TempDir(), "x.yaml"), "-timezone", "Europe/Geneva"); r.code != 2 || !strings.Contains(r.stderr, `-timezone "Europe/Geneva" is not an IANA time zone (Geneva is in "Europe/Zurich")`) {
		t.Errorf("init -timezone Europe/Geneva: exit %d\n%s", r.code, r.stderr)
	}
	if r := runCmd(t, nil, "init", "-o", filepath.Join(t.TempDir(), "x.yaml"), "-timezone", "Mars/Base"); r.code != 2 {
		t.Errorf("init -timezone Mars/Base: exit %d", r.code)
	}
}

func TestInitDates(t *testing.T) {
	for _, now := range []time.Time{
		time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), // a Monday: the next one
		time.Date(2026, 12, 5, 23, 0, 0, 0, time.UTC), // a Saturday
		time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC),  // a Sunday
	} {
		v := initData(now, time.UTC, "en")
		talk, _ := time.Parse(time.DateOnly, v.Talk)
		if talk.Weekday() != time.Monday || !talk.After(now) || talk.Sub(now) > 8*24*time.Hour {
			t.Errorf("now %v: the talk is on %s", now, v.Talk)
		}
	}
}

// TestInitLang: -lang sets the calendar's language, the sample's texts are
// in it (for the languages of calfeed's pages; in English with a comment
// saying so for others), the comment on adding one suggests a different
// one, and a code that is not one is a usage error that writes nothing.
func TestInitLang(t *testing.T) {
	titles := map[string]string{"zh": "开幕讲座", "fr": "Conférence d'ouverture", "fr-CA": "Conférence d'ouverture", "pt-BR": "Opening talk"}
	for lang, other := range map[string]string{"zh": "fr", "fr": "en", "fr-CA": "en", "pt-BR": "fr"} {
		path := filepath.Join(t.TempDir(), "events.yaml")
		if r := runCmd(t, nil, "init", "-o", path, "-lang", lang); r.code != 0 {
			t.Fatalf("init -lang %s: exit %d\n%s", lang, r.code, r.stderr)
		}
		cal, err := calendar.ReadFile(t.Context(), path, calendar.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(cal.Languages, []string{lang}) {
			t.Errorf("init -lang %s: languages %v", lang, cal.Languages)
		}
		if got := cal.Event("opening-talk").Title.In(lang); got != titles[lang] {
			t.Errorf("init -lang %s: the opening talk is called %q, want %q", lang, got, titles[lang])
		}
		data, _ := os.ReadFile(path)
		if english := strings.Contains(string(data), "The sample texts below are in English: write yours in "+lang+"."); english != (lang == "pt-BR") {
			t.Errorf("init -lang %s: the comment on English texts there: %v", lang, english)
		}
		if want := "such as [" + lang + ", " + other + "]? Then write each text as {" + lang + ": …, " + other + ": …}."; !strings.Contains(string(data), want) {
			t.Errorf("init -lang %s: no comment %q in\n%s", lang, want, data)
		}
	}
	for _, bad := range []string{"Zh-Hans", "english", "", "e"} {
		path := filepath.Join(t.TempDir(), "events.yaml")
		r := runCmd(t, nil, "init", "-o", path, "-lang", bad)
		if r.code != 2 || !strings.Contains(r.stderr, "is not a language code") || strings.Contains(r.stderr, "bug") {
			t.Errorf("init -lang %q: exit %d, %s", bad, r.code, r.stderr)
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("init -lang %q wrote a file", bad)
		}
	}
}

// TestMissingEventsFile: every command that reads the events file says,
// when there is none, how to make one.
func TestMissingEventsFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "events.yaml")
	for _, args := range [][]string{
		{"check", missing},
		{"stamp", missing},
		{"serve", "-config", missing, "-addr", "127.0.0.1:0"},
		{"build", "-config", missing, "-out", t.TempDir(), "-base-url", "https://calendar.example.org"},
		{"token", "add", "-config", missing, "-name", "Bureau", "-all"},
	} {
		r := runCmd(t, nil, args...)
		if want := "calfeed init -o " + missing; r.code != 1 || !strings.Contains(r.stderr, "no such file") || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d, want 1 and %q:\n%s", args[0], r.code, want, r.stderr)
		}
	}
}

// TestInitIDFromName: each file init writes into a folder is a calendar
// of its own id, taken from its name, so that the folder checks and
// serves as it is.
func TestInitIDFromName(t *testing.T) {
	dir := t.TempDir()
	for name, want := range map[string]string{
		"forum.yaml":          "forum",
		"HLM 2026 Day_1.yaml": "hlm-2026-day-1",
		"events.yaml":         defaultInitID,
		"zh.yaml":             defaultInitID, // a folder's index page in Chinese
		"日程.yaml":             defaultInitID,
	} {
		path := filepath.Join(dir, name)
		if r := runCmd(t, nil, "init", "-o", path); r.code != 0 {
			t.Fatalf("init -o %s: exit %d\n%s", name, r.code, r.stderr)
		}
		cal, err := calendar.ReadFile(t.Context(), path, calendar.Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cal.ID != want {
			t.Errorf("init -o %q: calendar id %q, want %q", name, cal.ID, want)
		}
		os.Remove(path) // the default id once in the folder
	}
	for _, name := range []string{"forum.yaml", "hlm.yaml"} {
		runCmd(t, nil, "init", "-o", filepath.Join(dir, name))
	}
	if r := runCmd(t, nil, "check", dir); r.code != 0 {
		t.Errorf("check of a folder of two files init wrote: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
