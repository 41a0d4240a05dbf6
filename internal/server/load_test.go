package server

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-ical"
	"github.com/google/go-cmp/cmp"
)

// editedYAML is testYAML after an edit: the keynote renamed and a closing
// event added.
var editedYAML = strings.Replace(testYAML, "Discours d'ouverture", "Discours inaugural", 1) + `
  - id: closing
    title: Clôture
    start: 2025-03-12 17:00
    end: 2025-03-12 18:00
    tracks: [alpha]
    updated: 2025-02-05T10:00:00Z
`

func TestLoadSwapsCalendar(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	before := get(t, s, "/calendar.ics", nil)
	beforeTrack := get(t, s, "/tracks/alpha.ics", nil)

	if err := s.Load(loadCalendar(t, editedYAML)); err != nil {
		t.Fatalf("Load: %v", err)
	}
	after := get(t, s, "/calendar.ics", nil)
	if after.Header().Get("ETag") == before.Header().Get("ETag") {
		t.Errorf("GET /calendar.ics after Load: ETag unchanged (%s)", after.Header().Get("ETag"))
	}
	got := summaries(t, "GET /calendar.ics after Load", after.Body.Bytes())
	if got["keynote@testcal"] != "Discours inaugural" {
		t.Errorf("GET /calendar.ics after Load: keynote SUMMARY = %q, want %q", got["keynote@testcal"], "Discours inaugural")
	}
	if got["closing@testcal"] != "Clôture" {
		t.Errorf("GET /calendar.ics after Load: closing SUMMARY = %q, want %q (the added event)", got["closing@testcal"], "Clôture")
	}
	// Every derived feed follows, not just the whole calendar.
	track := get(t, s, "/tracks/alpha.ics", nil)
	ids := uids(t, "GET /tracks/alpha.ics after Load", parseFeed(t, "GET /tracks/alpha.ics", track.Body.Bytes()))
	slices.Sort(ids)
	if diff := cmp.Diff(uidsOf("closing", "keynote", "panel"), ids); diff != "" {
		t.Errorf("GET /tracks/alpha.ics after Load: UIDs differ (-want +got):\n%s", diff)
	}
	if bytes.Equal(track.Body.Bytes(), beforeTrack.Body.Bytes()) {
		t.Errorf("GET /tracks/alpha.ics after Load: body unchanged")
	}
	get(t, s, "/events/closing.ics", nil)
	// A subscriber holding the old ETag gets the new feed, not a 304.
	w := do(t, s, http.MethodGet, "/calendar.ics", http.Header{"If-None-Match": {before.Header().Get("ETag")}})
	if w.Code != http.StatusOK {
		t.Errorf("GET /calendar.ics with the old ETag after Load: status = %d, want 200", w.Code)
	}
	if s.Calendar().Event("closing") == nil {
		t.Errorf("Calendar() after Load: no event closing; want the loaded calendar")
	}
}

// TestLoadConcurrent swaps calendars while requests are served: every
// response is a 200 holding one whole calendar, old or new, never a mix,
// with the ETag of the body it came with. Run it with -race.
func TestLoadConcurrent(t *testing.T) {
	calA, calB := loadCalendar(t, testYAML), loadCalendar(t, editedYAML)
	// Without gzip a Load takes a millisecond or two, so that many happen
	// while the requests below are served.
	s, err := New(calA, Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// The two possible answers.
	type answer struct {
		etag string
		uids []string
	}
	var answers []answer
	for _, cal := range []string{editedYAML, testYAML} {
		ref := serverOf(t, cal, Options{})
		w := get(t, ref, "/calendar.ics", nil)
		answers = append(answers, answer{w.Header().Get("ETag"), uids(t, "reference", parseFeed(t, "reference", w.Body.Bytes()))})
	}

	const readers, requests = 8, 50
	done, loaded := make(chan struct{}), make(chan struct{})
	var loads sync.WaitGroup
	swaps := 0
	loads.Go(func() {
		defer close(loaded)
		for i := 0; ; i++ {
			if i == 1 {
				loaded <- struct{}{} // one swap done: let the readers start
			}
			select {
			case <-done:
				return
			default:
			}
			cal := calA
			if i%2 == 0 {
				cal = calB
			}
			if err := s.Load(cal); err != nil {
				t.Errorf("Load: %v", err)
				return
			}
			swaps++
		}
	})
	<-loaded
	var wg sync.WaitGroup
	for g := range readers {
		wg.Go(func() {
			for i := range requests {
				req := httptest.NewRequest(http.MethodGet, "/calendar.ics", nil)
				w := httptest.NewRecorder()
				s.ServeHTTP(w, req)
				if err := checkAnswer(w, answers[0].etag, answers[0].uids, answers[1].etag, answers[1].uids); err != nil {
					t.Errorf("reader %d, request %d: GET /calendar.ics: %v", g, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	loads.Wait()
	t.Logf("%d requests during %d calls of Load", readers*requests, swaps)
}

// checkAnswer reports whether w is a 200 with one of two whole calendars
// and that calendar's ETag.
func checkAnswer(w *httptest.ResponseRecorder, etagA string, uidsA []string, etagB string, uidsB []string) error {
	if w.Code != http.StatusOK {
		return fmt.Errorf("status = %d, want 200", w.Code)
	}
	cal, err := ical.NewDecoder(bytes.NewReader(w.Body.Bytes())).Decode()
	if err != nil {
		return fmt.Errorf("parsing the feed: %v", err)
	}
	var got []string
	for _, ev := range cal.Events() {
		got = append(got, ev.Props.Get(ical.PropUID).Value)
	}
	etag := w.Header().Get("ETag")
	switch {
	case slices.Equal(got, uidsA) && etag == etagA, slices.Equal(got, uidsB) && etag == etagB:
		return nil
	default:
		return fmt.Errorf("got UIDs %q with ETag %s; want %q with %s, or %q with %s", got, etag, uidsA, etagA, uidsB, etagB)
	}
}
