// Package links builds the links that put a calendar feed, or one event,
// into a calendar client: Google Calendar, Outlook.com, Microsoft 365 and
// Apple Calendar (webcal). The functions are pure: they take absolute URLs
// and texts and return URLs, with nothing fetched or logged.
//
// None of these formats is a published API. Each function cites what it
// relies on; when a client changes its format, this package changes and every
// /subscribe/ link ever sent in an email follows (see package server).
package links

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Client names a calendar client that a feed can be subscribed from. Its
// value appears in /subscribe/{client}/{feed} URLs and must never change.
type Client string

// The clients a feed can be subscribed from.
const (
	Google    Client = "google"    // Google Calendar (web, Android)
	Outlook   Client = "outlook"   // Outlook.com: personal Microsoft accounts
	Office365 Client = "office365" // Microsoft 365: work and school accounts
	Apple     Client = "apple"     // Apple Calendar and others that open webcal:// links
	ICS       Client = "ics"       // the feed itself: a download, or a URL to paste
)

// Clients returns every client, in the order a page shows them.
func Clients() []Client { return []Client{Google, Outlook, Office365, Apple, ICS} }

// ParseClient returns the client named s, or an error naming the clients.
func ParseClient(s string) (Client, error) {
	for _, c := range Clients() {
		if string(c) == s {
			return c, nil
		}
	}
	names := make([]string, 0, 5)
	for _, c := range Clients() {
		names = append(names, string(c))
	}
	return "", fmt.Errorf("links: no client %q; clients: %s", s, strings.Join(names, ", "))
}

// Subscribe returns the link that subscribes client c to the feed at
// feedURL, an absolute http or https URL; name is the calendar's name where
// the client takes one.
func Subscribe(c Client, feedURL, name string) (string, error) {
	if err := checkFeedURL(feedURL); err != nil {
		return "", err
	}
	switch c {
	case Google:
		return GoogleSubscribe(feedURL), nil
	case Outlook:
		return OutlookSubscribe(feedURL, name), nil
	case Office365:
		return Office365Subscribe(feedURL, name), nil
	case Apple:
		return Webcal(feedURL), nil
	case ICS:
		return feedURL, nil
	}
	_, err := ParseClient(string(c))
	return "", err
}

func checkFeedURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("links: feed URL %q: %w", s, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("links: feed URL %q is not an absolute http or https URL", s)
	}
	return nil
}

// GoogleSubscribe returns a link that opens Google Calendar and offers to
// add the feed at feedURL (an https URL) as a subscribed calendar:
//
//	https://calendar.google.com/calendar/render?cid=<feed URL>
//
// Google documents no such link; its "Add calendar > From URL" form is the
// documented way, and the page says so beside the button. Which scheme cid=
// accepts has changed over the years: in 2014-2018 an https URL was refused
// ("This email address isn't associated with an active Google Calendar
// account", UWFlow/rmc#207, calagator/calagator#556) and webcal:// worked
// (simonw's TIL "google-calendar-ics-subscribe-link"; add2cal/
// add-to-calendar-button rewrites to webcal:// in src/generators/index.ts);
// by 2026 a webcal:// cid gave an empty calendar while the https URL synced
// (afterclass-io/afterclass.io#498). We send the https URL, the form Google
// also stores and fetches.
func GoogleSubscribe(feedURL string) string {
	q := url.Values{"cid": {feedURL}}
	return "https://calendar.google.com/calendar/render?" + q.Encode()
}

// GoogleAddByURL is Google Calendar's own "Add calendar > From URL" settings
// page, where a reader pastes a feed address when a cid= link fails.
const GoogleAddByURL = "https://calendar.google.com/calendar/r/settings/addbyurl"

// OutlookSubscribe returns a link that opens Outlook.com's "Subscribe from
// web" dialog for the feed at feedURL, named name:
//
//	https://outlook.live.com/calendar/0/addfromweb?url=<feed URL>&name=<name>
//
// The form add2cal/add-to-calendar-button uses (src/generators/outlook.ts,
// atcb_subscribe_microsoft). The feed goes in as https: a webcal:// URL
// pasted into Outlook.com has given empty calendars, and the new Outlook for
// Windows strips the webcal: scheme (mjff-eng/asap-hub#4998).
func OutlookSubscribe(feedURL, name string) string {
	return "https://outlook.live.com/calendar/0/addfromweb?" + addFromWeb(feedURL, name)
}

// Office365Subscribe is OutlookSubscribe for Microsoft 365 (work or school)
// accounts, whose Outlook on the web lives at outlook.office.com.
func Office365Subscribe(feedURL, name string) string {
	return "https://outlook.office.com/calendar/0/addfromweb?" + addFromWeb(feedURL, name)
}

func addFromWeb(feedURL, name string) string {
	// Encode keeps the keys sorted (name, url); the order does not matter
	// to Outlook, and a stable one keeps pages deterministic.
	q := url.Values{"url": {feedURL}}
	if name != "" {
		q.Set("name", name)
	}
	return q.Encode()
}

// Webcal returns feedURL with its http or https scheme replaced by webcal,
// which makes Apple Calendar (and other desktop clients registered for the
// scheme) offer a subscription instead of a one-time import. Apple
// documents the scheme in its Calendar Scripting Guide, "Subscribing to a
// Calendar" (GetURL "webcal://…"). Any other URL is returned unchanged.
func Webcal(feedURL string) string {
	for _, scheme := range []string{"https://", "http://"} {
		if len(feedURL) >= len(scheme) && strings.EqualFold(feedURL[:len(scheme)], scheme) {
			return "webcal://" + feedURL[len(scheme):]
		}
	}
	return feedURL
}

// Event is what an "add this event" link carries.
type Event struct {
	Title   string
	Details string // description; may be empty
	Place   string // location; may be empty
	// Start and End are instants for a timed event. For an all-day event
	// they are dates (only year, month and day count) and End is exclusive:
	// the day after the last day, as in RFC 5545 §3.6.1.
	Start, End time.Time
	AllDay     bool
	// Zone is the event's IANA zone; nil for none. Google opens the event
	// in it; the times themselves are sent in UTC.
	Zone *time.Location
}

// Date and time layouts of the event links.
const (
	googleUTC  = "20060102T150405Z"     // dates=…Z/…Z
	googleDate = "20060102"             // dates=YYYYMMDD/YYYYMMDD (end exclusive)
	msUTC      = "2006-01-02T15:04:05Z" // startdt/enddt, ISO 8601 in UTC
	msDate     = "2006-01-02"           // startdt/enddt of an all-day event
)

// GoogleEvent returns a link that opens Google Calendar's "new event" form
// filled in with e:
//
//	https://calendar.google.com/calendar/render?action=TEMPLATE&text=…&dates=…&details=…&location=…&ctz=…
//
// Parameters as Google's old "event publisher guide" gave them (google.com/
// googlecalendar/event_publisher_guide_detail.html: action=TEMPLATE, text,
// dates in UTC with a Z, location, details) and as
// InteractionDesignFoundation/add-event-to-calendar-docs services/google.md
// keeps them current: an all-day event is dates=YYYYMMDD/YYYYMMDD with the
// day after the last day as its end; ctz names the zone the form shows. ctz
// is left out of all-day events, which Google would otherwise shift
// (add2cal/add-to-calendar-button src/generators/google.ts).
func GoogleEvent(e Event) string {
	q := url.Values{"action": {"TEMPLATE"}, "text": {e.Title}}
	if e.AllDay {
		q.Set("dates", e.Start.Format(googleDate)+"/"+e.End.Format(googleDate))
	} else {
		q.Set("dates", e.Start.UTC().Format(googleUTC)+"/"+e.End.UTC().Format(googleUTC))
		if e.Zone != nil && strings.Contains(e.Zone.String(), "/") {
			q.Set("ctz", e.Zone.String())
		}
	}
	if e.Details != "" {
		q.Set("details", e.Details)
	}
	if e.Place != "" {
		q.Set("location", e.Place)
	}
	return "https://calendar.google.com/calendar/render?" + q.Encode()
}

// OutlookEvent returns a link that opens Outlook.com's "new event" form
// filled in with e:
//
//	https://outlook.live.com/calendar/0/deeplink/compose?path=/calendar/action/compose&rru=addevent&subject=…&startdt=…&enddt=…&allday=…&location=…&body=…
//
// Microsoft documents no such link. Parameters as
// InteractionDesignFoundation/add-event-to-calendar-docs services/
// outlook-web.md gives them: startdt and enddt in ISO 8601 UTC with a Z, or
// YYYY-MM-DD for an all-day event with allday=true; the
// /calendar/0/deeplink/compose path with path= and rru= is the one add2cal
// uses on phones, where the shorter /action/compose form has failed
// (add2cal/add-to-calendar-button src/generators/outlook.ts). The all-day end
// is exclusive, as in Google's link and RFC 5545.
func OutlookEvent(e Event) string {
	return "https://outlook.live.com/calendar/0/deeplink/compose?" + compose(e)
}

// Office365Event is OutlookEvent for Microsoft 365 accounts.
func Office365Event(e Event) string {
	return "https://outlook.office.com/calendar/0/deeplink/compose?" + compose(e)
}

func compose(e Event) string {
	q := url.Values{
		"path":    {"/calendar/action/compose"},
		"rru":     {"addevent"},
		"subject": {e.Title},
	}
	if e.AllDay {
		q.Set("startdt", e.Start.Format(msDate))
		q.Set("enddt", e.End.Format(msDate))
		q.Set("allday", "true")
	} else {
		q.Set("startdt", e.Start.UTC().Format(msUTC))
		q.Set("enddt", e.End.UTC().Format(msUTC))
		q.Set("allday", "false")
	}
	if e.Details != "" {
		q.Set("body", e.Details)
	}
	if e.Place != "" {
		q.Set("location", e.Place)
	}
	return q.Encode()
}
