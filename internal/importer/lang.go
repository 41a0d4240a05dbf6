package importer

import (
	"strings"
	"unicode"
)

// scriptLanguages are the languages calfeed's pages speak that their
// script tells apart from English: a source whose letters are mostly in
// one of these scripts is taken to be in that language when -lang is not
// given, unless letters of another language of that script are there too
// (kana beside Chinese characters is Japanese; і, ї, є or ґ beside
// Cyrillic is Ukrainian; پ, چ, ژ, گ or ی beside Arabic is Persian or
// Urdu).
var scriptLanguages = []struct {
	script *unicode.RangeTable
	lang   string
	name   string
	others string // letters of other languages of the script
}{
	{unicode.Han, "zh", "Chinese", ""},
	{unicode.Cyrillic, "ru", "Russian", "іїєґўђјљњћџѕ"},
	{unicode.Arabic, "ar", "Arabic", "پچژگکیٹڈڑںےۓ"},
}

// guessLanguage returns the language texts are written in when their
// script says it (see scriptLanguages), with its name; "" when it does
// not: Latin letters, another script, or too few letters to tell. Most
// of the letters must be in that script, a Chinese character counting for
// hanWeight letters.
func guessLanguage(texts []string) (lang, name string) {
	counts := make([]int, len(scriptLanguages))
	letters, weight, kana := 0, 0, 0
	others := make([]bool, len(scriptLanguages))
	for _, s := range texts {
		for _, r := range s {
			if !unicode.IsLetter(r) {
				continue
			}
			// A Chinese character says about what a word does, where an
			// English word takes five letters or so: counted one for one,
			// "Call with Berlin" outweighed three Chinese titles.
			w := 1
			if unicode.Is(unicode.Han, r) {
				w = hanWeight
			}
			letters++
			weight += w
			if unicode.In(r, unicode.Hiragana, unicode.Katakana) {
				kana++
			}
			for i, sl := range scriptLanguages {
				if unicode.Is(sl.script, r) {
					counts[i] += w
					if strings.ContainsRune(sl.others, unicode.ToLower(r)) {
						others[i] = true
					}
					break
				}
			}
		}
	}
	if weight < 4 {
		return "", "" // too few letters to tell, or one Chinese character
	}
	for i, sl := range scriptLanguages {
		// More than half of the letters: the rest are often the place
		// names, acronyms and brands in Latin letters that a programme in
		// any language has.
		if counts[i]*2 > weight && !others[i] && (sl.lang != "zh" || kana == 0) {
			return sl.lang, sl.name
		}
	}
	return "", ""
}

// hanWeight is what a Chinese character counts for in guessLanguage, in
// letters of an alphabet.
const hanWeight = 3

// languageNote is the note of a language guessed for source texts.
func languageNote(ns *notes, lang, name string) {
	ns.add(0, 0, "-lang not given: the texts look %s, so the calendar's language is %s (give -lang to choose another)", name, lang)
}
