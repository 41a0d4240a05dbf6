package importer

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Outlook's CSV export and the template Google Calendar's CSV import
// takes (Google exports only iCalendar) name their columns Subject, Start
// Date, Start Time, End Date, End Time, All Day Event, Description,
// Location, Private; their dates are written the way the machine writes
// dates (Google: 05/30/2020; Outlook: its locale's, 30.05.2020 in
// German), and their times 10:00 AM or 10:00. exportColumns turns such a
// file's rows into events.yaml's columns, and reports whether the header
// was one.
//
// The two differ on an all-day event's End Date: Outlook writes the day
// after the last (a one-day event on 1 June ends 2 June), Google's help
// for its template calls it "the last day of the event", and Google
// Calendar reads it so. Outlook's export always has columns the template
// has not (outlookColumns), which tells the two apart.

// exportHeader maps an export's column names (lower-case) to what they are.
var exportHeader = map[string]string{
	"subject": "title", "start date": "startdate", "start time": "starttime",
	"end date": "enddate", "end time": "endtime", "all day event": "allday",
	"description": "description", "location": "location", "private": "private",
	"sensitivity": "sensitivity",
}

// outlookColumns are columns of Outlook's export (in English) that Google's
// template has not: a file with one of them is Outlook's.
var outlookColumns = map[string]bool{
	"reminder on/off": true, "reminder date": true, "reminder time": true,
	"meeting organizer": true, "required attendees": true, "optional attendees": true,
	"meeting resources": true, "billing information": true, "categories": true,
	"mileage": true, "priority": true, "sensitivity": true, "show time as": true,
}

// exportColumns converts the rows of Outlook's CSV export or a file in
// Google Calendar's CSV template to the columns title, start, end,
// description and location; ok is false when the header is neither.
func exportColumns(header []string, rows []csvRow, ns *notes, headerLine int) (newHeader []string, out []csvRow, ok bool) {
	at := map[string]int{}
	outlook := false
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if k, known := exportHeader[name]; known {
			at[k] = i
		}
		outlook = outlook || outlookColumns[name]
	}
	if _, has := at["title"]; !has {
		return nil, nil, false
	}
	if _, has := at["startdate"]; !has {
		return nil, nil, false
	}
	cell := func(r csvRow, k string) string {
		if i, has := at[k]; has && i < len(r.cells) {
			return strings.TrimSpace(r.cells[i])
		}
		return ""
	}
	var dates []string
	for _, r := range rows {
		dates = append(dates, cell(r, "startdate"), cell(r, "enddate"))
	}
	order, note := dateOrder(dates)
	newHeader = []string{"title", "start", "end", "description", "location", "private"}
	longer := false // an all-day row whose End Date is not its start's
	for _, r := range rows {
		allDay := strings.EqualFold(cell(r, "allday"), "true") || strings.EqualFold(cell(r, "allday"), "yes")
		start, err := exportTime(cell(r, "startdate"), cell(r, "starttime"), order, allDay)
		if err != nil {
			ns.add(r.line, at["startdate"]+1, "start: %v; row not imported", err)
			continue
		}
		end := ""
		if d := cell(r, "enddate"); d != "" {
			if end, err = exportTime(d, cell(r, "endtime"), order, allDay); err != nil {
				ns.add(r.line, at["enddate"]+1, "end: %v; read without an end", err)
				end = ""
			}
		}
		if allDay && end != "" {
			longer = longer || end != start
			end = allDayEnd(start, end, outlook)
		}
		private := "false"
		if strings.EqualFold(cell(r, "private"), "true") || slices.Contains([]string{"private", "confidential", "personal"}, strings.ToLower(cell(r, "sensitivity"))) {
			private = "true"
			ns.add(r.line, 0, "%q is private in the export: written with private: true, so that only secret addresses show it (calfeed token add; docs/private.md)", cell(r, "title"))
		}
		out = append(out, csvRow{cells: []string{cell(r, "title"), start, end, cell(r, "description"), cell(r, "location"), private}, line: r.line})
	}
	kind := "of Google Calendar's CSV template"
	if outlook {
		kind = "of Outlook's CSV export"
	}
	if longer {
		if outlook {
			note += "; an all-day End Date read as the day after the last day, as Outlook writes it"
		} else {
			note += "; an all-day End Date read as the last day, as Google Calendar reads its template (write the day before if the file gives the day after, as Outlook does)"
		}
	}
	ns.add(headerLine, 0, "the columns are those %s: read as title, start, end, description, location and private%s", kind, note)
	return newHeader, out, true
}

// allDayEnd is events.yaml's end (the last day; empty for one day) of an
// all-day row from start to end, both dates: end is the day after the
// last in Outlook's export, the last day in Google's template. An end
// before the start (or not after it, in Outlook's) is read as one day.
func allDayEnd(start, end string, outlook bool) string {
	s, e := mustDate(start), mustDate(end)
	if outlook {
		e = e.AddDate(0, 0, -1)
	}
	if !e.After(s) {
		return ""
	}
	return e.Format(dateLayout)
}

func mustDate(s string) time.Time {
	t, _ := time.Parse(dateLayout, s)
	return t
}

// dateOrder finds how an export writes dates with slashes or dots: month
// first (05/30/2020, as Google and US Outlook do) or day first
// (30.05.2020, 30/05/2020), from a date whose first or second number is
// past 12; with none, month first, which note says.
func dateOrder(dates []string) (dayFirst bool, note string) {
	for _, d := range dates {
		var a, b, y int
		sep := "/"
		if strings.Contains(d, ".") {
			sep = "."
		}
		if n, _ := fmt.Sscanf(strings.ReplaceAll(d, sep, " "), "%d %d %d", &a, &b, &y); n != 3 {
			continue
		}
		if a > 12 {
			return true, ""
		}
		if b > 12 {
			return false, ""
		}
	}
	for _, d := range dates {
		if strings.ContainsAny(d, "/.") {
			return false, " (dates read month first, 05/06/2020 as 6 May: no date says otherwise; check them)"
		}
	}
	return false, ""
}

// exportTime writes an export's date and time as events.yaml does: a date
// for an all-day event, else a wall time.
func exportTime(date, clock string, dayFirst, allDay bool) (string, error) {
	var t time.Time
	var err error
	switch {
	case strings.Contains(date, "-"):
		t, err = time.Parse("2006-01-02", strings.Fields(date)[0])
		if err == nil && clock == "" && strings.Contains(date, " ") {
			clock = strings.Fields(date)[1]
		}
	default:
		layouts := []string{"1/2/2006", "1.2.2006"}
		if dayFirst {
			layouts = []string{"2/1/2006", "2.1.2006"}
		}
		for _, l := range layouts {
			if t, err = time.Parse(l, date); err == nil {
				break
			}
		}
	}
	if err != nil {
		return "", fmt.Errorf("%q is not a date", date)
	}
	if allDay || clock == "" {
		return t.Format(dateLayout), nil
	}
	for _, l := range []string{"3:04:05 PM", "3:04 PM", "15:04:05", "15:04", "3:04:05PM", "3:04PM"} {
		if c, err := time.Parse(l, strings.ToUpper(clock)); err == nil {
			return t.Add(time.Duration(c.Hour())*time.Hour + time.Duration(c.Minute())*time.Minute).Format("2006-01-02 15:04"), nil
		}
	}
	return "", fmt.Errorf("%q is not a time", clock)
}
