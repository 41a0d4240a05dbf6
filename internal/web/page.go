package web

import (
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/links"
)

// pageData is what templates/page.html shows.
type pageData struct {
	// Lang is the page's language, as links and forms carry it (?lang=).
	Lang string
	// WordsLang and Dir are the language and direction of the page's own
	// words: Lang, or English for a data language calfeed has no words in.
	WordsLang, Dir string
	T              *translator
	// DataAttrs marks text in the data's language when it is not the
	// words': lang="zh" dir="ltr".
	DataAttrs     htmltemplate.HTMLAttr
	Name          string
	Description   string
	DataLangNote  string
	Languages     []langChoice
	Feeds         []feedView
	Days          []dayView
	Zone          string // the reader's zone when named (?tz=), else ""
	BadZone       string // a ?tz= that names no zone, to say so; else ""
	ZoneChoices   []string
	Pager         *pagerView   // nil when the programme fits on one page
	Static        bool         // rendered for a static host: no agenda, no reminders
	BaseNotice    string       // said when the links are to no public https address
	PrivateNotice string       // said on a private address's page (Request.Private)
	PageNumber    int          // the programme's page shown when not the first, else 0
	FeedsAt       string       // the first page, where the feeds' boxes are, from a later one; else ""
	Elsewhere     []pickedView // agenda events not on this page
	Alarm         string       // the reminder chosen, as ?alarm= takes it, else ""
	Agenda        agendaView
	CSS, JS, Icon string // relative, versioned
	Messages      map[string]string
}

// pagerView is the navigation between the programme's pages.
type pagerView struct {
	Status             string // "Page 2 of 7: …"
	Prev, Next         string // links, "" at either end
	PrevText, NextText string
	Label              string
}

// pickedView is an event of the agenda listed on another page: the agenda
// form keeps it.
type pickedView struct {
	ID    string
	Order int
}

type langChoice struct {
	Code, Name, Dir, Href string
	Current               bool
}

// feedView is one feed's box: its reminder, subscribe buttons, address and
// QR code.
type feedView struct {
	Feed      // with the reminder chosen
	T         *translator
	DataAttrs htmltemplate.HTMLAttr
	CountText string
	Open      bool // shown unfolded: the feed of every event, or the one asked for
	Clients   []clientView
	QR        htmltemplate.HTML // inline SVG
	QRSVG     string            // relative link to the SVG and PNG files
	QRPNG     string
	// The reminder control: its options (nil: none offered), and the
	// feed's address without a reminder, from which the script builds the
	// links when the reader chooses another.
	Alarms              []alarmChoice
	PlainURL, PlainPath string
	// Keep are what the reminder form sends besides ?alarm=, so that the
	// page comes back as it was: its language, zone and agenda, and
	// OpenID, the feed to unfold ("" for the agenda, which is no fold).
	Keep   []hiddenField
	OpenID string
}

// hiddenField is an <input type="hidden"> of a form.
type hiddenField struct{ Name, Value string }

// clientView is one client's button, with what to expect and how to paste.
type clientView struct {
	Client   links.Client
	Label    string
	Href     htmltemplate.URL // built here from checked parts; may be webcal:
	Tmpl     string           // for the agenda: Href with {url}, {webcal} or {path} for the script to fill
	Download bool
	Expect   string
	Paste    string
	Help     string // a further link (Google's "From URL" page), or ""
	HelpText string
}

type dayView struct {
	Date    string // YYYY-MM-DD, the event's own date
	Heading string
	Events  []eventView
}

type eventView struct {
	T                    *translator
	DataAttrs            htmltemplate.HTMLAttr
	ID, Anchor, PickID   string
	Series               bool   // one occurrence of a repeating event
	Rule                 string // the series' rule in words: "Every Thursday until 30 June 2016"
	Order                int    // the event's place in the calendar: agendas list ids in it
	Title                string
	Cancelled, Tentative bool
	StatusText           string
	AllDay               bool
	When                 string // "13:15–14:30", or the days of an all-day event
	ZoneText             string // "New York time (UTC−5)"
	Start, End           string // RFC 3339 in UTC, for the script; "" for all-day
	Day                  string // YYYY-MM-DD in the event's zone
	ReaderLabel, Reader  string // in the reader's named zone; "" without one
	Place, Description   string
	URL, Online          string
	Tracks               []trackChip
	ICS                  string // relative
	Google, Outlook      string
	Checked              bool
	Pick                 bool // offered for the personal agenda (not on a static site)
}

type trackChip struct {
	Name, Color string
	Href        string // to the track's feed box
	Elsewhere   bool   // on another page (the first): the link keeps the agenda
}

type agendaView struct {
	IDs       []string
	CountText string
	Forms     string // JSON: plural category -> text, for the script
	FeedBase  string // absolute URL of calendar.ics
	PathBase  string
	LangParam string // "&lang=xx" or ""
	Feed      feedView
}

// notices fills in what the page says of the reader's zone, its links'
// address and its privacy.
func (d *pageData) notices(r Request, t *translator) {
	if r.Zone != nil {
		d.Zone = r.Zone.String()
	}
	d.BadZone = r.BadZone
	if r.Base != "" && !PublicHTTPS(r.Base) {
		flag := "calfeed serve -base-url" // the command that names the address
		if r.Static {
			flag = "calfeed build -base-url"
		}
		d.BaseNotice = t.Get("base_notice", r.Base, flag)
	}
	if r.Private {
		d.PrivateNotice = t.Get("private_notice")
	}
}

func (s *Site) pageData(r Request) *pageData {
	cal := r.Cal
	t := newTranslator(r.Lang)
	dl := DataLanguage(r.Lang, cal.Languages)
	d := &pageData{
		Lang:        r.Lang,
		WordsLang:   t.Base(),
		Dir:         Direction(t.Base()),
		T:           t,
		Name:        cal.Name.In(dl),
		Description: cal.Description.In(dl),
		CSS:         r.root() + s.assetPath("style.css"),
		JS:          r.root() + s.assetPath("app.js"),
		Icon:        r.root() + s.assetPath("favicon.svg"),
		Static:      r.Static,
		Messages: map[string]string{
			"copied":         t.Get("copied"),
			"copy-failed":    t.Get("copy_failed"),
			"your-time-zone": t.Get("your_time_zone"),
			"alarm-set":      t.Get("alarm_set"),
		},
	}
	if dl != d.WordsLang {
		d.DataAttrs = langAttrs(dl)
	}
	if dl != r.Lang {
		d.DataLangNote = t.Get("data_lang_note", languageName(dl))
	}
	d.notices(r, t)
	d.Alarm = r.chosenAlarm().String()
	agenda := knownEvents(cal, r.Agenda)
	prog := r.programme()
	page := prog.Page(r.Page)

	// The language switcher keeps the reader's zone, agenda, reminder and page.
	for _, l := range Languages(cal.Languages) {
		d.Languages = append(d.Languages, langChoice{
			Code: l, Name: languageName(l), Dir: Direction(l),
			Href: d.localPage(r, l, agenda, page), Current: l == r.Lang,
		})
	}

	// What a reminder form keeps of the page.
	keep := []hiddenField{{"lang", r.Lang}}
	if d.Zone != "" {
		keep = append(keep, hiddenField{"tz", d.Zone})
	}
	for _, id := range agenda {
		keep = append(keep, hiddenField{"events", id})
	}
	if page > 1 {
		keep = append(keep, hiddenField{"page", strconv.Itoa(page)})
	}
	// The feeds' boxes are on the first page. Later pages list the feeds
	// and link to their boxes there: a long programme (the one that has
	// pages) repeated every box, its buttons and QR code, on each page.
	if page > 1 {
		d.FeedsAt = d.localPage(r, d.Lang, agenda, 1)
	}
	for _, f := range r.FeedList() {
		if page > 1 {
			d.Feeds = append(d.Feeds, feedEntry(f, t, d.DataAttrs))
			continue
		}
		d.Feeds = append(d.Feeds, feedBox(cal, f, r, t, d.DataAttrs, keep))
	}

	d.Days = days(cal, prog, page, r, t, d.DataAttrs, agenda, d.FeedsAt)
	if n := prog.Pages(); n > 1 {
		d.Pager = d.pager(r, prog, page, agenda, t)
	}
	if page > 1 {
		d.PageNumber = page
	}
	shown := prog.onPage(page)
	for _, id := range agenda {
		if !shown[id] {
			d.Elsewhere = append(d.Elsewhere, pickedView{ID: id, Order: prog.order[cal.Event(id)]})
		}
	}
	d.ZoneChoices = prog.zones

	d.Agenda = agendaBox(cal, agenda, r, t, d.DataAttrs, keep)
	return d
}

func (s *Site) assetPath(name string) string {
	a := s.assets[name]
	if a == nil {
		return "static/" + name
	}
	return fmt.Sprintf(pathStatic, name, a.Version)
}

// knownEvents keeps the ids of events the calendar has, in calendar order,
// once each.
func knownEvents(cal *calendar.Calendar, ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	var out []string
	for _, e := range cal.Events {
		if want[e.ID] {
			out = append(out, e.ID)
		}
	}
	return out
}

// pager is the navigation of a programme of several pages, on page n.
func (d *pageData) pager(r Request, prog *Programme, n int, agenda []string, t *translator) *pagerView {
	items := prog.page(n)
	first, _ := time.Parse(time.DateOnly, items[0].day)
	last, _ := time.Parse(time.DateOnly, items[len(items)-1].day)
	days := t.LongDate(first)
	if !last.Equal(first) {
		days = t.Get("days_range", days, t.LongDate(last))
	}
	v := &pagerView{
		Label:    t.Get("pager_label"),
		Status:   t.Get("pager_status", strconv.Itoa(n), strconv.Itoa(prog.Pages()), days),
		PrevText: t.Get("pager_prev"),
		NextText: t.Get("pager_next"),
	}
	if n > 1 {
		v.Prev = d.localPage(r, d.Lang, agenda, n-1) + "#programme"
	}
	if n < prog.Pages() {
		v.Next = d.localPage(r, d.Lang, agenda, n+1) + "#programme"
	}
	return v
}

// feedEntry is f as the list of feeds shows it: its name and size.
func feedEntry(f Feed, t *translator, attrs htmltemplate.HTMLAttr) feedView {
	v := feedView{Feed: f, T: t, DataAttrs: attrs, CountText: t.N("events_count", f.Events)}
	if f.ID == AllFeeds {
		v.DataAttrs = "" // "All events" is in the page's language
	}
	return v
}

// feedBox is f's box on the page, its links with the reminder r chose.
func feedBox(cal *calendar.Calendar, f Feed, r Request, t *translator, attrs htmltemplate.HTMLAttr, keep []hiddenField) feedView {
	alarm := r.chosenAlarm()
	f.Path = r.root() + f.Path // linked from this page
	v := feedEntry(f.WithAlarm(alarm), t, attrs)
	v.QRSVG = r.root() + r.QRPath(f.ID, "svg", r.Lang)
	v.QRPNG = r.root() + r.QRPath(f.ID, "png", r.Lang)
	v.Alarms = alarmChoices(r, alarm, t)
	v.PlainURL = f.URL
	v.PlainPath = f.Path
	v.Keep = keep
	v.OpenID = f.ID
	v.Open = f.ID == AllFeeds || f.ID == r.Open
	v.Clients = clients(v.Feed, t)
	if svg, err := r.qrCode(r.PageURL(r.Lang, f.Anchor), t.Get("qr_alt", f.Title)); err == nil {
		v.QR = htmltemplate.HTML(svg)
	}
	return v
}

// langQuery2 is "?lang=xx" for a page language other than the default.
func langQuery2(cal *calendar.Calendar, lang string) string {
	if len(cal.Languages) > 0 && lang == cal.Languages[0] {
		return ""
	}
	return "?lang=" + url.QueryEscape(lang)
}

// clients are f's buttons, each with the template the script fills in
// when the feed's address changes (another reminder, another agenda):
// {url} for the address, {webcal} for it as webcal://, {path} for it
// relative to the page.
func clients(f Feed, t *translator) []clientView {
	// The links for a stand-in address, which the template replaces.
	marker := f
	marker.URL = linkMarker
	var out []clientView
	for _, c := range links.Clients() {
		v := clientView{
			Client:   c,
			Label:    t.Get("client_" + string(c)),
			Href:     htmltemplate.URL(ClientLink(c, f)),
			Download: c == links.ICS,
			Expect:   t.Get("expect_" + string(c)),
			Paste:    t.Get("paste_" + string(c)),
		}
		switch c {
		case links.ICS:
			v.Tmpl = "{path}"
		case links.Apple:
			v.Tmpl = "{webcal}"
		default:
			v.Tmpl = strings.Replace(ClientLink(c, marker), url.QueryEscape(linkMarker), "{url}", 1)
		}
		if c == links.Google {
			v.Help, v.HelpText = links.GoogleAddByURL, t.Get("google_addbyurl")
		}
		out = append(out, v)
	}
	return out
}

// linkMarker stands for a feed's URL in the links the script fills in; it
// is a valid URL so that links.Subscribe accepts it.
const linkMarker = "https://calfeed.invalid/feed"

func agendaBox(cal *calendar.Calendar, ids []string, r Request, t *translator, attrs htmltemplate.HTMLAttr, keep []hiddenField) agendaView {
	dl := DataLanguage(r.Lang, cal.Languages)
	f := AgendaFeed(cal, ids, r.Base, r.Lang)
	alarm := r.chosenAlarm()
	v := agendaView{
		IDs:       ids,
		CountText: t.N("agenda_chosen", len(ids)),
		FeedBase:  r.Base + "/" + pathAll,
		PathBase:  pathAll,
		LangParam: langQuery(cal, dl, "&"),
		Feed: feedView{
			Feed: f.WithAlarm(alarm), T: t, DataAttrs: attrs,
			Alarms: alarmChoices(r, alarm, t), PlainURL: f.URL, PlainPath: f.Path, Keep: keep,
		},
	}
	v.Feed.Clients = clients(v.Feed.Feed, t)
	if len(ids) == 0 {
		v.CountText = t.Get("agenda_none")
		// The box is hidden until events are ticked, when the script fills
		// its links in (from Tmpl). Until then they lead to the agenda's
		// section: a feed of no event is a 400, which link checkers
		// following them reported, and a link without an address fails
		// Lighthouse's crawlable links.
		for i := range v.Feed.Clients {
			v.Feed.Clients[i].Href = "#agenda"
		}
	}
	forms := t.Forms("agenda_chosen")
	forms["none"] = t.Get("agenda_none")
	b, _ := json.Marshal(forms) // a map of strings always marshals
	v.Forms = string(b)
	return v
}

// days groups the entries of page n of the programme by their own date;
// their tracks link to the feeds' boxes on the page feedsAt ("" for this
// one).
func days(cal *calendar.Calendar, prog *Programme, n int, r Request, t *translator, attrs htmltemplate.HTMLAttr, agenda []string, feedsAt string) []dayView {
	rules := map[*calendar.Event]string{}
	var out []dayView
	for _, it := range prog.page(n) {
		if len(out) == 0 || out[len(out)-1].Date != it.day {
			date, _ := time.Parse(time.DateOnly, it.day)
			out = append(out, dayView{Date: it.day, Heading: t.LongDate(date)})
		}
		rule, ok := rules[it.e]
		if !ok {
			rule = RuleText(it.e, t)
			rules[it.e] = rule
		}
		v := eventBox(cal, it, r, t, attrs, feedsAt)
		v.Checked = slices.Contains(agenda, it.e.ID)
		v.Pick = !r.Static
		v.Order = prog.order[it.e]
		v.Rule = rule
		out[len(out)-1].Events = append(out[len(out)-1].Events, v)
	}
	return out
}

func eventBox(cal *calendar.Calendar, it listed, r Request, t *translator, attrs htmltemplate.HTMLAttr, feedsAt string) eventView {
	e, o := it.e, it.o
	dl := DataLanguage(r.Lang, cal.Languages)
	v := eventView{
		T:           t,
		DataAttrs:   attrs,
		ID:          e.ID,
		Anchor:      "event-" + e.ID,
		PickID:      "pick-" + e.ID,
		Series:      e.Repeats(),
		Title:       o.Title.In(dl),
		Cancelled:   o.Status == calendar.Cancelled,
		Tentative:   o.Status == calendar.Tentative,
		AllDay:      e.AllDay,
		Day:         it.day,
		Place:       o.Place.In(dl),
		Description: o.Description.In(dl),
		URL:         o.URL,
		Online:      o.Online,
		ICS:         r.root() + r.FeedPath(EventFile(e.ID), dl),
	}
	if !it.first {
		// Later occurrences of a series: their own anchors and boxes.
		suffix := "-" + strings.ReplaceAll(v.Day, "-", "")
		v.Anchor += suffix
		v.PickID += suffix
	}
	switch o.Status {
	case calendar.Cancelled:
		v.StatusText = t.Get("status_cancelled")
	case calendar.Tentative:
		v.StatusText = t.Get("status_tentative")
	}
	for _, id := range e.Tracks {
		if tr := cal.Track(id); tr != nil {
			v.Tracks = append(v.Tracks, trackChip{Name: tr.Name.In(dl), Color: tr.Color, Href: feedsAt + "#track-" + tr.ID, Elsewhere: feedsAt != ""})
		}
	}
	le := links.Event{Title: v.Title, Details: eventDetails(v), Place: v.Place, Start: o.Start, End: o.End, AllDay: e.AllDay, Zone: e.Location}
	if v.Cancelled {
		le.Title = v.StatusText + ": " + le.Title
	}
	v.Google, v.Outlook = links.GoogleEvent(le), links.OutlookEvent(le)

	if e.AllDay {
		last := o.End.AddDate(0, 0, -1)
		if last.After(o.Start) {
			v.When = t.Get("days_range", t.ShortDate(o.Start), t.ShortDate(last))
		} else {
			v.When = t.Get("all_day")
		}
		return v
	}
	start, end := o.Start.In(e.Location), o.End.In(e.Location)
	v.When = clock(start) + "–" + clock(end)
	if end.Format(time.DateOnly) != start.Format(time.DateOnly) {
		v.When += ", " + t.ShortDate(end)
	}
	v.ZoneText = t.Get("local_time", city(e.Location, t.Base())) + " (" + utcOffset(start) + ")"
	v.Start = o.Start.UTC().Format(time.RFC3339)
	v.End = o.End.UTC().Format(time.RFC3339)
	if r.Zone != nil {
		v.ReaderLabel = t.Get("your_time_zone", r.Zone.String())
		v.Reader = readerTime(o.Start, o.End, v.Day, r.Zone, t)
	}
	return v
}

// eventDetails is the description an "add this event" link carries: the
// event's own, then its page and where to join online.
func eventDetails(v eventView) string {
	parts := []string{}
	if v.Description != "" {
		parts = append(parts, v.Description)
	}
	if v.URL != "" {
		parts = append(parts, v.T.Get("more_info")+": "+v.URL)
	}
	if v.Online != "" {
		parts = append(parts, v.T.Get("watch_online")+": "+v.Online)
	}
	return strings.Join(parts, "\n\n")
}
