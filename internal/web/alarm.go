package web

import (
	"calfeed/internal/locale"
	"slices"
	"strconv"
)

// Reminders. Which reminders a feed can carry is package feed's to say
// (feed.Alarms); the server passes their ?alarm= values in
// Request.Alarms, so that this package need not import feed. A value is a
// count and a unit, "15m", "1h" or "1d", which is all the page needs to
// name it in every language.

// alarmChoice is one option of a feed's reminder control.
type alarmChoice struct {
	Value    string // the ?alarm= value; "" for none
	Label    string // "1 hour before"
	Selected bool
}

// chosenAlarm returns the reminder r asks for when it is one of r.Alarms,
// else "" (none): a page never links to a feed the server would refuse.
func (r Request) chosenAlarm() string {
	if r.Alarm != "" && slices.Contains(r.Alarms, r.Alarm) {
		return r.Alarm
	}
	return ""
}

// alarmChoices are the options of the reminder control: none, then every
// reminder offered, with chosen selected. Without reminders to offer there
// is no control: nil.
func alarmChoices(r Request, chosen string, t *translator) []alarmChoice {
	if len(r.Alarms) == 0 {
		return nil
	}
	out := []alarmChoice{{Value: "", Label: t.Get("alarm_none"), Selected: chosen == ""}}
	for _, a := range r.Alarms {
		out = append(out, alarmChoice{Value: a, Label: AlarmLabel(t, a), Selected: a == chosen})
	}
	return out
}

// alarmParts reads a ?alarm= value: "15m" is 15 and 'm'. ok is false for
// anything but a positive count and one of the units m, h or d.
func alarmParts(v string) (n int, unit byte, ok bool) {
	if len(v) < 2 {
		return 0, 0, false
	}
	unit = v[len(v)-1]
	n, err := strconv.Atoi(v[:len(v)-1])
	if err != nil || n <= 0 || v[0] == '+' || (unit != 'm' && unit != 'h' && unit != 'd') {
		return 0, 0, false
	}
	return n, unit, true
}

// AlarmMinutes is how many minutes before each event the reminder v goes
// off, or 0 for a value alarmParts does not read.
func AlarmMinutes(v string) int {
	n, unit, ok := alarmParts(v)
	switch {
	case !ok:
		return 0
	case unit == 'h':
		return n * 60
	case unit == 'd':
		return n * 24 * 60
	}
	return n
}

// AlarmLabel names the reminder v: "15 minutes before", "1 day before";
// a value it cannot read stays as it is.
func AlarmLabel(t *locale.Words, v string) string {
	n, unit, ok := alarmParts(v)
	if !ok {
		return v
	}
	key := map[byte]string{'m': "alarm_minutes", 'h': "alarm_hours", 'd': "alarm_days"}[unit]
	return t.N(key, n)
}
