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

// BenchmarkImportOverrides: one series with 1,000 and 4,000 changed
// occurrences; linear, not square, in their number (they are grouped by
// their instant, not each matched against all before it).
func BenchmarkImportOverrides(b *testing.B) {
	for _, n := range []int{1000, 4000} {
		data := manyICS(n, false)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := ICS("x.ics", data, Options{Now: time.Now}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkImportRDates: one event with 5,000 and 20,000 RDATEs, each
// written out as an event of its own; linear in their number (a
// component's properties are looked up through an index, not walked for
// each event written).
func BenchmarkImportRDates(b *testing.B) {
	for _, n := range []int{5000, 20000} {
		data := manyICS(n, true)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := ICS("x.ics", data, Options{Now: time.Now}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
