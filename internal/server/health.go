package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"calfeed/internal/calendar"
)

// health is what /healthz reports beyond "a calendar is loaded".
type health struct {
	loadedAt     time.Time
	invalidSince time.Time // zero while the file on disk is the one served
	problems     []string
}

// LoadFailed records that the events file on disk could not be loaded (an
// invalid edit): the last good calendar stays on the air, and /healthz and
// /metrics say so until a valid file is loaded.
func (s *Server) LoadFailed(err error) {
	var problems []string
	var invalid *calendar.Error
	if errors.As(err, &invalid) {
		for _, p := range invalid.Problems {
			problems = append(problems, p.String())
		}
	} else {
		problems = []string{err.Error()}
	}
	prev := s.health.Load()
	h := &health{loadedAt: prev.loadedAt, invalidSince: prev.invalidSince, problems: problems}
	if h.invalidSince.IsZero() {
		h.invalidSince = s.now()
	}
	s.health.Store(h)
	s.metrics.reloads.WithLabelValues("failed").Inc()
	s.metrics.fileValid.Set(0)
}

// loaded records a successful load of st.
func (s *Server) loaded(st *state) {
	now := s.now()
	s.health.Store(&health{loadedAt: now})
	s.metrics.reloads.WithLabelValues("ok").Inc()
	s.metrics.lastReload.Set(float64(now.UnixNano()) / 1e9)
	s.metrics.fileValid.Set(1)
	s.metrics.events.Set(float64(len(st.cal.Events)))
	n := 0
	for _, byVariant := range st.feeds {
		n += len(byVariant)
	}
	s.metrics.feeds.Set(float64(n))
}

// healthReport is the JSON body of /healthz.
type healthReport struct {
	Status   string    `json:"status"` // "ok" while a valid calendar is served
	Calendar string    `json:"calendar"`
	Events   int       `json:"events"`
	LoadedAt time.Time `json:"loaded_at"`
	// File is "valid" when the events file on disk is the calendar served,
	// "invalid" when a later edit failed to load.
	File         string     `json:"file"`
	InvalidSince *time.Time `json:"invalid_since,omitempty"`
	Problems     []string   `json:"problems,omitempty"`
}

// handleHealth serves GET /healthz: 200 while a valid calendar is loaded,
// which is always once the server has started; the body tells whether the
// file on disk has since become invalid.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	st, h := s.state.Load(), s.health.Load()
	rep := healthReport{
		Status:   "ok",
		Calendar: st.cal.ID,
		Events:   len(st.cal.Events),
		LoadedAt: h.loadedAt.UTC(),
		File:     "valid",
	}
	if !h.invalidSince.IsZero() {
		since := h.invalidSince.UTC()
		rep.File, rep.InvalidSince, rep.Problems = "invalid", &since, h.problems
	}
	body, _ := json.MarshalIndent(rep, "", "  ") // marshalling this struct cannot fail
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(append(body, '\n'))
}
