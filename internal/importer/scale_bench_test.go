package importer

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// manyICS is a calendar of one weekly series with n changed occurrences
// (RECURRENCE-ID), or, with rdates, of one event with n RDATEs.
func manyICS(n int, rdates bool) []byte {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:s@x\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:S\r\n" +
		"DTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\n")
	start := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	if rdates {
		for i := range n {
			fmt.Fprintf(&b, "RDATE:%s\r\n", start.Add(time.Duration(i+1)*time.Hour).Format("20060102T150405Z"))
		}
		b.WriteString("END:VEVENT\r\n")
	} else {
		b.WriteString("RRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n")
		for i := range n {
			at := start.AddDate(0, 0, 7*(i+1)).Format("20060102T150405Z")
			fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:s@x\r\nDTSTAMP:20240101T000000Z\r\nRECURRENCE-ID:%s\r\nSUMMARY:S %d\r\nDTSTART:%s\r\nDTEND:%s\r\nEND:VEVENT\r\n", at, i, at, at)
		}
	}
	b.WriteString("END:VCALENDAR\r\n")
	return []byte(b.String())
}

// BenchmarkImportScale: one series with 1,000 and 4,000 changed
// occurrences (grouped by their instant, not each matched against all
// before it), and one event with 5,000 and 20,000 RDATEs (a component's
// properties looked up through an index, not walked for each event
// written): each linear, not square, in their number.
func BenchmarkImportScale(b *testing.B) {
	for _, bc := range []struct {
		what   string
		rdates bool
		n      int
	}{{"overrides", false, 1000}, {"overrides", false, 4000}, {"rdates", true, 5000}, {"rdates", true, 20000}} {
		data := manyICS(bc.n, bc.rdates)
		b.Run(fmt.Sprint(bc.what, "-", bc.n), func(b *testing.B) {
			for b.Loop() {
				if _, err := ICS("x.ics", data, Options{Now: time.Now}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRuleNoDate: ten series whose rules give no date, in ways the
// importer does not foresee (by week number and month, by day of the
// year and month): each walk ends within 400 years of the series' limit,
// where it went on to the year 9999 (see ruleTimes).
func BenchmarkRuleNoDate(b *testing.B) {
	var src strings.Builder
	src.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n")
	for i := range 10 {
		rule := []string{"FREQ=YEARLY;BYWEEKNO=1;BYMONTH=6", "FREQ=YEARLY;BYYEARDAY=1;BYMONTH=7"}[i%2]
		fmt.Fprintf(&src, "BEGIN:VEVENT\r\nUID:n%d@x\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:N\r\nDTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\nRRULE:%s\r\nEND:VEVENT\r\n", i, rule)
	}
	src.WriteString("END:VCALENDAR\r\n")
	data := []byte(src.String())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ICS("never.ics", data, Options{Now: now}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRuleNoDay: ten series of days (of minutes) whose days never
// come (week 1 in June): found at once by a yearly rule of the same
// parts (see noDay), where rrule-go walked every day (every minute of it)
// for 400 years past the limit.
func BenchmarkRuleNoDay(b *testing.B) {
	for _, freq := range []string{"DAILY", "MINUTELY;BYHOUR=23;BYMINUTE=59"} {
		var src strings.Builder
		src.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n")
		for i := range 10 {
			fmt.Fprintf(&src, "BEGIN:VEVENT\r\nUID:n%d@x\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:N\r\nDTSTART:20260105T235900Z\r\nDTEND:20260106T000000Z\r\nRRULE:FREQ=%s;BYWEEKNO=1;BYMONTH=6\r\nEND:VEVENT\r\n", i, freq)
		}
		src.WriteString("END:VCALENDAR\r\n")
		data := []byte(src.String())
		name, _, _ := strings.Cut(freq, ";")
		b.Run(strings.ToLower(name), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ICS("noday.ics", data, Options{Now: now}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
