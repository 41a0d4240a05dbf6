package calendar

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// privateSrc has a private track (board), a private event in a public
// track (gender), an event in both a public and the private track, and
// public events.
const privateSrc = `calendar: {id: demo, name: Demo, timezone: Europe/Zurich, languages: [en]}
tracks:
  - {id: gender, name: Gender}
  - {id: board, name: Board, private: true}
events:
  - {id: open, title: Open, start: 2026-05-01T09:00, end: 2026-05-01T10:00, tracks: [gender]}
  - {id: retreat, title: Retreat, start: 2026-05-02T09:00, end: 2026-05-02T10:00, tracks: [board]}
  - {id: caucus, title: Caucus, start: 2026-05-03T09:00, end: 2026-05-03T10:00, tracks: [gender], private: true}
  - {id: joint, title: Joint, start: 2026-05-04T09:00, end: 2026-05-04T10:00, tracks: [gender, board]}
  - {id: lone, title: Lone, start: 2026-05-05T09:00, end: 2026-05-05T10:00, private: true}
  - {id: plain, title: Plain, start: 2026-05-06T09:00, end: 2026-05-06T10:00}
`

func loadPrivate(t *testing.T, h *History) *Calendar {
	t.Helper()
	cal, err := Load("p.yaml", strings.NewReader(privateSrc), Options{History: func() *History { return h }})
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func ids[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

func eventIDs(c *Calendar) []string { return ids(c.Events, func(e *Event) string { return e.ID }) }
func trackIDs(c *Calendar) []string { return ids(c.Tracks, func(t *Track) string { return t.ID }) }

func TestPrivateKey(t *testing.T) {
	cal := loadPrivate(t, nil)
	var private []string
	for _, e := range cal.Events {
		if cal.IsPrivate(e) {
			private = append(private, e.ID)
		}
	}
	if want := []string{"retreat", "caucus", "joint", "lone"}; !slices.Equal(private, want) {
		t.Errorf("private events = %v, want %v", private, want)
	}
	if !cal.Track("board").Private || cal.Track("gender").Private {
		t.Error("only board should be a private track")
	}
	probs := loadErr(t, strings.Replace(privateSrc, "private: true}\n  - {id: joint", "private: yes}\n  - {id: joint", 1), Options{})
	if len(probs) != 1 || !strings.Contains(probs[0].Msg, "must be true or false") || probs[0].Line != 8 {
		t.Errorf("private: yes gave %v, want one problem on line 8 saying true or false", probs)
	}
}

func TestView(t *testing.T) {
	cal := loadPrivate(t, nil)
	for _, tc := range []struct {
		name           string
		g              Grant
		events, tracks []string
		jointTracks    []string
	}{
		{"public", Grant{}, []string{"open", "plain"}, []string{"gender"}, nil},
		{"board", Grant{Tracks: []string{"board"}}, []string{"open", "retreat", "joint", "plain"}, []string{"gender", "board"}, []string{"gender", "board"}},
		{"gender", Grant{Tracks: []string{"gender"}}, []string{"open", "caucus", "joint", "plain"}, []string{"gender"}, []string{"gender"}},
		{"all", Grant{All: true}, eventIDs(cal), []string{"gender", "board"}, []string{"gender", "board"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := cal.View(tc.g)
			if got := eventIDs(v); !slices.Equal(got, tc.events) {
				t.Errorf("events = %v, want %v", got, tc.events)
			}
			if got := trackIDs(v); !slices.Equal(got, tc.tracks) {
				t.Errorf("tracks = %v, want %v", got, tc.tracks)
			}
			for _, id := range eventIDs(cal) {
				if (v.Event(id) != nil) != slices.Contains(tc.events, id) {
					t.Errorf("Event(%q) disagrees with Events", id)
				}
			}
			if v.Track("board") != nil && !slices.Contains(tc.tracks, "board") {
				t.Error("Track(board) found in a view without it")
			}
			if j := v.Event("joint"); j != nil && !slices.Equal(j.Tracks, tc.jointTracks) {
				t.Errorf("joint's tracks = %v, want %v", j.Tracks, tc.jointTracks)
			}
			for _, tr := range v.Tracks {
				for _, e := range v.EventsIn(tr.ID) {
					if v.Event(e.ID) == nil {
						t.Errorf("track %s lists %s, not in the view", tr.ID, e.ID)
					}
				}
			}
		})
	}
	if j := cal.Event("joint"); !slices.Equal(j.Tracks, []string{"gender", "board"}) {
		t.Errorf("a view changed the calendar's own event: tracks %v", j.Tracks)
	}
}

// TestViewHistory: changes and removals of private events stay out of a
// view that does not show them, as the lock recorded them, even once the
// event has left the file.
func TestViewHistory(t *testing.T) {
	at := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	h := &History{
		Revisions: map[string]Revision{"open": {Hash: "a"}, "retreat": {Hash: "b"}, "caucus": {Hash: "c"}, "gone-public": {Hash: "d"}, "gone-private": {Hash: "e"}},
		Removed:   map[string]time.Time{"gone-public": at, "gone-private": at, "gone-board": at},
		Changes: []Change{
			{EventID: "open", Kind: ChangeMoved, At: at, Tracks: []string{"gender"}},
			{EventID: "retreat", Kind: ChangeMoved, At: at, Tracks: []string{"board"}, Private: true},
			{EventID: "caucus", Kind: ChangeEdited, At: at, Tracks: []string{"gender"}, Private: true},
			{EventID: "gone-public", Kind: ChangeRemoved, At: at},
			{EventID: "gone-board", Kind: ChangeRemoved, At: at, Tracks: []string{"board"}},
		},
		Private: map[string][]string{"retreat": {"board"}, "caucus": {"gender"}, "gone-private": {"board"}},
	}
	cal := loadPrivate(t, h)
	changes := func(v *Calendar) []string { return ids(v.Changes, func(c Change) string { return c.EventID }) }
	keys := func(m map[string]time.Time) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	stamped := func(m map[string]string) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	pub := cal.Public()
	if diff := cmp.Diff([]string{"open", "gone-public"}, changes(pub)); diff != "" {
		t.Errorf("public changes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"gone-public"}, keys(pub.Removed)); diff != "" {
		t.Errorf("public removals (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"gone-public", "open"}, stamped(pub.Stamped)); diff != "" {
		t.Errorf("public stamped (-want +got):\n%s", diff)
	}
	board := cal.View(Grant{Tracks: []string{"board"}})
	if diff := cmp.Diff([]string{"open", "retreat", "gone-public", "gone-board"}, changes(board)); diff != "" {
		t.Errorf("board's changes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"gone-board", "gone-private", "gone-public"}, keys(board.Removed)); diff != "" {
		t.Errorf("board's removals (-want +got):\n%s", diff)
	}
	all := cal.View(Grant{All: true})
	if len(all.Changes) != len(cal.Changes) || len(all.Removed) != len(cal.Removed) || len(all.Stamped) != len(cal.Stamped) {
		t.Errorf("the view of everything lost history: %d/%d changes, %d/%d removals, %d/%d stamped",
			len(all.Changes), len(cal.Changes), len(all.Removed), len(cal.Removed), len(all.Stamped), len(cal.Stamped))
	}
}

// TestViewNothingPrivate: a calendar with nothing private is its own view.
func TestViewNothingPrivate(t *testing.T) {
	cal := loadEvents(t, "  - {id: a, title: A, start: 2026-05-01T09:00, end: 2026-05-01T10:00}\n")
	if cal.Public() != cal || cal.HasPrivate() {
		t.Error("a calendar without private: should be its own public view")
	}
}
