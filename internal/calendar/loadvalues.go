package calendar

import (
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
// gives it.
func (l *loader) httpURL(n *yaml.Node, what string) (string, bool) {
	s, ok := l.scalar(n, what)
	if !ok {
		return "", false
	}
	u, err := HTTPURL(s)
	if err != nil {
		l.errorf(n.Line, n.Column, "%s: %q %v", what, s, err)
		return "", false
	}
	return u, true
}

// text reads a translatable text: a string, or a mapping language -> string.
// It fills in every language of the calendar (see Text); an empty text is
// nil, and a problem when required.
func (l *loader) text(n *yaml.Node, what string, required bool) Text {
	n = deref(n)
	given := map[string]string{}
	var order []string
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			break
		}
		for _, lang := range l.languages {
			given[lang] = cleanText(n.Value)
		}
		order = l.languages
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := deref(n.Content[i])
			lang := k.Value
			if k.Kind != yaml.ScalarNode || !slices.Contains(l.languages, lang) {
				l.errorf(k.Line, k.Column, "%s: language %q is not in calendar.languages (%s)%s",
					what, lang, strings.Join(l.languages, ", "), didYouMean(lang, l.languages))
				continue
			}
			if _, dup := given[lang]; dup {
				l.errorf(k.Line, k.Column, "%s: language %q repeated", what, lang)
				continue
			}
			s, ok := l.scalar(n.Content[i+1], what+"."+lang)
			if !ok {
				continue
			}
			given[lang] = cleanText(s)
			order = append(order, lang)
		}
	default:
		l.errorf(n.Line, n.Column, "%s: want text, or a mapping of language: text, got %s", what, describe(n))
		return nil
	}
	empty := true
	for _, s := range given {
		if s != "" {
			empty = false
		}
	}
	if empty {
		if required {
			l.errorf(n.Line, n.Column, "%s: must not be empty", what)
		}
		return nil
	}
	// Fill every language: the default language's text, else the first given.
	t := make(Text, len(l.languages))
	fallback := given[l.languages[0]]
	if fallback == "" {
		for _, lang := range order {
			if given[lang] != "" {
				fallback = given[lang]
				break
			}
		}
	}
	for _, lang := range l.languages {
		if s := given[lang]; s != "" {
			t[lang] = s
		} else {
			t[lang] = fallback
		}
	}
	return t
}

// cleanText trims the blank lines and spaces YAML block scalars leave around text.
func cleanText(s string) string { return strings.TrimSpace(s) }
