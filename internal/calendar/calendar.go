package calendar

//go:generate go run ./mkzones

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// Calendar is one organisation's events, as loaded from events.yaml.
type Calendar struct {
	ID          string         // stable; the domain part of every UID
	Name        Text           // feed name (NAME, X-WR-CALNAME)
	Description Text           // feed description (DESCRIPTION, X-WR-CALDESC)
	Location    *time.Location // default zone of events that name none
	Languages   []string       // languages of the data; Languages[0] is the default; shared by every Text loaded, so never changed
	BaseURL     string         // public URL for links; "" when unset
	Refresh     time.Duration  // how often subscribers should re-fetch
	Tracks      []*Track       // in file order
	Events      []*Event       // in file order
	// Updated is the newest `updated` of any event, or the zero time when no
	// event has one. Feeds use it as the data's own time where an event has none.
	Updated time.Time
	// Changes are the published changes to events that `calfeed stamp`
	// recorded in the lock file, oldest first; nil without a lock file.
	Changes []Change
	// Stamped is the content hash `calfeed stamp` recorded for each event
	// it published (feed.Renderer.ContentHash), by id: an event whose hash
	// differs, or that is missing here, changed since the last stamp. Nil
	// without a lock file.
	Stamped map[string]string
	// Removed are the events `calfeed stamp` recorded as removed from the
	// file, by id, with when (the zero time when the history no longer
	// says); nil without a lock file.
	Removed map[string]time.Time
	// OwnStamped is what `calfeed stamp` recorded of the calendar's own
	// fields (see OwnHash): their hash, and when they last changed. Nil
	// when the lock has no record of them (none yet, or written before
	// it kept one).
	OwnStamped *Revision
	// PrivateTracksStamped is the same for the private tracks' own fields
	// (see PrivateTracksHash), which only secret addresses show. A View
	// keeps it only for a grant of private tracks: a change of them dates
	// the feeds of secret addresses, not the public ones.
	PrivateTracksStamped *Revision
	// Warnings are problems that do not stop the calendar from loading but
	// that a person should see (a repeated wall time, for one).
	Warnings []Problem
	// IDLine and IDCol are where calendar.id is in the file (1-based), for
	// a problem found after loading: a folder's other file with the same id.
	IDLine, IDCol int

	tracks  map[string]*Track
	events  map[string]*Event
	byTrack map[string][]*Event
	// wasPrivate are the events the lock recorded as private, with their
	// tracks (History.Private).
	wasPrivate map[string][]string
}

// Track is a themed subset of the events, published as its own feed.
type Track struct {
	ID          string
	Name        Text
	Description Text   // may be empty
	Color       string // "#RRGGBB" or ""
	// Private tracks, and their events, are served only through a secret
	// address that grants them (see View).
	Private bool
}

// Status is an event's STATUS (RFC 5545 §3.8.1.11).
type Status string

// The statuses an event may have.
const (
	Confirmed Status = "confirmed"
	Tentative Status = "tentative"
	Cancelled Status = "cancelled"
)

// Event is one calendar entry.
//
// A timed event has Start and End as instants in Location. An all-day event
// has AllDay set and Start and End as dates at midnight UTC, End exclusive
// (the day after the last day), as RFC 5545 §3.6.1 wants DTEND. A repeating
// event (Repeat not nil) is a series of occurrences; see Occurrences.
type Event struct {
	ID string
	// UID identifies the event to calendars (RFC 5545 §3.8.4.7): the file's
	// uid:, kept from where the event was published before, else
	// <id>@<calendar id>. Loading sets it.
	UID         string
	Title       Text
	Description Text
	Place       Text // LOCATION; named Place so as not to clash with the zone
	Start, End  time.Time
	AllDay      bool
	Location    *time.Location // the zone of Start and End
	// UTC is set when a wall time fell in a repeated hour (clocks going back):
	// clients disagree about which of the two instants a zoned time names, so
	// the feeds write this event's times in UTC.
	UTC     bool
	URL     string   // the event's page; "" if none
	Online  string   // where to watch or join; "" if none
	Tracks  []string // track ids, in file order
	Status  Status
	Updated time.Time // zero when the file gives none
	// Private is set by private: true; an event in a private track is
	// private too (see IsPrivate).
	Private bool

	// Repeat is the event's recurrence, nil for a one-off event. Start and
	// End are then those of the first occurrence (DTSTART and DTEND, RFC
	// 5545 §3.8.5.3); Occurrences lists the rest.
	Repeat *Repeat
	// Overrides are the occurrences of a repeating event that differ from
	// the series, by original date; nil for most events.
	Overrides []*Override

	// Sequence and Modified are the event's revision (SEQUENCE and
	// LAST-MODIFIED, RFC 5545 §3.8.7.4 and §3.8.7.3), kept in the lock file
	// that `calfeed stamp` writes; 0 and the zero time without one.
	Sequence int
	Modified time.Time
}

// Track returns the track with the given id, or nil.
func (c *Calendar) Track(id string) *Track { return c.tracks[id] }

// Event returns the event with the given id, or nil.
func (c *Calendar) Event(id string) *Event { return c.events[id] }

// EventsIn returns the events of the track with the given id, in file
// order; the caller must not change the slice.
func (c *Calendar) EventsIn(track string) []*Event { return c.byTrack[track] }

// index lists each track's events, once the events are loaded.
func (c *Calendar) index() {
	c.byTrack = make(map[string][]*Event, len(c.Tracks))
	for _, e := range c.Events {
		for _, id := range e.Tracks {
			c.byTrack[id] = append(c.byTrack[id], e)
		}
	}
}

// InTrack reports whether e belongs to the track with the given id.
func (e *Event) InTrack(id string) bool {
	return slices.Contains(e.Tracks, id)
}

// Text is a translatable text: one string per language of the calendar.
// Loading fills in every language of the calendar: one the file gives no
// text in gets the default language's text, or, without that, the first
// text the file gives. A Text Load returns is zero (an optional text not
// given) or has a text in each of the calendar's languages.
//
// A Text is two slices, not a map: a calendar of 100,000 events holds
// hundreds of thousands of them, and the list of languages is shared.
type Text struct {
	langs []string // the languages, shared by the Texts of a calendar
	texts []string // texts[i] is in langs[i]
}

// NewText returns the Text of the texts by language, in langs' order when
// given (a language of langs with no text has "", a text in a language
// not in langs is left out, and langs is kept, not copied), else sorted by
// language.
func NewText(byLang map[string]string, langs ...string) Text {
	if len(byLang) == 0 {
		return Text{}
	}
	if len(langs) == 0 {
		langs = slices.Sorted(maps.Keys(byLang))
	}
	t := Text{langs: langs, texts: make([]string, len(langs))}
	for i, l := range langs {
		t.texts[i] = byLang[l]
	}
	return t
}

// In returns the text in lang. It does no falling back of its own: for a
// Text that Load filled in (see Text) it is "" only when lang is not one
// of the calendar's languages, or the text is zero.
func (t Text) In(lang string) string {
	for i, l := range t.langs {
		if l == lang {
			return t.texts[i]
		}
	}
	return ""
}

// IsZero reports whether t is no text at all.
func (t Text) IsZero() bool { return len(t.texts) == 0 }

// Map returns the texts by language; nil for the zero Text.
func (t Text) Map() map[string]string {
	if t.IsZero() {
		return nil
	}
	m := make(map[string]string, len(t.langs))
	for i, l := range t.langs {
		m[l] = t.texts[i]
	}
	return m
}

// Equal reports whether t and u hold the same text in the same languages.
func (t Text) Equal(u Text) bool { return maps.Equal(t.Map(), u.Map()) }

// OwnHash is a digest of the calendar's own fields that subscribers see
// besides its events: its name and description in every language, its
// zone, languages and refresh interval, and its public tracks' ids, names,
// descriptions and colours. `calfeed stamp` records it (OwnStamped), so
// that a change of them is dated as an event's is.
func (c *Calendar) OwnHash() string {
	own := struct {
		Name, Description map[string]string
		Zone              string
		Languages         []string
		Refresh           time.Duration
		Tracks            []ownTrack
	}{Name: c.Name.Map(), Description: c.Description.Map(), Languages: c.Languages, Refresh: c.Refresh, Tracks: c.ownTracks(false)}
	if c.Location != nil {
		own.Zone = c.Location.String()
	}
	return digest(own)
}

// PrivateTracksHash is a digest of the private tracks' ids, names,
// descriptions and colours, which secret addresses show (their feeds'
// names, the tracks' categories); "" when there is none. It is apart from
// OwnHash so that a change of a private track dates secret addresses'
// feeds only: a public feed's date says nothing of private tracks.
func (c *Calendar) PrivateTracksHash() string {
	tracks := c.ownTracks(true)
	if len(tracks) == 0 {
		return ""
	}
	return digest(tracks)
}

// ownTrack is what OwnHash and PrivateTracksHash digest of a track.
type ownTrack struct {
	ID                string
	Name, Description map[string]string
	Color             string
}

// ownTracks returns the fields of the public tracks, or the private ones.
func (c *Calendar) ownTracks(private bool) []ownTrack {
	var tracks []ownTrack
	for _, t := range c.Tracks {
		if t.Private == private {
			tracks = append(tracks, ownTrack{t.ID, t.Name.Map(), t.Description.Map(), t.Color})
		}
	}
	return tracks
}

// digest is the hex of the first 16 bytes of the SHA-256 of v as JSON.
func digest(v any) string {
	b, err := json.Marshal(v) // maps in key order: the same fields, the same bytes
	if err != nil {
		panic(err) // strings, a number and lists of them
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
