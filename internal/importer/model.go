package importer

import (
	"time"

	"calfeed/internal/calendar"
)

// doc is events.yaml as the importer builds it: every value is text as
// it will be written, so that what is valid stays calendar.Load's to say.
type doc struct {
	id, name, description string
	zone                  string // calendar.timezone
	languages             []string
	tracks                []*track
	events                []*event
	header                []string // comment lines at the top
	// zones, shared by the loads that check each event (see trial): one
	// reading of each zone, not one an event.
	zones calendar.ZoneCache
}

// text is a translatable text: language -> text.
type text map[string]string

func (t text) empty() bool {
	for _, s := range t {
		if s != "" {
			return false
		}
	}
	return true
}

// one is a text in one language; empty for "".
func one(lang, s string) text {
	if s = clean(s); s == "" {
		return nil
	}
	return text{lang: s}
}

type track struct {
	id   string
	name text
}

// pos is a place in the source: a line (an iCalendar content line, a CSV
// row's line) and a column (a CSV cell), 0 when unknown.
type pos struct{ line, col int }

// event is one entry of events:, its values as events.yaml writes them.
type event struct {
	id, uid                      string
	title, description, location text
	start, end, duration         string // wall times (or dates), a duration
	timezone                     string // "" for the calendar's
	url, online                  string
	tracks                       []string
	status                       string // "" for confirmed
	updated                      string
	repeat                       *repeat
	overrides                    []*override
	comments                     []string // written above the event
	at                           pos      // where the event is in the source
	fields                       map[string]pos
}

// where returns the source place of one of the event's keys.
func (e *event) where(key string) pos {
	if p, ok := e.fields[key]; ok {
		return p
	}
	return e.at
}

type repeat struct {
	freq         string
	interval     int
	days         []string
	until        string
	count        int
	except, also []string
}

type override struct {
	date                         string
	start, end, duration         string
	title, description, location text
	url, online, status          string
}

// Layouts of events.yaml's times.
const (
	dateLayout = "2006-01-02"
	wallLayout = "2006-01-02 15:04"
)

// wall formats t's wall-clock time in loc as events.yaml writes it, with
// seconds only when it has some.
func wall(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if t.Second() != 0 {
		return t.Format(wallLayout + ":05")
	}
	return t.Format(wallLayout)
}

// dateOf formats t's date in loc.
func dateOf(t time.Time, loc *time.Location) string { return t.In(loc).Format(dateLayout) }

// duration formats d as events.yaml writes durations (90m, 2h, 1h30m,
// 3d), or "" if d is not whole minutes.
func duration(d time.Duration) string {
	if d <= 0 || d%time.Minute != 0 {
		return ""
	}
	return calendar.FormatLength(d)
}
