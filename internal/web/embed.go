package web

import (
	htmltemplate "html/template"
	"slices"

	"calfeed/internal/links"
)

// embedView is what templates/embed.html and embed.txt show.
type embedView struct {
	Lang, Dir string
	T         *translator
	Name      string
	PageURL   string
	Feeds     []embedFeed
	// Start and End are the sides of the page in its direction ("left" and
	// "right", or the other way round for Arabic): an email client may
	// ignore dir, never text-align.
	Start, End string
	Gap        htmltemplate.CSS // the margins between buttons, on their end side
}

type embedFeed struct {
	Feed
	CountText string
	Links     []embedLink
	// Bar is the inline style of the feed's coloured edge, built here from
	// a colour the loader checked (#RRGGBB).
	Bar htmltemplate.CSS
}

type embedLink struct {
	Label, Href string
}

func embedData(r Request) embedView {
	cal := r.Cal
	t := newTranslator(r.Lang)
	dl := DataLanguage(r.Lang, cal.Languages)
	v := embedView{
		Lang:    r.Lang,
		Dir:     Direction(r.Lang),
		T:       t,
		Name:    cal.Name.In(dl),
		PageURL: PageURL(cal, r.Base, r.Lang, ""),
		Start:   "left",
		End:     "right",
	}
	v.Gap = "margin:0 6px 8px 0;"
	if v.Dir == "rtl" {
		v.Start, v.End = "right", "left"
		v.Gap = "margin:0 0 8px 6px;"
	}
	for _, f := range Feeds(cal, r.Base, r.Lang) {
		if r.Feeds != nil && !slices.Contains(r.Feeds, f.ID) {
			continue
		}
		color := f.Color
		if color == "" {
			color = "#5F6368"
		}
		ef := embedFeed{
			Feed:      f,
			CountText: t.N("events_count", f.Events),
			Bar:       htmltemplate.CSS("border-" + v.Start + ":6px solid " + color + ";"),
		}
		for _, c := range []links.Client{links.Google, links.Outlook, links.Office365, links.Apple} {
			ef.Links = append(ef.Links, embedLink{
				Label: t.Get("client_" + string(c)),
				Href:  SubscribeURL(cal, r.Base, c, f.ID, r.Lang),
			})
		}
		v.Feeds = append(v.Feeds, ef)
	}
	return v
}

// feedsDoc is the document GET /feeds.json serves.
type feedsDoc struct {
	Calendar struct {
		ID          string   `json:"id"`
		Name        string   `json:"name"`
		Description string   `json:"description,omitempty"`
		Language    string   `json:"language"`  // of the names and descriptions here
		Languages   []string `json:"languages"` // every language a feed comes in (?lang=)
		Page        string   `json:"page"`      // the subscribe page
	} `json:"calendar"`
	Feeds []feedJSON `json:"feeds"`
}

type feedJSON struct {
	ID          string `json:"id"` // "all" or a track id
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Color       string `json:"color,omitempty"`
	Events      int    `json:"events"`
	URL         string `json:"url"`    // the feed itself (https when served so)
	Webcal      string `json:"webcal"` // the same, for Apple Calendar
	Google      string `json:"google"`
	Outlook     string `json:"outlook"`
	Office365   string `json:"office365"`
	// Subscribe holds the /subscribe/ links: stable redirects to each
	// client's current link, for emails and printed matter.
	Subscribe map[string]string `json:"subscribe"`
	QR        struct {
		SVG string `json:"svg"`
		PNG string `json:"png"`
	} `json:"qr"`
	Page string `json:"page"` // the feed's part of the subscribe page
}

func feedsDocument(r Request) feedsDoc {
	cal := r.Cal
	var d feedsDoc
	dl := DataLanguage(r.Lang, cal.Languages)
	d.Calendar.ID = cal.ID
	d.Calendar.Name = cal.Name.In(dl)
	d.Calendar.Description = cal.Description.In(dl)
	d.Calendar.Language = dl
	d.Calendar.Languages = slices.Clone(cal.Languages)
	d.Calendar.Page = PageURL(cal, r.Base, r.Lang, "")
	d.Feeds = []feedJSON{}
	for _, f := range Feeds(cal, r.Base, r.Lang) {
		j := feedJSON{
			ID: f.ID, Name: f.Name, Title: f.Title, Description: f.Description, Color: f.Color,
			Events: f.Events, URL: f.URL, Webcal: links.Webcal(f.URL),
			Google:    links.GoogleSubscribe(f.URL),
			Outlook:   links.OutlookSubscribe(f.URL, f.Name),
			Office365: links.Office365Subscribe(f.URL, f.Name),
			Subscribe: map[string]string{},
			Page:      PageURL(cal, r.Base, r.Lang, f.Anchor),
		}
		for _, c := range links.Clients() {
			j.Subscribe[string(c)] = SubscribeURL(cal, r.Base, c, f.ID, r.Lang)
		}
		j.QR.SVG = r.Base + "/" + qrPath(f.ID, "svg") + langQuery2(cal, r.Lang)
		j.QR.PNG = r.Base + "/" + qrPath(f.ID, "png") + langQuery2(cal, r.Lang)
		d.Feeds = append(d.Feeds, j)
	}
	return d
}
