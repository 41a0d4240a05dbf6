package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

type peekWriter struct {
	*httptest.ResponseRecorder
	b     *budget
	sizes []int64
}

func (w *peekWriter) Write(p []byte) (int, error) {
	w.b.mu.Lock()
	for s := range w.b.senders {
		w.sizes = append(w.sizes, s.size.Load())
	}
	w.b.mu.Unlock()
	return w.ResponseRecorder.Write(p)
}

// TestRangeTrackedAtItsSize: a Range request for 300 KB of a 2 MB response
// rendered on demand is followed as 300 KB to send (it was 2 MB, so a
// client reading the range at a pace that finishes well within the write
// timeout was judged unable to finish).
func TestRangeTrackedAtItsSize(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 2<<20)
	res := newResource([][]byte{body}, time.Unix(1e9, 0), nil, false)
	b := newBudget(1 << 20)
	res.sending = b
	w := &peekWriter{ResponseRecorder: httptest.NewRecorder(), b: b}
	r := httptest.NewRequest(http.MethodGet, "/x.ics", nil)
	r.Header.Set("Range", "bytes=0-299999")
	serveResource(w, r, res, time.Now)
	if w.Code != http.StatusPartialContent || w.Body.Len() != 300000 {
		t.Fatalf("status %d, %d bytes", w.Code, w.Body.Len())
	}
	t.Logf("sender sizes seen: %v", w.sizes[:1])
	// A sender with the range's progress: 100 KB sent in 10 s (10 KB/s)
	// finishes the 300 KB range in 30 s, within the 60 s timeout.
	now := time.Now()
	s := &sender{start: now.Add(-10 * time.Second)}
	s.size.Store(w.sizes[0])
	s.sent.Store(100000)
	s.last.Store(now.UnixNano())
	if s.doomed(now, WriteTimeout, stallAfter) {
		t.Errorf("a range of 300000 bytes, 100000 sent in 10 s, judged doomed (tracked size %d)", s.size.Load())
	}
}
