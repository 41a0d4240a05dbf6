package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"calfeed/internal/calendar"
)

// health is what /healthz reports, with its body made once per load or
// failed load: a poller costs a copy, whatever the file held.
type health struct {
	loadedAt     time.Time
	invalidSince time.Time // zero while the file on disk is the one served
	problems     []string  // at most maxHealthProblems, each shortened
	total        int       // problems found, shown or not
	body         []byte
}

// Bounds on what /healthz shows of an invalid file: enough to see what is
// wrong (the log and calfeed check have every problem), never a copy of a
// large or foreign file (a symbolic link to another file is read as YAML,
// and its problems quote it).
const (
	maxHealthProblems     = 20
	maxHealthProblemBytes = 300
)

// LoadFailed records that the events file on disk could not be loaded (an
// invalid edit): the last good calendar stays on the air, and /healthz and
// /metrics say so until a valid file is loaded.
func (s *Server) LoadFailed(err error) {
	prev := s.health.Load()
	h := problemsOf(err)
	h.loadedAt, h.invalidSince = prev.loadedAt, prev.invalidSince
	if h.invalidSince.IsZero() {
		h.invalidSince = s.now()
	}
	h.body = s.healthBody(s.state.Load(), h)
	s.health.Store(h)
	s.metrics.reloads.WithLabelValues("failed").Inc()
	s.metrics.fileValid.Set(0)
}

// problemsOf is the health of a failed load: its first problems, shortened,
// and their total. A problem in the events file is shown by its place
// alone (FILE:LINE:COL): its message can quote anything the file holds,
// private tracks and events included, and /healthz is public. The log and
// calfeed check say what each is. A problem of the file as a whole (too
// large, not a regular file) is shown as it is: it quotes nothing. Any
// other error (a damaged lock file) is shown as it is. Files are named
// without their folder, which is the server's business (see withoutFolders).
func problemsOf(err error) *health {
	var all []string
	total := 1
	var invalid *calendar.Error
	if errors.As(err, &invalid) {
		total = invalid.Count() // the problems not shown too
		for _, p := range invalid.Problems {
			if p.Whole {
				all = append(all, p.String())
			} else {
				all = append(all, p.Place()+": "+problemHidden)
			}
		}
	} else {
		all = []string{err.Error()}
	}
	h := &health{total: total}
	for _, p := range all[:min(len(all), maxHealthProblems)] {
		h.problems = append(h.problems, shortenProblem(withoutFolders(p)))
	}
	return h
}

// calendarFiles are the names of an events file, its lock and tokens
// file, with the folder before them, in a message.
var calendarFiles = regexp.MustCompile(`[^\s"'“:]*/([^/\s"'”:]+\.(?:yaml|yml|lock|tokens))\b`)

// withoutFolders names the calendar's files in a message without the
// folder they are in.
func withoutFolders(msg string) string {
	return calendarFiles.ReplaceAllString(msg, "$1")
}

// problemHidden stands for a problem's message in /healthz.
const problemHidden = "invalid here (the log and calfeed check say what)"

// shortenProblem is a problem as /healthz shows it: without the values it
// quotes from the file (each "…" becomes "…"; the log and calfeed check
// show them), cut to maxHealthProblemBytes at a character boundary.
// /healthz is public; what the file holds is the operator's business.
func shortenProblem(p string) string {
	p = hideQuoted(p)
	if len(p) <= maxHealthProblemBytes {
		return p
	}
	n := maxHealthProblemBytes
	for n > 0 && !utf8.RuneStart(p[n]) {
		n--
	}
	return p[:n] + "…"
}

// loaded records a successful load of st.
func (s *Server) loaded(st *state) {
	now := s.now()
	h := &health{loadedAt: now}
	h.body = s.healthBody(st, h)
	s.health.Store(h)
	s.metrics.reloads.WithLabelValues("ok").Inc()
	s.metrics.lastReload.Set(float64(now.UnixNano()) / 1e9)
	s.metrics.fileValid.Set(1)
	s.metrics.events.Set(float64(len(st.cal.Events)))
	s.metrics.unstamped.Set(float64(len(st.publicUnstamped)))
	n := 0
	if len(st.cal.Languages) > 0 {
		feeds, _ := st.prerendered(st.cal.Languages[0]) // rendered by Load (prerenderLanguages)
		n = len(feeds)
	}
	s.metrics.feeds.Set(float64(n))
}

// healthReport is the JSON body of /healthz.
type healthReport struct {
	// Status is "ok" while the file on disk is the calendar served,
	// "degraded" while a later edit of it failed to load (and the last
	// good version is served), as a folder's /healthz has it.
	Status   string    `json:"status"`
	Calendar string    `json:"calendar"`
	Events   int       `json:"events"`
	LoadedAt time.Time `json:"loaded_at"`
	// File is "valid" when the events file on disk is the calendar served,
	// "invalid" when a later edit failed to load.
	File         string     `json:"file"`
	InvalidSince *time.Time `json:"invalid_since,omitempty"`
	// Problems are the first problems of the invalid file, shortened;
	// ProblemsTotal counts them all.
	Problems      []string `json:"problems,omitempty"`
	ProblemsTotal int      `json:"problems_total,omitempty"`
	// Unstamped are the first events changed since the last `calfeed
	// stamp` (Google Calendar ignores such a change until it is stamped);
	// UnstampedTotal counts them all.
	Unstamped      []string `json:"unstamped"`
	UnstampedTotal int      `json:"unstamped_total"`
}

// maxHealthUnstamped bounds the ids /healthz lists.
const maxHealthUnstamped = 100

func (s *Server) healthBody(st *state, h *health) []byte {
	rep := healthReport{
		Status:   "ok",
		Calendar: st.cal.ID,
		Events:   len(st.cal.Events),
		LoadedAt: h.loadedAt.UTC(),
		File:     "valid",
	}
	pub := st.publicUnstamped
	rep.Unstamped = pub[:min(len(pub), maxHealthUnstamped):min(len(pub), maxHealthUnstamped)]
	if rep.Unstamped == nil {
		rep.Unstamped = []string{}
	}
	rep.UnstampedTotal = len(pub)
	if !h.invalidSince.IsZero() {
		since := h.invalidSince.UTC()
		rep.Status, rep.File, rep.InvalidSince, rep.Problems, rep.ProblemsTotal = "degraded", "invalid", &since, h.problems, h.total
	}
	body, _ := json.MarshalIndent(rep, "", "  ") // marshalling this struct cannot fail
	return append(body, '\n')
}

// handleHealth serves GET /healthz: 200 while a valid calendar is loaded,
// which is always once the server has started; the body tells whether the
// file on disk has since become invalid.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	body := s.health.Load().body
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(body)
}

// hideQuoted replaces the text of every double-quoted string in s (Go
// syntax, as problems quote values) with an ellipsis.
func hideQuoted(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+1])
		j := i + 1
		for j < len(s) && s[j] != '"' {
			if s[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(s) {
			b.WriteString("…")
			return b.String()
		}
		b.WriteString("…\"")
		s = s[j+1:]
	}
}
