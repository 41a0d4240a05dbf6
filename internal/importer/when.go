package importer

import (
	"fmt"
	"maps"
	"strings"
	"time"

	"calfeed/internal/calendar"
)

// when is a DATE or DATE-TIME value (RFC 5545 §3.3.4, §3.3.5).
type when struct {
	date bool
	t    time.Time // the instant; for a date, the date at midnight UTC
	wall time.Time // the wall time as written (naive); for UTC, in UTC
	z    *zone     // the zone the wall time is read in
	kind whenKind
	end  time.Time // the end of an RDATE PERIOD; zero otherwise
	line int
}

type whenKind int

const (
	whenZoned    whenKind = iota // TZID of an IANA zone
	whenUTC                      // ...Z
	whenFloating                 // no zone: read in the calendar's
	whenOther                    // a TZID matched to no IANA zone
)

// when reads a DATE or DATE-TIME property.
func (im *icsImport) when(p *prop) (when, error) {
	ws, err := im.whens(p)
	if err != nil {
		return when{}, err
	}
	if len(ws) != 1 {
		return when{}, fmt.Errorf("%q: want one date or date-time", p.raw)
	}
	return ws[0], nil
}

// whens reads the DATE, DATE-TIME or PERIOD values of a property (EXDATE
// and RDATE hold lists).
func (im *icsImport) whens(p *prop) ([]when, error) {
	var out []when
	for _, v := range strings.Split(strings.TrimSpace(p.raw), ",") {
		v = strings.TrimSpace(v)
		startText, endText, period := strings.Cut(v, "/")
		w, err := im.parseWhen(p, startText)
		if err != nil {
			return nil, err
		}
		if period {
			if strings.HasPrefix(endText, "P") || strings.HasPrefix(endText, "+P") {
				d, err := icalDuration(endText)
				if err != nil {
					return nil, err
				}
				w.end = w.t.Add(d)
			} else {
				e, err := im.parseWhen(p, endText)
				if err != nil {
					return nil, err
				}
				w.end = e.t
			}
		}
		out = append(out, w)
	}
	return out, nil
}

// noSuchDay says, for a date-time in the right form whose day does not
// exist (20240230T100000Z), that it is the day that is wrong.
func noSuchDay(err error) string {
	if strings.Contains(err.Error(), "day out of range") {
		return ": it has the right form, but that day does not exist"
	}
	return ""
}

func (im *icsImport) parseWhen(p *prop, v string) (when, error) {
	w := when{line: p.line}
	switch {
	case strings.EqualFold(p.param("VALUE"), "DATE") && len(v) > 8 && v[8] == 'T':
		// VALUE=DATE on a date-time, as some exporters write: read as the
		// date-time it is, as ical.js and node-ical do.
		im.ns.once("value=date", p.line, "%s;VALUE=DATE has a date-time (%s): read as a date-time", p.name, v)
		params := maps.Clone(p.params)
		delete(params, "VALUE")
		return im.parseWhen(&prop{name: p.name, raw: p.raw, value: p.value, params: params, line: p.line}, v)
	case strings.EqualFold(p.param("VALUE"), "DATE") || len(v) == 8:
		t, err := time.Parse("20060102", v)
		if err != nil {
			return w, fmt.Errorf("%q is not a date (YYYYMMDD)", v)
		}
		w.date, w.t, w.wall = true, t, t
		return w, nil
	case strings.HasSuffix(v, "Z"):
		t, err := time.Parse("20060102T150405Z", v)
		if err != nil {
			return w, fmt.Errorf("%q is not a date-time (YYYYMMDDTHHMMSSZ)%s", v, noSuchDay(err))
		}
		w.t, w.wall, w.kind, w.z = t, t, whenUTC, &zone{loc: time.UTC}
		return w, nil
	}
	t, err := time.Parse("20060102T150405", v)
	if err != nil {
		return w, fmt.Errorf("%q is not a date-time (YYYYMMDDTHHMMSS)%s", v, noSuchDay(err))
	}
	w.wall = t
	tzid := p.param("TZID")
	switch z := im.zs.resolve(tzid, p.line); {
	case tzid == "":
		im.ns.once("floating", p.line, "%s has a time without zone (a floating time): read in the calendar's zone, %s", p.name, im.calLoc)
		w.kind, w.z = whenFloating, &zone{loc: im.calLoc}
	case z == nil:
		again := ""
		if z, _ := calendar.SuggestZone(tzid); z != "" && z != im.calLoc.String() {
			again = " (or import again with -timezone " + z + ")"
		}
		im.ns.once("tzid "+tzid, p.line, "TZID %q is no time zone calfeed knows%s and has no VTIMEZONE: its times are read in the calendar's zone, %s; check them%s", tzid, calendar.ZoneHint(tzid), im.calLoc, again)
		w.kind, w.z = whenFloating, &zone{loc: im.calLoc}
	case z.loc == nil:
		w.kind, w.z = whenOther, z
	default:
		w.kind, w.z = whenZoned, z
	}
	w.t = w.z.instant(t)
	return w, nil
}

// end reads DTEND or DURATION. An all-day event without either lasts its
// day; a timed one without either, or ending before it starts, lasts a
// minute (calfeed's events end after they start), with a note.
func (im *icsImport) end(v *vevent) when {
	c := v.c
	end := v.start
	switch de, du := c.get("DTEND"), c.get("DURATION"); {
	case de != nil:
		if w, err := im.when(de); err != nil {
			im.ns.add(de.line, 0, "DTEND %v; ignored", err)
		} else {
			end = w
		}
	case du != nil:
		if d, err := icalDuration(du.raw); err != nil {
			im.ns.add(du.line, 0, "DURATION %v; ignored", err)
		} else {
			end.t = v.start.t.Add(d)
		}
	}
	if v.start.date {
		end.date = true
		if end.t.Hour() != 0 || end.t.Minute() != 0 {
			end.t = truncDay(end.t).AddDate(0, 0, 1)
		}
		if !end.t.After(v.start.t) {
			end.t = v.start.t.AddDate(0, 0, 1)
		}
		return end
	}
	if end.date {
		end.t = v.start.z.instant(end.t)
	}
	if !end.t.After(v.start.t) {
		im.ns.add(c.line, 0, "%q has no length (no DTEND, or one not after DTSTART): calfeed's events end after they start, so it lasts one minute", c.text("SUMMARY"))
		end.t = v.start.t.Add(time.Minute)
	}
	return end
}

// icalDuration reads a DURATION (RFC 5545 §3.3.6) as an exact length:
// P1D is 24 hours.
func icalDuration(s string) (time.Duration, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	if !strings.HasPrefix(s, "P") || len(s) < 3 {
		return 0, fmt.Errorf("%q is not a duration like PT1H30M or P1D", s)
	}
	var d time.Duration
	n := 0
	inTime := false
	for _, r := range s[1:] {
		switch {
		case r >= '0' && r <= '9':
			n = n*10 + int(r-'0')
			if n > 1_000_000 {
				return 0, fmt.Errorf("%q is too long", s)
			}
			continue
		case r == 'T':
			inTime = true
		case r == 'W' && !inTime:
			d += time.Duration(n) * 7 * 24 * time.Hour
		case r == 'D' && !inTime:
			d += time.Duration(n) * 24 * time.Hour
		case r == 'H' && inTime:
			d += time.Duration(n) * time.Hour
		case r == 'M' && inTime:
			d += time.Duration(n) * time.Minute
		case r == 'S' && inTime:
			d += time.Duration(n) * time.Second
		default:
			return 0, fmt.Errorf("%q is not a duration like PT1H30M or P1D", s)
		}
		n = 0
	}
	if neg {
		d = -d
	}
	return d, nil
}
