package web

import (
	"calfeed/internal/reminder"
	"fmt"
	"net/url"
	"strings"

	"calfeed/internal/calendar"
	"calfeed/internal/links"
)

// AllFeeds is the id of the feed of every event, beside the track ids.
const AllFeeds = "all"

// The paths of the server's routes that pages link to (CONTRACT.md, HTTP).
const (
	pathAll       = "calendar.ics"
	pathTrack     = "tracks/%s.ics"
	pathEvent     = "events/%s.ics"
	pathSubscribe = "subscribe/%s/%s"
	pathQR        = "qr/%s.%s"
	pathStatic    = "static/%s?v=%s"
)

// EventFile is the path of an event's download ("events/ID.ics"), as a
// server answers it.
func EventFile(id string) string { return fmt.Sprintf(pathEvent, id) }

// Feed is one feed a page offers: every event, or one track.
type Feed struct {
	ID          string // AllFeeds or a track id
	Anchor      string // its section of the page: "all-events" or "track-ID"
	Name        string // the name calendar clients give it, as the feed's NAME
	Title       string // the page's heading for it
	Description string
	Color       string // "#RRGGBB" or ""
	Events      int    // how many events it holds
	// Path is the feed relative to the site root ("tracks/gender.ics",
	// with ?lang= when the data language is not the calendar's default,
	// then ?alarm= when it has a reminder); URL is Path made absolute.
	Path, URL string
	// Alarm is the feed's reminder, reminder.None for none (see
	// WithAlarm).
	Alarm reminder.Reminder
}

// WithAlarm returns f asking for a reminder before every event, or for
// reminder.None, which returns f
// unchanged. A feed without reminders keeps its one canonical URL.
func (f Feed) WithAlarm(alarm reminder.Reminder) Feed {
	if alarm == reminder.None {
		return f
	}
	f.Alarm = alarm
	f.Path = addQuery(f.Path, "alarm", alarm.String())
	f.URL = addQuery(f.URL, "alarm", alarm.String())
	return f
}

// addQuery appends name=value to the query of u.
func addQuery(u, name, value string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + name + "=" + url.QueryEscape(value)
}

// Feeds returns the feed of every event, then one per track, with names in
// the data language of a page in lang.
func Feeds(cal *calendar.Calendar, base, lang string) []Feed {
	return Request{Cal: cal, Base: base, Lang: lang}.FeedList()
}

// FeedList is Feeds at the addresses of r (a server's, or a static site's).
func (r Request) FeedList() []Feed {
	out := []Feed{r.allFeed()}
	for _, t := range r.Cal.Tracks {
		out = append(out, r.trackFeed(t))
	}
	return out
}

// FindFeed returns the feed with the given id (AllFeeds or a track id).
func FindFeed(cal *calendar.Calendar, id, base, lang string) (Feed, bool) {
	r := Request{Cal: cal, Base: base, Lang: lang}
	if id == AllFeeds {
		return r.allFeed(), true
	}
	if t := cal.Track(id); t != nil {
		return r.trackFeed(t), true
	}
	return Feed{}, false
}

// FeedIDs returns the ids Feeds gives, for messages naming what exists.
func FeedIDs(cal *calendar.Calendar) []string {
	ids := []string{AllFeeds}
	for _, t := range cal.Tracks {
		ids = append(ids, t.ID)
	}
	return ids
}

func (r Request) allFeed() Feed {
	cal, base, lang := r.Cal, r.Base, r.Lang
	dl := DataLanguage(lang, cal.Languages)
	p := r.FeedPath(pathAll, dl)
	return Feed{
		ID:          AllFeeds,
		Anchor:      "all-events",
		Name:        cal.Name.In(dl),
		Title:       newTranslator(lang).Get("all_events"),
		Description: newTranslator(lang).Get("all_events_desc"),
		Events:      len(cal.Events),
		Path:        p,
		URL:         base + "/" + p,
	}
}

func (r Request) trackFeed(t *calendar.Track) Feed {
	cal, base, lang := r.Cal, r.Base, r.Lang
	dl := DataLanguage(lang, cal.Languages)
	n := len(cal.EventsIn(t.ID))
	p := r.FeedPath(fmt.Sprintf(pathTrack, t.ID), dl)
	return Feed{
		ID:          t.ID,
		Anchor:      "track-" + t.ID,
		Name:        cal.Name.In(dl) + " · " + t.Name.In(dl),
		Title:       t.Name.In(dl),
		Description: t.Description.In(dl),
		Color:       t.Color,
		Events:      n,
		Path:        p,
		URL:         base + "/" + p,
	}
}

// AgendaFeed is the personal agenda of the events with the given ids
// (known, in calendar order): /calendar.ics?events=id1,id2.
func AgendaFeed(cal *calendar.Calendar, ids []string, base, lang string) Feed {
	dl := DataLanguage(lang, cal.Languages)
	p := pathAll + "?events=" + strings.Join(ids, ",") + langQuery(cal, dl, "&")
	return Feed{
		ID:     "agenda",
		Anchor: "agenda",
		Name:   cal.Name.In(dl) + " · " + newTranslator(dl).Get("agenda_h"),
		Title:  newTranslator(lang).Get("agenda_h"),
		Events: len(ids),
		Path:   p,
		URL:    base + "/" + p,
	}
}

// langQuery is "?lang=xx" (or "&lang=xx") when dl is not the calendar's
// default language: feeds in the default language keep one canonical URL.
func langQuery(cal *calendar.Calendar, dl, sep string) string {
	if len(cal.Languages) == 0 || dl == cal.Languages[0] {
		return ""
	}
	return sep + "lang=" + url.QueryEscape(dl)
}

// SubscribeURL is the absolute /subscribe/{client}/{feed} link for a feed,
// with ?lang= when its data language is not the calendar's default and
// ?alarm= when it has a reminder.
func SubscribeURL(cal *calendar.Calendar, base string, c links.Client, feedID, lang string, alarm reminder.Reminder) string {
	dl := DataLanguage(lang, cal.Languages)
	u := base + "/" + fmt.Sprintf(pathSubscribe, c, feedID) + langQuery(cal, dl, "?")
	if alarm != reminder.None {
		u = addQuery(u, "alarm", alarm.String())
	}
	return u
}

// PageURL is the absolute address of the page in lang, at anchor (empty for
// the top).
func PageURL(cal *calendar.Calendar, base, lang, anchor string) string {
	u := base + "/"
	if len(cal.Languages) == 0 || lang != cal.Languages[0] {
		u += "?lang=" + url.QueryEscape(lang)
	}
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

// ClientLink is the link that subscribes client c to f.
func ClientLink(c links.Client, f Feed) string {
	if c == links.ICS {
		return f.Path // the page's own download: relative
	}
	s, err := links.Subscribe(c, f.URL, f.Name)
	if err != nil {
		// f.URL is built from a base the server checked; a relative
		// one (a test's) still gets a working download.
		return f.Path
	}
	return s
}
