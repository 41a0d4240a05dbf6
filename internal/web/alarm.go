package web

import (
	"slices"

	"calfeed/internal/reminder"
)

// Reminders: which a feed can carry is package reminder's to say; the
// server passes them in Request.Alarms.

// alarmChoice is one option of a feed's reminder control.
type alarmChoice struct {
	Value    string // the ?alarm= value; "" for none
	Label    string // "1 hour before"
	Selected bool
}

// chosenAlarm returns the reminder r asks for when it is one of r.Alarms,
// else none: a page never links to a feed the server would refuse.
func (r Request) chosenAlarm() reminder.Reminder {
	if slices.Contains(r.Alarms, r.Alarm) {
		return r.Alarm
	}
	return reminder.None
}

// alarmChoices are the options of the reminder control: none, then every
// reminder offered, with chosen selected. Without reminders to offer there
// is no control: nil.
func alarmChoices(r Request, chosen reminder.Reminder, t *translator) []alarmChoice {
	if len(r.Alarms) == 0 {
		return nil
	}
	out := []alarmChoice{{Value: "", Label: reminder.None.Label(t), Selected: chosen == reminder.None}}
	for _, a := range r.Alarms {
		out = append(out, alarmChoice{Value: a.String(), Label: a.Label(t), Selected: a == chosen})
	}
	return out
}
