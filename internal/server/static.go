package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"

	"calfeed/internal/feedsjson"
	"calfeed/internal/web"
)

// File is one file of a static site.
type File struct {
	Name string // slash-separated, relative to the site's folder
	// Path is the request (path and query) that serve answers with the
	// same bytes, or "" for a file made for a static host (a page, whose
	// links are paths rather than queries).
	Path string
	Body []byte
}

// errNoBase is returned by StaticFiles without a public base URL: a static
// site's subscribe links must be absolute, and a placeholder host would
// make every one of them dead.
var errNoBase = errors.New("server: a static site needs its public base URL")

// StaticFiles renders the calendar as a static site, for any static host
// or CDN (calfeed build): in each data language (the default's at the
// root, the others in a folder named after the language), the feed of
// every event, each track's, each event's download and the changes feed;
// in each page language, every page of the programme (index.html,
// page-2.html, …), feeds.json and the QR codes; and the page's static
// files and robots.txt. Files that serve also sends are its very bytes.
// A static host ignores queries, so what needs a server (reminders,
// personal agendas, /subscribe/ redirects) is left out of the pages.
func (s *Server) StaticFiles(ctx context.Context) ([]File, error) {
	st := s.state.Load()
	cal := st.cal
	base := s.fixedBaseURL()
	if base == "" {
		return nil, errNoBase
	}
	var files []File
	def := cal.Languages[0]
	for _, dl := range cal.Languages {
		query := ""
		if dl != def {
			query = "?lang=" + dl
		}
		add := func(file string) {
			files = append(files, File{Name: web.StaticFeed(cal, file, dl), Path: "/" + file + query})
		}
		add("calendar.ics")
		for _, t := range cal.Tracks {
			add("tracks/" + t.ID + ".ics")
		}
		for _, e := range cal.Events {
			add("events/" + e.ID + ".ics")
		}
	}
	for _, name := range web.AssetNames() {
		files = append(files, File{Name: "static/" + name, Path: "/static/" + name})
	}
	files = append(files, File{Name: "robots.txt", Path: "/robots.txt"})
	for i := range files {
		body, err := s.get(ctx, files[i].Path)
		if err != nil {
			return nil, err
		}
		files[i].Body = body
	}

	p := s.pages
	qr := qrMemo{}
	for _, dl := range cal.Languages {
		body, _ := st.atom(base, dl, nil, true)
		files = append(files, File{Name: web.StaticFeed(cal, "changes.atom", dl), Body: body})
	}
	for _, lang := range web.Languages(cal.Languages) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		req := web.Request{Cal: cal, Programme: st.programme(), Base: base, Lang: lang, Static: true, QRCode: qr.code}
		for n := 1; n <= req.Programme.Pages(); n++ {
			req.Page = n
			var b bytes.Buffer
			if err := p.site.Page(&b, req); err != nil {
				return nil, err
			}
			files = append(files, File{Name: web.StaticPage(cal, lang, n), Body: b.Bytes()})
		}
		req.Page = 0
		var b bytes.Buffer
		if err := feedsjson.Write(&b, req); err != nil {
			return nil, err
		}
		files = append(files, File{Name: path.Join(path.Dir(web.StaticPage(cal, lang, 1)), "feeds.json"), Body: b.Bytes()})
		for _, f := range web.Feeds(cal, base, lang) {
			target := web.StaticPageURL(cal, base, lang, f.Anchor)
			svg, err := web.QRSVG(target, web.QRLabel(lang, f.Title))
			if err != nil {
				return nil, err
			}
			png, err := web.QRPNG(target)
			if err != nil {
				return nil, err
			}
			files = append(files,
				File{Name: web.StaticQR(cal, f.ID, "svg", lang), Body: svg},
				File{Name: web.StaticQR(cal, f.ID, "png", lang), Body: png})
		}
	}
	return files, nil
}

// get answers a request for path as serve would, and returns the body.
func (s *Server) get(ctx context.Context, target string) ([]byte, error) {
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("server: GET %s: status %d: %s", target, rec.Code, bytes.TrimSpace(rec.Body.Bytes()))
	}
	if enc := rec.Header().Get("Content-Encoding"); enc != "" {
		return nil, fmt.Errorf("server: GET %s: unexpected Content-Encoding %s", target, enc)
	}
	return rec.Body.Bytes(), nil
}

// qrMemo draws each QR code of a static site once: every page of a
// language shows the same codes.
type qrMemo map[[2]string]string

func (m qrMemo) code(content, label string) (string, error) {
	k := [2]string{content, label}
	if svg, ok := m[k]; ok {
		return svg, nil
	}
	svg, err := web.QRCode(content, label)
	if err == nil {
		m[k] = svg
	}
	return svg, err
}

// StaticFiles renders the folder as a static site: each calendar's site
// (Server.StaticFiles) in a folder named after its id, and at the root the
// index in every language (index.html, LANG/index.html), feeds.json in
// every language, the static files and robots.txt.
func (f *Folder) StaticFiles(ctx context.Context) ([]File, error) {
	if f.opts.BaseURL == "" {
		return nil, errNoBase
	}
	base := strings.TrimRight(f.opts.BaseURL, "/")
	v := f.view.Load()
	var files []File
	for _, cal := range v.calendars() {
		sub, err := v.byID[cal.ID].StaticFiles(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cal.ID, err)
		}
		for _, file := range sub {
			file.Name = cal.ID + "/" + file.Name
			if file.Path != "" {
				file.Path = "/" + cal.ID + file.Path
			}
			files = append(files, file)
		}
	}
	for _, lang := range web.IndexLanguages() {
		var page, list bytes.Buffer
		if err := f.shared.site.Index(&page, web.IndexRequest{Calendars: v.calendars(), Lang: lang, Static: true}); err != nil {
			return nil, err
		}
		if err := feedsjson.WriteIndex(&list, v.calendars(), base, lang, true); err != nil {
			return nil, err
		}
		name := web.StaticIndex(lang)
		files = append(files, File{Name: name, Body: page.Bytes()},
			File{Name: path.Join(path.Dir(name), "feeds.json"), Body: list.Bytes()})
	}
	for _, name := range web.AssetNames() {
		files = append(files, File{Name: "static/" + name, Path: "/static/" + name, Body: f.shared.site.Asset(name).Body})
	}
	files = append(files, File{Name: "robots.txt", Path: "/robots.txt", Body: robots.body})
	return files, nil
}
