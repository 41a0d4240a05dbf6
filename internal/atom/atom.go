// Package atom writes a calendar's schedule changes as an Atom feed
// (RFC 4287): the new, moved, edited, cancelled and removed events that
// `calfeed stamp` recorded, newest first, each with its new time in its own
// zone and a link to the event. encoding/xml escapes every text and
// attribute.
package atom

import (
	"bytes"
	"crypto/sha1"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/locale"
)

// maxEntries bounds a changes feed: readers want the recent changes.
const maxEntries = 100

// Atom (RFC 4287) documents. encoding/xml escapes every text and attribute.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID       string       `xml:"id"`
	Title    string       `xml:"title"`
	Updated  string       `xml:"updated"`
	Links    []atomLink   `xml:"link,omitempty"`
	Category atomCategory `xml:"category"`
	Content  atomContent  `xml:"content"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomContent struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

// Links are the addresses a changes feed points to: its own, the
// subscribe page's, and each event's download.
type Links struct {
	Self, Page string
	Event      func(id string) string
}

// Render writes cal's changes in lang, those of the given tracks (nil for
// all), and returns the document with the time of its newest change, or
// of the stamped change of the calendar's own fields (or of a private
// track's, for a private track's changes) if later (the
// calendar's newest `updated` without either; the zero time without any,
// the document's <updated> then being the Unix epoch, which RFC 4287
// requires something in).
func Render(cal *calendar.Calendar, lang string, tracks []string, l Links) ([]byte, time.Time) {
	w := locale.For(lang)
	name := cal.Name.In(lang)
	if len(tracks) > 0 {
		names := make([]string, len(tracks))
		for i, id := range tracks {
			names[i] = cal.Track(id).Name.In(lang)
		}
		name += " · " + strings.Join(names, ", ")
	}
	f := atomFeed{
		Lang:   lang,
		ID:     urn(cal.ID, "changes", strings.Join(tracks, ",")),
		Title:  name + " · " + w.Get("changes_title"),
		Links:  []atomLink{{Rel: "self", Type: "application/atom+xml", Href: l.Self}, {Rel: "alternate", Type: "text/html", Href: l.Page}},
		Author: atomAuthor{Name: cal.Name.In(lang)},
	}
	updated := cal.Updated
	if o := cal.OwnStamped; o != nil && o.Modified.After(updated) {
		updated = o.Modified // the feed's title and author are the calendar's name
	}
	if o := cal.PrivateTracksStamped; o != nil && o.Modified.After(updated) &&
		slices.ContainsFunc(tracks, func(id string) bool { return cal.Track(id).Private }) {
		updated = o.Modified // and its title a private track's name
	}
	for i := len(cal.Changes) - 1; i >= 0 && len(f.Entries) < maxEntries; i-- {
		c := cal.Changes[i]
		if len(tracks) > 0 && !slices.ContainsFunc(c.Tracks, func(id string) bool { return slices.Contains(tracks, id) }) {
			continue
		}
		if c.At.After(updated) {
			updated = c.At
		}
		title := c.Title.In(lang)
		if title == "" {
			title = c.EventID
		}
		e := atomEntry{
			ID:       urn(cal.ID, c.EventID, fmt.Sprint(c.Sequence), string(c.Kind), c.At.Format(time.RFC3339)),
			Title:    w.Get("changes_"+string(c.Kind)) + title,
			Updated:  c.At.UTC().Format(time.RFC3339),
			Category: atomCategory{Term: string(c.Kind)},
			Content:  atomContent{Type: "text", Text: changeText(c, w)},
		}
		if cal.Event(c.EventID) != nil {
			e.Links = []atomLink{{Rel: "alternate", Type: "text/calendar", Href: l.Event(c.EventID)}}
		}
		f.Entries = append(f.Entries, e)
	}
	f.Updated = time.Unix(0, 0).UTC().Format(time.RFC3339)
	if !updated.IsZero() {
		f.Updated = updated.UTC().Format(time.RFC3339)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	enc.Encode(f) // encoding these structs to a buffer does not fail
	buf.WriteByte('\n')
	return buf.Bytes(), updated
}

// changeText describes an event's time after a change, in its own zone.
func changeText(c calendar.Change, w *locale.Words) string {
	when := w.Get("changes_when")
	switch {
	case c.Kind == calendar.ChangeRemoved:
		return w.Get("changes_removed_text")
	case c.AllDay:
		last := c.End.AddDate(0, 0, -1)
		if last.Equal(c.Start) {
			return when + c.Start.Format("2006-01-02")
		}
		return when + c.Start.Format("2006-01-02") + " – " + last.Format("2006-01-02")
	default:
		s, e := c.Start.In(c.Location), c.End.In(c.Location)
		end := e.Format("15:04")
		if e.YearDay() != s.YearDay() || e.Year() != s.Year() {
			end = e.Format("2006-01-02 15:04")
		}
		return fmt.Sprintf("%s%s – %s (%s, UTC%s)", when, s.Format("2006-01-02 15:04"), end, c.Location, s.Format("-07:00"))
	}
}

// urn makes a stable Atom id (RFC 4287 §4.2.6) from its parts: a name-based
// UUID (RFC 9562 §5.5), the same on every server.
func urn(parts ...string) string {
	sum := sha1.Sum([]byte("calfeed:" + strings.Join(parts, "\x00")))
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}
