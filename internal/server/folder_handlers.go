package server

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	"calfeed/internal/feedsjson"
	"calfeed/internal/web"
)

func (f *Folder) instrument(route string, next http.Handler) http.Handler {
	return newRouteMetrics(f.root, route, true).wrap(next)
}

// baseURL is the public URL of the folder: Options.BaseURL, else the
// request's own (see Server.baseURL).
func (f *Folder) baseURL(r *http.Request) string {
	if f.opts.BaseURL != "" {
		return strings.TrimRight(f.opts.BaseURL, "/")
	}
	return requestBase(r, f.opts.TrustProxy)
}

// handleIndex serves GET /: the index of the calendars, in the reader's
// language (?lang=, else Accept-Language, else English).
func (f *Folder) handleIndex(w http.ResponseWriter, r *http.Request) {
	v := f.view.Load()
	lang := web.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"), web.IndexLanguages())
	res, err := v.index.getOrRender(r.Context(), cacheKey{kind: kindPage, lang: lang}, "", func() (*resource, error) {
		return renderPage(func(b *bytes.Buffer) error {
			return f.shared.site.Index(b, web.IndexRequest{Calendars: v.calendars(), Lang: lang})
		})
	})
	if err != nil {
		writeError(w, r, err, f.logger)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", lang)
	h.Set("Content-Security-Policy", indexCSP)
	h.Set("Cache-Control", "no-cache")
	h.Add("Vary", "Accept-Language")
	pageHeaders(h)
	serveResource(w, r, res, f.now)
}

// indexCSP is the index's Content-Security-Policy: a calendar's page's,
// so that a static host serving a folder's build can send one policy to
// every page, whose index.html may be either. The index has no script, and
// its own policy (a meta element) allows none.
const indexCSP = pageCSP

// handleFeedsJSON serves GET /feeds.json: the calendars, each with its
// page and its own feeds.json.
func (f *Folder) handleFeedsJSON(w http.ResponseWriter, r *http.Request) {
	v := f.view.Load()
	base := f.baseURL(r)
	lang := web.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"), web.IndexLanguages())
	k := cacheKey{kind: kindFeedsJSON, lang: lang, page: pageKey{base: base}}
	res, err := v.index.getOrRender(r.Context(), k, "", func() (*resource, error) {
		return renderPage(func(b *bytes.Buffer) error {
			return feedsjson.WriteIndex(b, v.calendars(), base, lang, false)
		})
	})
	if err != nil {
		writeError(w, r, err, f.logger)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Add("Vary", "Accept-Language")
	if f.opts.TrustProxy && f.opts.BaseURL == "" {
		h.Add("Vary", "X-Forwarded-Host, X-Forwarded-Proto")
	}
	pageHeaders(h)
	serveResource(w, r, res, f.now)
}

// handleHealth serves GET /healthz: 200 while the server runs, with each
// file's state in the body.
func (f *Folder) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(f.view.Load().health)
}

// handleRobots serves GET /robots.txt.
func (f *Folder) handleRobots(w http.ResponseWriter, r *http.Request) {
	pageHeaders(w.Header())
	serveResource(w, r, robots, f.now)
}

// handleStatic serves GET /static/{name}: the index's style and icon.
func (f *Folder) handleStatic(w http.ResponseWriter, r *http.Request, name string) {
	a := f.shared.site.Asset(name)
	if a == nil {
		writeError(w, r, &notFoundError{what: "static file " + name, known: "static files: " + strings.Join(web.AssetNames(), ", ")}, f.logger)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Cache-Control", "public, max-age=300")
	if r.URL.Query().Get("v") == a.Version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	pageHeaders(h)
	serveResource(w, r, f.shared.assets[name], f.now)
}

// serveCalendar serves /{id}/...: the calendar's own paths, as one calendar
// at the root has them; /{id} without the slash is a redirect to it, so
// that the page's relative links resolve.
func (f *Folder) serveCalendar(w http.ResponseWriter, r *http.Request) {
	v := f.view.Load()
	id, rest, slash := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	srv := v.byID[id]
	switch {
	case srv != nil && !slash:
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(w, r, errMethod, f.logger)
			return
		}
		target := "/" + id + "/"
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
	case srv != nil:
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + rest
		r2.URL.RawPath = ""
		srv.ServeHTTP(w, r2)
	default:
		if at, ok := v.removed[id]; ok && id != "" {
			writeError(w, r, goneError(fmt.Sprintf("the calendar %q is no longer published here (removed %s)", id, at.UTC().Format(time.RFC3339))), f.logger)
			return
		}
		ids := make([]string, 0, len(v.byID))
		for _, c := range v.calendars() {
			ids = append(ids, "/"+c.ID+"/")
		}
		writeError(w, r, &notFoundError{what: "page " + r.URL.Path, known: "calendars: " + listSome(ids, func(s string) string { return s })}, f.logger)
	}
}
