package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestLargeFeedAsParts serves a feed larger than maxJoined, which the server
// keeps as references to shared event bytes, and checks that what goes out
// is the same as a feed kept whole: complete, parseable, with the right
// length, Range answers and gzip.
func TestLargeFeedAsParts(t *testing.T) {
	var b strings.Builder
	b.WriteString("calendar: {id: big, name: Big, timezone: Europe/Zurich}\nevents:\n")
	desc := strings.Repeat("长文本 long text; with, specials ", 40)
	const n = 3000
	for i := range n {
		fmt.Fprintf(&b, "  - {id: e%d, title: \"Event %d\", start: 2016-05-%02d 09:00, duration: 1h, description: %q}\n", i, i, 1+i%28, desc)
	}
	for _, gz := range []bool{false, true} {
		s, err := New(loadCalendar(t, b.String()), Options{Gzip: gz})
		if err != nil {
			t.Fatal(err)
		}
		res, _, _ := s.state.Load().feed(context.Background(), keyAll, variant{Lang: "en"}, nil)
		if res.parts == nil || res.size <= maxJoined {
			t.Fatalf("full feed of %d bytes kept whole; want parts past %d", res.size, maxJoined)
		}
		rec := get(t, s, "/calendar.ics", nil)
		body := rec.Body.Bytes()
		if len(body) != res.size || rec.Header().Get("Content-Length") != fmt.Sprint(res.size) {
			t.Fatalf("body %d bytes, Content-Length %s, want %d", len(body), rec.Header().Get("Content-Length"), res.size)
		}
		if got := len(uids(t, "/calendar.ics", parseFeed(t, "/calendar.ics", body))); got != n {
			t.Errorf("%d events read back, want %d", got, n)
		}
		var joined bytes.Buffer
		for _, p := range res.parts {
			joined.Write(p)
		}
		if !bytes.Equal(joined.Bytes(), body) {
			t.Error("sent body differs from its parts")
		}
		rng := do(t, s, http.MethodGet, "/calendar.ics", http.Header{"Range": {"bytes=5000-5099"}})
		if rng.Code != http.StatusPartialContent || !bytes.Equal(rng.Body.Bytes(), body[5000:5100]) {
			t.Errorf("Range: %d, %q", rng.Code, rng.Body.Bytes())
		}
		if gz {
			z := do(t, s, http.MethodGet, "/calendar.ics", http.Header{"Accept-Encoding": {"gzip"}})
			if z.Header().Get("Content-Encoding") != "gzip" || !bytes.Equal(gunzip(t, z.Body.Bytes()), body) {
				t.Error("gzip of a feed kept as parts differs")
			}
		}
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
