package calendar

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

var idRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

const maxIDLen = 100

// id reads the id of the calendar, a track or an event.
func (l *loader) id(n *yaml.Node, what string) (string, bool) {
	s, ok := l.scalar(n, what)
	if !ok {
		return "", false
	}
	if !idRE.MatchString(s) || len(s) > maxIDLen {
		l.errorf(n.Line, n.Column, "%s: id %q must be lower-case letters, digits and single hyphens (like \"opening-plenary\"), "+
			"at most %d characters", what, s, maxIDLen)
		return "", false
	}
	return s, true
}

// httpURL reads an absolute http or https address, in the form HTTPURL
// gives it; messages name it what+name.
func (l *loader) httpURL(n *yaml.Node, what, name string) (string, bool) {
	s, ok := l.scalarNamed(n, what, name)
	if !ok {
		return "", false
	}
	u, err := HTTPURL(s)
	if err != nil {
		l.errorf(n.Line, n.Column, "%s%s: %q %v", what, name, s, err)
		return "", false
	}
	return u, true
}

// text reads a translatable text: a string, or a mapping language -> string.
// It fills in every language of the calendar (see Text); an empty text is
// the zero Text, and a problem when required. Messages name it what+field,
// joined only for a message: three texts an event, 100,000 events.
func (l *loader) text(n *yaml.Node, what, field string, required bool) Text {
	n = deref(n)
	texts := make([]string, len(l.languages))
	var given []bool // by language, for a mapping; nil for one text for all
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			break
		}
		s := cleanText(n.Value)
		for i := range texts {
			texts[i] = s
		}
	case yaml.MappingNode:
		given = l.textMapping(n, what, field, texts)
	default:
		l.errorf(n.Line, n.Column, "%s%s: want text, or a mapping of language: text, got %s", what, field, describe(n))
		return Text{}
	}
	// Fill every language: the default language's text, else the first given.
	fallback := ""
	for _, s := range texts {
		if s != "" {
			fallback = s
			break
		}
	}
	if fallback == "" {
		if required {
			l.errorf(n.Line, n.Column, "%s%s: must not be empty", what, field)
		}
		return Text{}
	}
	if texts[0] != "" {
		fallback = texts[0]
	} else if given != nil {
		fallback = texts[l.firstGiven(n, texts)]
	}
	for i, s := range texts {
		if s == "" {
			texts[i] = fallback
		}
	}
	return Text{langs: l.languages, texts: texts}
}

// textMapping reads the language: text pairs of n into texts (by the
// calendar's languages), and reports which were given; messages name n
// what+field (see text).
func (l *loader) textMapping(n *yaml.Node, what, field string, texts []string) []bool {
	given := make([]bool, len(texts))
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := deref(n.Content[i])
		lang := k.Value
		li := slices.Index(l.languages, lang)
		if k.Kind != yaml.ScalarNode || li < 0 {
			hint := didYouMean(lang, l.languages)
			if v := deref(n.Content[i+1]); i > 0 && n.Style&yaml.FlowStyle != 0 && v.Kind == yaml.ScalarNode && v.Tag == "!!null" && v.Value == "" {
				// {zh: 一，二, en: One, two}: the comma ended zh's text,
				// and what followed it became a key without a value.
				hint = fmt.Sprintf(" (within { }, a comma ends a text: put a text that holds one in quotes, as in %s: \"…, …\")", deref(n.Content[i-2]).Value)
			}
			l.errorf(k.Line, k.Column, "%s%s: language %q is not in calendar.languages (%s)%s",
				what, field, lang, strings.Join(l.languages, ", "), hint)
			continue
		}
		if given[li] {
			l.errorf(k.Line, k.Column, "%s%s: language %q repeated", what, field, lang)
			continue
		}
		s, ok := l.scalarNamed(n.Content[i+1], what, field, ".", lang)
		if !ok {
			continue
		}
		given[li] = true
		texts[li] = cleanText(s)
	}
	return given
}

// firstGiven is the index in texts of the first non-empty text mapping n
// gives, in the file's order.
func (l *loader) firstGiven(n *yaml.Node, texts []string) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if li := slices.Index(l.languages, deref(n.Content[i]).Value); li >= 0 && texts[li] != "" {
			return li
		}
	}
	return 0
}

// cleanText trims the blank lines and spaces YAML block scalars leave around text.
func cleanText(s string) string { return strings.TrimSpace(s) }
