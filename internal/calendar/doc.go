// Package calendar holds calfeed's domain types (Calendar, Track, Event) and
// loads them from events.yaml: strict decoding, validation that reports every
// problem at its line and column, and resolution of each wall-clock time in its
// IANA zone to the instant it names. A repeating event (repeat:, overrides:)
// is a series whose occurrences Event.Occurrences lists.
//
// Load (or ReadFile) is how a Calendar is built (its lookups by id are
// indexed there) and the one place that decides what a valid calendar is.
// A second input does not construct a Calendar without YAML: it writes
// events.yaml text and loads that through Load, as internal/importer does
// for iCalendar and CSV files.
//
// A *Calendar is not changed once built: Load fills it in, with what the
// lock file records (Options.History, which package lock reads: Changes,
// Stamped, Removed and each event's Sequence and Modified). Readers share
// it without locks; a reload builds a new one.
//
// # Where things are
//
// The types: calendar.go (Calendar, Track, Event, Text), repeat.go (a rule
// and its dates), occurrence.go (an event's occurrences and overrides),
// wall.go (wall-clock times in a zone, and the hours its clocks skip or
// show twice), change.go (the changes `calfeed stamp` records) and
// problem.go (problems, their messages and suggestions), history.go (what
// the lock file records, as Load takes it).
//
// Loading, by what each file reads: load.go the file as a whole (its size,
// UTF-8, the YAML document, the top level); syntax.go YAML syntax errors;
// yamlnode.go mappings, scalars and lists; loadvalues.go ids, texts and
// URLs (urls.go puts an address in the form feeds need); loadcalendar.go
// calendar: and tracks:; loadevent.go events: and each event's keys;
// loadtimes.go start:, end:, duration: and time zones; loadrepeat.go
// repeat:; loadoverrides.go overrides:.
package calendar
