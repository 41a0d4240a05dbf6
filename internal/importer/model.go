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

// text is a translatable text: its languages, each once. A slice, not a
// map: an import holds a few of them for every event, nearly all in one
// language, and a map takes ten times the memory.
type text []langText

// langText is a text in one language.
type langText struct{ lang, s string }

func (t text) empty() bool {
	for _, l := range t {
		if l.s != "" {
			return false
		}
	}
	return true
}

// in returns the text in lang, and whether it has one.
func (t text) in(lang string) (string, bool) {
	for _, l := range t {
		if l.lang == lang {
			return l.s, true
		}
	}
	return "", false
}

// with returns t with its text in lang set to s.
func (t text) with(lang, s string) text {
	for i, l := range t {
		if l.lang == lang {
			t[i].s = s
			return t
		}
	}
	return append(t, langText{lang, s})
}

// one is a text in one language; empty for "".
func one(lang, s string) text {
	if s = clean(s); s == "" {
		return nil
	}
	return text{{lang, s}}
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
	private                      bool
	updated                      string
	repeat                       *repeat
	overrides                    []*override
	comments                     []string // written above the event
	at                           pos      // where the event is in the source
	fields                       fieldsAt
}

// fieldsAt are the source places of an event's keys, each key once. A
// slice, not a map, for the memory of an import of many events.
type fieldsAt []fieldAt

type fieldAt struct {
	key string
	at  pos
}

// set gives key its place.
func (f *fieldsAt) set(key string, at pos) {
	for i := range *f {
		if (*f)[i].key == key {
			(*f)[i].at = at
			return
		}
	}
	*f = append(*f, fieldAt{key, at})
}

// get returns key's place, and whether it has one.
func (f fieldsAt) get(key string) (pos, bool) {
	for _, x := range f {
		if x.key == key {
			return x.at, true
		}
	}
	return pos{}, false
}

// where returns the source place of one of the event's keys.
func (e *event) where(key string) pos {
	if p, ok := e.fields.get(key); ok {
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
	at                           pos // the changed occurrence in the source, if it is one
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
