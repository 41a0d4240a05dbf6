package calendar

import "time"

// ChangeKind says what happened to an event in a published change.
type ChangeKind string

// The kinds of change `calfeed stamp` records.
const (
	ChangeNew       ChangeKind = "new"       // the event appeared
	ChangeMoved     ChangeKind = "moved"     // its start or end changed
	ChangeEdited    ChangeKind = "edited"    // something else subscribers see changed
	ChangeCancelled ChangeKind = "cancelled" // its status became cancelled
	ChangeRemoved   ChangeKind = "removed"   // it left the file
)

// Change is one change to an event, recorded by `calfeed stamp` in the lock
// file, newest last. The times are the event's after the change.
type Change struct {
	EventID  string
	Kind     ChangeKind
	At       time.Time // when it was stamped
	Sequence int       // the event's SEQUENCE after the change
	Title    Text      // the event's title after the change (before, if removed)
	Start    time.Time // zero for a removed event
	End      time.Time
	AllDay   bool
	Location *time.Location // the zone of Start and End; nil if removed
	Tracks   []string
	Private  bool // the event was private when the change was stamped
}
