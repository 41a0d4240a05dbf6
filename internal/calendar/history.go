package calendar

import "time"

// History is what the lock file next to events.yaml records of the
// calendar's published versions (package lock reads and writes it; `calfeed
// stamp` keeps it). Load takes it in Options, so that a Calendar is whole,
// revisions and all, when Load returns, and never changes after.
type History struct {
	// Revisions are the revisions of the events the lock publishes, by id.
	Revisions map[string]Revision
	// Removed are the events the lock records as removed from the file,
	// by id, with when (the zero time when its history no longer says).
	Removed map[string]time.Time
	// Changes are the published changes, oldest first.
	Changes []Change
	// Private are the events the lock recorded as private (see
	// Calendar.IsPrivate), published or removed, by id, with the tracks
	// they were in: a View hides the removal of one it does not show.
	Private map[string][]string
	// Own is the revision of the calendar's own fields (Calendar.OwnHash),
	// its Sequence unused; nil when the lock has none.
	Own *Revision
	// PrivateTracks is the same for the private tracks' own fields
	// (Calendar.PrivateTracksHash).
	PrivateTracks *Revision
}

// Revision is the published revision of one event: its SEQUENCE and
// LAST-MODIFIED (RFC 5545 §3.8.7.4 and §3.8.7.3) and the hash of the
// content they were recorded for (feed.Renderer.ContentHash).
type Revision struct {
	Sequence int
	Modified time.Time
	Hash     string
}

// apply gives cal the revisions and changes of h; a nil h gives none.
func (h *History) apply(cal *Calendar) {
	if h == nil {
		return
	}
	for _, e := range cal.Events {
		if r, ok := h.Revisions[e.ID]; ok {
			e.Sequence, e.Modified = r.Sequence, r.Modified
		}
	}
	cal.Stamped = make(map[string]string, len(h.Revisions))
	for id, r := range h.Revisions {
		cal.Stamped[id] = r.Hash
	}
	cal.Removed = make(map[string]time.Time, len(h.Removed))
	for id, at := range h.Removed {
		cal.Removed[id] = at
	}
	cal.Changes = append([]Change(nil), h.Changes...)
	cal.wasPrivate = h.Private
	if h.Own != nil {
		own := *h.Own
		cal.OwnStamped = &own
	}
	if h.PrivateTracks != nil {
		private := *h.PrivateTracks
		cal.PrivateTracksStamped = &private
	}
}
