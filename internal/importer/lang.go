package importer

import (
	"unicode"
)

// scriptLanguages are the languages calfeed's pages speak that their
// script alone tells apart from English: a source whose texts are written
// in one of these scripts, more than in Latin letters, is taken to be in
// that language when -lang is not given.
var scriptLanguages = []struct {
	script *unicode.RangeTable
	lang   string
	name   string
}{
	{unicode.Han, "zh", "Chinese"},
	{unicode.Cyrillic, "ru", "Russian"},
	{unicode.Arabic, "ar", "Arabic"},
}

// guessLanguage returns the language texts are written in when their
// script says it (see scriptLanguages), with its name; "" when it does
// not (Latin letters, or too few letters to tell).
func guessLanguage(texts []string) (lang, name string) {
	counts := make([]int, len(scriptLanguages))
	latin, letters := 0, 0
	for _, s := range texts {
		for _, r := range s {
			if !unicode.IsLetter(r) {
				continue
			}
			letters++
			if unicode.Is(unicode.Latin, r) {
				latin++
				continue
			}
			for i, sl := range scriptLanguages {
				if unicode.Is(sl.script, r) {
					counts[i]++
					break
				}
			}
		}
	}
	best := -1
	for i, n := range counts {
		if n > latin && (best < 0 || n > counts[best]) {
			best = i
		}
	}
	if best < 0 || letters < 4 {
		return "", ""
	}
	return scriptLanguages[best].lang, scriptLanguages[best].name
}

// languageNote is the note of a language guessed for source texts.
func languageNote(ns *notes, lang, name string) {
	ns.add(0, 0, "-lang not given: the texts are in %s, so the calendar's language is %s (give -lang to choose another)", name, lang)
}
