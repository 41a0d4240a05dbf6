package importer

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/teambition/rrule-go"

	"calfeed/internal/calendar"
)

// zone is how the times of one TZID are read: an IANA zone, or, for a
// VTIMEZONE that matches none, that VTIMEZONE's own offsets.
type zone struct {
	loc    *time.Location // nil for a VTIMEZONE matched to no IANA zone
	onsets []onset        // that VTIMEZONE's changes of offset
}

// offset returns the UTC offset in seconds at instant t.
func (z *zone) offset(t time.Time) int {
	if z.loc != nil {
		_, off := t.In(z.loc).Zone()
		return off
	}
	return offsetAt(z.onsets, t)
}

// locOr returns z's IANA zone, or def when z has none.
func (z *zone) locOr(def *time.Location) *time.Location {
	if z != nil && z.loc != nil {
		return z.loc
	}
	return def
}

// instant returns the instant at which clocks in z show the wall time w
// (whose own location is ignored), as RFC 5545 §3.3.5 reads a local time
// with a TZID: in a repeated hour the first of the two; in a gap, with the
// offset before the gap (so 02:30 on a night that skips 02:00-03:00 is
// 03:30). Go's time.Date promises neither.
func (z *zone) instant(w time.Time) time.Time {
	naive := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)
	before, after := z.offset(naive.Add(-48*time.Hour)), z.offset(naive.Add(48*time.Hour))
	var best time.Time
	for _, off := range []int{before, after} {
		t := naive.Add(-time.Duration(off) * time.Second)
		if z.offset(t) == off && (best.IsZero() || t.Before(best)) {
			best = t
		}
	}
	if best.IsZero() {
		return naive.Add(-time.Duration(before) * time.Second)
	}
	return best
}

// onset is a change of UTC offset, in seconds.
type onset struct {
	at       time.Time
	from, to int
}

// offsetAt returns the offset after the last onset at or before t; before
// the first, the offset that onset changes from.
func offsetAt(onsets []onset, t time.Time) int {
	i, _ := slices.BinarySearchFunc(onsets, t, func(o onset, t time.Time) int {
		if o.at.After(t) {
			return 1
		}
		return -1
	})
	switch {
	case len(onsets) == 0:
		return 0
	case i == 0:
		return onsets[0].from
	}
	return onsets[i-1].to
}

// vtimezone is a VTIMEZONE of the source (RFC 5545 §3.6.5).
type vtimezone struct {
	tzid, location string // TZID; X-LIC-LOCATION (libical writes the IANA name there)
	line           int
	observances    []*component // STANDARD and DAYLIGHT
}

// onsets returns the changes of offset of v between the two years,
// inclusive, and one year either side. Observances it cannot read are
// left out, with a note.
func (v *vtimezone) onsets(from, to int, ns *notes) []onset {
	lo := time.Date(from-1, 1, 1, 0, 0, 0, 0, time.UTC)
	hi := time.Date(to+2, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []onset
	// The last onset before lo gives the offset at lo: a fixed offset
	// since 1601, or the last change before the years asked for.
	var last onset
	for _, o := range v.observances {
		start, fromOff, toOff, err := observance(o)
		if err != nil {
			ns.add(o.line, 0, "VTIMEZONE %q: %s %v; left out", v.tzid, o.name, err)
			continue
		}
		add := func(w time.Time) {
			at := w.Add(-time.Duration(fromOff) * time.Second)
			switch {
			case at.Before(lo):
				if last.at.IsZero() || at.After(last.at) {
					last = onset{at, fromOff, toOff}
				}
			case at.Before(hi):
				out = append(out, onset{at, fromOff, toOff})
			}
		}
		add(start)
		for _, p := range o.all("RDATE") {
			for _, s := range strings.Split(p.raw, ",") {
				if w, err := time.Parse("20060102T150405", strings.TrimSuffix(s, "Z")); err == nil {
					add(w)
				}
			}
		}
		rp := o.get("RRULE")
		if rp == nil {
			continue
		}
		opt, until, err := ruleOption(rp.raw, start)
		if err != nil {
			ns.add(rp.line, 0, "VTIMEZONE %q: RRULE %v; left out", v.tzid, err)
			continue
		}
		// A zone's changes come once a year: a rule of another
		// frequency is no zone's, and one of every second from 1970
		// would be walked for ever.
		if opt.Freq != rrule.YEARLY {
			ns.add(rp.line, 0, "VTIMEZONE %q: RRULE %s is not yearly, as a zone's changes are; left out", v.tzid, rp.raw)
			continue
		}
		if why := never(opt); why != "" {
			ns.add(rp.line, 0, "VTIMEZONE %q: RRULE gives no date (%s); left out", v.tzid, why)
			continue
		}
		fastForward(opt, lo.Year()-1)
		// Walked shifted by whole 400-year cycles, as ruleTimes walks an
		// event's rule: one that gives no date ends its walk soon after hi.
		shift := cycleShift(hi.Add(24 * time.Hour))
		opt.Dtstart = opt.Dtstart.AddDate(shift, 0, 0)
		r, err := rrule.NewRRule(*opt)
		if err != nil {
			ns.add(rp.line, 0, "VTIMEZONE %q: RRULE %v; left out", v.tzid, err)
			continue
		}
		back := func(w time.Time) time.Time { return w.AddDate(-shift, 0, 0) }
		if w := r.Before(lo.Add(24*time.Hour).AddDate(shift, 0, 0), true); !w.IsZero() && until.allows(back(w), back(w).Add(-time.Duration(fromOff)*time.Second)) {
			add(back(w))
		}
		for _, w := range r.Between(lo.Add(-24*time.Hour).AddDate(shift, 0, 0), hi.Add(24*time.Hour).AddDate(shift, 0, 0), true) {
			w = back(w)
			if !until.allows(w, w.Add(-time.Duration(fromOff)*time.Second)) {
				break
			}
			add(w)
		}
	}
	slices.SortStableFunc(out, func(a, b onset) int { return a.at.Compare(b.at) })
	if !last.at.IsZero() && (len(out) == 0 || out[0].at.After(last.at)) {
		out = append([]onset{last}, out...)
	}
	return out
}

// fastForward moves the start of a yearly rule without COUNT to a year
// of its own sequence at or just before year: the same dates from there
// on. Outlook and Exchange start every observance in 1601, and rrule-go
// gives nothing centuries after its start (a 1601 rule: no date in 2020),
// which matched their zones to UTC.
func fastForward(opt *rrule.ROption, year int) {
	start := opt.Dtstart
	if opt.Freq != rrule.YEARLY || opt.Count != 0 || start.Year() >= year {
		return
	}
	interval := max(opt.Interval, 1)
	years := (year - start.Year()) / interval * interval
	moved := time.Date(start.Year()+years, start.Month(), start.Day(), start.Hour(), start.Minute(), start.Second(), 0, start.Location())
	if moved.Day() != start.Day() {
		return // 29 February to a year without one: keep the start
	}
	opt.Dtstart = moved
}

// observance reads a STANDARD or DAYLIGHT: its DTSTART (a local time,
// naive) and its offsets.
func observance(o *component) (start time.Time, from, to int, err error) {
	ds, fp, tp := o.get("DTSTART"), o.get("TZOFFSETFROM"), o.get("TZOFFSETTO")
	if ds == nil || fp == nil || tp == nil {
		return start, 0, 0, fmt.Errorf("lacks DTSTART, TZOFFSETFROM or TZOFFSETTO")
	}
	if start, err = time.Parse("20060102T150405", strings.TrimSuffix(strings.TrimSpace(ds.raw), "Z")); err != nil {
		return start, 0, 0, fmt.Errorf("DTSTART %q is not a local date-time", ds.raw)
	}
	if from, err = utcOffset(fp.raw); err != nil {
		return start, 0, 0, err
	}
	if to, err = utcOffset(tp.raw); err != nil {
		return start, 0, 0, err
	}
	return start, from, to, nil
}

// utcOffset reads a UTC-OFFSET (RFC 5545 §3.3.14): +0100, -0330, +013045.
func utcOffset(s string) (int, error) {
	s = strings.TrimSpace(s)
	if (len(s) != 5 && len(s) != 7) || (s[0] != '+' && s[0] != '-') {
		return 0, fmt.Errorf("UTC offset %q is not like +0100", s)
	}
	n, err := strconv.Atoi(s[1:])
	if err != nil {
		return 0, fmt.Errorf("UTC offset %q is not like +0100", s)
	}
	if len(s) == 5 {
		n *= 100
	}
	secs := n/10000*3600 + n/100%100*60 + n%100
	if s[0] == '-' {
		secs = -secs
	}
	return secs, nil
}

// zones reads the TZIDs of a source.
type zones struct {
	vtz    map[string]*vtimezone
	years  map[string][2]int // TZID -> first and last year it is used in
	prefer *time.Location    // tried first when matching a VTIMEZONE; may be nil
	known  map[string]*zone
	ns     *notes
}

// newZones reads the VTIMEZONEs of a source.
func newZones(vtz []*component, ns *notes) *zones {
	zs := &zones{vtz: map[string]*vtimezone{}, years: map[string][2]int{}, known: map[string]*zone{}, ns: ns}
	for _, c := range vtz {
		v := &vtimezone{tzid: c.text("TZID"), location: c.text("X-LIC-LOCATION"), line: c.line}
		for _, o := range c.children {
			if o.name == "STANDARD" || o.name == "DAYLIGHT" {
				v.observances = append(v.observances, o)
			}
		}
		zs.vtz[v.tzid] = v
	}
	return zs
}

// resolve returns how the times of tzid are read, or nil when it names no
// zone and has no VTIMEZONE. The first call for a TZID notes anything
// approximated.
func (zs *zones) resolve(tzid string, line int) *zone {
	if z, ok := zs.known[tzid]; ok {
		return z
	}
	z := zs.find(tzid, line)
	zs.known[tzid] = z
	return z
}

func (zs *zones) find(tzid string, line int) *zone {
	if loc := ianaZone(tzid); loc != nil {
		return &zone{loc: loc}
	}
	if iana, ok := windowsZones[tzid]; ok {
		if loc, err := loadZone(iana); err == nil {
			return &zone{loc: loc}
		}
	}
	// Older Outlooks wrote "(GMT+10:00) Canberra, Melbourne, Sydney" for
	// what Windows now calls "(UTC+10:00) Canberra, Melbourne, Sydney".
	display := tzid
	if rest, ok := strings.CutPrefix(tzid, "(GMT"); ok {
		display = "(UTC" + rest
	}
	if win, ok := windowsDisplayNames[display]; ok {
		if loc, err := loadZone(windowsZones[win]); err == nil {
			return &zone{loc: loc}
		}
	}
	v := zs.vtz[tzid]
	if v == nil {
		return zs.offsetInName(tzid, line)
	}
	if loc := ianaZone(v.location); loc != nil {
		return &zone{loc: loc}
	}
	years, ok := zs.years[tzid]
	if !ok {
		return nil // never used
	}
	onsets := v.onsets(years[0], years[1], zs.ns)
	span := fmt.Sprint(years[0])
	if years[1] != years[0] {
		span = fmt.Sprintf("%d-%d", years[0], years[1])
	}
	candidates := candidateZones[:]
	if zs.prefer != nil {
		candidates = append([]string{zs.prefer.String()}, candidates...)
	}
	for _, name := range candidates {
		loc, err := loadZone(name)
		if err != nil || !sameOffsets(loc, onsets, years) {
			continue
		}
		zs.ns.add(v.line, 0, "TZID %q is no zone name calfeed knows; its VTIMEZONE has the offsets of %s in %s, the years its events use, so they are in %s", tzid, name, span, name)
		return &zone{loc: loc}
	}
	zs.ns.add(v.line, 0, "TZID %q is no zone name calfeed knows, and no IANA zone has its VTIMEZONE's offsets in %s: its times are read with that VTIMEZONE and written in the calendar's zone: the instants stay right, the zone's name is lost", tzid, span)
	return &zone{onsets: onsets}
}

// offsetNameRE matches a zone name that starts with its offset from UTC,
// as Outlook's do: "(GMT +01:00)", "(UTC-03:00) Brasília".
var offsetNameRE = regexp.MustCompile(`^\((?:GMT|UTC) ?([+-])(\d\d):(\d\d)\)`)

// offsetInName reads the times of a TZID without VTIMEZONE whose name
// gives its offset, with that offset all year, and notes it: nil when the
// name gives none.
func (zs *zones) offsetInName(tzid string, line int) *zone {
	m := offsetNameRE.FindStringSubmatch(tzid)
	if m == nil {
		return nil
	}
	h, _ := strconv.Atoi(m[2])
	mins, _ := strconv.Atoi(m[3])
	off := h*3600 + mins*60
	if m[1] == "-" {
		off = -off
	}
	if mins == 0 && h <= 12 {
		// Etc/GMT-1 is UTC+01:00: POSIX's sign.
		name := fmt.Sprintf("Etc/GMT%+d", -off/3600)
		if off == 0 {
			name = "Etc/UTC"
		}
		if loc, err := loadZone(name); err == nil {
			zs.ns.add(line, 0, "TZID %q has no VTIMEZONE and names no zone calfeed knows: its times are read at the offset its name gives, UTC%s%s:%s all year (%s); "+
				"if that place changes its clocks, set each event's timezone: to its IANA zone", tzid, m[1], m[2], m[3], name)
			return &zone{loc: loc}
		}
	}
	zs.ns.add(line, 0, "TZID %q has no VTIMEZONE and names no zone calfeed knows: its times are read at the offset its name gives, UTC%s%s:%s all year, "+
		"and written in the calendar's zone; if that place changes its clocks, set each event's timezone: to its IANA zone", tzid, m[1], m[2], m[3])
	return &zone{onsets: []onset{{at: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), from: off, to: off}}}
}

// ianaZone loads an IANA zone name, also from the end of a path, as in
// the TZIDs Mozilla and others prefix ("/mozilla.org/20050126_1/Europe/Berlin").
func ianaZone(name string) *time.Location {
	name = strings.TrimSpace(name)
	if loc, err := loadZone(name); err == nil && strings.Contains(name, "/") || err == nil && name == "UTC" {
		return loc
	}
	parts := strings.Split(strings.Trim(name, "/"), "/")
	for i := 1; i < len(parts)-1; i++ {
		if loc, err := loadZone(strings.Join(parts[i:], "/")); err == nil {
			return loc
		}
	}
	return nil
}

// sameOffsets reports whether loc has the offsets of onsets at every
// instant, sampled each hour, of the given years.
func sameOffsets(loc *time.Location, onsets []onset, years [2]int) bool {
	t := time.Date(years[0], 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(years[1]+1, 1, 1, 0, 0, 0, 0, time.UTC)
	for ; t.Before(end); t = t.Add(time.Hour) {
		if _, off := t.In(loc).Zone(); off != offsetAt(onsets, t) {
			return false
		}
	}
	return true
}

// scanYears records the years each TZID is used in, to match a VTIMEZONE
// of unknown name against IANA zones over them.
func (im *icsImport) scanYears(vevents []*component) {
	note := func(tzid string, year int) {
		y, ok := im.zs.years[tzid]
		if !ok {
			y = [2]int{year, year}
		}
		im.zs.years[tzid] = [2]int{min(y[0], year), max(y[1], year)}
	}
	for _, c := range vevents {
		for _, p := range c.props {
			tzid := p.param("TZID")
			if tzid == "" {
				continue
			}
			for _, v := range strings.Split(p.raw, ",") {
				if y, err := strconv.Atoi(firstN(v, 4)); err == nil {
					note(tzid, y)
				}
			}
		}
		ds, rr := c.get("DTSTART"), c.get("RRULE")
		if ds == nil || rr == nil || ds.param("TZID") == "" {
			continue
		}
		start, err := strconv.Atoi(firstN(ds.raw, 4))
		if err != nil {
			continue
		}
		last := max(start, im.now.Year()) + expandYears
		if i := strings.Index(strings.ToUpper(rr.raw), "UNTIL="); i >= 0 {
			if y, err := strconv.Atoi(firstN(rr.raw[i+6:], 4)); err == nil {
				last = y
			}
		}
		note(ds.param("TZID"), min(max(last, start), start+100))
	}
}

func firstN(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) < n {
		return s
	}
	return s[:n]
}

// calendarZone settles the calendar's zone: -timezone, else X-WR-TIMEZONE,
// else the zone most events start in, else UTC.
func (im *icsImport) calendarZone(vevents []*component) {
	if im.opts.Timezone != "" {
		im.calLoc, _ = loadZone(im.opts.Timezone)
		im.zs.prefer = im.calLoc
		return
	}
	if p := im.root.get("X-WR-TIMEZONE"); p != nil {
		if z := im.zs.resolve(strings.TrimSpace(p.value), p.line); z != nil && z.loc != nil {
			im.calLoc = z.loc
			im.zs.prefer = z.loc
			return
		}
		im.ns.add(p.line, 0, "X-WR-TIMEZONE %q is no time zone calfeed knows%s; ignored (give -timezone)", p.value, calendar.ZoneHint(p.value))
	}
	counts := map[string]int{}
	locs := map[string]*time.Location{}
	for _, c := range vevents {
		ds := c.get("DTSTART")
		if ds == nil || ds.param("TZID") == "" {
			continue
		}
		if z := im.zs.resolve(ds.param("TZID"), ds.line); z != nil && z.loc != nil {
			counts[z.loc.String()]++
			locs[z.loc.String()] = z.loc
		}
	}
	best := ""
	for name, n := range counts {
		if n > counts[best] || n == counts[best] && name < best {
			best = name
		}
	}
	if best != "" {
		im.calLoc = locs[best]
		return
	}
	im.calLoc = time.UTC
	im.ns.add(0, 0, "the file names no time zone calfeed knows for its events (in X-WR-TIMEZONE or a DTSTART's TZID): the calendar's zone is UTC; give -timezone to show its times in another")
}
