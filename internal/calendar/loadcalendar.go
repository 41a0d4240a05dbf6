package calendar

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

var langRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// IsLanguage reports whether s is written as calendar.languages needs a
// language code: a lower-case primary language, then any subtags, such as
// "en", "zh" or "pt-BR".
func IsLanguage(s string) bool { return langRE.MatchString(s) }

var calendarKeys = []string{"id", "name", "description", "timezone", "languages", "base_url", "refresh"}

// calendar reads calendar:, what holds for the whole calendar. The
// languages come first: every text depends on them.
func (l *loader) calendar(cal *Calendar, f field) {
	m := l.mapping(f.value, "calendar", calendarKeys)
	where := func(k string) string { return "calendar." + k }
	l.languages = l.languageList(m)
	cal.Languages = l.languages
	if v, ok := m.get("id"); ok {
		cal.ID, _ = l.id(v.value, where("id"))
		cal.IDLine, cal.IDCol = v.value.Line, v.value.Column
	} else if m != nil {
		l.errorf(f.key.Line, f.key.Column, "calendar.id: missing; give a stable id such as \"wsis10\": it is part of every event's UID")
	}
	if v, ok := m.get("name"); ok {
		cal.Name = l.text(v.value, where("name"), "", true)
	} else if m != nil {
		l.errorf(f.key.Line, f.key.Column, "calendar.name: missing; subscribers see it as the calendar's name")
	}
	if v, ok := m.get("description"); ok {
		cal.Description = l.text(v.value, where("description"), "", false)
	}
	l.defaultTZ = l.calendarZone(f, m)
	cal.Location = l.defaultTZ
	if v, ok := m.get("base_url"); ok {
		if s, ok := l.httpURL(v.value, where("base_url"), ""); ok {
			if strings.ContainsAny(s, "?#") {
				l.errorf(v.value.Line, v.value.Column, "calendar.base_url: %q has a query or fragment; "+
					"give the site's address alone, like https://calendar.example.org", s)
			} else {
				cal.BaseURL = strings.TrimRight(s, "/")
			}
		}
	}
	cal.Refresh = DefaultRefresh
	if v, ok := m.get("refresh"); ok {
		if d, ok := l.refresh(v.value); ok {
			cal.Refresh = d
		}
	}
}

// languageList reads calendar.languages; without any, the calendar's one
// language is "en".
func (l *loader) languageList(m *fieldSet) []string {
	var langs []string
	if v, ok := m.get("languages"); ok {
		items, isList := l.list(v.value, "calendar.languages")
		for _, it := range items {
			s, ok := l.scalar(it, "calendar.languages")
			if !ok {
				continue
			}
			if !IsLanguage(s) {
				l.errorf(it.Line, it.Column, "calendar.languages: %q is not a language code like \"en\", \"zh\" or \"pt-BR\"", s)
				continue
			}
			if slices.Contains(langs, s) {
				l.errorf(it.Line, it.Column, "calendar.languages: %q listed twice", s)
				continue
			}
			langs = append(langs, s)
		}
		if isList && len(items) == 0 {
			l.errorf(v.value.Line, v.value.Column, "calendar.languages: list at least one language; the first is the default")
		}
	}
	if len(langs) == 0 {
		return []string{"en"}
	}
	return langs
}

// calendarZone reads calendar.timezone, the zone of the events that name
// none; UTC when it is missing. For an unknown zone it goes on in the zone
// most likely meant, if any, so that one run reports every event's problems.
func (l *loader) calendarZone(f field, m *fieldSet) *time.Location {
	v, ok := m.get("timezone")
	if !ok {
		if m != nil {
			l.errorf(f.key.Line, f.key.Column, "calendar.timezone: missing; give the IANA zone of most events, such as \"America/New_York\"")
		}
		return time.UTC
	}
	if loc, ok := l.zone(v.value, "calendar.timezone", ""); ok {
		return loc
	}
	if v.value.Kind != yaml.ScalarNode || len(l.errs) == 0 {
		return time.UTC
	}
	last := &l.errs[len(l.errs)-1] // the unknown zone
	if name, _ := SuggestZone(v.value.Value); name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			last.Msg += fmt.Sprintf("; meanwhile the events without a timezone of their own are checked in %s", name)
			return loc
		}
		return time.UTC
	}
	last.Msg += "; the times of events without a timezone of their own are checked once it is fixed"
	return time.UTC
}

// refresh reads calendar.refresh, how often subscribers are asked to fetch
// the feeds again.
func (l *loader) refresh(n *yaml.Node) (time.Duration, bool) {
	s, ok := l.scalar(n, "calendar.refresh")
	if !ok {
		return 0, false
	}
	d, err := parseDuration(s)
	switch {
	case err != nil:
		l.errorf(n.Line, n.Column, "calendar.refresh: %v", err)
	case d < time.Minute:
		l.errorf(n.Line, n.Column, "calendar.refresh: %s is too short; clients poll no more often than every few minutes (try 1h)", s)
	default:
		return d, true
	}
	return 0, false
}

var trackKeys = []string{"id", "name", "description", "color", "private"}

var colorRE = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)

func (l *loader) tracks(cal *Calendar, f field) {
	items, _ := l.list(f.value, "tracks")
	lines := map[string]int{}
	for i, it := range items {
		what := fmt.Sprintf("tracks[%d]", i)
		m := l.mapping(it, what, trackKeys)
		if m == nil {
			continue
		}
		t := &Track{}
		if v, ok := m.get("id"); ok {
			t.ID, _ = l.id(v.value, what+".id")
			if t.ID == "all" {
				// /subscribe/{client}/all and ?feeds=all mean every event.
				l.errorf(v.value.Line, v.value.Column, "%s: track id \"all\" is reserved for the feed of every event; choose another", what)
				t.ID = ""
			}
			if t.ID != "" {
				what = fmt.Sprintf("tracks[%d] %q", i, t.ID)
				if line, dup := lines[t.ID]; dup {
					l.errorf(v.value.Line, v.value.Column, "%s: duplicate track id (first at line %d)", what, line)
					t.ID = ""
				} else {
					lines[t.ID] = v.value.Line
				}
			}
		} else {
			l.errorf(deref(it).Line, deref(it).Column, "%s: id missing", what)
		}
		if v, ok := m.get("name"); ok {
			t.Name = l.text(v.value, what, ": name", true)
		} else {
			l.errorf(deref(it).Line, deref(it).Column, "%s: name missing", what)
		}
		if v, ok := m.get("description"); ok {
			t.Description = l.text(v.value, what, ": description", false)
		}
		if v, ok := m.get("color"); ok {
			if s, ok := l.scalar(v.value, what+": color"); ok {
				if colorRE.MatchString(s) {
					t.Color = strings.ToUpper(s)
				} else if loc := trailingComment.FindStringIndex(s); loc != nil && strings.HasPrefix(s, "#") {
					l.errorf(v.value.Line, v.value.Column, "%s: color %q holds a comment: within quotes, # is part of the value; write color: %q and put the comment after the closing quote", what, s, s[:loc[0]])
				} else if strings.HasPrefix(s, "#") {
					l.errorf(v.value.Line, v.value.Column, "%s: color %q must be #RRGGBB, like \"#C2185B\"", what, s)
				} else {
					l.errorf(v.value.Line, v.value.Column, "%s: color %q must be #RRGGBB, like \"#C2185B\" (quote it: # starts a YAML comment)", what, s)
				}
			}
		}
		if v, ok := m.get("private"); ok {
			t.Private, _ = l.boolean(v.value, what+": private")
		}
		if t.ID != "" {
			cal.Tracks = append(cal.Tracks, t)
			cal.tracks[t.ID] = t
		}
	}
}
