package web

import (
	htmltemplate "html/template"
	"slices"

	"calfeed/internal/links"
)

// embedView is what templates/embed.html and embed.txt show.
type embedView struct {
	// Lang and Dir are those of the snippet's words (see pageData.WordsLang).
	Lang, Dir string
	T         *translator
	// DataAttrs marks the calendar's texts when their language is not the
	// words' (see pageData.DataAttrs).
	DataAttrs htmltemplate.HTMLAttr
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
	DataAttrs htmltemplate.HTMLAttr // the view's, but for "All events" and its description, in the words' language
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
		Lang:    t.Base(),
		Dir:     Direction(t.Base()),
		T:       t,
		Name:    cal.Name.In(dl),
		PageURL: PageURL(cal, r.Base, r.Lang, ""),
		Start:   "left",
		End:     "right",
	}
	if dl != v.Lang {
		v.DataAttrs = langAttrs(dl)
	}
	v.Gap = "margin:0 6px 8px 0;"
	if v.Dir == "rtl" {
		v.Start, v.End = "right", "left"
		v.Gap = "margin:0 0 8px 6px;"
	}
	alarm := r.chosenAlarm()
	for _, f := range Feeds(cal, r.Base, r.Lang) {
		if r.Feeds != nil && !slices.Contains(r.Feeds, f.ID) {
			continue
		}
		f = f.WithAlarm(alarm)
		color := f.Color
		if color == "" {
			color = "#5F6368"
		}
		ef := embedFeed{
			Feed:      f,
			CountText: t.N("events_count", f.Events),
			DataAttrs: v.DataAttrs,
			Bar:       htmltemplate.CSS("border-" + v.Start + ":6px solid " + color + ";"),
		}
		if f.ID == AllFeeds {
			ef.DataAttrs = ""
		}
		for _, c := range []links.Client{links.Google, links.Outlook, links.Office365, links.Apple} {
			ef.Links = append(ef.Links, embedLink{
				Label: t.Get("client_" + string(c)),
				Href:  SubscribeURL(cal, r.Base, c, f.ID, r.Lang, alarm),
			})
		}
		v.Feeds = append(v.Feeds, ef)
	}
	return v
}
