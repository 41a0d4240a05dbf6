package server

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-ical"
	"github.com/google/go-cmp/cmp"
)

func TestFeedEvents(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	tests := []struct {
		target string
		want   []string // event ids, in any order, each exactly once
	}{
		{"/calendar.ics", allEvents},
		{"/calendar.ics?lang=en", allEvents},
		{"/tracks/alpha.ics", []string{"keynote", "panel"}},
		{"/tracks/beta.ics", []string{"workshop", "panel"}},
		{"/tracks/gamma.ics", []string{"retreat"}},
		{"/events/workshop.ics", []string{"workshop"}},
		{"/calendar.ics?tracks=alpha", []string{"keynote", "panel"}},
		{"/calendar.ics?tracks=alpha,beta", []string{"keynote", "workshop", "panel"}},
		{"/calendar.ics?tracks=gamma,alpha", []string{"keynote", "panel", "retreat"}},
		{"/calendar.ics?events=keynote,social", []string{"keynote", "social"}},
		{"/calendar.ics?events=retreat", []string{"retreat"}},
		{"/calendar.ics?events=panel,keynote,panel", []string{"keynote", "panel"}},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			body := get(t, s, tc.target, nil).Body.Bytes()
			got := uids(t, "GET "+tc.target, parseFeed(t, "GET "+tc.target, body))
			slices.Sort(got)
			want := uidsOf(tc.want...)
			slices.Sort(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("GET %s: event UIDs differ (-want +got):\n%s", tc.target, diff)
			}
		})
	}
}

// TestEmptyTrack checks the feed of a track no event is in yet: a 200
// holding the calendar and no event, so that people may subscribe early.
//
// It parses the feed without re-encoding it: RFC 5545 §3.6 wants at least
// one component in a VCALENDAR, which an empty feed does not have yet (a
// matter for package feed).
func TestEmptyTrack(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	body := get(t, s, "/tracks/delta.ics", nil).Body.Bytes()
	cal, err := ical.NewDecoder(bytes.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("GET /tracks/delta.ics: parsing the feed: %v\n%s", err, body)
	}
	if n := len(cal.Events()); n != 0 {
		t.Errorf("GET /tracks/delta.ics: %d events, want none", n)
	}
	if name, _ := cal.Props.Text("X-WR-CALNAME"); !strings.Contains(name, "Delta") {
		t.Errorf("GET /tracks/delta.ics: X-WR-CALNAME = %q, want the track's name in it", name)
	}
}

// TestCombinedFeedCanonical checks that every spelling of one combination of
// tracks is one feed: the same bytes and the same ETag, so that caches and
// subscribers see one resource.
func TestCombinedFeedCanonical(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	want := get(t, s, "/calendar.ics?tracks=alpha,beta", nil)
	for _, target := range []string{
		"/calendar.ics?tracks=beta,alpha",
		"/calendar.ics?tracks=alpha,beta,alpha",
		"/calendar.ics?tracks=beta,beta,alpha",
		"/calendar.ics?tracks=alpha,%20beta",
	} {
		w := get(t, s, target, nil)
		if diff := cmp.Diff(want.Body.String(), w.Body.String()); diff != "" {
			t.Errorf("GET %s: body differs from ?tracks=alpha,beta (-want +got):\n%s", target, diff)
		}
		if got, want := w.Header().Get("ETag"), want.Header().Get("ETag"); got != want {
			t.Errorf("GET %s: ETag = %q, want %q (that of ?tracks=alpha,beta)", target, got, want)
		}
	}
	// One track asked for through ?tracks= is that track's feed.
	one, track := get(t, s, "/calendar.ics?tracks=beta", nil), get(t, s, "/tracks/beta.ics", nil)
	if !bytes.Equal(one.Body.Bytes(), track.Body.Bytes()) {
		t.Errorf("GET /calendar.ics?tracks=beta: body differs from GET /tracks/beta.ics")
	}
}

// summaries returns the SUMMARY of each event of a feed by UID.
func summaries(t *testing.T, name string, body []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, ev := range parseFeed(t, name, body).Events() {
		s, err := ev.Props.Text(ical.PropSummary)
		if err != nil {
			t.Fatalf("%s: SUMMARY: %v", name, err)
		}
		out[ev.Props.Get(ical.PropUID).Value] = s
	}
	return out
}

func TestLanguage(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	fr := map[string]string{
		"keynote@testcal":  "Discours d'ouverture",
		"workshop@testcal": "Atelier",
		"panel@testcal":    "Table ronde",
		"retreat@testcal":  "Retraite",
		"social@testcal":   "Soirée",
	}
	en := map[string]string{
		"keynote@testcal":  "Opening keynote",
		"workshop@testcal": "Workshop",
		"panel@testcal":    "Panel",
		"retreat@testcal":  "Retraite", // no English title: the default language's
		"social@testcal":   "Evening social",
	}
	tests := []struct {
		target string
		want   map[string]string
	}{
		{"/calendar.ics", fr},
		{"/calendar.ics?lang=fr", fr},
		{"/calendar.ics?lang=en", en},
		{"/calendar.ics?lang=xx", fr},
		{"/calendar.ics?lang=", fr},
		{"/calendar.ics?events=keynote&lang=en", map[string]string{"keynote@testcal": "Opening keynote"}},
		{"/calendar.ics?tracks=alpha,beta&lang=en", map[string]string{"keynote@testcal": "Opening keynote", "workshop@testcal": "Workshop", "panel@testcal": "Panel"}},
		{"/tracks/alpha.ics?lang=en", map[string]string{"keynote@testcal": "Opening keynote", "panel@testcal": "Panel"}},
		{"/events/social.ics?lang=en", map[string]string{"social@testcal": "Evening social"}},
		{"/events/social.ics?lang=zz", map[string]string{"social@testcal": "Soirée"}},
	}
	for _, tc := range tests {
		body := get(t, s, tc.target, nil).Body.Bytes()
		if diff := cmp.Diff(tc.want, summaries(t, "GET "+tc.target, body)); diff != "" {
			t.Errorf("GET %s: SUMMARY by UID differs (-want +got):\n%s", tc.target, diff)
		}
	}

	// An unknown language is the default language's feed, byte for byte.
	def, unknown := get(t, s, "/calendar.ics", nil), get(t, s, "/calendar.ics?lang=xx", nil)
	if !bytes.Equal(def.Body.Bytes(), unknown.Body.Bytes()) || def.Header().Get("ETag") != unknown.Header().Get("ETag") {
		t.Errorf("GET /calendar.ics?lang=xx: differs from GET /calendar.ics")
	}
	if get(t, s, "/calendar.ics?lang=en", nil).Header().Get("ETag") == def.Header().Get("ETag") {
		t.Errorf("GET /calendar.ics?lang=en: ETag is the default language's, want its own")
	}
}

// TestFeedDeterministic checks that two servers of the same calendar send
// the same bytes: ETags agree behind a load balancer.
func TestFeedDeterministic(t *testing.T) {
	a, b := serverOf(t, testYAML, Options{}), serverOf(t, testYAML, Options{})
	for _, target := range feedTargets {
		wa, wb := get(t, a, target, nil), get(t, b, target, nil)
		if !bytes.Equal(wa.Body.Bytes(), wb.Body.Bytes()) || wa.Header().Get("ETag") != wb.Header().Get("ETag") {
			t.Errorf("GET %s: two servers of one calendar differ", target)
		}
	}
}
