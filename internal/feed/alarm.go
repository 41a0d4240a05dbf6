package feed

import (
	"time"

	"calfeed/internal/reminder"
)

// A feed's reminder (Feed.Alarm) is one VALARM (RFC 5545 §3.6.6) in every
// event, with ACTION:DISPLAY and a TRIGGER relative to the event's start
// (§3.8.6.3).

// trigger is a's TRIGGER value, a negative DURATION (RFC 5545 §3.3.6):
// "-PT15M", "-PT1H", "-P1D".
func trigger(a reminder.Reminder) string { return "-" + icalDuration(time.Duration(a)) }
