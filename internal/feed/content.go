package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"calfeed/internal/calendar"
	"calfeed/internal/reminder"
)

// ContentHash returns a digest of what subscribers see of e: its VEVENTs in
// every language, unfolded, without the properties that record revisions
// (DTSTAMP, SEQUENCE, LAST-MODIFIED). `calfeed stamp` raises an event's
// SEQUENCE when this changes, so anything a client shows counts (a title, a
// time, a room, a track's name) and nothing else does.
//
// The first language's VEVENTs are those New rendered; the others' are
// rendered here and dropped, so that hashing every event at a load does not
// render and keep every language (see Renderer).
func (r *Renderer) ContentHash(e *calendar.Event) (string, error) {
	i, ok := r.index[e]
	if !ok {
		return "", fmt.Errorf("feed: content of %q: not in this calendar", e.ID)
	}
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	b := sc.content[:0]
	for j, lang := range r.cal.Languages {
		b = append(append(append(b, "LANG:"...), lang...), '\n')
		if j == 0 {
			b = appendContent(b, r.pieces(0)[i].b)
			continue
		}
		// Unfolded, as appendContent leaves the folded.
		sc.raw = r.appendEvents(sc.raw[:0], e, lang, reminder.None)
		b = appendContent(b, sc.raw)
	}
	sc.content = b
	sum := sha256.Sum256(b)
	// One string, not the hex digits and then the string with its prefix.
	var out [len(hashPrefix) + 2*sha256.Size]byte
	copy(out[:], hashPrefix)
	hex.Encode(out[len(hashPrefix):], sum[:])
	return string(out[:]), nil
}

// hashPrefix names the digest of a ContentHash.
const hashPrefix = "sha256:"

// appendContent appends each content line of the VEVENTs in folded (or
// not yet folded), unfolded and ended with a newline, but those that record revisions:
// what ContentHash digests, gathered so as to be hashed in one go.
func appendContent(b, folded []byte) []byte {
	inEvent, writing := false, false
	for len(folded) > 0 {
		line := folded
		if i := bytes.Index(folded, []byte("\r\n")); i >= 0 {
			line, folded = folded[:i], folded[i+2:]
		} else {
			folded = nil
		}
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if writing { // a continuation of the line being written
				b = append(b, line[1:]...)
			}
			continue
		}
		if writing {
			b = append(b, '\n')
		}
		switch {
		case bytes.Equal(line, []byte("BEGIN:VEVENT")):
			inEvent, writing = true, true
		case !inEvent:
			writing = false
		case bytes.Equal(line, []byte("END:VEVENT")):
			inEvent, writing = false, true
		default:
			writing = !revision(line)
		}
		if writing {
			b = append(b, line...)
		}
	}
	if writing {
		b = append(b, '\n')
	}
	return b
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
