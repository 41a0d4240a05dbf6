// Package reminder is the reminder a feed can carry: how long before each
// event it goes off, as ?alarm= asks for it ("15m", "30m", "1h", "1d").
// Package feed writes it as a VALARM, package web offers it on the page,
// feedsjson lists it, and the server parses it once, here.
//
// Only the values of All are accepted: a feed is rendered once per
// reminder asked for, so the set is small and fixed.
package reminder

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"calfeed/internal/locale"
)

// Reminder is how long before each event a reminder goes off. None, the
// zero value, is no reminder: the default, since subscribers dislike feeds
// that ring.
type Reminder time.Duration

// None is no reminder.
const None Reminder = 0

// All returns the reminders a feed can carry, shortest first.
func All() []Reminder {
	return []Reminder{
		Reminder(15 * time.Minute),
		Reminder(30 * time.Minute),
		Reminder(time.Hour),
		Reminder(24 * time.Hour),
	}
}

// String writes r as ?alarm= takes it: "15m", "30m", "1h", "1d"; None is "".
func (r Reminder) String() string {
	d := time.Duration(r)
	switch {
	case d == 0:
		return ""
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	default:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
}

// Parse reads a reminder as String writes it; "" is None. Any other text
// is an error that lists the accepted values.
func Parse(s string) (Reminder, error) {
	if s == "" {
		return None, nil
	}
	for _, r := range All() {
		if s == r.String() {
			return r, nil
		}
	}
	return None, fmt.Errorf("reminder %q is not one of %s", s, List())
}

// List is "15m, 30m, 1h or 1d".
func List() string {
	all := All()
	names := make([]string, len(all))
	for i, r := range all {
		names[i] = r.String()
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Valid reports whether r is None or one of All.
func (r Reminder) Valid() bool { return r == None || slices.Contains(All(), r) }

// Minutes is how many minutes before each event r goes off.
func (r Reminder) Minutes() int { return int(time.Duration(r) / time.Minute) }

// Label names r in w's language: "15 minutes before", "1 day before";
// None is "No reminder".
func (r Reminder) Label(w *locale.Words) string {
	d := time.Duration(r)
	switch {
	case d == 0:
		return w.Get("alarm_none")
	case d%(24*time.Hour) == 0:
		return w.N("alarm_days", int(d/(24*time.Hour)))
	case d%time.Hour == 0:
		return w.N("alarm_hours", int(d/time.Hour))
	default:
		return w.N("alarm_minutes", int(d/time.Minute))
	}
}
