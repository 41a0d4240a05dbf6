package web

import (
	"strings"
	"testing"
)

// rulesYAML has one event per kind of rule that ruleText describes.
const rulesYAML = `
calendar:
  id: rules
  name: Rules
  timezone: Europe/Zurich
  languages: [en]
events:
  - {id: weekly-until, title: A, start: 2016-05-05 09:00, duration: 1h, repeat: {freq: weekly, days: [th], until: 2016-06-30}}
  - {id: weekly-default, title: B, start: 2016-05-05 09:00, duration: 1h, repeat: {freq: weekly, count: 4}}
  - {id: fortnightly, title: C, start: 2016-03-22 18:30, duration: 1h, repeat: {freq: weekly, interval: 2, days: [tu, th], count: 30}}
  - {id: three-days, title: D, start: 2016-03-23 18:30, duration: 1h, repeat: {freq: weekly, days: [mo, we, fr]}}
  - {id: daily, title: E, start: 2016-10-24 13:00, duration: 30m, repeat: {freq: daily, count: 10}}
  - {id: every-5-days, title: F, start: 2016-10-24 13:00, duration: 30m, repeat: {freq: daily, interval: 5, count: 21}}
  - {id: last-friday, title: G, start: 2016-01-29 12:00, duration: 1h, repeat: {freq: monthly, days: [-1fr]}}
  - {id: second-wednesday, title: H, start: 2016-01-13 12:00, duration: 1h, repeat: {freq: monthly, interval: 3, days: [2we], until: 2016-12-31}}
  - {id: first-sunday, title: I, start: 2016-05-01 12:00, duration: 1h, repeat: {freq: monthly, days: [1su], count: 2}}
  - {id: month-day, title: J, start: 2016-01-22, end: 2016-01-22, repeat: {freq: monthly, count: 12}}
  - {id: first-of-month, title: K, start: 2016-02-01 08:00, duration: 1h, repeat: {freq: monthly, interval: 2, count: 3}}
  - {id: yearly, title: L, start: 2016-05-02, end: 2016-05-06, repeat: {freq: yearly, count: 4}}
  - {id: one-off, title: M, start: 2016-05-02 10:00, duration: 1h}
`

func TestRuleText(t *testing.T) {
	cal := load(t, rulesYAML)
	want := map[string]map[string]string{
		"en": {
			"weekly-until":     "Every Thursday until 30 June 2016",
			"weekly-default":   "Every Thursday, 4 times",
			"fortnightly":      "Every 2 weeks on Tuesday and Thursday, 30 times",
			"three-days":       "Every Monday, Wednesday and Friday",
			"daily":            "Every day, 10 times",
			"every-5-days":     "Every 5 days, 21 times",
			"last-friday":      "Every month on the last Friday",
			"second-wednesday": "Every 3 months on the second Wednesday until 31 December 2016",
			"first-sunday":     "Every month on the first Sunday, 2 times",
			"month-day":        "Every month on the 22nd, 12 times",
			"first-of-month":   "Every 2 months on the 1st, 3 times",
			"yearly":           "Every year on 2 May, 4 times",
			"one-off":          "",
		},
		"fr": {
			"weekly-until":     "Tous les jeudis jusqu'au 30 juin 2016",
			"fortnightly":      "Toutes les 2 semaines, les mardis et jeudis, 30 fois",
			"last-friday":      "Tous les mois, le dernier vendredi",
			"first-of-month":   "Tous les 2 mois, le 1er, 3 fois",
			"second-wednesday": "Tous les 3 mois, le deuxième mercredi jusqu'au 31 décembre 2016",
			"yearly":           "Tous les ans, le 2 mai, 4 fois",
		},
		"es": {
			"weekly-until": "Todos los jueves hasta el 30 de junio de 2016",
			"three-days":   "Todos los lunes, miércoles y viernes",
			"first-sunday": "Todos los meses, el primer domingo, 2 veces",
			"month-day":    "Todos los meses, el día 22, 12 veces",
			"yearly":       "Todos los años, el 2 de mayo, 4 veces",
		},
		"ru": {
			// The dative plural after "по"; the ordinal agreeing with the
			// weekday's gender; "во" before "второй"; plural forms of 21
			// ("раз", one) and 4 ("раза", few).
			"weekly-until":     "Еженедельно по четвергам, до 30 июня 2016 г.",
			"weekly-default":   "Еженедельно по четвергам, 4 раза",
			"every-5-days":     "Каждые 5 дней, 21 раз",
			"last-friday":      "Ежемесячно, в последнюю пятницу",
			"second-wednesday": "Каждые 3 месяца, во вторую среду, до 31 декабря 2016 г.",
			"first-sunday":     "Ежемесячно, в первое воскресенье, 2 раза",
			"month-day":        "Ежемесячно, 22-го числа, 12 раз",
		},
		"ar": {
			"weekly-until":   "أسبوعيًا يوم الخميس حتى 30 يونيو 2016",
			"fortnightly":    "كل أسبوعين أيام الثلاثاء والخميس، 30 مرة",
			"every-5-days":   "كل 5 أيام، 21 مرة",
			"last-friday":    "شهريًا في آخر جمعة",
			"first-sunday":   "شهريًا في أول أحد، مرتين",
			"weekly-default": "أسبوعيًا يوم الخميس، 4 مرات",
		},
		"zh": {
			"weekly-until":     "每周四，直到2016年6月30日",
			"fortnightly":      "每 2 周的周二和周四，共 30 次",
			"three-days":       "每周一、周三和周五",
			"last-friday":      "每月最后一个周五",
			"second-wednesday": "每 3 个月的第二个周三，直到2016年12月31日",
			"month-day":        "每月22日，共 12 次",
			"yearly":           "每年5月2日，共 4 次",
		},
	}
	for lang, events := range want {
		tr := newTranslator(lang)
		for id, w := range events {
			e := cal.Event(id)
			if e == nil {
				t.Fatalf("no event %q", id)
			}
			if got := RuleText(e, tr); got != w {
				t.Errorf("%s: rule of %s = %q, want %q", lang, id, got, w)
			}
		}
	}
	// Every language describes every rule, in its own words.
	for _, lang := range UILanguages() {
		tr := newTranslator(lang)
		for _, e := range cal.Events {
			got := RuleText(e, tr)
			if e.Repeats() && (got == "" || strings.Contains(got, "{") || strings.Contains(got, "rule_")) {
				t.Errorf("%s: rule of %s = %q", lang, e.ID, got)
			}
			if lang != "en" && e.Repeats() && got == RuleText(e, newTranslator("en")) {
				t.Errorf("%s: rule of %s is the English %q", lang, e.ID, got)
			}
		}
	}
}
