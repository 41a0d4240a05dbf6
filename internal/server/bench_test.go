package server_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"calfeed/internal/calendar"
	"calfeed/internal/server"
	"calfeed/internal/synth"
)

// BenchmarkServe sends requests through the whole handler, as serve runs it
// (routing, a log line per request, written directly in the text
// handler's form as serve writes it,
// metrics), for the 1000-event synthetic calendar: a track feed, the full
// feed, a 304 revalidation of the track feed, a combined feed of two tracks
// and a personal agenda of 20 events. The response goes to a writer that
// keeps nothing, so that the allocations reported are the handler's own.
func BenchmarkServe(b *testing.B) {
	var buf bytes.Buffer
	if err := synth.Write(&buf, synth.Options{Events: 1_000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	cal, err := calendar.Load("events.yaml", &buf, calendar.Options{})
	if err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(cal, server.Options{Logger: logger, RequestLog: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	track := "/tracks/" + synth.TrackID(2) + ".ics"
	var agenda []string
	for i := 0; i < 20; i++ {
		agenda = append(agenda, synth.EventID(i*50+7))
	}
	etag := get(b, srv, track, "").Header().Get("ETag")
	cases := []struct {
		name, target, ifNoneMatch string
		want                      int
	}{
		{"track", track, "", http.StatusOK},
		{"full", "/calendar.ics", "", http.StatusOK},
		{"304", track, etag, http.StatusNotModified},
		{"combined", "/calendar.ics?tracks=" + synth.TrackID(0) + "," + synth.TrackID(1), "", http.StatusOK},
		{"agenda", "/calendar.ics?events=" + strings.Join(agenda, ","), "", http.StatusOK},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			rec := get(b, srv, tc.target, tc.ifNoneMatch)
			if rec.Code != tc.want {
				b.Fatalf("GET %s: status = %d, want %d", tc.target, rec.Code, tc.want)
			}
			req := httptest.NewRequest(http.MethodGet, tc.target, nil)
			req.Header.Set("User-Agent", "Google-Calendar-Importer")
			if tc.ifNoneMatch != "" {
				req.Header.Set("If-None-Match", tc.ifNoneMatch)
			}
			w := &discardWriter{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.header)
				w.status = 0
				srv.ServeHTTP(w, req)
			}
			if w.status != tc.want {
				b.Fatalf("GET %s: status = %d, want %d", tc.target, w.status, tc.want)
			}
		})
	}
}

func get(b *testing.B, h http.Handler, target, ifNoneMatch string) *httptest.ResponseRecorder {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// discardWriter is an http.ResponseWriter that keeps the status and
// headers and throws the body away.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}
