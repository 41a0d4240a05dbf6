package web

import (
	"fmt"
	"strings"
	"time"
)

// Time zones on the page: the reader's, asked for in ?tz= (ParseZone) or
// the field that offers commonZones, and how an event's zone is named
// beside its time (city, utcOffset).

// commonZones are offered beside the zones of the events in the page's
// time zone field; any IANA name works.
var commonZones = []string{
	"UTC", "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
	"America/Mexico_City", "America/Bogota", "America/Sao_Paulo", "America/Argentina/Buenos_Aires",
	"Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Zurich", "Europe/Moscow",
	"Africa/Lagos", "Africa/Cairo", "Africa/Nairobi", "Africa/Johannesburg", "Asia/Dubai",
	"Asia/Riyadh", "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok", "Asia/Jakarta",
	"Asia/Shanghai", "Asia/Hong_Kong", "Asia/Singapore", "Asia/Tokyo", "Asia/Seoul",
	"Australia/Sydney", "Pacific/Auckland",
}

// readerTime is a time in the reader's zone, with the date when it is not
// the event's own (day, in the event's zone).
func readerTime(start, end time.Time, day string, zone *time.Location, t *translator) string {
	start, end = start.In(zone), end.In(zone)
	s := clock(start) + "–" + clock(end)
	if start.Format(time.DateOnly) != day {
		s += ", " + t.ShortDate(start)
	}
	return s
}

func clock(t time.Time) string { return t.Format("15:04") }

//go:generate go run ./mkcities

// city is the city of a zone, in lang when the Unicode CLDR names it
// (苏黎世 for Europe/Zurich in Chinese), else the last part of its IANA
// name, as people say it: "New York" for America/New_York.
func city(loc *time.Location, lang string) string {
	name := loc.String()
	if c, ok := exemplarCities[lang][name]; ok {
		return c
	}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return strings.ReplaceAll(name, "_", " ")
}

// utcOffset is t's offset from UTC: "UTC−5", "UTC+5:30", "UTC".
func utcOffset(t time.Time) string {
	_, off := t.Zone()
	if off == 0 {
		return "UTC"
	}
	sign := "+"
	if off < 0 {
		sign, off = "−", -off
	}
	s := fmt.Sprintf("UTC%s%d", sign, off/3600)
	if m := off % 3600 / 60; m != 0 {
		s += fmt.Sprintf(":%02d", m)
	}
	return s
}

// ParseZone returns the zone named by an IANA Area/City name (or "UTC"), or
// nil for anything else: a page asked for an unknown zone shows the
// event's times only, without an error.
func ParseZone(name string) *time.Location {
	if name == "" || len(name) > 64 {
		return nil
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/_+-", r)
		if !ok {
			return nil
		}
	}
	if name != "UTC" && !strings.Contains(name, "/") {
		return nil
	}
	if strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
		return nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	return loc
}
