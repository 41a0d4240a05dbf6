package web

import (
	"bytes"
	"cmp"
	"fmt"
	htmltemplate "html/template"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"calfeed/internal/calendar"
)

// IndexRequest is what the index of a folder of calendars depends on.
type IndexRequest struct {
	// Calendars are the calendars served, each at the path of its id.
	Calendars []*calendar.Calendar
	// Lang is the page's language (see Negotiate, with the six languages
	// of the page as the data languages).
	Lang string
	// Static renders for a static host: the index in each language is a
	// file of its own (en/index.html), as each calendar's pages are.
	Static bool
}

// indexData is what templates/index.html shows.
type indexData struct {
	Lang, Dir string
	T         *translator
	Languages []langChoice
	Cards     []calendarCard
	CSS, Icon string
}

// calendarCard is one calendar of the index.
type calendarCard struct {
	ID, Href, Name, Description string
	DataAttrs                   htmltemplate.HTMLAttr
	Dates, Counts               string
}

// Index writes the index of a folder of calendars: each calendar's name in
// the reader's language (or the calendar's own nearest to it), its first
// and last dates, how many events and tracks it has, and a link to its
// page, in the order of their first dates.
func (s *Site) Index(w io.Writer, r IndexRequest) error {
	t := newTranslator(r.Lang)
	root := ""
	if r.Static && r.Lang != IndexLanguages()[0] {
		root = "../"
	}
	d := indexData{Lang: r.Lang, Dir: Direction(r.Lang), T: t,
		CSS: root + s.assetPath("style.css"), Icon: root + s.assetPath("favicon.svg")}
	for _, l := range IndexLanguages() {
		href := "?lang=" + url.QueryEscape(l)
		if r.Static {
			href = root + StaticIndex(l)
		}
		d.Languages = append(d.Languages, langChoice{Code: l, Name: languageName(l), Dir: Direction(l), Href: href, Current: l == r.Lang})
	}
	cals := slices.Clone(r.Calendars)
	slices.SortStableFunc(cals, func(a, b *calendar.Calendar) int {
		fa, _, _ := Span(a)
		fb, _, _ := Span(b)
		return cmp.Or(fa.Compare(fb), strings.Compare(a.ID, b.ID))
	})
	for _, cal := range cals {
		d.Cards = append(d.Cards, card(cal, r, t, root))
	}
	var buf bytes.Buffer
	if err := s.index.ExecuteTemplate(&buf, "index", d); err != nil {
		return fmt.Errorf("web: index: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// IndexLanguages are the languages of the index: the page's six, the
// default first.
func IndexLanguages() []string {
	langs := UILanguages()
	i := slices.Index(langs, "en")
	return append([]string{"en"}, slices.Delete(langs, i, i+1)...)
}

// StaticIndex is the file of the index in lang on a static site.
func StaticIndex(lang string) string {
	if lang == IndexLanguages()[0] {
		return "index.html"
	}
	return lang + "/index.html"
}

// card is one calendar's entry on the index in r.Lang.
func card(cal *calendar.Calendar, r IndexRequest, t *translator, root string) calendarCard {
	dl := DataLanguage(r.Lang, cal.Languages)
	c := calendarCard{ID: cal.ID, Name: cal.Name.In(dl), Description: cal.Description.In(dl),
		Counts: t.N("events_count", len(cal.Events)) + " · " + t.N("tracks_count", len(cal.Tracks))}
	if dl != r.Lang {
		c.DataAttrs = langAttrs(dl)
	}
	switch {
	case r.Static:
		c.Href = root + cal.ID + "/" + StaticPage(cal, r.Lang, 1)
	case len(cal.Languages) > 0 && r.Lang == cal.Languages[0]:
		c.Href = cal.ID + "/"
	default:
		c.Href = cal.ID + "/?lang=" + url.QueryEscape(r.Lang)
	}
	first, last, ends := Span(cal)
	switch {
	case len(cal.Events) == 0:
	case !ends:
		c.Dates = t.Get("index_from", t.Date(first))
	case last.Equal(first):
		c.Dates = t.Date(first)
	default:
		c.Dates = t.Get("days_range", t.Date(first), t.Date(last))
	}
	return c
}

// Span is the first and last day of cal's events, each in its own zone (at
// midnight UTC); ends is false when a series has no end.
func Span(cal *calendar.Calendar) (first, last time.Time, ends bool) {
	ends = true
	for i, e := range cal.Events {
		start := e.StartDate()
		if i == 0 || start.Before(first) {
			first = start
		}
		end, ok := e.LastEnd()
		if !ok {
			ends = false
			continue
		}
		day := lastDay(e, end)
		if day.After(last) {
			last = day
		}
	}
	return first, last, ends
}

// lastDay is the date an event that ends at end last takes place on.
func lastDay(e *calendar.Event, end time.Time) time.Time {
	if e.AllDay {
		return end.AddDate(0, 0, -1) // DTEND is the day after
	}
	local := end.Add(-time.Nanosecond).In(e.Location) // ending at midnight is the day before
	return time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
}
