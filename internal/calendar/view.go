package calendar

import (
	"slices"
	"time"
)

// Grant is what a secret address shows besides the public calendar: every
// private track and event (All), or the private events of some tracks.
// The zero Grant shows nothing private: the public calendar.
type Grant struct {
	All    bool
	Tracks []string // track ids
}

// IsPrivate reports whether e is private: marked so, or in a private track
// of c.
func (c *Calendar) IsPrivate(e *Event) bool {
	if e.Private {
		return true
	}
	for _, id := range e.Tracks {
		if t := c.tracks[id]; t != nil && t.Private {
			return true
		}
	}
	return false
}

// HasPrivate reports whether c has anything private.
func (c *Calendar) HasPrivate() bool {
	for _, t := range c.Tracks {
		if t.Private {
			return true
		}
	}
	for _, e := range c.Events {
		if e.Private {
			return true
		}
	}
	return false
}

// View returns the calendar as g shows it: every public track and event,
// and the private ones g grants, as if the others were not in the file. No
// id, name, time or change of what g does not show is in it: a View is
// what a server may show. Events are shared with c (they are not changed),
// but for those in tracks the view hides, which are copies that name only
// the tracks shown. Public() is the view of the zero Grant.
func (c *Calendar) View(g Grant) *Calendar {
	if !c.HasPrivate() && len(c.wasPrivate) == 0 && c.PrivateTracksStamped == nil && !slices.ContainsFunc(c.Changes, func(ch Change) bool { return ch.Private }) {
		return c
	}
	v := *c
	if !g.All && !slices.ContainsFunc(g.Tracks, func(id string) bool { t := c.tracks[id]; return t != nil && t.Private }) {
		v.PrivateTracksStamped = nil // no private track shown: their changes are not this view's
	}
	v.tracks, v.events, v.byTrack = map[string]*Track{}, map[string]*Event{}, nil
	v.Tracks, v.Events = nil, nil
	for _, t := range c.Tracks {
		if !t.Private || g.All || slices.Contains(g.Tracks, t.ID) {
			v.Tracks = append(v.Tracks, t)
			v.tracks[t.ID] = t
		}
	}
	hidden := map[string]bool{} // events not shown, by id
	for _, e := range c.Events {
		if c.IsPrivate(e) && !g.grantsTracks(e.Tracks) {
			hidden[e.ID] = true
			continue
		}
		if slices.ContainsFunc(e.Tracks, func(id string) bool { return v.tracks[id] == nil }) {
			copied := *e
			copied.Tracks = slices.DeleteFunc(slices.Clone(e.Tracks), func(id string) bool { return v.tracks[id] == nil })
			e = &copied
		}
		v.Events = append(v.Events, e)
		v.events[e.ID] = e
	}
	v.index()
	v.Updated = latestUpdate(v.Events)
	v.Changes = slices.DeleteFunc(slices.Clone(c.Changes), func(ch Change) bool {
		return hidden[ch.EventID] || changeHidden(c, ch, g)
	})
	v.Stamped, v.Removed = nil, nil
	if c.Stamped != nil {
		v.Stamped = map[string]string{}
		for id, h := range c.Stamped {
			if !hidden[id] && (v.events[id] != nil || !removedHidden(c, id, g)) {
				v.Stamped[id] = h
			}
		}
	}
	if c.Removed != nil {
		v.Removed = map[string]time.Time{}
		for id, at := range c.Removed {
			if !removedHidden(c, id, g) {
				v.Removed[id] = at
			}
		}
	}
	return &v
}

// Public returns the calendar with nothing private in it.
func (c *Calendar) Public() *Calendar { return c.View(Grant{}) }

// grantsTracks reports whether g shows the private events of one of tracks.
func (g Grant) grantsTracks(tracks []string) bool {
	return g.All || slices.ContainsFunc(tracks, func(id string) bool { return slices.Contains(g.Tracks, id) })
}

// removedHidden reports whether the removal of the event with the given id
// (no longer in the file) is not for g to see: the lock recorded it as
// private, or its last recorded change is hidden from g.
func removedHidden(c *Calendar, id string, g Grant) bool {
	if tracks, ok := c.wasPrivate[id]; ok && !g.grantsTracks(tracks) {
		return true
	}
	for i := len(c.Changes) - 1; i >= 0; i-- {
		if ch := c.Changes[i]; ch.EventID == id {
			return changeHidden(c, ch, g)
		}
	}
	return false
}

// changeHidden reports whether a recorded change is not for g to see: the
// event was private when it was stamped, or is in a track now private,
// and g grants none of its tracks.
func changeHidden(c *Calendar, ch Change, g Grant) bool {
	if g.grantsTracks(ch.Tracks) {
		return false
	}
	return ch.Private || slices.ContainsFunc(ch.Tracks, func(id string) bool {
		t := c.tracks[id]
		return t != nil && t.Private
	})
}

func latestUpdate(events []*Event) time.Time {
	var t time.Time
	for _, e := range events {
		if e.Updated.After(t) {
			t = e.Updated
		}
	}
	return t
}
