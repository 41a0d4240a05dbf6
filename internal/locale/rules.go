package locale

import (
	"strconv"
	"time"
)

// The words of a repeating rule's description that depend on a language's
// grammar more than a message can (see package web's ruleText, which puts
// them in the rule_* messages).

// Weekdays names the days of a weekly rule as "Every {1}" takes them:
// "Tuesday and Thursday", "mardis et jeudis", "по вторникам и четвергам".
func (w *Words) Weekdays(days []time.Weekday) string { return w.rules().weekly(days) }

// MonthDay is a day of the month as a monthly rule says it: "the 29th",
// "le 29", "29日".
func (w *Words) MonthDay(d int) string { return w.rules().monthDay(d) }

// Nth is a weekday's place in the month (1 to 4, or -1 for the last) as
// a monthly rule says it: "the last Friday", "в последнюю пятницу".
func (w *Words) Nth(n int, wd time.Weekday) string { return w.rules().nth(n, wd) }

// YearDay is the date of a yearly rule: "2 May", "le 2 mai".
func (w *Words) YearDay(d time.Time) string {
	n := w.dates()
	return w.rules().yearDay(n, d)
}

func (w *Words) rules() ruleWords {
	if r, ok := ruleNames[w.base]; ok {
		return r
	}
	return ruleNames["en"]
}

// ruleWords are the pieces of a rule's description that depend on a
// language's grammar more than a message can: the case and gender a weekday
// takes after "every" or "the first".
type ruleWords struct {
	// weekly names the days of a weekly rule as "every {1}" takes them:
	// "Tuesday and Thursday", "mardis et jeudis", "по вторникам и четвергам".
	weekly func(days []time.Weekday) string
	// monthDay is a day of the month: "the 29th", "le 29", "29日".
	monthDay func(d int) string
	// nth is a weekday's position in the month (1 to 4, or -1 for the
	// last): "the last Friday", "в последнюю пятницу".
	nth func(n int, wd time.Weekday) string
	// yearDay is the date of a yearly rule: "2 May", "le 2 mai".
	yearDay func(w dateWords, d time.Time) string
}

// joinList joins items as a list: "a, b and c" with sep ", " and last
// " and ".
func joinList(items []string, sep, last string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	s := items[0]
	for _, it := range items[1 : len(items)-1] {
		s += sep + it
	}
	return s + last + items[len(items)-1]
}

// weekdayList names days from a table indexed by time.Weekday.
func weekdayList(names [7]string, days []time.Weekday, sep, last string) string {
	items := make([]string, len(days))
	for i, d := range days {
		items[i] = names[d]
	}
	return joinList(items, sep, last)
}

// ordinalIndex maps a position in the month (1 to 4, -1 for the last) to
// an index in a table of five words: first, second, third, fourth, last.
func ordinalIndex(n int) int {
	if n < 0 || n > 4 {
		return 4
	}
	return n - 1
}

// englishOrdinal writes 1st, 2nd, 3rd, 4th, 11th, 21st, 22nd, 29th.
func englishOrdinal(d int) string {
	suffix := "th"
	switch {
	case d%100 >= 11 && d%100 <= 13:
	case d%10 == 1:
		suffix = "st"
	case d%10 == 2:
		suffix = "nd"
	case d%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(d) + suffix
}

var ruleNames = map[string]ruleWords{
	"en": {
		weekly: func(days []time.Weekday) string {
			return weekdayList(dateNames["en"].weekdays, days, ", ", " and ")
		},
		monthDay: func(d int) string { return "the " + englishOrdinal(d) },
		nth: func(n int, wd time.Weekday) string {
			return "the " + [...]string{"first", "second", "third", "fourth", "last"}[ordinalIndex(n)] + " " + dateNames["en"].weekdays[wd]
		},
		yearDay: func(w dateWords, d time.Time) string { return w.dayMonth(w, d) },
	},
	"fr": {
		weekly: func(days []time.Weekday) string {
			plural := [7]string{"dimanches", "lundis", "mardis", "mercredis", "jeudis", "vendredis", "samedis"}
			return weekdayList(plural, days, ", ", " et ")
		},
		monthDay: func(d int) string {
			if d == 1 {
				return "le 1er"
			}
			return "le " + strconv.Itoa(d)
		},
		nth: func(n int, wd time.Weekday) string {
			return "le " + [...]string{"premier", "deuxième", "troisième", "quatrième", "dernier"}[ordinalIndex(n)] + " " + dateNames["fr"].weekdays[wd]
		},
		yearDay: func(w dateWords, d time.Time) string { return "le " + w.dayMonth(w, d) },
	},
	"es": {
		weekly: func(days []time.Weekday) string {
			plural := [7]string{"domingos", "lunes", "martes", "miércoles", "jueves", "viernes", "sábados"}
			return weekdayList(plural, days, ", ", " y ")
		},
		monthDay: func(d int) string { return "el día " + strconv.Itoa(d) },
		nth: func(n int, wd time.Weekday) string {
			return "el " + [...]string{"primer", "segundo", "tercer", "cuarto", "último"}[ordinalIndex(n)] + " " + dateNames["es"].weekdays[wd]
		},
		yearDay: func(w dateWords, d time.Time) string { return "el " + w.dayMonth(w, d) },
	},
	"ru": {
		// "по четвергам": the dative plural takes no gender.
		weekly: func(days []time.Weekday) string {
			dative := [7]string{"воскресеньям", "понедельникам", "вторникам", "средам", "четвергам", "пятницам", "субботам"}
			return weekdayList(dative, days, ", ", " и ")
		},
		monthDay: func(d int) string { return strconv.Itoa(d) + "-го числа" },
		// "в первый понедельник", "во вторую среду", "в последнее
		// воскресенье": the ordinal agrees with the weekday's gender, in
		// the accusative.
		nth: func(n int, wd time.Weekday) string {
			accusative := [7]string{"воскресенье", "понедельник", "вторник", "среду", "четверг", "пятницу", "субботу"}
			gender := [7]int{2, 0, 0, 1, 0, 1, 1} // 0 masculine, 1 feminine, 2 neuter
			ordinals := [3][5]string{
				{"первый", "второй", "третий", "четвёртый", "последний"},
				{"первую", "вторую", "третью", "четвёртую", "последнюю"},
				{"первое", "второе", "третье", "четвёртое", "последнее"},
			}
			prep := "в "
			if n == 2 {
				prep = "во "
			}
			return prep + ordinals[gender[wd]][ordinalIndex(n)] + " " + accusative[wd]
		},
		yearDay: func(w dateWords, d time.Time) string { return w.dayMonth(w, d) },
	},
	"ar": {
		// "يوم الخميس", "أيام الاثنين والخميس".
		weekly: func(days []time.Weekday) string {
			list := weekdayList(dateNames["ar"].weekdays, days, " و", " و")
			if len(days) == 1 {
				return "يوم " + list
			}
			return "أيام " + list
		},
		monthDay: func(d int) string { return "اليوم " + strconv.Itoa(d) },
		// "أول ثلاثاء", "آخر جمعة": the weekday without its article.
		nth: func(n int, wd time.Weekday) string {
			bare := [7]string{"أحد", "اثنين", "ثلاثاء", "أربعاء", "خميس", "جمعة", "سبت"}
			return [...]string{"أول", "ثاني", "ثالث", "رابع", "آخر"}[ordinalIndex(n)] + " " + bare[wd]
		},
		yearDay: func(w dateWords, d time.Time) string { return w.dayMonth(w, d) },
	},
	"zh": {
		weekly: func(days []time.Weekday) string {
			return weekdayList(dateNames["zh"].shortWeekdays, days, "、", "和")
		},
		monthDay: func(d int) string { return strconv.Itoa(d) + "日" },
		nth: func(n int, wd time.Weekday) string {
			return [...]string{"第一个", "第二个", "第三个", "第四个", "最后一个"}[ordinalIndex(n)] + dateNames["zh"].shortWeekdays[wd]
		},
		yearDay: func(w dateWords, d time.Time) string { return w.dayMonth(w, d) },
	},
}
