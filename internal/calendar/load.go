package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// DefaultMaxSize is the largest events.yaml Load accepts unless told otherwise.
const DefaultMaxSize = 256 << 20

// DefaultRefresh is how often subscribers are asked to re-fetch when
// calendar.refresh is not given.
const DefaultRefresh = 6 * time.Hour

// Options tune Load. The zero value uses the defaults.
type Options struct {
	MaxSize int64 // bytes; 0 means DefaultMaxSize
}

// ReadFile loads the events file at path. Problems are reported with the path
// as their file name. See Load.
func ReadFile(path string, opts Options) (*Calendar, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	defer f.Close()
	return Load(path, f, opts)
}

// Load reads events.yaml from r; name is the file name used in problems.
// When the file is invalid the error is an *Error holding every problem
// found. Warnings (a valid file that clients may mishandle) are in the
// returned Calendar's Warnings.
func Load(name string, r io.Reader, opts Options) (*Calendar, error) {
	maxSize := opts.MaxSize
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	data, err := io.ReadAll(io.LimitReader(r, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("calendar: reading %s: %w", name, err)
	}
	ps := &problems{file: name}
	if int64(len(data)) > maxSize {
		ps.errorf(0, 0, "file is larger than the limit of %d bytes; split it or raise the limit (-max-size)", maxSize)
		return nil, &Error{Problems: ps.errs}
	}
	if line, col, ok := invalidUTF8(data); ok {
		ps.errorf(line, col, "invalid UTF-8; save the file as UTF-8")
		return nil, &Error{Problems: ps.errs}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			ps.errorf(0, 0, "file is empty; it needs at least calendar: and events:")
		} else {
			ps.yamlError(err)
		}
		return nil, &Error{Problems: ps.errs}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		ps.errorf(extra.Line, extra.Column, "a second YAML document (after ---); events.yaml holds one")
	} else if !errors.Is(err, io.EOF) {
		ps.yamlError(err)
	}

	l := &loader{problems: ps}
	cal := l.document(&doc)
	sortProblems(ps.errs)
	sortProblems(ps.warnings)
	if len(ps.errs) > 0 {
		return nil, &Error{Problems: ps.errs}
	}
	cal.Warnings = ps.warnings
	return cal, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a YAML syntax error into a problem at its line.
func (ps *problems) yamlError(err error) {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		for _, e := range te.Errors {
			ps.errorf(0, 0, "%s", e)
		}
		return
	}
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		ps.errorf(line, 1, "YAML syntax: %s", m[2])
		return
	}
	ps.errorf(0, 0, "YAML syntax: %s", strings.TrimPrefix(msg, "yaml: "))
}

// invalidUTF8 returns the position of the first byte that is not UTF-8.
func invalidUTF8(data []byte) (line, col int, bad bool) {
	line, col = 1, 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			return line, col, true
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		data = data[size:]
	}
	return 0, 0, false
}

// loader walks the YAML node tree, building the calendar and recording
// problems. Each method checks one part of the schema and keeps going after
// a problem so that one run reports them all.
type loader struct {
	*problems
	languages []string
	defaultTZ *time.Location
}

var idRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

const maxIDLen = 100

// field is one key: value pair of a mapping.
type field struct {
	key, value *yaml.Node
}

// mapping checks that n is a mapping whose keys are all known, reporting
// unknown and repeated keys, and returns its fields by key.
func (l *loader) mapping(n *yaml.Node, what string, known []string) map[string]field {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		l.errorf(n.Line, n.Column, "%s: want a mapping of key: value, got %s", what, describe(n))
		return nil
	}
	fields := make(map[string]field, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			l.errorf(k.Line, k.Column, "%s: a key must be a plain word, got %s", what, describe(k))
			continue
		}
		if !slices.Contains(known, k.Value) {
			l.errorf(k.Line, k.Column, "%s: unknown key %q%s; known keys: %s", what, k.Value, didYouMean(k.Value, known), strings.Join(known, ", "))
			// Read a misspelt key as the one it resembles, so that one typo
			// is one error and not also "title missing". The file is invalid
			// either way.
			if s := suggest(k.Value, known); s != "" && !hasKey(n, s) {
				if _, dup := fields[s]; !dup {
					fields[s] = field{k, v}
				}
			}
			continue
		}
		if prev, dup := fields[k.Value]; dup {
			l.errorf(k.Line, k.Column, "%s: key %q repeated (first at line %d)", what, k.Value, prev.key.Line)
			continue
		}
		fields[k.Value] = field{k, v}
	}
	return fields
}

// hasKey reports whether mapping n has the key.
func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := deref(n.Content[i]); k.Kind == yaml.ScalarNode && k.Value == key {
			return true
		}
	}
	return false
}

// deref follows YAML aliases (*name) to the node they stand for.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	default:
		return "something else"
	}
}

// scalar returns n's text if it is a scalar (string, number, date...).
func (l *loader) scalar(n *yaml.Node, what string) (string, bool) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		l.errorf(n.Line, n.Column, "%s: want a single value, got %s", what, describe(n))
		return "", false
	}
	return n.Value, true
}

// list returns the items of a sequence node.
func (l *loader) list(n *yaml.Node, what string) ([]*yaml.Node, bool) {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		l.errorf(n.Line, n.Column, "%s: want a list, got %s", what, describe(n))
		return nil, false
	}
	return n.Content, true
}

func (l *loader) id(n *yaml.Node, what string) (string, bool) {
	s, ok := l.scalar(n, what)
	if !ok {
		return "", false
	}
	if !idRE.MatchString(s) || len(s) > maxIDLen {
		l.errorf(n.Line, n.Column, "%s: id %q must be lower-case letters, digits and single hyphens (like \"opening-plenary\"), at most %d characters", what, s, maxIDLen)
		return "", false
	}
	return s, true
}

// zone loads an IANA zone name, suggesting the nearest name on a typo.
func (l *loader) zone(n *yaml.Node, what string) (*time.Location, bool) {
	s, ok := l.scalar(n, what)
	if !ok {
		return nil, false
	}
	// LoadLocation accepts "" (UTC) and "Local" (the host's zone): neither is
	// a zone that means the same thing on every server.
	if s != "" && s != "Local" {
		if loc, err := time.LoadLocation(s); err == nil {
			return loc, true
		}
	}
	l.errorf(n.Line, n.Column, "%s: unknown time zone %q%s; use an IANA name such as \"Europe/Zurich\"", what, s, didYouMean(s, zoneNames[:]))
	return nil, false
}

// httpURL checks an absolute http or https URL.
func (l *loader) httpURL(n *yaml.Node, what string) (string, bool) {
	s, ok := l.scalar(n, what)
	if !ok {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(s, " \t\r\n\"<>\\^`{|}") {
		l.errorf(n.Line, n.Column, "%s: %q is not an http or https URL; write it in full, like https://example.org/page", what, s)
		return "", false
	}
	return s, true
}

// text reads a translatable text: a string, or a mapping language -> string.
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
				l.errorf(k.Line, k.Column, "%s: language %q is not in calendar.languages (%s)%s", what, lang, strings.Join(l.languages, ", "), didYouMean(lang, l.languages))
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

var langRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

var calendarKeys = []string{"id", "name", "description", "timezone", "languages", "base_url", "refresh"}

func (l *loader) document(doc *yaml.Node) *Calendar {
	cal := &Calendar{tracks: map[string]*Track{}, events: map[string]*Event{}}
	root := doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		root = doc.Content[0]
	}
	top := l.mapping(root, "top level", []string{"calendar", "tracks", "events"})
	if top == nil {
		return cal
	}
	c, ok := top["calendar"]
	if !ok {
		l.errorf(root.Line, root.Column, "calendar: missing; every file starts with calendar: (id, name, timezone)")
		// Go on with defaults so the events' own problems are still reported.
		l.languages = []string{"en"}
		l.defaultTZ = time.UTC
	} else {
		l.calendar(cal, c)
	}
	if t, ok := top["tracks"]; ok {
		l.tracks(cal, t)
	}
	e, ok := top["events"]
	if !ok {
		l.errorf(root.Line, root.Column, "events: missing; add a list of events")
		return cal
	}
	l.events(cal, e)
	return cal
}

func (l *loader) calendar(cal *Calendar, f field) {
	m := l.mapping(f.value, "calendar", calendarKeys)
	where := func(k string) string { return "calendar." + k }
	// Languages first: every text depends on them.
	l.languages = nil
	if v, ok := m["languages"]; ok {
		items, isList := l.list(v.value, where("languages"))
		for _, it := range items {
			s, ok := l.scalar(it, where("languages"))
			if !ok {
				continue
			}
			if !langRE.MatchString(s) {
				l.errorf(it.Line, it.Column, "calendar.languages: %q is not a language code like \"en\", \"zh\" or \"pt-BR\"", s)
				continue
			}
			if slices.Contains(l.languages, s) {
				l.errorf(it.Line, it.Column, "calendar.languages: %q listed twice", s)
				continue
			}
			l.languages = append(l.languages, s)
		}
		if isList && len(items) == 0 {
			l.errorf(v.value.Line, v.value.Column, "calendar.languages: list at least one language; the first is the default")
		}
	}
	if len(l.languages) == 0 {
		l.languages = []string{"en"}
	}
	cal.Languages = l.languages

	if v, ok := m["id"]; ok {
		cal.ID, _ = l.id(v.value, where("id"))
	} else if m != nil {
		l.errorf(f.key.Line, f.key.Column, "calendar.id: missing; give a stable id such as \"wsis10\": it is part of every event's UID")
	}
	if v, ok := m["name"]; ok {
		cal.Name = l.text(v.value, where("name"), true)
	} else if m != nil {
		l.errorf(f.key.Line, f.key.Column, "calendar.name: missing; subscribers see it as the calendar's name")
	}
	if v, ok := m["description"]; ok {
		cal.Description = l.text(v.value, where("description"), false)
	}
	l.defaultTZ = time.UTC
	if v, ok := m["timezone"]; ok {
		if loc, ok := l.zone(v.value, where("timezone")); ok {
			l.defaultTZ = loc
		}
	} else if m != nil {
		l.errorf(f.key.Line, f.key.Column, "calendar.timezone: missing; give the IANA zone of most events, such as \"America/New_York\"")
	}
	cal.Location = l.defaultTZ
	if v, ok := m["base_url"]; ok {
		if s, ok := l.httpURL(v.value, where("base_url")); ok {
			cal.BaseURL = strings.TrimRight(s, "/")
		}
	}
	cal.Refresh = DefaultRefresh
	if v, ok := m["refresh"]; ok {
		if s, ok := l.scalar(v.value, where("refresh")); ok {
			d, err := parseDuration(s)
			switch {
			case err != nil:
				l.errorf(v.value.Line, v.value.Column, "calendar.refresh: %v", err)
			case d < time.Minute:
				l.errorf(v.value.Line, v.value.Column, "calendar.refresh: %s is too short; clients poll no more often than every few minutes (try 1h)", s)
			default:
				cal.Refresh = d
			}
		}
	}
}

var trackKeys = []string{"id", "name", "description", "color"}

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
		if v, ok := m["id"]; ok {
			t.ID, _ = l.id(v.value, what+".id")
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
		if v, ok := m["name"]; ok {
			t.Name = l.text(v.value, what+": name", true)
		} else {
			l.errorf(deref(it).Line, deref(it).Column, "%s: name missing", what)
		}
		if v, ok := m["description"]; ok {
			t.Description = l.text(v.value, what+": description", false)
		}
		if v, ok := m["color"]; ok {
			if s, ok := l.scalar(v.value, what+": color"); ok {
				if colorRE.MatchString(s) {
					t.Color = strings.ToUpper(s)
				} else {
					l.errorf(v.value.Line, v.value.Column, "%s: color %q must be #RRGGBB, like \"#C2185B\" (quote it: # starts a YAML comment)", what, s)
				}
			}
		}
		if t.ID != "" {
			cal.Tracks = append(cal.Tracks, t)
			cal.tracks[t.ID] = t
		}
	}
}

var eventKeys = []string{
	"id", "title", "description", "start", "end", "duration", "timezone",
	"location", "url", "online", "tracks", "status", "updated",
}

func (l *loader) events(cal *Calendar, f field) {
	items, ok := l.list(f.value, "events")
	if !ok {
		return
	}
	lines := map[string]int{}
	trackIDs := make([]string, len(cal.Tracks))
	for i, t := range cal.Tracks {
		trackIDs[i] = t.ID
	}
	for i, it := range items {
		e := l.event(i, it, trackIDs, cal)
		if e == nil {
			continue
		}
		if line, dup := lines[e.ID]; dup {
			n := deref(it)
			l.errorf(n.Line, n.Column, "events[%d] %q: duplicate event id (first at line %d); ids must be unique and never reused", i, e.ID, line)
			continue
		}
		lines[e.ID] = deref(it).Line
		cal.Events = append(cal.Events, e)
		cal.events[e.ID] = e
		if e.Updated.After(cal.Updated) {
			cal.Updated = e.Updated
		}
	}
}

// event reads one event; it returns nil if the event has no usable id.
func (l *loader) event(i int, it *yaml.Node, trackIDs []string, cal *Calendar) *Event {
	what := fmt.Sprintf("events[%d]", i)
	m := l.mapping(it, what, eventKeys)
	if m == nil {
		return nil
	}
	node := deref(it)
	e := &Event{Status: Confirmed, Location: l.defaultTZ}
	if v, ok := m["id"]; ok {
		e.ID, _ = l.id(v.value, what+".id")
	} else {
		l.errorf(node.Line, node.Column, "%s: id missing; give each event a unique id such as \"opening-plenary\"", what)
	}
	if e.ID != "" {
		what = fmt.Sprintf("events[%d] %q", i, e.ID)
	}
	if v, ok := m["title"]; ok {
		e.Title = l.text(v.value, what+": title", true)
	} else {
		l.errorf(node.Line, node.Column, "%s: title missing", what)
	}
	if v, ok := m["description"]; ok {
		e.Description = l.text(v.value, what+": description", false)
	}
	if v, ok := m["location"]; ok {
		e.Place = l.text(v.value, what+": location", false)
	}
	if v, ok := m["timezone"]; ok {
		if loc, ok := l.zone(v.value, what+": timezone"); ok {
			e.Location = loc
		}
	}
	if v, ok := m["url"]; ok {
		e.URL, _ = l.httpURL(v.value, what+": url")
	}
	if v, ok := m["online"]; ok {
		e.Online, _ = l.httpURL(v.value, what+": online")
	}
	if v, ok := m["tracks"]; ok {
		items, _ := l.list(v.value, what+": tracks")
		for _, t := range items {
			id, ok := l.scalar(t, what+": tracks")
			switch {
			case !ok:
			case !slices.Contains(trackIDs, id):
				known := "none are defined under tracks:"
				if len(trackIDs) > 0 {
					known = "known: " + strings.Join(trackIDs, ", ")
				}
				l.errorf(t.Line, t.Column, "%s: unknown track %q%s; %s", what, id, didYouMean(id, trackIDs), known)
			case slices.Contains(e.Tracks, id):
				l.errorf(t.Line, t.Column, "%s: track %q listed twice", what, id)
			default:
				e.Tracks = append(e.Tracks, id)
			}
		}
	}
	if v, ok := m["status"]; ok {
		if s, ok := l.scalar(v.value, what+": status"); ok {
			switch st := Status(s); st {
			case Confirmed, Tentative, Cancelled:
				e.Status = st
			default:
				l.errorf(v.value.Line, v.value.Column, "%s: status %q must be confirmed, tentative or cancelled", what, s)
			}
		}
	}
	if v, ok := m["updated"]; ok {
		if s, ok := l.scalar(v.value, what+": updated"); ok {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				l.errorf(v.value.Line, v.value.Column, "%s: updated %q must be a UTC time like 2015-12-10T09:00:00Z", what, s)
			} else {
				e.Updated = t.UTC()
			}
		}
	}
	l.when(e, what, node, m)
	if e.ID == "" {
		return nil
	}
	return e
}

// when reads start, end and duration, turning wall times into instants.
func (l *loader) when(e *Event, what string, node *yaml.Node, m map[string]field) {
	sf, ok := m["start"]
	if !ok {
		l.errorf(node.Line, node.Column, "%s: start missing; write it as 2015-12-14 18:00, or 2015-12-14 for an all-day event", what)
		return
	}
	start, hasTime, ok := l.wallTime(sf.value, what+": start")
	if !ok {
		return
	}
	ef, hasEnd := m["end"]
	df, hasDur := m["duration"]
	if hasEnd && hasDur {
		l.errorf(df.key.Line, df.key.Column, "%s: give end or duration, not both", what)
		return
	}
	if !hasTime {
		l.allDay(e, what, start, ef, hasEnd, df, hasDur)
		return
	}
	s, res := resolveWall(start, e.Location)
	if !l.wallOK(res, sf.value, what+": start", start, e) {
		return
	}
	e.Start = s
	switch {
	case hasEnd:
		end, endHasTime, ok := l.wallTime(ef.value, what+": end")
		if !ok {
			return
		}
		if !endHasTime {
			n := deref(ef.value)
			l.errorf(n.Line, n.Column, "%s: end is a date but start has a time; give both a time, or neither for an all-day event", what)
			return
		}
		t, res := resolveWall(end, e.Location)
		if !l.wallOK(res, ef.value, what+": end", end, e) {
			return
		}
		if !t.After(s) {
			n := deref(ef.value)
			l.errorf(n.Line, n.Column, "%s: end %s is not after start %s", what, end.Format("2006-01-02 15:04"), start.Format("2006-01-02 15:04"))
			return
		}
		e.End = t
	case hasDur:
		d, ok := l.duration(df.value, what+": duration")
		if !ok {
			return
		}
		e.End = s.Add(d)
	default:
		l.errorf(node.Line, node.Column, "%s: end missing; give end: (a wall time like 2015-12-14 20:00) or duration: (like 2h)", what)
	}
}

func (l *loader) allDay(e *Event, what string, start time.Time, ef field, hasEnd bool, df field, hasDur bool) {
	e.AllDay = true
	e.Start = start
	e.End = start.AddDate(0, 0, 1)
	switch {
	case hasEnd:
		last, endHasTime, ok := l.wallTime(ef.value, what+": end")
		if !ok {
			return
		}
		n := deref(ef.value)
		if endHasTime {
			l.errorf(n.Line, n.Column, "%s: end has a time but start is a date; give both a time, or neither for an all-day event", what)
			return
		}
		if last.Before(start) {
			l.errorf(n.Line, n.Column, "%s: end %s is before start %s (for an all-day event, end is the last day)", what, last.Format("2006-01-02"), start.Format("2006-01-02"))
			return
		}
		e.End = last.AddDate(0, 0, 1)
	case hasDur:
		d, ok := l.duration(df.value, what+": duration")
		if !ok {
			return
		}
		if d%(24*time.Hour) != 0 {
			n := deref(df.value)
			l.errorf(n.Line, n.Column, "%s: an all-day event lasts whole days (like 3d), not %s", what, n.Value)
			return
		}
		e.End = start.AddDate(0, 0, int(d/(24*time.Hour)))
	}
}

// wallOK reports a wall time that is skipped or repeated in its zone.
func (l *loader) wallOK(res wallResult, n *yaml.Node, what string, w time.Time, e *Event) bool {
	n = deref(n)
	switch res {
	case wallGap:
		l.errorf(n.Line, n.Column, "%s: %s does not exist in %s: the clocks skip that hour (daylight saving starts); use a time outside the gap", what, w.Format("2006-01-02 15:04"), e.Location)
		return false
	case wallRepeated:
		l.warnf(n.Line, n.Column, "%s: %s happens twice in %s (clocks go back); taking the first, and writing this event's times in UTC", what, w.Format("2006-01-02 15:04"), e.Location)
		e.UTC = true
	}
	return true
}

// wallTime parses "2006-01-02", "2006-01-02 15:04" or "2006-01-02 15:04:05"
// ("T" may replace the space). The result's location is UTC and meaningless.
func (l *loader) wallTime(n *yaml.Node, what string) (t time.Time, hasTime, ok bool) {
	s, ok := l.scalar(n, what)
	if !ok {
		return time.Time{}, false, false
	}
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, layout != "2006-01-02", true
		}
	}
	n = deref(n)
	l.errorf(n.Line, n.Column, "%s: %q is not a date (2015-12-14) or a wall time (2015-12-14 18:00)%s", what, s, dateHint(s))
	return time.Time{}, false, false
}

// dateHint explains what is wrong with a nearly-right date.
func dateHint(s string) string {
	var y, mo, d int
	if n, _ := fmt.Sscanf(s, "%4d-%2d-%2d", &y, &mo, &d); n == 3 {
		if mo < 1 || mo > 12 {
			return fmt.Sprintf(": there is no month %d", mo)
		}
		if last := time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day(); d < 1 || d > last {
			return fmt.Sprintf(": %s %d has %d days", time.Month(mo), y, last)
		}
		if strings.ContainsAny(s, " T") {
			return ": the time must be HH:MM, 24-hour"
		}
	}
	return ""
}

func (l *loader) duration(n *yaml.Node, what string) (time.Duration, bool) {
	s, ok := l.scalar(n, what)
	if !ok {
		return 0, false
	}
	d, err := parseDuration(s)
	if err != nil {
		n = deref(n)
		l.errorf(n.Line, n.Column, "%s: %v", what, err)
		return 0, false
	}
	if d <= 0 {
		n = deref(n)
		l.errorf(n.Line, n.Column, "%s: must be longer than zero", what)
		return 0, false
	}
	return d, true
}

var durationRE = regexp.MustCompile(`^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$`)

// parseDuration reads durations as people write them: 90m, 2h, 1h30m, 3d.
func parseDuration(s string) (time.Duration, error) {
	m := durationRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil || s == "" {
		return 0, fmt.Errorf("%q is not a duration like 90m, 2h, 1h30m or 3d", s)
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute} {
		if m[i+1] == "" {
			continue
		}
		v, err := strconv.ParseInt(m[i+1], 10, 64)
		if err != nil || v > 100000 {
			return 0, fmt.Errorf("%q is too long", s)
		}
		d += time.Duration(v) * unit
	}
	return d, nil
}
