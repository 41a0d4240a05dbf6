// Package importer turns calendars kept elsewhere into events.yaml: an
// iCalendar file (RFC 5545) as Google Calendar, Outlook and Apple Calendar
// export or publish it, or a spreadsheet saved as CSV. It is what
// `calfeed import` runs.
//
// It writes events.yaml as text, not as calendar.Calendar values: the result
// is a file people go on editing, so it is laid out and commented for them,
// and only one piece of code, calendar.Load, decides what a valid
// events.yaml is. Each source format is read into a small model of
// events.yaml (ics.go, csv.go), which yaml.go writes out. Every event is
// written, loaded back through calendar.Load and its instants compared with
// the source's before it is kept, and the whole file is loaded again at the
// end: what Import returns passes `calfeed check` and publishes the same
// instants as the source, or Import says which event it could not bring.
//
// What events.yaml cannot say is approximated or dropped, never silently:
// each such change is a Note with its place in the source. A repeating
// event whose rule calfeed's repeat: cannot express (BYSETPOS, a list of
// days of the month...) becomes one plain event per occurrence. An event
// keeps its source's UID in uid:, so that people subscribed to the old feed
// see updates, not duplicates, once the feed moves to calfeed.
package importer

//go:generate go run ./mkwindowszones
