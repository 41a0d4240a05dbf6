package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/web"
)

// Folder serves a folder of calendars, each kept in a file of its own and
// served under /{calendar id}/ with exactly the paths one calendar has at
// the root. At the root are an index of the calendars (GET /), the list of
// them for other sites (GET /feeds.json), the health of every file
// (GET /healthz) and the metrics of all, labelled by calendar.
//
// Each file loads on its own: a broken edit keeps its calendar's last good
// version and touches no other; a calendar whose file goes away is gone
// (410). Two files may not give the same calendar id: the later is refused.
type Folder struct {
	opts    Options
	logger  *slog.Logger
	shared  *shared
	now     func() time.Time
	handler http.Handler
	root    *calMetrics // the metrics of the folder's own routes

	mu       sync.Mutex                 // serialises changes
	view     atomic.Pointer[folderView] // what requests read
	released atomic.Int64               // see Released
}

// folderView is the folder as requests see it; a change makes a new one.
type folderView struct {
	byID    map[string]*Server     // the calendars served, by id
	files   map[string]*folderFile // every file, by name
	removed map[string]time.Time   // ids no longer served, with when
	health  []byte                 // /healthz, made once per change
	index   *cache                 // the index and feeds.json of this view
}

// folderFile is one file of the folder.
type folderFile struct {
	name   string
	id     string  // the calendar it serves; "" while it never loaded
	srv    *Server // its calendar, nil while it never loaded
	failed error   // its last load, when it failed
	since  time.Time
	// wants is the id its newest valid version gives, when that was
	// refused because another file served it (see Load).
	wants string
}

// NewFolder returns a folder with no calendar yet; Load adds them.
func NewFolder(opts Options) *Folder {
	f := &Folder{opts: opts, logger: opts.Logger, shared: newShared(opts), now: time.Now}
	if f.logger == nil {
		f.logger = slog.New(slog.DiscardHandler)
	}
	f.root = f.shared.metrics.forCalendar("")
	f.view.Store(f.newView(map[string]*Server{}, map[string]*folderFile{}, map[string]time.Time{}))
	f.handler = f.routes()
	return f
}

// ServeHTTP implements http.Handler.
func (f *Folder) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.handler.ServeHTTP(w, r) }

// Load serves cal, loaded from the file named file: a new calendar, or the
// new version of the one the file served. A calendar id another file
// already serves is refused, with an error naming both files, and the file
// is recorded as failed.
func (f *Folder) Load(file string, cal *calendar.Calendar) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.view.Load()
	byID, files, removed := cloneView(v)
	if msg := ReservedIDProblem(file, cal); msg != "" {
		err := errors.New(msg)
		f.failLocked(byID, files, removed, file, err)
		return err
	}
	for _, other := range v.files {
		if other.name == file || other.id != cal.ID || other.srv == nil {
			continue
		}
		if other.wants != "" && other.wants != cal.ID {
			// The other file now gives another id, refused only because
			// that one was taken (two files that swapped ids, a file
			// renamed while a new one took its name): the id it serves is
			// no longer in any file but this one, which takes it.
			o := *other
			f.dropLocked(byID, removed, &o)
			o.srv, o.id = nil, ""
			files[o.name] = &o
			continue
		}
		// Not a calendar.Error: /healthz shows it whole, as it quotes
		// only what the folder serves openly.
		err := &duplicateIDError{calendar.Problem{File: file, Line: cal.IDLine, Col: cal.IDCol,
			Msg: fmt.Sprintf("calendar.id: %q is already served from %s; give each file a calendar.id of its own", cal.ID, other.name)}.String()}
		f.refuseLocked(byID, files, removed, file, err, cal.ID)
		return err
	}
	ff := files[file]
	if ff == nil {
		ff = &folderFile{name: file}
	} else {
		copied := *ff
		ff = &copied
	}
	if ff.srv != nil && ff.id == cal.ID {
		if err := ff.srv.Load(cal); err != nil {
			ff.srv.LoadFailed(err)
			ff.failed, ff.since = err, f.now()
			files[file] = ff
			f.view.Store(f.newView(byID, files, removed))
			return err
		}
	} else {
		if ff.srv != nil { // the file now gives another calendar
			f.dropLocked(byID, removed, ff)
		}
		srv, err := f.newCalendar(cal)
		if err != nil {
			f.failLocked(byID, files, removed, file, err)
			return err
		}
		ff.srv, ff.id = srv, cal.ID
		byID[cal.ID] = srv
		delete(removed, cal.ID)
	}
	ff.failed, ff.since, ff.wants = nil, time.Time{}, ""
	files[file] = ff
	f.view.Store(f.newView(byID, files, removed))
	return nil
}

// reservedID says why a folder cannot serve a calendar under the id, or
// returns "": the folder's own paths (/static/..., /healthz, /metrics) and
// the folders of its index page in other languages on a static site
// (/fr/index.html) would take the calendar's.
func reservedID(id string) string {
	switch id {
	case "static", "healthz", "metrics":
		return fmt.Sprintf("the folder serves its own /%s", id)
	case "tracks", "events", "qr":
		// /tracks/x.ics would be a calendar's feed and a track's alike to
		// a static host, which tells files apart by their paths alone.
		return fmt.Sprintf("a static host could not tell its files from a calendar's own %s/ (deploy/static/headers.md)", id)
	}
	langs := web.IndexLanguages()
	if slices.Contains(langs[1:], id) {
		return fmt.Sprintf("calfeed build writes the folder's index page in that language to /%s/", id)
	}
	return ""
}

// ReservedIDProblem is the problem, at its place, of a folder's calendar
// whose id the folder cannot serve it under (see reservedID), or "".
func ReservedIDProblem(file string, cal *calendar.Calendar) string {
	why := reservedID(cal.ID)
	if why == "" {
		return ""
	}
	return calendar.Problem{File: file, Line: cal.IDLine, Col: cal.IDCol,
		Msg: fmt.Sprintf("calendar.id: %q cannot be served in a folder: %s; give the calendar another id", cal.ID, why)}.String()
}

// duplicateIDError refuses a file whose calendar id another file serves.
type duplicateIDError struct{ msg string }

func (e *duplicateIDError) Error() string { return e.msg }

// Waiting returns the files refused because another file served their
// calendar id when they were loaded, sorted: to be loaded again when the
// other is removed or changes its id.
func (f *Folder) Waiting() []string {
	var out []string
	for name, ff := range f.view.Load().files {
		var dup *duplicateIDError
		if errors.As(ff.failed, &dup) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// LoadFailed records that file could not be loaded: its calendar, if it
// served one, stays on the air as it was.
func (f *Folder) LoadFailed(file string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	byID, files, removed := cloneView(f.view.Load())
	f.failLocked(byID, files, removed, file, err)
}

func (f *Folder) failLocked(byID map[string]*Server, files map[string]*folderFile, removed map[string]time.Time, file string, err error) {
	wants := ""
	var dup *duplicateIDError
	if old := files[file]; old != nil && errors.As(err, &dup) {
		wants = old.wants // the refusal Load recorded, reported again
	}
	f.refuseLocked(byID, files, removed, file, err, wants)
}

// refuseLocked records err as file's last load; wants is the id its
// version gives, when err refuses it only because another file serves
// that id, else "".
func (f *Folder) refuseLocked(byID map[string]*Server, files map[string]*folderFile, removed map[string]time.Time, file string, err error, wants string) {
	ff := &folderFile{name: file}
	if old := files[file]; old != nil {
		copied := *old
		ff = &copied
	}
	ff.wants = wants
	if ff.srv != nil {
		ff.srv.LoadFailed(err)
	}
	if ff.failed == nil {
		ff.since = f.now()
	}
	ff.failed = err
	files[file] = ff
	f.view.Store(f.newView(byID, files, removed))
}

// Remove stops serving the file's calendar: its paths answer 410 Gone.
func (f *Folder) Remove(file string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	byID, files, removed := cloneView(f.view.Load())
	if ff := files[file]; ff != nil {
		if ff.srv != nil {
			f.dropLocked(byID, removed, ff)
		}
		delete(files, file)
	}
	f.view.Store(f.newView(byID, files, removed))
}

// Released counts the calendar ids the folder has given up (a file
// removed, or giving another id): a file refused for a duplicate id may
// load once it changes.
func (f *Folder) Released() int64 { return f.released.Load() }

func (f *Folder) dropLocked(byID map[string]*Server, removed map[string]time.Time, ff *folderFile) {
	f.released.Add(1)
	delete(byID, ff.id)
	removed[ff.id] = f.now()
	ff.srv.metrics.forget()
	if st := ff.srv.state.Load(); st != nil {
		st.cache.release()
	}
}

// Calendar returns the calendar served from file, or nil.
func (f *Folder) Calendar(file string) *calendar.Calendar {
	if ff := f.view.Load().files[file]; ff != nil && ff.srv != nil {
		return ff.srv.Calendar()
	}
	return nil
}

// Server returns the server of the calendar served from file, or nil.
func (f *Folder) Server(file string) *Server {
	if ff := f.view.Load().files[file]; ff != nil {
		return ff.srv
	}
	return nil
}

// newCalendar makes the server of one calendar of the folder, mounted at
// /{id}; with a public base URL, its own is that URL with /{id}.
func (f *Folder) newCalendar(cal *calendar.Calendar) (*Server, error) {
	opts := f.opts
	if opts.BaseURL != "" {
		opts.BaseURL = strings.TrimRight(opts.BaseURL, "/") + "/" + cal.ID
	}
	return newServer(cal, opts, f.shared, "/"+cal.ID)
}

func cloneView(v *folderView) (map[string]*Server, map[string]*folderFile, map[string]time.Time) {
	byID := make(map[string]*Server, len(v.byID))
	for k, s := range v.byID {
		byID[k] = s
	}
	files := make(map[string]*folderFile, len(v.files))
	for k, ff := range v.files {
		files[k] = ff
	}
	removed := make(map[string]time.Time, len(v.removed))
	for k, t := range v.removed {
		removed[k] = t
	}
	return byID, files, removed
}

func (f *Folder) newView(byID map[string]*Server, files map[string]*folderFile, removed map[string]time.Time) *folderView {
	v := &folderView{byID: byID, files: files, removed: removed}
	if old := f.view.Load(); old != nil {
		old.index.release()
	}
	v.index = newCache(f.shared.budget, f.shared.renders)
	v.health = f.healthBody(v)
	return v
}

// calendars returns the calendars of v, by id.
func (v *folderView) calendars() []*calendar.Calendar {
	ids := make([]string, 0, len(v.byID))
	for id := range v.byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	cals := make([]*calendar.Calendar, len(ids))
	for i, id := range ids {
		cals[i] = v.byID[id].public()
	}
	return cals
}

// folderHealth is the JSON body of a folder's /healthz.
type folderHealth struct {
	// Status is "ok" while every file is served as it is on disk,
	// "degraded" when one failed to load (its last good version, if any,
	// is still served).
	Status    string       `json:"status"`
	Calendars int          `json:"calendars"`
	Files     []fileHealth `json:"files"`
}

// fileHealth is one file's part of a folder's /healthz.
type fileHealth struct {
	File     string `json:"file"`
	Calendar string `json:"calendar,omitempty"` // "" while it never loaded
	// Served is the calendar's health (as one calendar's /healthz has
	// it) while it is served.
	Served *json.RawMessage `json:"served,omitempty"`
	// Error is why the file did not load, when it never did; a calendar
	// served says it in Served.
	Error        []string   `json:"error,omitempty"`
	ErrorsTotal  int        `json:"errors_total,omitempty"`
	FailingSince *time.Time `json:"failing_since,omitempty"`
}

func (f *Folder) healthBody(v *folderView) []byte {
	rep := folderHealth{Status: "ok", Calendars: len(v.byID), Files: []fileHealth{}}
	names := make([]string, 0, len(v.files))
	for n := range v.files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		ff := v.files[n]
		// Named within the folder: where the folder is stays the server's.
		fh := fileHealth{File: filepath.Base(n), Calendar: ff.id}
		if ff.failed != nil {
			rep.Status = "degraded"
		}
		switch {
		case ff.srv != nil:
			raw := json.RawMessage(bytes.TrimSpace(ff.srv.health.Load().body))
			fh.Served = &raw
		case ff.failed != nil:
			h := problemsOf(ff.failed)
			fh.Error, fh.ErrorsTotal = h.problems, h.total // named without folders (problemsOf)
			since := ff.since.UTC()
			fh.FailingSince = &since
		}
		rep.Files = append(rep.Files, fh)
	}
	body, _ := json.MarshalIndent(rep, "", "  ") // marshalling this struct cannot fail
	return append(body, '\n')
}
