package web

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// uiLanguages are the languages of the page's own words: the six official
// languages of the United Nations. Other languages fall back to English.
var uiLanguages = []string{"ar", "zh", "en", "fr", "ru", "es"}

// UILanguages returns the languages the page's own words are written in.
func UILanguages() []string { return slices.Clone(uiLanguages) }

// selfNames are the languages' names in themselves, for the switcher.
var selfNames = map[string]string{
	"ar": "العربية",
	"zh": "中文",
	"en": "English",
	"fr": "Français",
	"ru": "Русский",
	"es": "Español",
}

// languageName is lang's name in itself, or the code for a language this
// package has no name for.
func languageName(lang string) string {
	if n, ok := selfNames[lang]; ok {
		return n
	}
	if n, ok := selfNames[primary(lang)]; ok {
		return n + " (" + lang + ")"
	}
	return lang
}

// Direction is "rtl" for a language written right to left, else "ltr".
func Direction(lang string) string {
	switch primary(lang) {
	case "ar", "he", "fa", "ur", "ps", "yi", "dv", "ug", "ckb":
		return "rtl"
	}
	return "ltr"
}

// primary is the primary subtag of a language tag, lower case: "zh" for
// "zh-Hans-CN".
func primary(tag string) string {
	p, _, _ := strings.Cut(tag, "-")
	p, _, _ = strings.Cut(p, "_")
	return strings.ToLower(p)
}

// Languages returns the languages a page can be shown in for a calendar
// whose data is in dataLangs: the six UN languages, then any data language
// not among them (its page words fall back to English).
func Languages(dataLangs []string) []string {
	out := UILanguages()
	for _, l := range dataLangs {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// Negotiate picks the page language: query (the ?lang= value) when it is
// one of Languages(dataLangs), else the best match of the Accept-Language
// header, else the calendar's default (dataLangs[0]).
func Negotiate(query, acceptLanguage string, dataLangs []string) string {
	avail := Languages(dataLangs)
	if query != "" {
		if l, ok := match(query, avail); ok {
			return l
		}
	}
	for _, tag := range parseAcceptLanguage(acceptLanguage) {
		if l, ok := match(tag, avail); ok {
			return l
		}
	}
	if len(dataLangs) > 0 {
		return dataLangs[0]
	}
	return "en"
}

// DataLanguage is the language of the calendar's data shown on a page in
// lang: lang itself when the calendar has it, else the calendar's default.
func DataLanguage(lang string, dataLangs []string) string {
	if slices.Contains(dataLangs, lang) || len(dataLangs) == 0 {
		return lang
	}
	return dataLangs[0]
}

// match finds tag among avail: exactly (case-insensitively), then by
// primary subtag ("zh-CN" and "zh-TW" match "zh"; "pt" matches "pt-BR").
func match(tag string, avail []string) (string, bool) {
	for _, a := range avail {
		if strings.EqualFold(a, tag) {
			return a, true
		}
	}
	p := primary(tag)
	for _, a := range avail {
		if strings.EqualFold(a, p) {
			return a, true
		}
	}
	for _, a := range avail {
		if primary(a) == p {
			return a, true
		}
	}
	return "", false
}

// parseAcceptLanguage returns the tags of an Accept-Language header (RFC
// 9110 §12.5.4) by decreasing preference, leaving out q=0 and "*".
func parseAcceptLanguage(h string) []string {
	type weighted struct {
		tag string
		q   float64
	}
	var ws []weighted
	for i, part := range strings.Split(h, ",") {
		if i >= 32 { // no real browser sends more; a hostile header costs nothing
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.TrimSpace(tag)
		if tag == "" || tag == "*" || len(tag) > 35 {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		if q > 0 {
			ws = append(ws, weighted{tag, q})
		}
	}
	sort.SliceStable(ws, func(i, j int) bool { return ws[i].q > ws[j].q })
	tags := make([]string, len(ws))
	for i, w := range ws {
		tags[i] = w.tag
	}
	return tags
}

// plural returns the CLDR plural category of the integer n in lang: "zero",
// "one", "two", "few", "many" or "other".
// See unicode.org/cldr/charts/latest/supplemental/language_plural_rules.html.
func plural(lang string, n int) string {
	if n < 0 {
		n = -n
	}
	switch primary(lang) {
	case "zh", "ja", "ko":
		return "other"
	case "fr":
		if n == 0 || n == 1 {
			return "one"
		}
		return "other"
	case "ru", "uk":
		switch {
		case n%10 == 1 && n%100 != 11:
			return "one"
		case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
			return "few"
		default:
			return "many"
		}
	case "ar":
		switch {
		case n == 0:
			return "zero"
		case n == 1:
			return "one"
		case n == 2:
			return "two"
		case n%100 >= 3 && n%100 <= 10:
			return "few"
		case n%100 >= 11:
			return "many"
		default:
			return "other"
		}
	default:
		if n == 1 {
			return "one"
		}
		return "other"
	}
}

// translator gives the page's words in one language.
type translator struct {
	lang string
	msgs map[string]string // this language's
	en   map[string]string // the fallback
}

func newTranslator(lang string) *translator {
	msgs, ok := catalog[lang]
	if !ok {
		msgs = catalog[primary(lang)]
	}
	if msgs == nil {
		msgs = catalog["en"]
	}
	return &translator{lang: lang, msgs: msgs, en: catalog["en"]}
}

// Lang returns the translator's language.
func (t *translator) Lang() string { return t.lang }

// Get returns the message key, with {1}, {2}, … replaced by args.
func (t *translator) Get(key string, args ...any) string {
	s, ok := t.msgs[key]
	if !ok {
		s, ok = t.en[key]
	}
	if !ok {
		return key
	}
	return fill(s, args)
}

// N returns the plural form of key for the count n, with {n} replaced by n
// and {1}, {2}, … by args.
func (t *translator) N(key string, n int, args ...any) string {
	s, ok := t.msgs[key+"."+plural(t.lang, n)]
	if !ok {
		s, ok = t.msgs[key+".other"]
	}
	if !ok {
		if s, ok = t.en[key+"."+plural("en", n)]; !ok {
			return key
		}
	}
	return fill(strings.ReplaceAll(s, "{n}", strconv.Itoa(n)), args)
}

func fill(s string, args []any) string {
	for i, a := range args {
		s = strings.ReplaceAll(s, "{"+strconv.Itoa(i+1)+"}", fmt.Sprint(a))
	}
	return s
}

// LongDate is a day heading: "Monday 14 December 2015" in English.
func (t *translator) LongDate(d time.Time) string {
	w := dateNames[datePrimary(t.lang)]
	return w.long(w, d)
}

// ShortDate is a date beside a time: "Mon 14 Dec" in English.
func (t *translator) ShortDate(d time.Time) string {
	w := dateNames[datePrimary(t.lang)]
	return w.short(w, d)
}

func datePrimary(lang string) string {
	if _, ok := dateNames[primary(lang)]; ok {
		return primary(lang)
	}
	return "en"
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
