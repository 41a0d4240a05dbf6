package server

import (
	"errors"
	"testing"

	"calfeed/internal/calendar"
)

// TestHealthNamesNoFolders: /healthz is public; the folders a server keeps
// its calendars in are not its readers' business. Its problems name the
// events file, its lock and its tokens file alone.
func TestHealthNamesNoFolders(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{errors.New("lock: /srv/calendars/events.yaml.lock is damaged: line 3: bad JSON; restore it"), "lock: events.yaml.lock is damaged: line 3: bad JSON; restore it"},
		{errors.New("lock: /srv/calendars/events.yaml.lock:3:1: the file is damaged (invalid character '<' looking for beginning of object key string); mend it there"),
			"lock: events.yaml.lock:3:1: the file is damaged (invalid character '<' looking for beginning of object key string); mend it there"},
		{errors.New(`open /home/ops/cal/forum.yaml: permission denied`), "open forum.yaml: permission denied"},
		{errors.New(`cals/d.yaml:1:16: calendar.id: "c" is already served from cals/c.yaml; give each file a calendar.id of its own`),
			`d.yaml:1:16: calendar.id: "…" is already served from c.yaml; give each file a calendar.id of its own`}, // quoted values hidden (shortenProblem)
		{errors.New("token: /etc/calfeed/hlm.yaml.tokens: line 2: no name"), "token: hlm.yaml.tokens: line 2: no name"},
		{errors.New("see https://calendar.example.org/help for events.yaml"), "see https://calendar.example.org/help for events.yaml"},
		{&calendar.Error{Problems: []calendar.Problem{{File: "/srv/cal/events.yaml", Msg: "file is larger than the limit", Whole: true}}}, "events.yaml: file is larger than the limit"},
		{&calendar.Error{Problems: []calendar.Problem{{File: "/srv/cal/events.yaml", Line: 3, Col: 4, Msg: "secret"}}}, "events.yaml:3:4: " + problemHidden},
	} {
		h := problemsOf(tc.err)
		if len(h.problems) != 1 || h.problems[0] != tc.want {
			t.Errorf("problemsOf(%q) = %q, want %q", tc.err, h.problems, tc.want)
		}
	}
}
