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

// errNoBase is returned by EachStaticFile without a public base URL: a static
// site's subscribe links must be absolute, and a placeholder host would
// make every one of them dead.
var errNoBase = errors.New("server: a static site needs its public base URL")

// EachStaticFile renders the calendar as a static site, for any static host
// or CDN (calfeed build): in each data language (the default's at the
// root, the others in a folder named after the language), the feed of
// every event, each track's, each event's download and the changes feed;
// in each page language, every page of the programme (index.html,
// page-2.html, …), feeds.json and the QR codes; and the page's static
// files and robots.txt. Files that serve also sends are its very bytes.
// A static host ignores queries, so what needs a server (reminders,
// personal agendas, /subscribe/ redirects) is left out of the pages.
//
// Each file goes to emit as it is made, and is not kept: a large calendar's
// site is many times its feeds' size.
func (s *Server) EachStaticFile(ctx context.Context, emit func(File) error) error {
	st := s.state.Load()
	cal := st.cal
	base := s.fixedBaseURL()
	if base == "" {
		return errNoBase
	}
	served := func(name, target string) error {
		body, err := s.get(ctx, target)
		if err != nil {
			return err
		}
		return emit(File{Name: name, Path: target, Body: body})
	}
	def := cal.Languages[0]
	for _, dl := range cal.Languages {
		query := ""
		if dl != def {
			query = "?lang=" + dl
		}
		feed := func(file string) error { return served(web.StaticFeed(cal, file, dl), "/"+file+query) }
		if err := feed("calendar.ics"); err != nil {
			return err
		}
		for _, t := range cal.Tracks {
			if err := feed("tracks/" + t.ID + ".ics"); err != nil {
				return err
			}
		}
		for _, e := range cal.Events {
			if err := feed("events/" + e.ID + ".ics"); err != nil {
				return err
			}
		}
	}
	for _, name := range web.AssetNames() {
		if err := served("static/"+name, "/static/"+name); err != nil {
			return err
		}
	}
	if err := served("robots.txt", "/robots.txt"); err != nil {
		return err
	}

	p := s.pages
	qr := qrMemo{}
	for _, dl := range cal.Languages {
		body, _ := st.atom(base, dl, nil, true)
		if err := emit(File{Name: web.StaticFeed(cal, "changes.atom", dl), Body: body}); err != nil {
			return err
		}
	}
	for _, lang := range web.Languages(cal.Languages) {
		if err := ctx.Err(); err != nil {
			return err
		}
		req := web.Request{Cal: cal, Programme: st.programme(), Base: base, Lang: lang, Static: true, QRCode: qr.code}
		for n := 1; n <= req.Programme.Pages(); n++ {
			req.Page = n
			var b bytes.Buffer
			if err := p.site.Page(&b, req); err != nil {
				return err
			}
			if err := emit(File{Name: web.StaticPage(cal, lang, n), Body: b.Bytes()}); err != nil {
				return err
			}
		}
		req.Page = 0
		var b bytes.Buffer
		if err := feedsjson.Write(&b, req); err != nil {
			return err
		}
		if err := emit(File{Name: path.Join(path.Dir(web.StaticPage(cal, lang, 1)), "feeds.json"), Body: b.Bytes()}); err != nil {
			return err
		}
		for _, f := range web.Feeds(cal, base, lang) {
			target := web.StaticPageURL(cal, base, lang, f.Anchor)
			svg, err := web.QRSVG(target, web.QRLabel(lang, f.Title))
			if err != nil {
				return err
			}
			png, err := web.QRPNG(target)
			if err != nil {
				return err
			}
			if err := emit(File{Name: web.StaticQR(cal, f.ID, "svg", lang), Body: svg}); err != nil {
				return err
			}
			if err := emit(File{Name: web.StaticQR(cal, f.ID, "png", lang), Body: png}); err != nil {
				return err
			}
		}
	}
	return nil
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

// EachStaticFile renders the folder as a static site: each calendar's
// site (Server.EachStaticFile) in a folder named after its id, and at the
// root the index in every language (index.html, LANG/index.html),
// feeds.json in every language, the static files and robots.txt; each file
// goes to emit as it is made.
func (f *Folder) EachStaticFile(ctx context.Context, emit func(File) error) error {
	if f.opts.BaseURL == "" {
		return errNoBase
	}
	base := strings.TrimRight(f.opts.BaseURL, "/")
	v := f.view.Load()
	for _, cal := range v.calendars() {
		err := v.byID[cal.ID].EachStaticFile(ctx, func(file File) error {
			file.Name = cal.ID + "/" + file.Name
			if file.Path != "" {
				file.Path = "/" + cal.ID + file.Path
			}
			return emit(file)
		})
		if err != nil {
			return fmt.Errorf("%s: %w", cal.ID, err)
		}
	}
	for _, lang := range web.IndexLanguages() {
		var page, list bytes.Buffer
		if err := f.shared.site.Index(&page, web.IndexRequest{Calendars: v.calendars(), Lang: lang, Static: true}); err != nil {
			return err
		}
		if err := feedsjson.WriteIndex(&list, v.calendars(), base, lang, true); err != nil {
			return err
		}
		name := web.StaticIndex(lang)
		if err := emit(File{Name: name, Body: page.Bytes()}); err != nil {
			return err
		}
		if err := emit(File{Name: path.Join(path.Dir(name), "feeds.json"), Body: list.Bytes()}); err != nil {
			return err
		}
	}
	for _, name := range web.AssetNames() {
		if err := emit(File{Name: "static/" + name, Path: "/static/" + name, Body: f.shared.site.Asset(name).Body}); err != nil {
			return err
		}
	}
	return emit(File{Name: "robots.txt", Path: "/robots.txt", Body: robots.body})
}
