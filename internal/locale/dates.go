package locale

import (
	"strconv"
	"time"
)

// LongDate is a day heading: "Monday 14 December 2015" in English.
func (w *Words) LongDate(d time.Time) string {
	n := w.dates()
	return n.long(n, d)
}

// ShortDate is a date beside a time: "Mon 14 Dec" in English.
func (w *Words) ShortDate(d time.Time) string {
	n := w.dates()
	return n.short(n, d)
}

// Date is a date without its weekday: "30 June 2016" in English.
func (w *Words) Date(d time.Time) string {
	n := w.dates()
	return n.date(n, d)
}

// DayMonth is a date without its weekday or year: "2 May" in English.
func (w *Words) DayMonth(d time.Time) string {
	n := w.dates()
	return n.dayMonth(n, d)
}

func (w *Words) dates() dateWords {
	if n, ok := dateNames[w.base]; ok {
		return n
	}
	return dateNames["en"]
}

// dateWords are the names a language gives days and months, and how it
// writes a date with them.
type dateWords struct {
	weekdays, shortWeekdays [7]string  // Sunday first, as time.Weekday
	months, shortMonths     [12]string // in the form used after a day number
	long, short             func(w dateWords, d time.Time) string
	// date is a date without its weekday ("30 June 2016"); dayMonth
	// without its year either ("2 May").
	date, dayMonth func(w dateWords, d time.Time) string
}

var dateNames = map[string]dateWords{
	"en": {
		weekdays:      [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		shortWeekdays: [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
		months:        [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		shortMonths:   [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
		long: func(w dateWords, d time.Time) string {
			return w.weekdays[d.Weekday()] + " " + day(d) + " " + w.months[d.Month()-1] + " " + year(d)
		},
		short: func(w dateWords, d time.Time) string {
			return w.shortWeekdays[d.Weekday()] + " " + day(d) + " " + w.shortMonths[d.Month()-1]
		},
		date: func(w dateWords, d time.Time) string {
			return day(d) + " " + w.months[d.Month()-1] + " " + year(d)
		},
		dayMonth: func(w dateWords, d time.Time) string {
			return day(d) + " " + w.months[d.Month()-1]
		},
	},
	"fr": {
		weekdays:      [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		shortWeekdays: [7]string{"dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."},
		months:        [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		shortMonths:   [12]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
		long: func(w dateWords, d time.Time) string {
			return w.weekdays[d.Weekday()] + " " + frDay(d) + " " + w.months[d.Month()-1] + " " + year(d)
		},
		short: func(w dateWords, d time.Time) string {
			return w.shortWeekdays[d.Weekday()] + " " + frDay(d) + " " + w.shortMonths[d.Month()-1]
		},
		date: func(w dateWords, d time.Time) string {
			return frDay(d) + " " + w.months[d.Month()-1] + " " + year(d)
		},
		dayMonth: func(w dateWords, d time.Time) string {
			return frDay(d) + " " + w.months[d.Month()-1]
		},
	},
	"es": {
		weekdays:      [7]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
		shortWeekdays: [7]string{"dom", "lun", "mar", "mié", "jue", "vie", "sáb"},
		months:        [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		shortMonths:   [12]string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"},
		long: func(w dateWords, d time.Time) string {
			return w.weekdays[d.Weekday()] + ", " + day(d) + " de " + w.months[d.Month()-1] + " de " + year(d)
		},
		short: func(w dateWords, d time.Time) string {
			return w.shortWeekdays[d.Weekday()] + ", " + day(d) + " " + w.shortMonths[d.Month()-1]
		},
		date: func(w dateWords, d time.Time) string {
			return day(d) + " de " + w.months[d.Month()-1] + " de " + year(d)
		},
		dayMonth: func(w dateWords, d time.Time) string {
			return day(d) + " de " + w.months[d.Month()-1]
		},
	},
	"ru": {
		weekdays:      [7]string{"воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"},
		shortWeekdays: [7]string{"вс", "пн", "вт", "ср", "чт", "пт", "сб"},
		// Genitive: "14 декабря".
		months:      [12]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"},
		shortMonths: [12]string{"янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек."},
		long: func(w dateWords, d time.Time) string {
			return w.weekdays[d.Weekday()] + ", " + day(d) + " " + w.months[d.Month()-1] + " " + year(d) + " г."
		},
		short: func(w dateWords, d time.Time) string {
			return w.shortWeekdays[d.Weekday()] + ", " + day(d) + " " + w.shortMonths[d.Month()-1]
		},
		date: func(w dateWords, d time.Time) string {
			return day(d) + " " + w.months[d.Month()-1] + " " + year(d) + " г."
		},
		dayMonth: func(w dateWords, d time.Time) string {
			return day(d) + " " + w.months[d.Month()-1]
		},
	},
	"zh": {
		weekdays:      [7]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"},
		shortWeekdays: [7]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"},
		long: func(w dateWords, d time.Time) string {
			return year(d) + "年" + strconv.Itoa(int(d.Month())) + "月" + day(d) + "日 " + w.weekdays[d.Weekday()]
		},
		short: func(w dateWords, d time.Time) string {
			return strconv.Itoa(int(d.Month())) + "月" + day(d) + "日 " + w.shortWeekdays[d.Weekday()]
		},
		date: func(w dateWords, d time.Time) string {
			return year(d) + "年" + strconv.Itoa(int(d.Month())) + "月" + day(d) + "日"
		},
		dayMonth: func(w dateWords, d time.Time) string {
			return strconv.Itoa(int(d.Month())) + "月" + day(d) + "日"
		},
	},
	"ar": {
		weekdays:      [7]string{"الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت"},
		shortWeekdays: [7]string{"الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت"},
		months:        [12]string{"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"},
		shortMonths:   [12]string{"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"},
		long: func(w dateWords, d time.Time) string {
			return w.weekdays[d.Weekday()] + "، " + day(d) + " " + w.months[d.Month()-1] + " " + year(d)
		},
		short: func(w dateWords, d time.Time) string {
			return w.shortWeekdays[d.Weekday()] + " " + day(d) + " " + w.shortMonths[d.Month()-1]
		},
		date: func(w dateWords, d time.Time) string {
			return day(d) + " " + w.months[d.Month()-1] + " " + year(d)
		},
		dayMonth: func(w dateWords, d time.Time) string {
			return day(d) + " " + w.months[d.Month()-1]
		},
	},
}

func day(d time.Time) string  { return strconv.Itoa(d.Day()) }
func year(d time.Time) string { return strconv.Itoa(d.Year()) }

// frDay writes the first of the month as French does: "1er".
func frDay(d time.Time) string {
	if d.Day() == 1 {
		return "1er"
	}
	return day(d)
}
