package web

import (
	htmltemplate "html/template"
	"slices"
	"sort"
	"strconv"
	"strings"

	"calfeed/internal/locale"
)

// translator gives the page's words in one language (package locale).
type translator = locale.Words

func newTranslator(lang string) *translator { return locale.For(lang) }

// UILanguages returns the languages the page's own words are written in:
// the six official languages of the United Nations. Other languages fall
// back to English.
func UILanguages() []string { return locale.Languages() }

//go:generate go run ./mkselfnames

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

// langAttrs are the attributes that mark text in lang: lang="zh" dir="ltr".
func langAttrs(lang string) htmltemplate.HTMLAttr {
	return htmltemplate.HTMLAttr(`lang="` + htmltemplate.HTMLEscapeString(lang) + `" dir="` + Direction(lang) + `"`)
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
func primary(tag string) string { return locale.Primary(tag) }

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
