package importer

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"calfeed/internal/calendar"
)

// Options tune an import. The zero value derives everything from the source.
type Options struct {
	// CalendarID is calendar.id; "" derives one from the source (the
	// domain of its UIDs when they share one that is a calfeed id, else
	// its name).
	CalendarID string
	// Name is calendar.name; "" takes the source's (X-WR-CALNAME, NAME),
	// else the file's name.
	Name string
	// Timezone is the calendar's zone, an IANA name: times in UTC are
	// shown in it, and events that name no zone are in it. "" takes the
	// source's (X-WR-TIMEZONE, else the zone most events use).
	Timezone string
	// Lang is the language of the source's text; "" means "en".
	Lang string
	// Now is the current time: a rule without end that calfeed cannot
	// express is expanded up to two years after it. Nil means time.Now.
	Now func() time.Time
}

// Note is something the import approximated or dropped, at its place in
// the source (Line and Col 0 when it has none).
type Note struct {
	Source    string
	Line, Col int
	Msg       string
}

// String formats n as SOURCE:LINE:COL: message, as `calfeed check` does.
func (n Note) String() string {
	switch {
	case n.Line > 0 && n.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", n.Source, n.Line, n.Col, n.Msg)
	case n.Line > 0:
		return fmt.Sprintf("%s:%d: %s", n.Source, n.Line, n.Msg)
	}
	return fmt.Sprintf("%s: %s", n.Source, n.Msg)
}

// Result is an imported calendar.
type Result struct {
	YAML   []byte // events.yaml
	Events int    // events in YAML
	Notes  []Note // what was approximated or dropped, in source order
}

// ErrNoEvents reports a source in which nothing could be imported. The
// Result returned with it still holds the notes that say why.
var ErrNoEvents = errors.New("no events could be imported")

var (
	idRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// check validates the options that do not depend on the source.
func (o *Options) check() error {
	if o.Lang == "" {
		o.Lang = "en"
	}
	if !calendar.IsLanguage(o.Lang) {
		return fmt.Errorf("-lang %q is not a language code like \"en\", \"zh\" or \"pt-BR\"", o.Lang)
	}
	if o.CalendarID != "" && (!idRE.MatchString(o.CalendarID) || len(o.CalendarID) > maxIDLen) {
		return fmt.Errorf("-calendar-id %q must be lower-case letters, digits and single hyphens, like \"wsis10\"", o.CalendarID)
	}
	if o.Timezone != "" {
		if _, err := loadZone(o.Timezone); err != nil {
			return fmt.Errorf("-timezone %q is not an IANA time zone%s; give one such as \"Europe/Zurich\"", o.Timezone, calendar.ZoneHint(o.Timezone))
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// bom is the byte order mark some programs put at the start of UTF-8 files.
var bom = []byte("\xEF\xBB\xBF")

// loadZone loads an IANA zone, refusing "" and "Local", which are not
// the same zone on every machine.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("no zone %q", name)
	}
	return time.LoadLocation(name)
}

// notes collects the notes of one import. Some notes would repeat for
// most events of a source (every Outlook event has a reminder): those are
// counted and reported once, at their first place.
type notes struct {
	source string
	list   []Note
	counts map[string]int // key of a counted note -> times seen
	first  map[string]int // key -> its index in list
}

func newNotes(source string) *notes {
	return &notes{source: source, counts: map[string]int{}, first: map[string]int{}}
}

func (ns *notes) add(line, col int, format string, args ...any) {
	ns.list = append(ns.list, Note{Source: ns.source, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// once notes something that may recur: the first time at its place, then
// only counted; the note ends with how many there were.
func (ns *notes) once(key string, line int, format string, args ...any) {
	ns.counts[key]++
	if ns.counts[key] == 1 {
		ns.first[key] = len(ns.list)
		ns.add(line, 0, format, args...)
	}
}

// sorted returns the notes in source order, counted ones with their count.
func (ns *notes) sorted() []Note {
	out := slices.Clone(ns.list)
	for key, n := range ns.counts {
		if n > 1 {
			i := ns.first[key]
			out[i].Msg += fmt.Sprintf(" (and %d more like it)", n-1)
		}
	}
	slices.SortStableFunc(out, func(a, b Note) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	return out
}

// plural picks the word for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// clean normalises text from a source: line breaks become LF, and the
// spaces around it go (calfeed trims them too).
func clean(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
}
