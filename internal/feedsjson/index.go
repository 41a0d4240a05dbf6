package feedsjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/web"
)

// indexDoc is the feeds.json of a folder of calendars: each calendar with
// its page and its own feeds.json, where its feeds are.
type indexDoc struct {
	Calendars []calendarJSON `json:"calendars"`
}

type calendarJSON struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Language    string   `json:"language"`  // of the name and description here
	Languages   []string `json:"languages"` // every language its feeds come in
	Page        string   `json:"page"`
	FeedsJSON   string   `json:"feeds_json"` // its feeds, with their links
	Events      int      `json:"events"`
	Tracks      int      `json:"tracks"`
	First       string   `json:"first,omitempty"` // its first day, YYYY-MM-DD
	Last        string   `json:"last,omitempty"`  // its last day; none for a series without end
}

// WriteIndex writes the feeds.json of a folder of calendars served at base
// (each at base/{id}), in lang; static gives a static site's addresses.
func WriteIndex(w io.Writer, cals []*calendar.Calendar, base, lang string, static bool) error {
	d := indexDoc{Calendars: []calendarJSON{}}
	for _, cal := range cals {
		dl := web.DataLanguage(lang, cal.Languages)
		at := base + "/" + cal.ID
		c := calendarJSON{
			ID: cal.ID, Name: cal.Name.In(dl), Description: cal.Description.In(dl),
			Language: dl, Languages: slices.Clone(cal.Languages),
			Page:      web.PageURL(cal, at, lang, ""),
			FeedsJSON: at + "/feeds.json" + langParam(cal, lang),
			Events:    len(cal.Events), Tracks: len(cal.Tracks),
		}
		if static {
			c.Page = web.StaticPageURL(cal, at, lang, "")
			c.FeedsJSON = at + "/" + web.StaticFeed(cal, "feeds.json", lang)
		}
		if len(cal.Events) > 0 {
			first, last, ends := web.Span(cal)
			c.First = first.Format(time.DateOnly)
			if ends {
				c.Last = last.Format(time.DateOnly)
			}
		}
		d.Calendars = append(d.Calendars, c)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("feedsjson: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// langParam is "?lang=xx" for a language other than the calendar's default.
func langParam(cal *calendar.Calendar, lang string) string {
	if len(cal.Languages) > 0 && lang == cal.Languages[0] {
		return ""
	}
	return "?lang=" + lang
}
