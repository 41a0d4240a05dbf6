// Package web renders calfeed's pages for people: the subscribe page (GET /),
// the email snippet (GET /embed) and QR codes, from html/template files and
// static assets embedded in the binary; and it knows the site: the feeds a
// calendar offers, their addresses on a server or a static host (paths.go),
// and the programme split into pages (programme.go), which feedsjson uses
// too.
//
// Rendering depends only on its Request: the same calendar, base URL,
// language, zone and choice of events give the same bytes, so `calfeed
// build` can write the page a server would send. Links to feeds are
// relative on the page (it works from any static host) and absolute in the
// embed (it is read elsewhere). The page loads nothing from
// other hosts and runs without JavaScript; static/app.js only adds the
// reader's own time zone, copy buttons and a live personal agenda.
package web

import (
	"bytes"
	"calfeed/internal/reminder"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"path"
	texttemplate "text/template"
	"time"

	"calfeed/internal/calendar"
)

//go:embed templates static
var files embed.FS

// Site renders the pages. New parses its templates once; a Site is safe for
// concurrent use.
type Site struct {
	page   *htmltemplate.Template
	index  *htmltemplate.Template
	embed  *htmltemplate.Template
	text   *texttemplate.Template
	assets map[string]*Asset
}

// Asset is one static file the page loads.
type Asset struct {
	Name        string // file name, such as "app.js"
	Body        []byte
	ContentType string
	Version     string // a hash of Body: the page asks for name?v=Version
}

// assetTypes are the static files' content types, by extension. They are
// fixed here, not looked up with mime.TypeByExtension: that loads the
// host's MIME tables (thousands of entries on a desktop Linux, kept for the
// life of the process, which every garbage collection then marks), and two
// hosts with different tables would send one asset with different headers.
var assetTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".ico":   "image/x-icon",
	".js":    "text/javascript; charset=utf-8",
	".json":  "application/json",
	".png":   "image/png",
	".svg":   "image/svg+xml",
	".txt":   "text/plain; charset=utf-8",
	".webp":  "image/webp",
	".woff2": "font/woff2",
}

// New parses the embedded templates and reads the static files.
func New() (*Site, error) {
	page, err := htmltemplate.ParseFS(files, "templates/page.html")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	index, err := htmltemplate.ParseFS(files, "templates/index.html")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	emb, err := htmltemplate.ParseFS(files, "templates/embed.html")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	text, err := texttemplate.ParseFS(files, "templates/embed.txt")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s := &Site{page: page, index: index, embed: emb, text: text, assets: map[string]*Asset{}}
	entries, err := fs.ReadDir(files, "static")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	for _, e := range entries {
		body, err := fs.ReadFile(files, "static/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		sum := sha256.Sum256(body)
		ct, ok := assetTypes[path.Ext(e.Name())]
		if !ok {
			return nil, fmt.Errorf("web: static/%s: no content type for %q files; add one to assetTypes", e.Name(), path.Ext(e.Name()))
		}
		s.assets[e.Name()] = &Asset{Name: e.Name(), Body: body, ContentType: ct, Version: hex.EncodeToString(sum[:5])}
	}
	return s, nil
}

// Asset returns the static file with the given name, or nil.
func (s *Site) Asset(name string) *Asset { return s.assets[name] }

// AssetNames returns the names of the static files, sorted; the page loads
// them from static/NAME.
func AssetNames() []string {
	entries, err := fs.ReadDir(files, "static")
	if err != nil {
		return nil // embedded: cannot happen
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names
}

// Request is everything a rendering depends on.
type Request struct {
	Cal *calendar.Calendar
	// Base is the site's absolute URL without a trailing slash, such as
	// "https://calendar.example.org" or "https://example.org/events".
	Base string
	// Lang is the page's language (see Negotiate). The data is shown in
	// DataLanguage(Lang, Cal.Languages).
	Lang string
	// Zone is the reader's zone when they named one (?tz=); nil otherwise,
	// and then the page's script uses the browser's.
	Zone *time.Location
	// BadZone is what the reader asked for as their zone when it names
	// none (?tz=Mars/Base): the page says so and offers the field again.
	BadZone string
	// Agenda are the ids of the events chosen for a personal agenda, in
	// any order; ids the calendar lacks are left out.
	Agenda []string
	// Feeds are the feeds Embed shows ("all" or track ids, each known);
	// nil for every feed.
	Feeds []string
	// Alarms are the reminders a feed can carry
	// ("15m", "1h", "1d"), shortest first: the page offers them beside
	// each feed's buttons and feeds.json lists each feed's links with each.
	// The server passes package feed's; nil offers none.
	Alarms []reminder.Reminder
	// Alarm is the reminder chosen (the page's and the embed's ?alarm=),
	// one of Alarms, or "" for none: every link to a feed carries it.
	Alarm reminder.Reminder
	// Open is the id of a feed whose box the page shows unfolded (?open=),
	// as after a reader without JavaScript chose its reminder; "" for the
	// default.
	Open string
	// Page is the page of the programme shown (?page=), from 1; 0 is 1 and
	// a number past the last is the last.
	Page int
	// Programme is Cal's programme (NewProgramme), which a server makes
	// once per calendar; nil makes it for this rendering.
	Programme *Programme
	// Static renders for a static host (calfeed build): each language's
	// pages and feeds are files in a folder of their own, linked by path
	// (see paths.go), and what needs a server (reminders, the personal
	// agenda, /subscribe/ redirects) is left out.
	Static bool
	// Private renders the page of a secret address (/p/{token}/): it says
	// the address is private and asks search engines to keep out.
	Private bool
	// QRCode, if not nil, returns what QRCode(content, label) does, kept
	// from an earlier rendering: drawing a QR code is most of the cost of
	// a page with many feeds.
	QRCode func(content, label string) (string, error)
}

// QRCode returns a QR code of content as an SVG element to put in a page,
// whose title (a screen reader's name for it) is label.
func QRCode(content, label string) (string, error) { return qrSVG(content, label) }

func (r Request) qrCode(content, label string) (string, error) {
	if r.QRCode != nil {
		return r.QRCode(content, label)
	}
	return qrSVG(content, label)
}

// programme returns r.Programme, made if it is nil.
func (r Request) programme() *Programme {
	if r.Programme != nil {
		return r.Programme
	}
	return NewProgramme(r.Cal)
}

// Page writes the subscribe page.
func (s *Site) Page(w io.Writer, r Request) error {
	data := s.pageData(r)
	var buf bytes.Buffer
	if err := s.page.ExecuteTemplate(&buf, "page", data); err != nil {
		return fmt.Errorf("web: page: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Embed writes the email snippet: tables and inline styles, no script,
// every link absolute and through /subscribe/.
func (s *Site) Embed(w io.Writer, r Request) error {
	var buf bytes.Buffer
	if err := s.embed.ExecuteTemplate(&buf, "embed", embedData(r)); err != nil {
		return fmt.Errorf("web: embed: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// EmbedText writes the email snippet as plain text.
func (s *Site) EmbedText(w io.Writer, r Request) error {
	var buf bytes.Buffer
	if err := s.text.ExecuteTemplate(&buf, "text", embedData(r)); err != nil {
		return fmt.Errorf("web: embed text: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}
