package web

import (
	"slices"
	"strings"
	"time"

	"calfeed/internal/calendar"
)

// PageSize is about how many entries (events, or occurrences of repeating
// ones) one page of the programme lists: the page of a calendar of ten
// thousand events stays as quick to render, send and read as that of a
// conference. Pages hold whole days; only a day with more entries than
// this is split.
const PageSize = 150

// maxOccurrences bounds how many occurrences of one repeating event the
// programme lists; its feed holds them all.
const maxOccurrences = 60

// Programme is the page's list of events: every event and occurrence, by
// its own date, split into pages. It depends on the calendar alone, so a
// server makes it once per calendar and passes it in every Request.
type Programme struct {
	items []listed
	pages []int // the index in items where each page starts
	order map[*calendar.Event]int
	zones []string // the events' zones and common ones, sorted, for the zone field
}

// listed is one entry of the programme: an event, or one occurrence of a
// repeating one.
type listed struct {
	e     *calendar.Event
	o     calendar.Occurrence
	day   string // its first day, in its event's zone: YYYY-MM-DD
	first bool   // the series' first occurrence listed (or a one-off event)
}

// NewProgramme lists cal's events and occurrences by day and splits them
// into pages.
func NewProgramme(cal *calendar.Calendar) *Programme {
	p := &Programme{order: make(map[*calendar.Event]int, len(cal.Events))}
	for i, e := range cal.Events {
		p.order[e] = i
		// From the zero time: every occurrence from the first, whatever
		// the day, so that the page is the same on every run.
		for j, o := range e.Occurrences(time.Time{}, maxOccurrences) {
			it := listed{e: e, o: o, first: j == 0}
			it.day = occurrenceDay(it)
			p.items = append(p.items, it)
		}
	}
	slices.SortStableFunc(p.items, func(a, b listed) int {
		if c := strings.Compare(a.day, b.day); c != 0 {
			return c
		}
		if a.e.AllDay != b.e.AllDay {
			if a.e.AllDay {
				return -1
			}
			return 1
		}
		if c := a.o.Start.Compare(b.o.Start); c != 0 {
			return c
		}
		return strings.Compare(a.e.ID, b.e.ID)
	})
	p.zones = slices.Clone(commonZones)
	seen := map[*time.Location]bool{}
	for _, e := range cal.Events {
		if !seen[e.Location] {
			seen[e.Location] = true
			if !slices.Contains(p.zones, e.Location.String()) {
				p.zones = append(p.zones, e.Location.String())
			}
		}
	}
	slices.Sort(p.zones)
	p.pages = []int{0}
	start := 0 // of the current page
	for i := 0; i < len(p.items); {
		j := i // the end of day i
		for j < len(p.items) && p.items[j].day == p.items[i].day {
			j++
		}
		switch {
		case j-start <= PageSize:
			// the day fits on the current page
		case i > start:
			// it does not: it starts the next one
			start = i
			p.pages = append(p.pages, start)
		}
		// A day longer than a page is split.
		for j-start > PageSize {
			start += PageSize
			p.pages = append(p.pages, start)
		}
		i = j
	}
	return p
}

// Pages is the number of pages: at least 1.
func (p *Programme) Pages() int { return len(p.pages) }

// Page clamps n to a page number of the programme: 1 for 0 or less, the
// last for one past it.
func (p *Programme) Page(n int) int { return min(max(n, 1), p.Pages()) }

// page returns the entries of page n (from 1).
func (p *Programme) page(n int) []listed {
	n = p.Page(n)
	end := len(p.items)
	if n < len(p.pages) {
		end = p.pages[n]
	}
	return p.items[p.pages[n-1]:end]
}

// onPage reports which of the events with the given ids page n lists.
func (p *Programme) onPage(n int) map[string]bool {
	shown := map[string]bool{}
	for _, it := range p.page(n) {
		shown[it.e.ID] = true
	}
	return shown
}

// occurrenceDay is the date an occurrence is listed under: its first day,
// in its event's zone.
func occurrenceDay(it listed) string {
	if it.e.AllDay {
		return it.o.Start.Format(time.DateOnly)
	}
	return it.o.Start.In(it.e.Location).Format(time.DateOnly)
}
