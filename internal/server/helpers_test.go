package server

// The test harness of this package: one way to make a server of a
// calendar, and to ask it things.

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/emersion/go-ical"

	"calfeed/internal/calendar"
	"calfeed/internal/feed"
	"calfeed/internal/synth"
)

// stampHashes are the content hashes of cal's events by id: what
// `calfeed stamp` records of them.
func stampHashes(t testing.TB, cal *calendar.Calendar) map[string]string {
	t.Helper()
	r, err := feed.New(cal)
	if err != nil {
		t.Fatal(err)
	}
	h, err := r.ContentHashes()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// serverOf serves the calendar of yaml.
func serverOf(t testing.TB, yaml string, opts Options) *Server {
	t.Helper()
	s, err := New(loadCalendar(t, yaml), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// synthYAML is a synthetic calendar of n events (package synth).
func synthYAML(t testing.TB, n int) string {
	t.Helper()
	var buf bytes.Buffer
	if err := synth.Write(&buf, synth.Options{Events: n, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// loadCalendar loads a calendar from YAML text.
func loadCalendar(t testing.TB, yaml string) *calendar.Calendar {
	t.Helper()
	cal, err := calendar.Load("test.yaml", strings.NewReader(yaml), calendar.Options{})
	if err != nil {
		t.Fatalf("calendar.Load: %v", err)
	}
	return cal
}

// do sends one request through h and returns the recorded response.
func do(t testing.TB, h http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// get sends a GET and fails the test unless it answers 200.
func get(t testing.TB, h http.Handler, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	w := do(t, h, http.MethodGet, target, header)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: status = %d, want 200; body:\n%s", target, w.Code, w.Body)
	}
	return w
}

// pageRequest sends one request and returns the response and its body.
func pageRequest(t testing.TB, h http.Handler, method, target string, header http.Header) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	res := w.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// parseFeed parses a feed with an iCalendar parser independent of the one
// that wrote it, re-encodes it (which checks the required properties of
// every component) and returns it.
func parseFeed(t testing.TB, name string, body []byte) *ical.Calendar {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("%s: parsing the feed: %v\n%s", name, err, body)
	}
	if err := ical.NewEncoder(io.Discard).Encode(cal); err != nil {
		t.Fatalf("%s: feed is not valid iCalendar: %v\n%s", name, err, body)
	}
	return cal
}

// uids returns the UIDs of the feed's events, in feed order.
func uids(t testing.TB, name string, cal *ical.Calendar) []string {
	t.Helper()
	var ids []string
	for _, ev := range cal.Events() {
		p := ev.Props.Get(ical.PropUID)
		if p == nil {
			t.Fatalf("%s: an event has no UID", name)
		}
		ids = append(ids, p.Value)
	}
	return ids
}

// uidsOf returns the UIDs that the events with the given ids must have.
func uidsOf(ids ...string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id + "@testcal"
	}
	return out
}

// withoutDate returns h without its Date, failing t if h has none that
// parses: two responses a moment apart may be sent in different seconds,
// and differ only there.
func withoutDate(t testing.TB, h http.Header) http.Header {
	t.Helper()
	if _, err := http.ParseTime(h.Get("Date")); err != nil {
		t.Errorf("a response without a Date: %v", h)
	}
	h = h.Clone()
	h.Del("Date")
	return h
}
