package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"runtime"
	"strings"
	"sync"

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
// Each file goes to emit once it, and every file before it, is made (the
// pages and QR codes are made on every processor: a few wait their turn),
// and is not kept, nor is what is rendered on demand for it (a download of
// each event, the track feeds not rendered ahead): a large calendar's site
// is many times its feeds' size.
func (s *Server) EachStaticFile(ctx context.Context, emit func(File) error) error {
	st := s.state.Load()
	cal := st.cal
	base := s.fixedBaseURL()
	if base == "" {
		return errNoBase
	}
	served := func(name, target string) error {
		if err := ctx.Err(); err != nil {
			return err // stopped: a large calendar has a download for every event
		}
		body, err := s.get(withAskedOnce(ctx), target)
		if err != nil {
			return err
		}
		return emit(File{Name: name, Path: target, Body: body})
	}
	p := s.pages
	qr := &qrMemo{codes: map[[2]string]string{}}
	for _, dl := range cal.Languages {
		body, _ := st.atom(base, dl, nil, true)
		if err := emit(File{Name: web.StaticFeed(cal, "changes.atom", dl), Body: body}); err != nil {
			return err
		}
	}
	// The pages, feeds.json and QR codes of each language: most of a
	// build's work, made on every processor and written in order.
	var jobs []func() ([]File, error)
	for _, lang := range web.Languages(cal.Languages) {
		req := web.Request{Cal: cal, Programme: st.programme(), Base: base, Lang: lang, Static: true, QRCode: qr.code}
		for n := 1; n <= req.Programme.Pages(); n++ {
			jobs = append(jobs, func() ([]File, error) {
				req := req
				req.Page = n
				var b bytes.Buffer
				if err := p.site.Page(&b, req); err != nil {
					return nil, err
				}
				return []File{{Name: web.StaticPage(cal, lang, n), Body: b.Bytes()}}, nil
			})
		}
		jobs = append(jobs, func() ([]File, error) {
			var b bytes.Buffer
			if err := feedsjson.Write(&b, req); err != nil {
				return nil, err
			}
			return []File{{Name: path.Join(path.Dir(web.StaticPage(cal, lang, 1)), "feeds.json"), Body: b.Bytes()}}, nil
		})
		for _, f := range web.Feeds(cal, base, lang) {
			jobs = append(jobs, func() ([]File, error) {
				target := web.StaticPageURL(cal, base, lang, f.Anchor)
				svg, err := web.QRSVG(target, web.QRLabel(lang, f.Title))
				if err != nil {
					return nil, err
				}
				png, err := web.QRPNG(target)
				if err != nil {
					return nil, err
				}
				return []File{{Name: web.StaticQR(cal, f.ID, "svg", lang), Body: svg}, {Name: web.StaticQR(cal, f.ID, "png", lang), Body: png}}, nil
			})
		}
	}
	err := inOrder(ctx, runtime.GOMAXPROCS(0), jobs, func(files []File) error {
		for _, f := range files {
			if err := emit(f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The feeds after the pages: a language's feeds render its events,
	// which would be held through the pages, the longest part of a build.
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
	return served("robots.txt", "/robots.txt")
}

// inOrder runs jobs on up to workers goroutines and passes each one's
// result to emit, one at a time and in the order of jobs, as soon as it
// and those before it are done; at most twice workers results wait for
// their turn. An error stops it: a job's or emit's, seen when its result's
// turn comes, or ctx's. No job starts once it is seen (those already
// started, at most three times workers, run to their end), and inOrder
// returns it once no job is running.
func inOrder[T any](ctx context.Context, workers int, jobs []func() (T, error), emit func(T) error) error {
	type result struct {
		v   T
		err error
	}
	workers = max(1, workers)
	stop := make(chan struct{})
	pending := make(chan chan result, 2*workers) // in the order of jobs
	sem := make(chan struct{}, workers)
	var running sync.WaitGroup
	go func() {
		defer close(pending)
		for _, job := range jobs {
			if ctx.Err() != nil {
				return
			}
			select {
			case sem <- struct{}{}:
			case <-stop:
				return
			case <-ctx.Done():
				return
			}
			c := make(chan result, 1)
			select {
			case pending <- c:
			case <-stop:
				return
			}
			running.Go(func() {
				defer func() { <-sem }()
				v, err := job()
				c <- result{v, err}
			})
		}
	}()
	finish := func(err error) error {
		close(stop)
		for range pending { // until the goroutine starting jobs has seen stop
		}
		running.Wait()
		return err
	}
	for c := range pending {
		r := <-c // every job put in pending is started
		if r.err == nil {
			r.err = ctx.Err()
		}
		if r.err == nil {
			r.err = emit(r.v)
		}
		if r.err != nil {
			return finish(r.err)
		}
	}
	return finish(ctx.Err())
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
// language shows the same codes. Pages made at once share it.
type qrMemo struct {
	mu    sync.Mutex
	codes map[[2]string]string
}

func (m *qrMemo) code(content, label string) (string, error) {
	k := [2]string{content, label}
	m.mu.Lock()
	svg, ok := m.codes[k]
	m.mu.Unlock()
	if ok {
		return svg, nil
	}
	svg, err := web.QRCode(content, label)
	if err == nil {
		m.mu.Lock()
		m.codes[k] = svg
		m.mu.Unlock()
	}
	return svg, err
}

// EachStaticFile renders the folder as a static site: each calendar's
// site (Server.EachStaticFile) in a folder named after its id, and at the
// root the index in every language (index.html, LANG/index.html),
// feeds.json in every language, the static files and robots.txt; each file
// goes to emit as Server.EachStaticFile says.
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
