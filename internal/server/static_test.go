package server

import (
	"context"
	"strings"
	"testing"

	"calfeed/internal/synth"
)

// TestStaticSiteKeepsNothing holds a static build to what it is: every
// file asked for once. What it renders on demand (each event's download,
// the track feeds not rendered ahead) is served to it and not kept: kept,
// a large calendar's downloads would fill the cache for nobody, and hold
// its memory through the whole build.
func TestStaticSiteKeepsNothing(t *testing.T) {
	s := serverOf(t, synthYAML(t, 300), Options{BaseURL: "https://cal.example.org", prerender: 1})
	st := s.state.Load()
	downloads, tracks := 0, 0
	err := s.EachStaticFile(context.Background(), func(f File) error {
		switch {
		case strings.HasPrefix(f.Path, "/events/"):
			downloads++
		case strings.HasPrefix(f.Path, "/tracks/"):
			tracks++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("EachStaticFile: %v", err)
	}
	if downloads < 300 || tracks < 2 {
		t.Fatalf("the site had %d downloads and %d track feeds; want every event's and every track's", downloads, tracks)
	}
	st.cache.mu.Lock()
	large := len(st.cache.large)
	st.cache.mu.Unlock()
	if entries, used := st.cache.stats(); entries != 0 || used != 0 || large != 0 {
		t.Errorf("after the build the cache holds %d entries (%d bytes) and %d large responses; want none", entries, used, large)
	}

	// A subscriber's request for the same download is kept.
	if rec := get(t, s, "/events/"+synth.EventID(7)+".ics", nil); rec.Code != 200 {
		t.Fatalf("GET a download: status %d", rec.Code)
	}
	if entries, _ := st.cache.stats(); entries == 0 {
		t.Errorf("a download asked for by a request is not kept")
	}
}
