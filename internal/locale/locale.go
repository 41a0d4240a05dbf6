// Package locale holds the words calfeed itself adds to what people wrote:
// the subscribe page's, the feeds' ("Cancelled: ", "My agenda") and the
// changes feed's, in the six official languages of the United Nations, one
// embedded file per language (messages/LANG.json), and the grammar that a
// message alone cannot carry: dates, plural forms, and the words of a
// repeating rule.
//
// One fallback rule holds everywhere: a language tag takes its own words
// ("fr"), else its language's ("fr-CA" takes "fr"), else English; and a
// message a language lacks is taken from English.
//
// To add a language, add messages/LANG.json with every key of en.json (a
// test checks that each file has every key, with the same placeholders),
// its date names in dates.go and its rule grammar in rules.go.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
)

//go:embed messages/*.json
var files embed.FS

// catalog reads the message files once: language -> key -> message.
var catalog = sync.OnceValue(func() map[string]map[string]string {
	out := map[string]map[string]string{}
	entries, err := fs.ReadDir(files, "messages")
	if err != nil {
		panic(fmt.Sprintf("locale: %v", err)) // embedded: cannot happen
	}
	for _, e := range entries {
		data, err := files.ReadFile("messages/" + e.Name())
		if err != nil {
			panic(fmt.Sprintf("locale: %v", err))
		}
		var msgs map[string]string
		if err := json.Unmarshal(data, &msgs); err != nil {
			panic(fmt.Sprintf("locale: %s: %v", e.Name(), err)) // a test reads them all
		}
		out[strings.TrimSuffix(e.Name(), path.Ext(e.Name()))] = msgs
	}
	return out
})

// Languages returns the languages calfeed has words in, as the page offers
// them: Arabic, Chinese, English, French, Russian, Spanish.
func Languages() []string { return []string{"ar", "zh", "en", "fr", "ru", "es"} }

// Primary is the primary subtag of a language tag, lower case: "zh" for
// "zh-Hans-CN".
func Primary(tag string) string {
	p, _, _ := strings.Cut(tag, "-")
	p, _, _ = strings.Cut(p, "_")
	return strings.ToLower(p)
}

// Words are calfeed's words in one language.
type Words struct {
	lang string            // the tag asked for
	base string            // the language whose words these are
	msgs map[string]string // that language's
	en   map[string]string // the fallback
}

// For returns the words for a language tag (see the package doc for the
// fallback).
func For(lang string) *Words {
	if w, ok := known()[lang]; ok {
		return w // most calls: a language calfeed has, asked for by its code
	}
	c := catalog()
	base := lang
	if _, ok := c[base]; !ok {
		base = Primary(lang)
	}
	if _, ok := c[base]; !ok {
		base = "en"
	}
	return &Words{lang: lang, base: base, msgs: c[base], en: c["en"]}
}

// known are the Words of each language calfeed has, made once.
var known = sync.OnceValue(func() map[string]*Words {
	out := map[string]*Words{}
	for lang, msgs := range catalog() {
		out[lang] = &Words{lang: lang, base: lang, msgs: msgs, en: catalog()["en"]}
	}
	return out
})

// Lang returns the language tag w was made for.
func (w *Words) Lang() string { return w.lang }

// Base returns the language w's words are written in: Lang, its primary
// language, or English, the fallback.
func (w *Words) Base() string { return w.base }

// Get returns the message key, with {1}, {2}, … replaced by args; the key
// itself when no language has it.
func (w *Words) Get(key string, args ...any) string {
	s, ok := w.msgs[key]
	if !ok {
		s, ok = w.en[key]
	}
	if !ok {
		return key
	}
	return fill(s, args)
}

// N returns the plural form of key for the count n (key.one, key.few, …,
// key.other), with {n} replaced by n and {1}, {2}, … by args.
func (w *Words) N(key string, n int, args ...any) string {
	s, ok := w.msgs[key+"."+Plural(w.base, n)]
	if !ok {
		s, ok = w.msgs[key+".other"]
	}
	if !ok {
		if s, ok = w.en[key+"."+Plural("en", n)]; !ok {
			return key
		}
	}
	return fill(strings.ReplaceAll(s, "{n}", strconv.Itoa(n)), args)
}

// Forms returns the plural forms of key this language has, by category
// ("one", "few", "other", …), for a script that counts in the browser.
func (w *Words) Forms(key string) map[string]string {
	forms := map[string]string{}
	for _, cat := range []string{"zero", "one", "two", "few", "many", "other"} {
		if s, ok := w.msgs[key+"."+cat]; ok {
			forms[cat] = s
		}
	}
	return forms
}

// Every returns the message key in every language calfeed has, sorted by
// language: what a feed may have added, for a reader to take off again.
func Every(key string) []string {
	c := catalog()
	var out []string
	for _, lang := range slices.Sorted(maps.Keys(c)) {
		if s, ok := c[lang][key]; ok {
			out = append(out, s)
		}
	}
	return out
}

func fill(s string, args []any) string {
	for i, a := range args {
		s = strings.ReplaceAll(s, "{"+strconv.Itoa(i+1)+"}", fmt.Sprint(a))
	}
	return s
}
