package web

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"calfeed/internal/calendar"
)

// Addresses. A server and a static site (calfeed build) hold the same
// files at different addresses: a server has one address per feed and
// page, with ?lang= for a language other than the calendar's default; a
// static host ignores queries, so a static site has a folder per language
// (en/index.html, en/tracks/gender.ics), the default language's files at
// its root, and each page of a long programme as a file (page-2.html).
// Paths here are relative to the site root; a page links to them through
// root, the way from itself to that root.

// folder is where a language's files are on a static site.
func (r Request) folder(lang string) string {
	if len(r.Cal.Languages) > 0 && lang == r.Cal.Languages[0] {
		return ""
	}
	return lang + "/"
}

// root is the way from the page being rendered to the site root.
func (r Request) root() string {
	if r.Static && r.folder(r.Lang) != "" {
		return "../"
	}
	return ""
}

// FeedPath is the path of a feed file (pathAll, a track's, an event's)
// in data language dl.
func (r Request) FeedPath(file, dl string) string {
	if r.Static {
		return r.folder(dl) + file
	}
	return file + langQuery(r.Cal, dl, "?")
}

// QRPath is the path of a feed's QR code as the page in lang has it.
func (r Request) QRPath(id, ext, lang string) string {
	if r.Static {
		return r.folder(lang) + fmt.Sprintf(pathQR, id, ext)
	}
	return fmt.Sprintf(pathQR, id, ext) + langQuery2(r.Cal, lang)
}

// StaticPage is the file of page n (from 1) of the programme in lang on a
// static site.
func StaticPage(cal *calendar.Calendar, lang string, n int) string {
	return Request{Cal: cal}.folder(lang) + staticPageFile(n)
}

func staticPageFile(n int) string {
	if n <= 1 {
		return "index.html"
	}
	return "page-" + strconv.Itoa(n) + ".html"
}

// StaticQR is the file of a feed's QR code for the page in lang on a
// static site (ext "svg" or "png").
func StaticQR(cal *calendar.Calendar, id, ext, lang string) string {
	return Request{Cal: cal, Static: true}.QRPath(id, ext, lang)
}

// StaticFeed is the file of a feed (a path the server answers, such as
// "tracks/gender.ics") in data language dl on a static site.
func StaticFeed(cal *calendar.Calendar, file, dl string) string {
	return Request{Cal: cal, Static: true}.FeedPath(file, dl)
}

// PageURL is the absolute address of the page in lang, at anchor (empty
// for the top).
func (r Request) PageURL(lang, anchor string) string {
	if !r.Static {
		return PageURL(r.Cal, r.Base, lang, anchor)
	}
	u := r.Base + "/" + r.folder(lang) + "index.html"
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

// localPage is the link from this page to page n of the programme in
// lang, keeping the reader's zone, agenda and reminder on a server.
func (d *pageData) localPage(r Request, lang string, agenda []string, n int) string {
	if r.Static {
		return r.root() + r.folder(lang) + staticPageFile(n)
	}
	q := url.Values{"lang": {lang}}
	if d.Zone != "" {
		q.Set("tz", d.Zone)
	}
	if len(agenda) > 0 {
		q.Set("events", strings.Join(agenda, ","))
	}
	if d.Alarm != "" {
		q.Set("alarm", d.Alarm)
	}
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	return "?" + q.Encode()
}

// StaticPageURL is PageURL for a static site: the absolute address of the
// page in lang, at anchor (empty for the top).
func StaticPageURL(cal *calendar.Calendar, base, lang, anchor string) string {
	return Request{Cal: cal, Base: base, Static: true}.PageURL(lang, anchor)
}

// PublicHTTPS reports whether base (an absolute URL) is an https address
// that Google Calendar and Outlook can fetch from the internet: not plain
// http, not localhost, a private or link-local address, or a name only a
// local network knows (one label, .local, .internal, .lan, .home.arpa).
func PublicHTTPS(base string) bool {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if ip := net.ParseIP(host); ip != nil {
		return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsLinkLocalMulticast())
	}
	if !strings.Contains(strings.Trim(host, "."), ".") {
		return false
	}
	for _, local := range []string{".localhost", ".local", ".internal", ".lan", ".home.arpa", ".test", ".example", ".invalid"} {
		if strings.HasSuffix(host, local) || host == strings.TrimPrefix(local, ".") {
			return false
		}
	}
	return true
}
