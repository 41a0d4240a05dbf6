package feed_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"calfeed/internal/calendar"
	"calfeed/internal/feed"
)

// referenceContentHash is ContentHash as first written: a one-event feed
// per language, unfolded, split into lines, the VEVENTs' lines hashed but
// those that record revisions. Lock files hold these digests, so the
// faster ContentHash must give exactly the same.
func referenceContentHash(r *feed.Renderer, cal *calendar.Calendar, e *calendar.Event) (string, error) {
	h := sha256.New()
	var buf bytes.Buffer
	for _, lang := range cal.Languages {
		buf.Reset()
		if err := r.Write(&buf, feed.Feed{Events: []*calendar.Event{e}}, lang); err != nil {
			return "", err
		}
		fmt.Fprintf(h, "LANG:%s\n", lang)
		unfolded := bytes.ReplaceAll(bytes.ReplaceAll(buf.Bytes(), []byte("\r\n "), nil), []byte("\r\n\t"), nil)
		inEvent := false
		for _, line := range bytes.Split(unfolded, []byte("\r\n")) {
			switch {
			case bytes.Equal(line, []byte("BEGIN:VEVENT")):
				inEvent = true
			case !inEvent:
				continue
			case bytes.Equal(line, []byte("END:VEVENT")):
				inEvent = false
			case bytes.HasPrefix(line, []byte("DTSTAMP")) || bytes.HasPrefix(line, []byte("SEQUENCE")) || bytes.HasPrefix(line, []byte("LAST-MODIFIED")):
				continue
			}
			h.Write(line)
			h.Write([]byte{'\n'})
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func TestContentHashUnchanged(t *testing.T) {
	cal := synthCalendar(t, 1000)
	r, err := feed.New(cal)
	if err != nil {
		t.Fatal(err)
	}
	hashes, err := r.ContentHashes()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range cal.Events {
		want, err := referenceContentHash(r, cal, e)
		if err != nil {
			t.Fatal(err)
		}
		if hashes[e.ID] != want {
			t.Fatalf("%s: ContentHash %s, want %s as before", e.ID, hashes[e.ID], want)
		}
	}
}
