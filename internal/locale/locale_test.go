package locale

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestCatalogComplete(t *testing.T) {
	placeholders := regexp.MustCompile(`\{[0-9n]\}`)
	en := catalog()["en"]
	for _, lang := range Languages() {
		msgs, ok := catalog()[lang]
		if !ok {
			t.Errorf("%s: no messages", lang)
			continue
		}
		for key, want := range en {
			if i := strings.LastIndexByte(key, '.'); i >= 0 {
				continue // plural forms: checked below
			}
			got, ok := msgs[key]
			if !ok || got == "" {
				t.Errorf("%s: no %q", lang, key)
				continue
			}
			wp, gp := placeholders.FindAllString(want, -1), placeholders.FindAllString(got, -1)
			slices.Sort(wp)
			slices.Sort(gp)
			if !slices.Equal(wp, gp) {
				t.Errorf("%s: %q has placeholders %v, English has %v", lang, key, gp, wp)
			}
		}
		for key := range msgs {
			base, _, plural := strings.Cut(key, ".")
			if _, ok := en[key]; !ok && !plural {
				t.Errorf("%s: %q is not an English key", lang, key)
			}
			if plural {
				if _, ok := en[base+".other"]; !ok {
					t.Errorf("%s: plural %q has no English", lang, key)
				}
			}
		}
		// Every count gets a form of its own language.
		tr := For(lang)
		var pluralKeys []string
		for key := range en {
			if k, ok := strings.CutSuffix(key, ".other"); ok {
				pluralKeys = append(pluralKeys, k)
			}
		}
		slices.Sort(pluralKeys)
		for _, key := range pluralKeys {
			for n := range 120 {
				cat := Plural(lang, n)
				if _, ok := msgs[key+"."+cat]; !ok {
					if _, ok := msgs[key+".other"]; !ok {
						t.Errorf("%s: %s has neither .%s nor .other", lang, key, cat)
					}
				}
				if got := tr.N(key, n, "x"); got == key || strings.Contains(got, "{") {
					t.Errorf("%s: N(%q, %d) = %q", lang, key, n, got)
				}
			}
		}
	}
}

func TestPlural(t *testing.T) {
	tests := []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "one"}, {"en", 0, "other"}, {"en", 2, "other"},
		{"fr", 0, "one"}, {"fr", 1, "one"}, {"fr", 2, "other"},
		{"ru", 1, "one"}, {"ru", 21, "one"}, {"ru", 11, "many"}, {"ru", 3, "few"}, {"ru", 13, "many"}, {"ru", 25, "many"},
		{"ar", 0, "zero"}, {"ar", 1, "one"}, {"ar", 2, "two"}, {"ar", 5, "few"}, {"ar", 11, "many"}, {"ar", 100, "other"}, {"ar", 102, "other"},
		{"zh", 1, "other"},
	}
	for _, tc := range tests {
		if got := Plural(tc.lang, tc.n); got != tc.want {
			t.Errorf("Plural(%q, %d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
	if got := For("ru").N("events_count", 5); got != "5 мероприятий" {
		t.Errorf("ru 5 events = %q", got)
	}
	if got := For("ar").N("events_count", 2); got != "فعاليتان" {
		t.Errorf("ar 2 events = %q", got)
	}
}

// TestFallback: one rule everywhere: the tag's words, its language's, then
// English; a message a language lacks comes from English.
func TestFallback(t *testing.T) {
	for tag, want := range map[string]string{"fr": "Annulé : ", "fr-CA": "Annulé : ", "zh-Hans-CN": "已取消：", "de": "Cancelled: ", "": "Cancelled: "} {
		if got := For(tag).Get("feed_cancelled"); got != want {
			t.Errorf("For(%q).Get(feed_cancelled) = %q, want %q", tag, got, want)
		}
	}
	if got := For("fr").Get("no_such_key"); got != "no_such_key" {
		t.Errorf("an unknown key gives %q", got)
	}
	if got := Every("feed_cancelled"); len(got) != len(Languages()) {
		t.Errorf("Every(feed_cancelled) = %q", got)
	}
}

func TestEnglishOrdinal(t *testing.T) {
	for d, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 22: "22nd", 23: "23rd", 28: "28th", 31: "31st"} {
		if got := englishOrdinal(d); got != want {
			t.Errorf("englishOrdinal(%d) = %q, want %q", d, got, want)
		}
	}
}
