// Package feed writes iCalendar (RFC 5545) feeds of a calendar's events: the
// whole calendar, one track, several tracks, a chosen set of events, or one
// event.
//
// The VEVENTs, rendered for every event (see Renderer), are written straight
// into bytes (write.go), exactly as golang-ical would write them: a test
// builds each with golang-ical and compares. golang-ical builds the rest (the
// calendar's properties, the VTIMEZONEs). What it leaves to its caller is
// done here: CRLF line endings (it writes LF unless told), zoned DTSTART
// with a TZID (its SetStartAt writes UTC), one VTIMEZONE per TZID generated
// from the time zone database (it writes none), and TEXT cleaned of the CR
// and control characters it does not escape.
//
// A repeating event is one VEVENT with its rule (RRULE, EXDATE, RDATE; RFC
// 5545 §3.8.5) and one VEVENT per changed occurrence (RECURRENCE-ID,
// §3.8.4.4). A feed may carry a reminder (VALARM, §3.6.6) in every event.
//
// Output is deterministic: the same calendar gives the same bytes on every
// run and every server. DTSTAMP and LAST-MODIFIED come from the data.
package feed

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	ics "github.com/arran4/golang-ical"

	"calfeed/internal/calendar"
	"calfeed/internal/reminder"
	"calfeed/internal/timezone"
)

// ProdID identifies calfeed as the feeds' producer (RFC 5545 §3.7.3).
const ProdID = "-//calfeed//calfeed 1.0//EN"

// serialization is golang-ical's configuration for every component: CRLF
// (RFC 5545 §3.1), and lines left unfolded for fold to fold.
var serialization = ics.SerializationConfiguration{MaxLength: 1 << 30, PropertyMaxLength: 1 << 30, NewLine: "\r\n"}

// Feed is what one feed holds.
type Feed struct {
	Name        string            // NAME, X-WR-CALNAME
	Description string            // DESCRIPTION, X-WR-CALDESC; may be empty
	Events      []*calendar.Event // in any order; the feed sorts them
	Alarm       reminder.Reminder // a reminder in every event; reminder.None for none
}

// Renderer writes feeds of one calendar. Every event's VEVENTs are rendered
// once per language; a feed without a reminder is then those bytes put
// together, so a combined feed or a personal agenda costs little more than
// copying. New renders them in the calendar's first language, without
// reminder. Another language is rendered, for every event at once, on its
// first use: many calendars are read mostly in their first language, and a
// language not asked for then costs no time at a load and no memory. With
// a reminder, an event is rendered each time a feed asks for it, and not
// kept: few feeds ask for one, rendering all four up front would make every
// load several times slower, and keeping each one asked for would let
// requests grow the Renderer without bound (the server keeps the feeds
// with a reminder in its cache, within its budget). A Renderer is safe for
// concurrent use.
type Renderer struct {
	cal   *calendar.Calendar
	index map[*calendar.Event]int // event -> its place in cal.Events
	langs []*language             // by cal.Languages' order
	zones map[string]piece        // TZID -> VTIMEZONE
}

// language is every event's VEVENTs in one language, without reminder, by
// the event's place in the calendar: rendered by New for the first
// language, on first use for the others.
type language struct {
	once   sync.Once
	pieces []piece
}

// piece is a rendered component with the SHA-256 of its bytes: a feed's
// digest is made from its pieces' digests (see Rendered.Sum), so that no
// feed's bytes are hashed again when it is put together.
type piece struct {
	b   []byte
	sum [sha256.Size]byte
}

func newPiece(b []byte) piece { return piece{b, sha256.Sum256(b)} }

// Variant is one rendering of a feed or an event: its language and its
// reminder (?lang= and ?alarm=).
type Variant struct {
	Lang  string
	Alarm reminder.Reminder
}

// New renders the events of cal in its first language, and its time zones.
func New(cal *calendar.Calendar) (*Renderer, error) {
	r := &Renderer{
		cal:   cal,
		index: make(map[*calendar.Event]int, len(cal.Events)),
		langs: make([]*language, len(cal.Languages)),
		zones: map[string]piece{},
	}
	for i, e := range cal.Events {
		r.index[e] = i
	}
	for j := range r.langs {
		r.langs[j] = new(language)
	}
	if len(r.langs) > 0 {
		r.pieces(0)
	}
	var buf bytes.Buffer
	for tzid, span := range zoneSpans(cal.Events) {
		loc := span.loc
		buf.Reset()
		zone := timezone.For(loc, span.from, span.to)
		if span.endless {
			zone = timezone.ForEndless(loc, span.from, span.to)
		}
		if err := vtimezone(zone).SerializeTo(&buf, &serialization); err != nil {
			return nil, fmt.Errorf("feed: time zone %s: %w", loc, err)
		}
		r.zones[tzid] = newPiece(bytes.Clone(fold(buf.Bytes())))
	}
	return r, nil
}

// pieces returns every event's VEVENTs in the calendar's language j,
// without reminder, rendering them on first use.
func (r *Renderer) pieces(j int) []piece {
	l := r.langs[j]
	l.once.Do(func() { l.pieces = r.renderAll(r.cal.Languages[j]) })
	return l.pieces
}

// renderAll renders every event in lang, spread over the processors. Each
// worker yields now and then, so that a reload rendering in the background
// does not hold requests up (with one processor, a busy goroutine would
// otherwise keep it for a whole scheduling slice).
func (r *Renderer) renderAll(lang string) []piece {
	events := r.cal.Events
	out := make([]piece, len(events))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(events)/256))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var slab []byte // see renderEvent
			for i := w; i < len(events); i += workers {
				out[i] = newPiece(r.renderEvent(events[i], Variant{lang, reminder.None}, &slab))
				if i%(16*workers) == w {
					runtime.Gosched()
				}
			}
		})
	}
	wg.Wait()
	return out
}

// renderEvent renders the VEVENTs of e in v, folded. With a slab, the
// bytes of an event of up to 4 KiB are cut from it (a new one made when it
// is full): the events of a language, kept and dropped together, are
// packed into a few large allocations instead of one each, none rounded up
// to its size class.
func (r *Renderer) renderEvent(e *calendar.Event, v Variant, slab *[]byte) []byte {
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	sc.raw = r.appendEvents(sc.raw[:0], e, v.Lang, v.Alarm)
	b := sc.raw
	if needsFold(b) {
		sc.folded = foldAppend(sc.folded[:0], sc.raw)
		b = sc.folded
	}
	if slab == nil || len(b) > slabSize/16 {
		// Exactly its size: no spare capacity kept. A large event has its
		// own, so that no slab is left with more than a sixteenth unused.
		return bytes.Clone(b)
	}
	if cap(*slab)-len(*slab) < len(b) {
		*slab = make([]byte, 0, slabSize)
	}
	n := len(*slab)
	*slab = append(*slab, b...)
	return (*slab)[n:len(*slab):len(*slab)]
}

// slabSize is the size of the slabs renderAll packs events into: a
// thousand events of a calendar with long descriptions take 16.
const slabSize = 64 << 10

// scratch is the working memory of one rendering, reused: rendering
// 100,000 events would otherwise grow two buffers from nothing for each.
type scratch struct {
	raw, folded []byte
	content     []byte // what ContentHash digests
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

// eventPiece returns the rendered VEVENTs of e in v, with their digest:
// without a reminder as rendered for every event (see pieces), with one
// rendered now.
func (r *Renderer) eventPiece(e *calendar.Event, v Variant) (piece, error) {
	i, ok := r.index[e]
	if !ok {
		return piece{}, fmt.Errorf("feed: event %q is not in this calendar", e.ID)
	}
	if v.Alarm == reminder.None {
		if j := slices.Index(r.cal.Languages, v.Lang); j >= 0 {
			return r.pieces(j)[i], nil
		}
		return piece{}, nil
	}
	return newPiece(r.renderEvent(e, v, nil)), nil
}

// Size returns about the bytes of a feed of events in lang without a
// reminder, without rendering it: its VEVENTs and VTIMEZONEs, not the
// calendar's few properties. It renders lang's events if they are not yet.
func (r *Renderer) Size(events []*calendar.Event, lang string) int {
	j := slices.Index(r.cal.Languages, lang)
	if j < 0 {
		return 0
	}
	ps := r.pieces(j)
	size := 0
	var zones map[string]bool
	for n, e := range events {
		if n%1024 == 1023 {
			runtime.Gosched() // see feedPieces
		}
		if i, ok := r.index[e]; ok {
			size += len(ps[i].b)
		}
		if usesTZID(e) {
			if zones == nil {
				zones = map[string]bool{}
			}
			if tzid := e.Location.String(); !zones[tzid] {
				zones[tzid] = true
				size += len(r.zones[tzid].b)
			}
		}
	}
	return size
}

// Position returns the place of e in the calendar's events, and false if
// it is not one of them.
func (r *Renderer) Position(e *calendar.Event) (int, bool) {
	i, ok := r.index[e]
	return i, ok
}

// Calendar returns the calendar r renders.
func (r *Renderer) Calendar() *calendar.Calendar { return r.cal }

// Write writes f in lang, which must be one of the calendar's languages.
func (r *Renderer) Write(w io.Writer, f Feed, lang string) error {
	parts, err := r.Parts(f, lang)
	if err != nil {
		return err
	}
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// Parts returns f in lang as the pieces that, put end to end, are what
// Write writes: the calendar's properties, then VTIMEZONEs and VEVENTs
// shared with every other feed (rendered once in New), then the end. A
// caller may keep them instead of a copy: a feed of 100,000 events is then
// 100,000 references, not 100 MB. The pieces must not be modified.
func (r *Renderer) Parts(f Feed, lang string) ([][]byte, error) {
	rd, err := r.Render(f, lang)
	return rd.Parts, err
}

// Rendered is a feed as pieces (see Parts) with a digest of its bytes.
type Rendered struct {
	Parts [][]byte
	// Sum is a SHA-256 digest of the feed, made from the digests of its
	// pieces, each hashed once when it was rendered: feeds with the same
	// bytes have the same Sum, and a change to any byte changes it. It is
	// not the SHA-256 of the bytes themselves; use it as an ETag.
	Sum [sha256.Size]byte
}

// Render returns f in lang as pieces, with its digest.
func (r *Renderer) Render(f Feed, lang string) (Rendered, error) {
	parts, sums, err := r.feedPieces(f, lang)
	if err != nil {
		return Rendered{}, err
	}
	h := sha256.New()
	for i := range sums {
		h.Write(sums[i][:])
	}
	rd := Rendered{Parts: parts}
	h.Sum(rd.Sum[:0])
	return rd, nil
}

// feedPieces is Render's work: the feed's pieces and their digests.
func (r *Renderer) feedPieces(f Feed, lang string) ([][]byte, [][sha256.Size]byte, error) {
	if !slices.Contains(r.cal.Languages, lang) {
		return nil, nil, fmt.Errorf("feed: language %q is not one of the calendar's (%s)", lang, strings.Join(r.cal.Languages, ", "))
	}
	if !f.Alarm.Valid() {
		return nil, nil, fmt.Errorf("feed: alarm %v is not one of %s", time.Duration(f.Alarm), reminder.List())
	}
	events := slices.Clone(f.Events)
	slices.SortFunc(events, compareEvents)
	if len(events) > 1024 {
		runtime.Gosched() // see below
	}

	c := ics.NewCalendarFor("calfeed")
	c.CalendarProperties = nil
	c.SetVersion("2.0")
	c.SetProductId(ProdID)
	c.SetCalscale("GREGORIAN")
	c.SetMethod(ics.MethodPublish)
	c.SetName(text(f.Name)) // NAME (RFC 7986) and X-WR-CALNAME
	if f.Description != "" {
		c.SetDescription(text(f.Description))
		c.SetXWRCalDesc(text(f.Description))
	}
	c.SetXWRTimezone(r.cal.Location.String())
	refresh := icalDuration(r.cal.Refresh)
	c.SetRefreshInterval(refresh) // REFRESH-INTERVAL;VALUE=DURATION (RFC 7986 §5.7)
	c.SetXPublishedTTL(refresh)

	// The calendar's own properties, folded; then the components, rendered
	// and folded once in New.
	var head bytes.Buffer
	if err := c.SerializeTo(&head, &serialization); err != nil {
		return nil, nil, fmt.Errorf("feed: %w", err)
	}
	folded := fold(head.Bytes())
	parts := make([][]byte, 0, len(events)+4)
	sums := make([][sha256.Size]byte, 0, len(events)+4)
	parts = append(parts, folded[:len(folded)-len(calendarEnd)])
	sums = append(sums, sha256.Sum256(parts[0]))

	// RFC 5545 §3.6.5: one VTIMEZONE for each TZID the feed uses. Zones
	// are told apart by name: two *time.Location values of one zone are
	// one TZID.
	var tzids []string
	seen := map[string]bool{}
	for _, e := range events {
		if !usesTZID(e) {
			continue
		}
		if tzid := e.Location.String(); !seen[tzid] {
			seen[tzid] = true
			tzids = append(tzids, tzid)
		}
	}
	slices.Sort(tzids)
	for _, tzid := range tzids {
		z := r.zones[tzid]
		parts = append(parts, z.b)
		sums = append(sums, z.sum)
	}
	for i, e := range events {
		p, err := r.eventPiece(e, Variant{lang, f.Alarm})
		if err != nil {
			return nil, nil, err
		}
		parts = append(parts, p.b)
		sums = append(sums, p.sum)
		if i%1024 == 1023 {
			runtime.Gosched() // a large feed rendered in a reload lets requests in
		}
	}
	return append(parts, []byte(calendarEnd)), append(sums, endSum), nil
}

const calendarEnd = "END:VCALENDAR\r\n"

var endSum = sha256.Sum256([]byte(calendarEnd))

// compareEvents orders a feed: by start, then by id.
func compareEvents(a, b *calendar.Event) int {
	if c := a.Start.Compare(b.Start); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// usesTZID reports whether e's times are written with a TZID.
func usesTZID(e *calendar.Event) bool { return !e.AllDay && !e.UTC }

// HorizonYears is how far a VTIMEZONE reaches for a repeating event whose
// rule has no end: to the end of the year HorizonYears after the last year
// the calendar's data names (any event's start or end, any override, any
// extra date). Past its horizon a VTIMEZONE's yearly rules still apply
// without end; they are checked against the time zone database for
// decades after it (timezone.ForEndless), so it stays right unless the
// zone's law changes after that.
const HorizonYears = 5

// zoneSpan is the span of time a zone's VTIMEZONE must be right for.
type zoneSpan struct {
	loc      *time.Location
	from, to time.Time
	// endless is true when an event repeats in the zone without end: a
	// client expands it past to, with the VTIMEZONE's rules that run on
	// (see timezone.ForEndless).
	endless bool
}

// zoneSpans returns, for each zone used with a TZID, the first and last
// instant it must be right for: every occurrence of every event, up to the
// end of a repeating event's rule or the horizon (HorizonYears).
func zoneSpans(events []*calendar.Event) map[string]zoneSpan {
	var lastYear int
	for _, e := range events {
		if end, ok := e.LastEnd(); ok {
			lastYear = max(lastYear, end.Year())
		} else {
			lastYear = max(lastYear, e.End.Year())
			for _, d := range e.Repeat.Also {
				lastYear = max(lastYear, d.Year())
			}
			for _, ov := range e.Overrides {
				lastYear = max(lastYear, ov.End.Year())
			}
		}
	}
	// Mid-year: the year is the same in every zone, and only years count
	// (see timezone.For).
	horizon := time.Date(lastYear+HorizonYears, time.July, 1, 0, 0, 0, 0, time.UTC)
	spans := map[string]zoneSpan{}
	for _, e := range events {
		if !usesTZID(e) {
			continue
		}
		start := e.Start
		for _, ov := range e.Overrides {
			if ov.Start.Before(start) {
				start = ov.Start // an occurrence moved before the first
			}
		}
		end, ok := e.LastEnd()
		if !ok {
			end = horizon
		}
		tzid := e.Location.String()
		s, seen := spans[tzid]
		if !seen {
			s = zoneSpan{loc: e.Location, from: start, to: end}
		}
		s.endless = s.endless || !ok
		if start.Before(s.from) {
			s.from = start
		}
		if end.After(s.to) {
			s.to = end
		}
		spans[tzid] = s
	}
	return spans
}

// Modified is the newest data time among events: what Last-Modified says of
// a feed of them.
func (r *Renderer) Modified(events []*calendar.Event) time.Time {
	var t time.Time
	for _, e := range events {
		if s := r.stamp(e); s.After(t) {
			t = s
		}
	}
	return t
}
