package feed

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Alarm is how long before each event a feed's reminder goes off: one
// VALARM (RFC 5545 §3.6.6) with ACTION:DISPLAY and a TRIGGER relative to the
// event's start (§3.8.6.3). NoAlarm, the zero value, is a feed without
// reminders, the default: subscribers dislike feeds that ring.
//
// Only the values of Alarms are accepted: every feed is rendered once per
// alarm, so the set is small and fixed.
type Alarm time.Duration

// NoAlarm is a feed without reminders.
const NoAlarm Alarm = 0

// Alarms returns the reminders a feed can carry, shortest first: the values
// of ?alarm=, which String writes.
func Alarms() []Alarm {
	return []Alarm{
		Alarm(15 * time.Minute),
		Alarm(30 * time.Minute),
		Alarm(time.Hour),
		Alarm(24 * time.Hour),
	}
}

// String writes a as ?alarm= takes it: "15m", "30m", "1h", "1d"; NoAlarm
// is "".
func (a Alarm) String() string {
	d := time.Duration(a)
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

// ParseAlarm reads an alarm as String writes it; "" is NoAlarm. Any other
// text is an error that lists the accepted values.
func ParseAlarm(s string) (Alarm, error) {
	if s == "" {
		return NoAlarm, nil
	}
	for _, a := range Alarms() {
		if s == a.String() {
			return a, nil
		}
	}
	return NoAlarm, fmt.Errorf("feed: alarm %q is not one of %s", s, alarmList())
}

// alarmList is "15m, 30m, 1h or 1d".
func alarmList() string {
	all := Alarms()
	names := make([]string, len(all))
	for i, a := range all {
		names[i] = a.String()
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// valid reports whether a is NoAlarm or one of Alarms.
func (a Alarm) valid() bool { return a == NoAlarm || slices.Contains(Alarms(), a) }

// trigger is a's TRIGGER value, a negative DURATION (RFC 5545 §3.3.6):
// "-PT15M", "-PT1H", "-P1D".
func (a Alarm) trigger() string { return "-" + icalDuration(time.Duration(a)) }
