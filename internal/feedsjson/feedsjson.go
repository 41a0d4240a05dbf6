// Package feedsjson writes /feeds.json: every feed of a calendar with its
// subscribe links for each calendar client and reminder, and every event,
// for other sites to build on. The shape is documented in docs/feeds.md;
// fields are only ever added.
package feedsjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/links"
	"calfeed/internal/locale"
	"calfeed/internal/web"
)

// Write writes the document of r: its calendar, language, base URL and
// reminders; on a static site (r.Static), with the files' addresses and
// the clients' own links in place of /subscribe/ redirects.
func Write(w io.Writer, r web.Request) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(document(r)); err != nil {
		return fmt.Errorf("feedsjson: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// feedsDoc is the document GET /feeds.json serves. Its shape is documented
// in docs/feeds.md ("For other sites"); fields are only ever added.
type feedsDoc struct {
	Calendar struct {
		ID          string   `json:"id"`
		Name        string   `json:"name"`
		Description string   `json:"description,omitempty"`
		Language    string   `json:"language"`  // of the names and descriptions here
		Languages   []string `json:"languages"` // every language a feed comes in (?lang=)
		Page        string   `json:"page"`      // the subscribe page
		// Alarms are the reminders a feed can carry (?alarm=), shortest
		// first; each feed's "alarms" has its links with each.
		Alarms []alarmJSON `json:"alarms"`
	} `json:"calendar"`
	Feeds []feedJSON `json:"feeds"`
	// Events are every event once, in the file's order, with the tracks
	// (feeds) it is in; the feed "all" holds them all.
	Events []eventJSON `json:"events"`
}

// alarmJSON is one reminder a feed can carry.
type alarmJSON struct {
	Alarm   string `json:"alarm"`   // the ?alarm= value: "15m", "1h", "1d"
	Minutes int    `json:"minutes"` // how long before each event it goes off
	Label   string `json:"label"`   // "1 hour before", in the document's language
}

// feedLinks are the addresses and client links of one feed.
type feedLinks struct {
	URL       string `json:"url"`    // the feed itself (https when served so)
	Webcal    string `json:"webcal"` // the same, for Apple Calendar
	Google    string `json:"google"`
	Outlook   string `json:"outlook"`
	Office365 string `json:"office365"`
	// Subscribe holds the /subscribe/ links: stable redirects to each
	// client's current link, for emails and printed matter.
	Subscribe map[string]string `json:"subscribe"`
}

type feedJSON struct {
	ID          string `json:"id"` // "all" or a track id
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Color       string `json:"color,omitempty"`
	Events      int    `json:"events"` // how many events it holds
	feedLinks          // without a reminder
	// Alarms are the same links for the feed with each reminder, keyed by
	// the ?alarm= value, shortest first.
	Alarms alarmLinks `json:"alarms"`
	QR     struct {
		SVG string `json:"svg"`
		PNG string `json:"png"`
	} `json:"qr"`
	Page string `json:"page"` // the feed's part of the subscribe page
}

// alarmLinks are a feed's links with each reminder. They go out as one
// JSON object keyed by the ?alarm= value, in the order of Request.Alarms
// (a map would sort "1d" before "1h").
type alarmLinks []alarmLink

type alarmLink struct {
	alarm string
	links feedLinks
}

// MarshalJSON writes the object {"15m": {...}, "30m": {...}, ...}.
func (a alarmLinks) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as the document around it
	buf.WriteByte('{')
	for i, l := range a {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := enc.Encode(l.alarm); err != nil {
			return nil, err
		}
		buf.WriteByte(':')
		if err := enc.Encode(l.links); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// eventJSON is one event. A timed event's start and end are RFC 3339
// instants in UTC, with its zone beside them; an all-day event's are dates
// (YYYY-MM-DD), the end exclusive (the day after the last day), as in
// iCalendar. A repeating event has its rule in words and its first
// occurrences.
type eventJSON struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Location    string   `json:"location,omitempty"`
	Start       string   `json:"start"` // of the first occurrence
	End         string   `json:"end"`
	AllDay      bool     `json:"all_day"`
	TimeZone    string   `json:"timezone"` // IANA name: the event's times are wall times there
	Status      string   `json:"status"`   // confirmed, tentative or cancelled
	Tracks      []string `json:"tracks"`
	URL         string   `json:"url"`  // the event as an .ics download (the whole series)
	Page        string   `json:"page"` // the event on the subscribe page
	Link        string   `json:"link,omitempty"`
	Online      string   `json:"online,omitempty"`
	// Rule says when a repeating event recurs, in the document's
	// language: "Every Thursday until 30 June 2016".
	Rule string `json:"rule,omitempty"`
	// Occurrences are the first maxJSONOccurrences occurrences of a
	// repeating event, moved and cancelled ones included, excepted dates
	// left out; MoreOccurrences says the series has more (the .ics has
	// them all).
	Occurrences     []occurrenceJSON `json:"occurrences,omitempty"`
	MoreOccurrences bool             `json:"more_occurrences,omitempty"`
}

// occurrenceJSON is one occurrence of a repeating event; a title or
// location appears only where an override changed it.
type occurrenceJSON struct {
	Start    string `json:"start"`
	End      string `json:"end"`
	Status   string `json:"status"`
	Title    string `json:"title,omitempty"`
	Location string `json:"location,omitempty"`
}

// maxJSONOccurrences bounds the occurrences feeds.json lists per event.
// They are the first ones, not the next: the document depends on the data
// alone, so that `calfeed build` writes what serve sends.
const maxJSONOccurrences = 10

func document(r web.Request) feedsDoc {
	cal := r.Cal
	t := locale.For(r.Lang)
	var d feedsDoc
	dl := web.DataLanguage(r.Lang, cal.Languages)
	d.Calendar.ID = cal.ID
	d.Calendar.Name = cal.Name.In(dl)
	d.Calendar.Description = cal.Description.In(dl)
	d.Calendar.Language = dl
	d.Calendar.Languages = slices.Clone(cal.Languages)
	d.Calendar.Page = r.PageURL(r.Lang, "")
	d.Calendar.Alarms = []alarmJSON{}
	for _, a := range r.Alarms {
		d.Calendar.Alarms = append(d.Calendar.Alarms, alarmJSON{Alarm: a.String(), Minutes: a.Minutes(), Label: a.Label(t)})
	}
	d.Feeds = []feedJSON{}
	for _, f := range r.FeedList() {
		j := feedJSON{
			ID: f.ID, Name: f.Name, Title: f.Title, Description: f.Description, Color: f.Color,
			Events:    f.Events,
			feedLinks: linksOf(r, f),
			Alarms:    alarmLinks{},
			Page:      r.PageURL(r.Lang, f.Anchor),
		}
		for _, a := range r.Alarms {
			j.Alarms = append(j.Alarms, alarmLink{alarm: a.String(), links: linksOf(r, f.WithAlarm(a))})
		}
		j.QR.SVG = r.Base + "/" + r.QRPath(f.ID, "svg", r.Lang)
		j.QR.PNG = r.Base + "/" + r.QRPath(f.ID, "png", r.Lang)
		d.Feeds = append(d.Feeds, j)
	}
	d.Events = []eventJSON{}
	for _, e := range cal.Events {
		d.Events = append(d.Events, eventDoc(r, e, t))
	}
	return d
}

// linksOf gives f's addresses and client links.
func linksOf(r web.Request, f web.Feed) feedLinks {
	l := feedLinks{
		URL:       f.URL,
		Webcal:    links.Webcal(f.URL),
		Google:    links.GoogleSubscribe(f.URL),
		Outlook:   links.OutlookSubscribe(f.URL, f.Name),
		Office365: links.Office365Subscribe(f.URL, f.Name),
		Subscribe: map[string]string{},
	}
	for _, c := range links.Clients() {
		if r.Static {
			// No server to redirect: the client's own link.
			if c == links.ICS {
				l.Subscribe[string(c)] = f.URL
			} else {
				l.Subscribe[string(c)] = web.ClientLink(c, f)
			}
			continue
		}
		l.Subscribe[string(c)] = web.SubscribeURL(r.Cal, r.Base, c, f.ID, r.Lang, f.Alarm)
	}
	return l
}

func eventDoc(r web.Request, e *calendar.Event, t *locale.Words) eventJSON {
	cal := r.Cal
	dl := web.DataLanguage(r.Lang, cal.Languages)
	title, place := e.Title.In(dl), e.Place.In(dl)
	start, end := jsonTimes(e, e.Start, e.End)
	j := eventJSON{
		ID:          e.ID,
		Title:       title,
		Description: e.Description.In(dl),
		Location:    place,
		Start:       start,
		End:         end,
		AllDay:      e.AllDay,
		TimeZone:    e.Location.String(),
		Status:      string(e.Status),
		Tracks:      append([]string{}, e.Tracks...),
		URL:         r.Base + "/" + r.FeedPath(web.EventFile(e.ID), dl),
		Page:        r.PageURL(r.Lang, "event-"+e.ID),
		Link:        e.URL,
		Online:      e.Online,
		Rule:        web.RuleText(e, t),
	}
	if !e.Repeats() {
		return j
	}
	// From the zero time: the first occurrences, whatever the day.
	occ := e.Occurrences(time.Time{}, maxJSONOccurrences+1)
	if len(occ) > maxJSONOccurrences {
		occ, j.MoreOccurrences = occ[:maxJSONOccurrences], true
	}
	for _, o := range occ {
		oj := occurrenceJSON{Status: string(o.Status)}
		oj.Start, oj.End = jsonTimes(e, o.Start, o.End)
		if s := o.Title.In(dl); s != title {
			oj.Title = s
		}
		if s := o.Place.In(dl); s != place {
			oj.Location = s
		}
		j.Occurrences = append(j.Occurrences, oj)
	}
	return j
}

// jsonTimes writes an event's start and end: RFC 3339 in UTC, or dates for
// an all-day event (which Start and End hold at midnight UTC).
func jsonTimes(e *calendar.Event, start, end time.Time) (string, string) {
	if e.AllDay {
		return start.Format(time.DateOnly), end.Format(time.DateOnly)
	}
	return start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339)
}
