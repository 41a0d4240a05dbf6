package atom

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"calfeed/internal/calendar"
)

// TestRender: entries newest first, each titled in the feed's language,
// with the event's new time in its own zone, the links given, and the same
// ids on every run.
func TestRender(t *testing.T) {
	cal, err := calendar.Load("c.yaml", strings.NewReader(`calendar: {id: c, name: {en: Cal, fr: Cal FR}, timezone: Europe/Paris, languages: [en, fr]}
tracks: [{id: a, name: A}]
events:
  - {id: talk, title: {en: Talk, fr: Exposé}, start: 2025-03-10 09:00, duration: 1h, tracks: [a]}
`), calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	cal.Changes = []calendar.Change{
		{EventID: "talk", Kind: calendar.ChangeNew, At: time.Date(2025, 2, 1, 10, 0, 0, 0, time.UTC), Title: calendar.NewText(map[string]string{"en": "Talk", "fr": "Exposé"}),
			Start: time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC), End: time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC), Location: paris, Tracks: []string{"a"}},
		{EventID: "gone", Kind: calendar.ChangeRemoved, At: time.Date(2025, 2, 2, 10, 0, 0, 0, time.UTC), Title: calendar.NewText(map[string]string{"en": "Gone", "fr": "Disparu"})},
	}
	l := Links{Self: "https://x/changes.atom", Page: "https://x/", Event: func(id string) string { return "https://x/events/" + id + ".ics" }}
	body, updated := Render(cal, "fr", nil, l)
	again, _ := Render(cal, "fr", nil, l)
	if string(body) != string(again) {
		t.Error("two renderings differ")
	}
	if !updated.Equal(cal.Changes[1].At) {
		t.Errorf("updated %v", updated)
	}
	var doc struct {
		Lang    string `xml:"lang,attr"`
		Title   string `xml:"title"`
		Entries []struct {
			Title   string `xml:"title"`
			Content string `xml:"content"`
			Links   []struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Lang != "fr" || !strings.HasPrefix(doc.Title, "Cal FR · ") || len(doc.Entries) != 2 {
		t.Fatalf("document %+v", doc)
	}
	if doc.Entries[0].Title != "Retiré : Disparu" || len(doc.Entries[0].Links) != 0 {
		t.Errorf("first entry %+v: want the removal, newest first, without a link", doc.Entries[0])
	}
	if doc.Entries[1].Title != "Nouveau : Exposé" || !strings.Contains(doc.Entries[1].Content, "2025-03-10 09:00 – 10:00 (Europe/Paris, UTC+01:00)") ||
		len(doc.Entries[1].Links) != 1 || doc.Entries[1].Links[0].Href != "https://x/events/talk.ics" {
		t.Errorf("second entry %+v", doc.Entries[1])
	}
}
