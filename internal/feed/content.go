package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"calfeed/internal/calendar"
)

// ContentHash returns a digest of what subscribers see of e: its VEVENTs in
// every language, unfolded, without the properties that record revisions
// (DTSTAMP, SEQUENCE, LAST-MODIFIED). `calfeed stamp` raises an event's
// SEQUENCE when this changes, so anything a client shows counts (a title, a
// time, a room, a track's name) and nothing else does.
func (r *Renderer) ContentHash(e *calendar.Event) (string, error) {
	h := sha256.New()
	var buf bytes.Buffer
	for _, lang := range r.cal.Languages {
		buf.Reset()
		if err := r.Write(&buf, Feed{Events: []*calendar.Event{e}}, lang); err != nil {
			return "", fmt.Errorf("feed: content of %q: %w", e.ID, err)
		}
		fmt.Fprintf(h, "LANG:%s\n", lang)
		inEvent := false
		for _, line := range bytes.Split(unfold(buf.Bytes()), []byte("\r\n")) {
			switch {
			case bytes.Equal(line, []byte("BEGIN:VEVENT")):
				inEvent = true
			case !inEvent:
				continue
			case bytes.Equal(line, []byte("END:VEVENT")):
				inEvent = false
			case revision(line):
				continue
			}
			h.Write(line)
			h.Write([]byte{'\n'})
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// ContentHashes returns the ContentHash of every event, by id.
func (r *Renderer) ContentHashes() (map[string]string, error) {
	out := make(map[string]string, len(r.cal.Events))
	for _, e := range r.cal.Events {
		h, err := r.ContentHash(e)
		if err != nil {
			return nil, err
		}
		out[e.ID] = h
	}
	return out, nil
}

// revision reports whether a content line records a revision, not content.
func revision(line []byte) bool {
	for _, p := range []string{"DTSTAMP", "SEQUENCE", "LAST-MODIFIED"} {
		if bytes.HasPrefix(line, []byte(p)) && len(line) > len(p) && (line[len(p)] == ':' || line[len(p)] == ';') {
			return true
		}
	}
	return false
}

// unfold undoes fold (RFC 5545 §3.1).
func unfold(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n "), nil)
	return bytes.ReplaceAll(b, []byte("\r\n\t"), nil)
}
