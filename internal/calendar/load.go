package calendar

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"calfeed/internal/safefile"
)

// DefaultMaxSize is the largest events.yaml Load accepts unless told otherwise.
const DefaultMaxSize = 256 << 20

// DefaultRefresh is how often subscribers are asked to re-fetch when
// calendar.refresh is not given.
const DefaultRefresh = 6 * time.Hour

// DefaultMaxEvents is the most events Load accepts unless told otherwise.
const DefaultMaxEvents = 200_000

// The years a date may have: the Gregorian calendar's (RFC 5545 §3.3.4
// dates are Gregorian), up to one that leaves room for an event's end and a
// rule's span within four-digit years.
const (
	minYear = 1583
	maxYear = 9000
)

// maxDepth bounds YAML nesting: events.yaml needs five levels; a file
// nested hundreds deep is an attack or an accident.
const maxDepth = 32

// Options tune Load. The zero value uses the defaults.
type Options struct {
	MaxSize   int64 // bytes; 0 means DefaultMaxSize
	MaxEvents int   // 0 means DefaultMaxEvents
}

// ReadFile loads the events file at path. Problems are reported with the path
// as their file name. See Load. The file must be a regular file (a named
// pipe in its place is refused, not waited on) of at most opts.MaxSize
// bytes, checked before it is read; a cancelled ctx stops the reading and
// the loading with ctx's error.
func ReadFile(ctx context.Context, path string, opts Options) (*Calendar, error) {
	data, err := safefile.Read(ctx, path, opts.maxSize())
	var tooLarge *safefile.TooLargeError
	var notRegular *safefile.NotRegularError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &Error{Problems: []Problem{{File: path, Msg: fmt.Sprintf("file is %d bytes, larger than the limit of %d bytes; split it or raise the limit (-max-size)", tooLarge.Size, tooLarge.Limit)}}}
	case errors.As(err, &notRegular):
		return nil, &Error{Problems: []Problem{{File: path, Msg: notRegular.Error()}}}
	case err != nil:
		return nil, fmt.Errorf("calendar: %w", err)
	}
	return load(ctx, path, data, opts)
}

func (o Options) maxSize() int64 {
	if o.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return o.MaxSize
}

// Load reads events.yaml from r; name is the file name used in problems.
// When the file is invalid the error is an *Error holding every problem
// found. Warnings (a valid file that clients may mishandle) are in the
// returned Calendar's Warnings.
func Load(name string, r io.Reader, opts Options) (*Calendar, error) {
	maxSize := opts.maxSize()
	data, err := io.ReadAll(io.LimitReader(r, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("calendar: reading %s: %w", name, err)
	}
	return load(context.Background(), name, data, opts)
}

// load loads the bytes of an events file; a cancelled ctx stops it.
func load(ctx context.Context, name string, data []byte, opts Options) (*Calendar, error) {
	maxSize := opts.maxSize()
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
	dec := yaml.NewDecoder(&yielding{ctx: ctx, r: bytes.NewReader(data)})
	if err := dec.Decode(&doc); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("calendar: %s: %w", name, ctx.Err())
		}
		if errors.Is(err, io.EOF) {
			ps.errorf(0, 0, "file is empty; it needs at least calendar: and events:")
		} else {
			ps.yamlError(data, err)
		}
		return nil, &Error{Problems: ps.errs}
	}
	if n := tooDeep(&doc); n != nil {
		ps.errorf(n.Line, n.Column, "nested more than %d levels deep; events.yaml needs five", maxDepth)
		return nil, &Error{Problems: ps.errs}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		ps.errorf(extra.Line, extra.Column, "a second YAML document (after ---); events.yaml holds one")
	} else if !errors.Is(err, io.EOF) {
		ps.yamlError(data, err)
	}

	l := &loader{ctx: ctx, problems: ps, maxEvents: opts.MaxEvents}
	if l.maxEvents <= 0 {
		l.maxEvents = DefaultMaxEvents
	}
	cal := l.document(&doc)
	if ctx.Err() != nil {
		return nil, fmt.Errorf("calendar: %s: %w", name, ctx.Err())
	}
	sortProblems(ps.errs)
	sortProblems(ps.warnings)
	if len(ps.errs) > 0 {
		return nil, &Error{Problems: capProblems(ps.errs, name), Warnings: capProblems(ps.warnings, name)}
	}
	cal.Warnings = ps.warnings
	return cal, nil
}

// maxProblems bounds what one run reports: past it, more detail helps
// nobody, and a hostile file could make the list as long as itself.
const maxProblems = 1000

// capProblems keeps the first maxProblems and says how many more there are.
func capProblems(ps []Problem, name string) []Problem {
	if len(ps) <= maxProblems {
		return ps
	}
	more := len(ps) - maxProblems
	return append(ps[:maxProblems:maxProblems], Problem{File: name, Msg: fmt.Sprintf("%d more problems not shown; fix these first", more)})
}

// yamlError turns an error of the YAML decoder into problems, each at the
// character at fault (see syntaxProblem).
func (ps *problems) yamlError(data []byte, err error) {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		for _, e := range te.Errors {
			ps.errorf(0, 0, "%s", e)
		}
		return
	}
	line, col, msg := syntaxProblem(data, err)
	ps.errorf(line, col, "%s", msg)
}

// yielding is a reader that lets other goroutines run every 16 KiB. The
// YAML decoder parses a whole file in one call; when a server with one
// processor reloads a large file, requests would otherwise wait for the
// scheduler to preempt it (every 10 ms), not a fraction of that.
type yielding struct {
	ctx  context.Context // stops the reading when done
	r    io.Reader
	read int
}

func (y *yielding) Read(p []byte) (int, error) {
	if y.read >= 16<<10 {
		y.read = 0
		if err := y.ctx.Err(); err != nil {
			return 0, err
		}
		runtime.Gosched()
	}
	n, err := y.r.Read(p)
	y.read += n
	return n, err
}

// tooDeep returns the first node nested deeper than maxDepth, or nil. It
// walks the tree without recursion and does not follow aliases.
func tooDeep(doc *yaml.Node) *yaml.Node {
	type item struct {
		n     *yaml.Node
		depth int
	}
	stack := []item{{doc, 0}}
	for visited := 0; len(stack) > 0; visited++ {
		if visited%(64<<10) == 0 {
			runtime.Gosched() // see yielding
		}
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.depth > maxDepth {
			return it.n
		}
		for _, c := range it.n.Content {
			stack = append(stack, item{c, it.depth + 1})
		}
	}
	return nil
}

// invalidUTF8 returns the position of the first byte that is not UTF-8.
func invalidUTF8(data []byte) (line, col int, bad bool) {
	if utf8.Valid(data) {
		return 0, 0, false // the common case, at memory speed
	}
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
	ctx context.Context // stops the loading when done
	*problems
	languages []string
	defaultTZ *time.Location
	maxEvents int
	zones     map[string]*time.Location // loaded zones by name
	repeating bool                      // the event being read has repeat:
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
		return fmt.Sprintf("%q", shortValue(n.Value))
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
		// One *time.Location per zone name: events in the same zone share
		// it, so that feeds can tell which zones they use (and loading
		// 100,000 events does not parse the zone 100,000 times).
		if loc, ok := l.zones[s]; ok {
			return loc, true
		}
		if loc, err := time.LoadLocation(s); err == nil {
			if l.zones == nil {
				l.zones = map[string]*time.Location{}
			}
			l.zones[s] = loc
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
	u, err := HTTPURL(s)
	if err != nil {
		l.errorf(n.Line, n.Column, "%s: %q %v", what, s, err)
		return "", false
	}
	return u, true
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
	cal.index()
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
		} else if v.value.Kind == yaml.ScalarNode && len(l.errs) > 0 {
			// Go on checking the events that rely on it, every problem at
			// once: in the zone it most likely means, if any.
			last := &l.errs[len(l.errs)-1]
			if name := suggest(v.value.Value, zoneNames[:]); name != "" {
				if loc, err := time.LoadLocation(name); err == nil {
					l.defaultTZ = loc
					last.Msg += fmt.Sprintf("; meanwhile the events without a timezone of their own are checked in %s", name)
				}
			} else {
				last.Msg += "; the times of events without a timezone of their own are checked once it is fixed"
			}
		}
	} else if m != nil {
		l.errorf(f.key.Line, f.key.Column, "calendar.timezone: missing; give the IANA zone of most events, such as \"America/New_York\"")
	}
	cal.Location = l.defaultTZ
	if v, ok := m["base_url"]; ok {
		if s, ok := l.httpURL(v.value, where("base_url")); ok {
			if strings.ContainsAny(s, "?#") {
				l.errorf(v.value.Line, v.value.Column, "calendar.base_url: %q has a query or fragment; give the site's address alone, like https://calendar.example.org", s)
			} else {
				cal.BaseURL = strings.TrimRight(s, "/")
			}
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
	"id", "uid", "title", "description", "start", "end", "duration", "timezone",
	"location", "url", "online", "tracks", "status", "updated", "repeat", "overrides",
}

func (l *loader) events(cal *Calendar, f field) {
	items, ok := l.list(f.value, "events")
	if !ok {
		return
	}
	if len(items) > l.maxEvents {
		n := deref(f.value)
		l.errorf(n.Line, n.Column, "events: %d events, more than the limit of %d; split the calendar (or raise -max-events)", len(items), l.maxEvents)
		return
	}
	lines := map[string]int{}
	trackIDs := make([]string, len(cal.Tracks))
	for i, t := range cal.Tracks {
		trackIDs[i] = t.ID
	}
	var uids []uidAt
	for i, it := range items {
		if i%16 == 15 {
			if l.ctx.Err() != nil {
				return // Load reports it
			}
			runtime.Gosched() // see yielding
		}
		e, uid := l.event(i, it, trackIDs, cal)
		if e == nil {
			continue
		}
		if line, dup := lines[e.ID]; dup {
			n := deref(it)
			l.errorf(n.Line, n.Column, "events[%d] %q: duplicate event id (first at line %d); ids must be unique and never reused", i, e.ID, line)
			continue
		}
		lines[e.ID] = deref(it).Line
		if uid != nil {
			uids = append(uids, *uid)
		}
		cal.Events = append(cal.Events, e)
		cal.events[e.ID] = e
		if e.Updated.After(cal.Updated) {
			cal.Updated = e.Updated
		}
	}
	l.uids(cal, uids)
}

// maxUIDLen bounds uid: RFC 5545 sets no limit, but clients and CalDAV
// servers are known to truncate or refuse UIDs longer than 255 octets.
const maxUIDLen = 255

// uidAt is an event's uid: as given, with its node for messages.
type uidAt struct {
	event *Event
	node  *yaml.Node
	what  string
}

// uid reads an event's uid: (RFC 5545 §3.8.4.7), kept from where the event
// was published before so that subscribers see updates, not duplicates.
func (l *loader) uid(n *yaml.Node, what string) (string, bool) {
	s, ok := l.scalar(n, what+": uid")
	if !ok {
		return "", false
	}
	n = deref(n)
	switch {
	case strings.TrimSpace(s) == "":
		l.errorf(n.Line, n.Column, "%s: uid must not be empty; leave uid out for the default <id>@<calendar id>", what)
	case len(s) > maxUIDLen:
		l.errorf(n.Line, n.Column, "%s: uid is %d octets long, more than %d, which clients may cut short; leave uid out for the default <id>@<calendar id>", what, len(s), maxUIDLen)
	case strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }):
		l.errorf(n.Line, n.Column, "%s: uid %q has a control or other unprintable character; write it on one line, as the old feed had it", what, s)
	default:
		return s, true
	}
	return "", false
}

// uids gives every event its UID: its uid:, else <id>@<calendar id>. Two
// events must not share one, and a uid: must not be another event's default
// UID: calendars would take the two for one event.
func (l *loader) uids(cal *Calendar, given []uidAt) {
	owner := make(map[string]*Event, len(cal.Events))
	for _, e := range cal.Events {
		if e.UID == "" {
			e.UID = e.ID + "@" + cal.ID
			owner[e.UID] = e
		}
	}
	lines := map[string]int{}
	for _, u := range given {
		uid, n := u.event.UID, u.node
		if other, ok := owner[uid]; ok && other != u.event {
			l.errorf(n.Line, n.Column, "%s: uid %q is the UID of event %q (<id>@<calendar id>); give each event its own", u.what, uid, other.ID)
			continue
		}
		if line, dup := lines[uid]; dup {
			l.errorf(n.Line, n.Column, "%s: uid %q repeated (first at line %d); give each event its own", u.what, uid, line)
			continue
		}
		lines[uid] = n.Line
	}
}

// event reads one event; it returns nil if the event has no usable id,
// and its uid: if it gives a valid one.
func (l *loader) event(i int, it *yaml.Node, trackIDs []string, cal *Calendar) (*Event, *uidAt) {
	what := fmt.Sprintf("events[%d]", i)
	m := l.mapping(it, what, eventKeys)
	if m == nil {
		return nil, nil
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
	var uid *uidAt
	if v, ok := m["uid"]; ok {
		if s, ok := l.uid(v.value, what); ok {
			e.UID = s
			uid = &uidAt{e, deref(v.value), what}
		}
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
		if st, ok := l.status(v.value, what); ok {
			e.Status = st
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
	// A repeating event's times must name one instant each (see wallOK).
	_, l.repeating = m["repeat"]
	before := len(l.errs)
	l.when(e, what, node, m)
	timesOK := len(l.errs) == before
	if v, ok := m["repeat"]; ok {
		l.repeat(e, what, v, m["start"], timesOK)
	}
	if v, ok := m["overrides"]; ok {
		l.overrides(e, what, v, timesOK, l.repeating)
	}
	l.repeating = false
	if e.ID == "" {
		return nil, nil
	}
	return e, uid
}

// status reads an event's or an override's status.
func (l *loader) status(n *yaml.Node, what string) (Status, bool) {
	s, ok := l.scalar(n, what+": status")
	if !ok {
		return "", false
	}
	switch st := Status(s); st {
	case Confirmed, Tentative, Cancelled:
		return st, true
	}
	n = deref(n)
	l.errorf(n.Line, n.Column, "%s: status %q must be confirmed, tentative or cancelled", what, s)
	return "", false
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
		if l.repeating {
			l.errorf(n.Line, n.Column, "%s: %s happens twice in %s (clocks go back); a repeating event cannot start or end in that hour: its feed would have to give the time in UTC, and a rule from a UTC time stays at that UTC time, an hour off the local time across daylight-saving changes; use a time outside that hour, or begin the series on another date", what, w.Format("2006-01-02 15:04"), e.Location)
			return false
		}
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
			if y := t.Year(); y < minYear || y > maxYear {
				n = deref(n)
				l.errorf(n.Line, n.Column, "%s: year %d is outside %d-%d, the years calendars can write", what, y, minYear, maxYear)
				return time.Time{}, false, false
			}
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

var repeatKeys = []string{"freq", "interval", "days", "until", "count", "except", "also"}

// Bounds of a rule's numbers: beyond them a rule is surely a mistake, and
// expanding it would cost more than it is worth.
const (
	maxInterval     = 1000
	maxCount        = 10000
	maxBoundedYears = 100
	// shiftScanYears is how far from its start a rule without end is
	// searched for occurrences in a daylight-saving gap or repeated hour.
	shiftScanYears = 10
)

var dayRE = regexp.MustCompile(`^([+-]?[0-9]+)?([a-z]+)$`)

// dated is a date read from a list, with its node for messages.
type dated struct {
	date time.Time
	node *yaml.Node
}

// repeat reads an event's repeat: and checks it against the event's start;
// timesOK says whether start and end were read without a problem.
func (l *loader) repeat(e *Event, what string, f field, startField field, timesOK bool) {
	what += ": repeat"
	m := l.mapping(f.value, what, repeatKeys)
	if m == nil {
		return
	}
	r := &Repeat{Interval: 1}
	ok := timesOK
	freq, hasFreq := m["freq"]
	if hasFreq {
		if s, good := l.scalar(freq.value, what+".freq"); good {
			switch fr := Freq(s); fr {
			case Daily, Weekly, Monthly, Yearly:
				r.Freq = fr
			default:
				n := deref(freq.value)
				l.errorf(n.Line, n.Column, "%s.freq: %q must be daily, weekly, monthly or yearly%s", what, s, didYouMean(s, []string{"daily", "weekly", "monthly", "yearly"}))
			}
		}
	} else {
		l.errorf(f.key.Line, f.key.Column, "%s: freq missing; give daily, weekly, monthly or yearly", what)
	}
	if r.Freq == "" {
		ok = false
	}
	if v, has := m["interval"]; has {
		n, good := l.number(v.value, what+".interval", 1, maxInterval)
		r.Interval = max(n, 1)
		ok = ok && good
	}
	var daysField field
	if v, has := m["days"]; has {
		daysField = v
		ok = l.days(r, what, v) && ok
	}
	if v, has := m["until"]; has {
		t, hasTime, good := l.wallTime(v.value, what+".until")
		if good && hasTime {
			n := deref(v.value)
			l.errorf(n.Line, n.Column, "%s.until: give a date, the last day the series may fall on (inclusive), like 2016-06-30, without a time", what)
			good = false
		}
		r.Until = t
		ok = ok && good
	}
	if v, has := m["count"]; has {
		if _, both := m["until"]; both {
			l.errorf(v.key.Line, v.key.Column, "%s: give until or count, not both", what)
			ok = false
		}
		n, good := l.number(v.value, what+".count", 1, maxCount)
		r.Count = n
		ok = ok && good
	}
	var except, also []dated
	if v, has := m["except"]; has {
		except = l.dates(v, what+".except", "an excepted occurrence is simply not there; to move one, use overrides:")
	}
	if v, has := m["also"]; has {
		also = l.dates(v, what+".also", "an extra occurrence has the event's time and duration; to change one, use overrides:")
	}
	for _, d := range except {
		r.Except = append(r.Except, d.date)
	}
	for _, d := range also {
		r.Also = append(r.Also, d.date)
	}
	slices.SortFunc(r.Except, time.Time.Compare)
	slices.SortFunc(r.Also, time.Time.Compare)
	if !ok {
		return
	}
	e.Repeat = r
	if !l.checkRule(e, what, freq, daysField, m) {
		e.Repeat = nil
		return
	}
	l.checkDates(e, what, except, also)
	l.checkShifts(e, what, startField)
}

// number reads a whole number in [lo, hi].
func (l *loader) number(n *yaml.Node, what string, lo, hi int) (int, bool) {
	s, ok := l.scalar(n, what)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		n = deref(n)
		l.errorf(n.Line, n.Column, "%s: %q must be a whole number from %d to %d", what, s, lo, hi)
		return 0, false
	}
	return v, true
}

// days reads a rule's days and checks them against its frequency.
func (l *loader) days(r *Repeat, what string, f field) bool {
	items, ok := l.list(f.value, what+".days")
	if ok && len(items) == 0 {
		n := deref(f.value)
		l.errorf(n.Line, n.Column, "%s.days: list at least one day, or leave days out", what)
		return false
	}
	for i, it := range items {
		s, good := l.scalar(it, what+".days")
		if !good {
			ok = false
			continue
		}
		n := deref(it)
		d, msg := parseDay(s)
		switch {
		case msg != "":
			l.errorf(n.Line, n.Column, "%s.days: %q %s", what, s, msg)
			ok = false
			continue
		case r.Freq == Monthly && i > 0:
			l.errorf(n.Line, n.Column, "%s.days: a monthly rule takes one day: Outlook cannot represent more (make a second event for %q)", what, s)
			ok = false
			continue
		case slices.ContainsFunc(r.Days, func(x Day) bool { return x.Weekday == d.Weekday }):
			l.errorf(n.Line, n.Column, "%s.days: %q listed twice", what, s)
			ok = false
			continue
		case r.Freq == Weekly && d.Nth != 0:
			l.errorf(n.Line, n.Column, "%s.days: %q: a position in the month (1tu, -1fr) belongs in a monthly rule; a weekly rule's days are mo, tu, we, th, fr, sa, su", what, s)
			ok = false
			continue
		case r.Freq == Monthly && d.Nth == 0:
			l.errorf(n.Line, n.Column, "%s.days: %q: a monthly rule needs the day's position in the month, like 1%s (the first), 3%s, or -1%s (the last)", what, s, s, s, s)
			ok = false
			continue
		}
		r.Days = append(r.Days, d)
	}
	switch r.Freq {
	case Daily:
		l.errorf(f.key.Line, f.key.Column, "%s: days: a daily rule falls on every day (or every interval days); for some weekdays only, write freq: weekly with those days", what)
		return false
	case Yearly:
		l.errorf(f.key.Line, f.key.Column, "%s: days: a yearly rule falls on its start's date; for a weekday of a month, write freq: monthly with interval: 12 and days like [2tu]", what)
		return false
	}
	slices.SortFunc(r.Days, func(a, b Day) int { return mondayOffset(a.Weekday) - mondayOffset(b.Weekday) })
	return ok
}

// parseDay reads "th", "1tu" or "-1fr"; msg says what is wrong, if anything.
func parseDay(s string) (d Day, msg string) {
	m := dayRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return d, "is not a day; write mo, tu, we, th, fr, sa or su (1tu, -1fr in a monthly rule)"
	}
	wd := slices.Index(dayCodes[:], m[2])
	if wd < 0 {
		hint := ""
		if len(m[2]) > 2 {
			if i := slices.Index(dayCodes[:], m[2][:2]); i >= 0 {
				hint = fmt.Sprintf(" (did you mean %q?)", m[1]+dayCodes[i])
			}
		}
		return d, "is not a day" + hint + "; write mo, tu, we, th, fr, sa or su"
	}
	d.Weekday = time.Weekday(wd)
	if m[1] != "" {
		n, _ := strconv.Atoi(m[1])
		if n != -1 && (n < 1 || n > 4) {
			return d, "is not a position every month has and Outlook can show; use 1 to 4, or -1 for the last"
		}
		d.Nth = n
	}
	return d, ""
}

// dates reads a list of dates (except:, also:), reporting any given twice.
func (l *loader) dates(f field, what, timeHint string) []dated {
	items, _ := l.list(f.value, what)
	var out []dated
	lines := map[time.Time]int{}
	for _, it := range items {
		t, hasTime, ok := l.wallTime(it, what)
		if !ok {
			continue
		}
		n := deref(it)
		if hasTime {
			l.errorf(n.Line, n.Column, "%s: give a date without a time, like 2016-05-19; %s", what, timeHint)
			continue
		}
		if line, dup := lines[t]; dup {
			l.errorf(n.Line, n.Column, "%s: %s listed twice (first at line %d)", what, t.Format(time.DateOnly), line)
			continue
		}
		lines[t] = n.Line
		out = append(out, dated{t, n})
	}
	return out
}

// checkRule checks the rule against the event's start and finds its last
// occurrence. It reports whether the rule can be used.
func (l *loader) checkRule(e *Event, what string, freq, days field, m map[string]field) bool {
	r := e.Repeat
	start := e.StartDate()
	fn := deref(freq.value)
	switch {
	case r.Freq == Monthly && len(r.Days) == 0 && start.Day() > 28:
		l.errorf(fn.Line, fn.Column, "%s: a monthly rule from %s falls on day %d, which some months lack: RFC 5545 skips those months, Outlook moves to their last day; start on a day from 1 to 28, or give a day like days: [-1fr]", what, start.Format(time.DateOnly), start.Day())
		return false
	case r.Freq == Yearly && start.Month() == time.February && start.Day() == 29:
		l.errorf(fn.Line, fn.Column, "%s: a yearly rule from 29 February falls on a day most years lack, and calendar clients disagree about those years; start on another date", what)
		return false
	}
	var first time.Time
	for d := range r.pattern(start) {
		first = d
		break
	}
	if !first.Equal(start) {
		n := fn
		if days.value != nil {
			n = deref(days.value)
		}
		if len(r.Days) == 1 && r.Days[0].Nth != 0 {
			l.errorf(n.Line, n.Column, "%s: start %s is not the %s of its month; the series begins with its start, so start on one of its dates, like %s", what, start.Format(time.DateOnly), describeDay(r.Days[0]), first.Format(time.DateOnly))
		} else {
			l.errorf(n.Line, n.Column, "%s: start %s is a %s, not one of days (%s); the series begins with its start, so start on one of its dates, like %s", what, start.Format(time.DateOnly), start.Weekday(), joinDays(r.Days), first.Format(time.DateOnly))
		}
		return false
	}
	endField, hasEnd := m["until"]
	if !hasEnd {
		endField, hasEnd = m["count"]
	}
	if !hasEnd {
		return true
	}
	en := deref(endField.value)
	if !r.Until.IsZero() && r.Until.Before(start) {
		l.errorf(en.Line, en.Column, "%s: until %s is before the start %s", what, r.Until.Format(time.DateOnly), start.Format(time.DateOnly))
		return false
	}
	// The last date, found without walking the dates before it: a rule
	// may run for a hundred years, daily.
	var last time.Time
	if r.Count > 0 {
		last = r.nth(start, r.Count)
	} else {
		last = r.lastUntil(start, r.Until)
	}
	if last.IsZero() || last.Year()-start.Year() > maxBoundedYears {
		l.errorf(en.Line, en.Column, "%s: the series would run for more than %d years; leave until and count out for a series without end", what, maxBoundedYears)
		return false
	}
	if last.Equal(start) {
		// Microsoft 365 is known to reject FREQ=YEARLY;COUNT=1, and a rule
		// of one date says nothing a plain event does not.
		l.errorf(en.Line, en.Column, "%s: the rule gives one date only (%s); a single occurrence is a plain event: remove repeat:, or allow more dates", what, last.Format(time.DateOnly))
		return false
	}
	r.Last = e.StartOn(last)
	return true
}

func describeDay(d Day) string {
	pos := map[int]string{1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}[d.Nth]
	return pos + " " + d.Weekday.String()
}

func joinDays(days []Day) string {
	names := make([]string, len(days))
	for i, d := range days {
		names[i] = d.String()
	}
	return strings.Join(names, ", ")
}

// checkDates checks except: and also: against the rule.
//
// The start cannot be excepted, so a series always has an occurrence.
func (l *loader) checkDates(e *Event, what string, except, also []dated) {
	start := e.StartDate()
	for _, d := range except {
		switch {
		case hasDate(e.Repeat.Also, d.date):
			l.errorf(d.node.Line, d.node.Column, "%s.except: %s is also in also:; keep it in one of them", what, d.date.Format(time.DateOnly))
		case d.date.Equal(start):
			l.errorf(d.node.Line, d.node.Column, "%s.except: %s is the start; begin the series on its first real occurrence instead (clients differ on a series whose start is excepted)", what, d.date.Format(time.DateOnly))
		case !e.isRuleDate(d.date):
			l.errorf(d.node.Line, d.node.Column, "%s.except: %s is not a date of the rule%s", what, d.date.Format(time.DateOnly), e.nearDates(d.date))
		}
	}
	for _, d := range also {
		switch {
		case d.date.Before(start):
			l.errorf(d.node.Line, d.node.Column, "%s.also: %s is before the start %s; the series begins with its start, so start there instead", what, d.date.Format(time.DateOnly), start.Format(time.DateOnly))
			continue
		case e.isRuleDate(d.date) && !hasDate(e.Repeat.Except, d.date):
			l.errorf(d.node.Line, d.node.Column, "%s.also: %s is already a date of the rule", what, d.date.Format(time.DateOnly))
			continue
		case e.AllDay:
			continue
		}
		w := e.wallOn(d.date)
		switch _, res := resolveWall(w, e.Location); res {
		case wallGap:
			l.errorf(d.node.Line, d.node.Column, "%s.also: %s does not exist in %s: the clocks skip that hour (daylight saving starts); choose another date, or a separate event", what, w.Format("2006-01-02 15:04"), e.Location)
		case wallRepeated:
			l.errorf(d.node.Line, d.node.Column, "%s.also: %s happens twice in %s (clocks go back), and calendar clients disagree about which of the two it is; choose another date, or a separate event", what, w.Format("2006-01-02 15:04"), e.Location)
		}
	}
}

// checkShifts reports occurrences of the rule whose wall-clock time the
// zone skips or shows twice. The loader's rule for a single time (an error
// in a gap, UTC in a repeated hour) cannot apply to a rule, and calendar
// clients disagree about such an occurrence: RFC 5545 §3.3.5 moves one in a
// gap later by the gap's length and takes the first of a repeated hour, as
// python's zoneinfo does; ical.js (Thunderbird) moves it earlier and takes
// the second; libical (Evolution) moves it later, and the next occurrence
// with it, and takes the second.
func (l *loader) checkShifts(e *Event, what string, startField field) {
	if e.AllDay {
		return
	}
	r := e.Repeat
	end := r.Last.Add(48 * time.Hour)
	scope := ""
	if r.Last.IsZero() {
		end = e.Start.AddDate(shiftScanYears, 0, 0)
		scope = fmt.Sprintf(" in its first %d years", shiftScanYears)
	}
	gaps, repeats := e.shifts(end)
	n := deref(startField.value)
	wall := e.Start.In(e.Location).Format("15:04")
	if len(gaps) > 0 {
		l.errorf(n.Line, n.Column, "%s: %s does not exist in %s on %s%s: the clocks skip it (daylight saving starts), and calendar clients disagree about when such an occurrence is (an hour later or earlier); use a time outside the change, or list those dates under except:", what, wall, e.Location, gaps[0].Format(time.DateOnly), others(len(gaps), scope))
	}
	if len(repeats) > 0 {
		l.errorf(n.Line, n.Column, "%s: %s happens twice in %s on %s%s (clocks go back), and calendar clients disagree about which of the two such an occurrence is; use a time outside the change, or list those dates under except:", what, wall, e.Location, repeats[0].Format(time.DateOnly), others(len(repeats), scope))
	}
}

func others(n int, scope string) string {
	switch n {
	case 1:
		return ""
	case 2:
		return " and on 1 other date of the series" + scope
	}
	return fmt.Sprintf(" and on %d other dates of the series%s", n-1, scope)
}

var overrideKeys = []string{"start", "end", "duration", "title", "description", "location", "url", "online", "status"}

// overrides reads an event's overrides:, a mapping from an occurrence's
// original date to what changes on it.
func (l *loader) overrides(e *Event, what string, f field, timesOK, hasRepeat bool) {
	what += ": overrides"
	n := deref(f.value)
	if n.Kind != yaml.MappingNode {
		l.errorf(n.Line, n.Column, "%s: want a mapping of date: changes, like 2016-05-26: {location: Room B}, got %s", what, describe(n))
		return
	}
	if !hasRepeat {
		l.errorf(f.key.Line, f.key.Column, "%s: only a repeating event (one with repeat:) has occurrences to override", what)
	}
	ready := timesOK && e.Repeat != nil
	lines := map[time.Time]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		d, err := time.Parse(time.DateOnly, k.Value)
		if k.Kind != yaml.ScalarNode || err != nil {
			l.errorf(k.Line, k.Column, "%s: %s is not a date; the key of an override is the original date of the occurrence it changes, like 2016-05-26", what, describe(k))
			l.override(e, what, v, time.Time{}, false)
			continue
		}
		if line, dup := lines[d]; dup {
			l.errorf(k.Line, k.Column, "%s: %s repeated (first at line %d)", what, k.Value, line)
			continue
		}
		lines[d] = k.Line
		what := what + " " + k.Value
		ok := ready
		if ok && !e.isOccurrenceDate(d) && !hasDate(e.Repeat.Also, d) {
			hint := e.nearDates(d)
			if hasDate(e.Repeat.Except, d) {
				hint = " (it is in except:)"
			}
			l.errorf(k.Line, k.Column, "%s: %s is not a date of the series%s", what, k.Value, hint)
			ok = false
		}
		if ov := l.override(e, what, v, d, ok); ov != nil {
			e.Overrides = append(e.Overrides, ov)
		}
	}
	slices.SortFunc(e.Overrides, func(a, b *Override) int { return a.Date.Compare(b.Date) })
}

// override reads one override of the occurrence on date d; ready says
// whether the event and d are valid, so that times can be checked.
func (l *loader) override(e *Event, what string, v *yaml.Node, d time.Time, ready bool) *Override {
	m := l.mapping(v, what, overrideKeys)
	if m == nil {
		return nil
	}
	if n := deref(v); len(n.Content) == 0 {
		l.errorf(n.Line, n.Column, "%s: changes nothing; give what differs on that date (start, end, location...), or list the date under except: to drop it", what)
		return nil
	}
	ov := &Override{Date: d}
	if f, ok := m["title"]; ok {
		ov.Title = l.text(f.value, what+": title", true)
	}
	if f, ok := m["description"]; ok {
		ov.Description = l.text(f.value, what+": description", false)
	}
	if f, ok := m["location"]; ok {
		ov.Place = l.text(f.value, what+": location", false)
	}
	if f, ok := m["url"]; ok {
		ov.URL, _ = l.httpURL(f.value, what+": url")
	}
	if f, ok := m["online"]; ok {
		ov.Online, _ = l.httpURL(f.value, what+": online")
	}
	if f, ok := m["status"]; ok {
		ov.Status, _ = l.status(f.value, what)
	}
	ok := l.overrideTimes(e, what, ov, m, ready)
	if !ready || !ok {
		return nil
	}
	return ov
}

// overrideTimes reads an override's start, end and duration; without them
// the occurrence keeps its own start and the series' duration.
func (l *loader) overrideTimes(e *Event, what string, ov *Override, m map[string]field, ready bool) bool {
	sf, hasStart := m["start"]
	ef, hasEnd := m["end"]
	df, hasDur := m["duration"]
	if hasEnd && hasDur {
		l.errorf(df.key.Line, df.key.Column, "%s: give end or duration, not both", what)
		return false
	}
	type wall struct {
		t       time.Time
		hasTime bool
		node    *yaml.Node
	}
	read := func(f field, name string) (wall, bool) {
		t, hasTime, ok := l.wallTime(f.value, what+": "+name)
		return wall{t, hasTime, deref(f.value)}, ok
	}
	var start, end wall
	var dur time.Duration
	ok := true
	if hasStart {
		var good bool
		start, good = read(sf, "start")
		ok = ok && good
	}
	if hasEnd {
		var good bool
		end, good = read(ef, "end")
		ok = ok && good
	}
	if hasDur {
		var good bool
		dur, good = l.duration(df.value, what+": duration")
		ok = ok && good
	}
	if !ok || !ready {
		return false
	}
	base := e.occurrence(ov.Date, nil)
	for _, w := range []wall{start, end} {
		switch {
		case w.node == nil || w.hasTime == !e.AllDay:
			continue
		case e.AllDay:
			l.errorf(w.node.Line, w.node.Column, "%s: the series is all-day: give a date, like 2016-05-26", what)
		default:
			l.errorf(w.node.Line, w.node.Column, "%s: the series has a time: give a wall time, like 2016-05-26 10:00", what)
		}
		return false
	}
	if e.AllDay {
		ov.Start, ov.End = base.Start, base.End
		if hasStart {
			ov.Start = start.t
			ov.End = start.t.AddDate(0, 0, daysBetween(e.Start, e.End))
		}
		switch {
		case hasEnd:
			if end.t.Before(ov.Start) {
				l.errorf(end.node.Line, end.node.Column, "%s: end %s is before start %s (for an all-day event, end is the last day)", what, end.t.Format(time.DateOnly), ov.Start.Format(time.DateOnly))
				return false
			}
			ov.End = end.t.AddDate(0, 0, 1)
		case hasDur:
			if dur%(24*time.Hour) != 0 {
				n := deref(df.value)
				l.errorf(n.Line, n.Column, "%s: an all-day event lasts whole days (like 3d), not %s", what, n.Value)
				return false
			}
			ov.End = ov.Start.AddDate(0, 0, int(dur/(24*time.Hour)))
		}
		return true
	}
	resolve := func(w wall, name string) (time.Time, bool) {
		t, res := resolveWall(w.t, e.Location)
		switch res {
		case wallGap:
			l.errorf(w.node.Line, w.node.Column, "%s: %s: %s does not exist in %s: the clocks skip that hour (daylight saving starts); use a time outside the gap", what, name, w.t.Format("2006-01-02 15:04"), e.Location)
			return t, false
		case wallRepeated:
			l.warnf(w.node.Line, w.node.Column, "%s: %s: %s happens twice in %s (clocks go back); taking the first, and writing this occurrence's times in UTC", what, name, w.t.Format("2006-01-02 15:04"), e.Location)
			ov.UTC = true
		}
		return t, true
	}
	ov.Start, ov.End = base.Start, base.End
	if hasStart {
		t, good := resolve(start, "start")
		if !good {
			return false
		}
		ov.Start, ov.End = t, t.Add(e.End.Sub(e.Start))
	}
	switch {
	case hasEnd:
		t, good := resolve(end, "end")
		if !good {
			return false
		}
		if !t.After(ov.Start) {
			l.errorf(end.node.Line, end.node.Column, "%s: end %s is not after start %s", what, end.t.Format("2006-01-02 15:04"), ov.Start.In(e.Location).Format("2006-01-02 15:04"))
			return false
		}
		ov.End = t
	case hasDur:
		ov.End = ov.Start.Add(dur)
	}
	return true
}
