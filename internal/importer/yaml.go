package importer

import (
	"bytes"
	"cmp"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// writer writes events.yaml text and remembers, for each line, the place
// in the source it came from, so that a problem calendar.Load finds on a
// line can be reported where the user can fix it.
type writer struct {
	buf     bytes.Buffer
	origins []pos // origins[i] is the source of line i+1
}

func (w *writer) line(at pos, indent int, s string) {
	w.buf.WriteString(strings.Repeat(" ", indent))
	w.buf.WriteString(s)
	w.buf.WriteByte('\n')
	w.origins = append(w.origins, at)
}

func (w *writer) blank() { w.line(pos{}, 0, "") }

// origin returns the source place of a line of the output (1-based).
func (w *writer) origin(line int) pos {
	if line < 1 || line > len(w.origins) {
		return pos{}
	}
	return w.origins[line-1]
}

// comment writes a comment, one line per line of s.
func (w *writer) comment(at pos, indent int, s string) {
	for _, l := range strings.Split(s, "\n") {
		l = strings.Map(func(r rune) rune {
			if needsEscape(r) || r == '\t' {
				return ' '
			}
			return r
		}, l)
		w.line(at, indent, strings.TrimRight("# "+l, " "))
	}
}

// scalar writes key: value, as a block of lines when value has several.
func (w *writer) scalar(at pos, indent int, key, value string) {
	if s, ok := inline(value, false); ok {
		w.line(at, indent, key+": "+s)
		return
	}
	w.line(at, indent, key+": |-")
	for _, l := range strings.Split(value, "\n") {
		if l == "" {
			w.line(at, 0, "")
			continue
		}
		w.line(at, indent+2, l)
	}
}

// plain writes key: value for a value the importer made (a date, an id, a
// number), quoted only if it needs to be.
func (w *writer) plain(at pos, indent int, key, value string) {
	if value == "" {
		return
	}
	if wallRE.MatchString(value) || wordRE.MatchString(value) {
		w.line(at, indent, key+": "+value)
		return
	}
	w.scalar(at, indent, key, value)
}

// list writes key: [a, b].
func (w *writer) list(at pos, indent int, key string, items []string) {
	if len(items) == 0 {
		return
	}
	quoted := make([]string, len(items))
	for i, it := range items {
		quoted[i], _ = inline(it, true)
		if wallRE.MatchString(it) || wordRE.MatchString(it) {
			quoted[i] = it
		}
	}
	w.line(at, indent, key+": ["+strings.Join(quoted, ", ")+"]")
}

// text writes a translatable text: one string when there is one language
// or all agree, else a mapping language: text in the calendar's order.
func (w *writer) text(at pos, indent int, key string, t text, langs []string) {
	if t.empty() {
		return
	}
	var first string
	same := true
	for _, l := range langs {
		if s, ok := t.in(l); ok {
			if first == "" {
				first = s
			} else if s != first {
				same = false
			}
		}
	}
	if same && (len(t) == len(langs) || len(langs) == 1) {
		w.scalar(at, indent, key, first)
		return
	}
	w.line(at, indent, key+":")
	for _, l := range langs {
		if s, _ := t.in(l); s != "" {
			w.scalar(at, indent+2, l, s)
		}
	}
}

// write writes d.
func (d *doc) write() *writer {
	w := &writer{}
	for _, c := range d.header {
		w.comment(pos{}, 0, c)
	}
	if len(d.header) > 0 {
		w.blank()
	}
	w.line(pos{}, 0, "calendar:")
	w.plain(pos{}, 2, "id", d.id)
	w.scalar(pos{}, 2, "name", d.name)
	if d.description != "" {
		w.scalar(pos{}, 2, "description", d.description)
	}
	w.plain(pos{}, 2, "timezone", d.zone)
	w.list(pos{}, 2, "languages", d.languages)
	if len(d.tracks) > 0 {
		w.blank()
		w.line(pos{}, 0, "tracks:")
		for _, t := range d.tracks {
			w.plain(pos{}, 2, "- id", t.id)
			w.text(pos{}, 4, "name", t.name, d.languages)
		}
	}
	w.blank()
	w.line(pos{}, 0, "events:")
	for i, e := range d.events {
		if i > 0 {
			w.blank()
		}
		d.writeEvent(w, e)
	}
	return w
}

// writeEvent writes one item of events:.
func (d *doc) writeEvent(w *writer, e *event) {
	for _, c := range e.comments {
		w.comment(e.at, 2, c)
	}
	w.plain(e.at, 2, "- id", e.id)
	const in = 4
	if e.uid != "" {
		w.scalar(e.where("uid"), in, "uid", e.uid)
	}
	w.text(e.where("title"), in, "title", e.title, d.languages)
	w.plain(e.where("start"), in, "start", e.start)
	w.plain(e.where("end"), in, "end", e.end)
	w.plain(e.where("duration"), in, "duration", e.duration)
	if e.timezone != "" && e.timezone != d.zone {
		w.plain(e.where("timezone"), in, "timezone", e.timezone)
	}
	w.text(e.where("location"), in, "location", e.location, d.languages)
	w.text(e.where("description"), in, "description", e.description, d.languages)
	if e.url != "" {
		w.scalar(e.where("url"), in, "url", e.url)
	}
	if e.online != "" {
		w.scalar(e.where("online"), in, "online", e.online)
	}
	w.list(e.where("tracks"), in, "tracks", e.tracks)
	w.plain(e.where("status"), in, "status", e.status)
	if e.private {
		w.plain(e.where("private"), in, "private", "true")
	}
	w.plain(e.where("updated"), in, "updated", e.updated)
	if r := e.repeat; r != nil {
		at := e.where("repeat")
		w.line(at, in, "repeat:")
		w.plain(at, in+2, "freq", r.freq)
		if r.interval > 1 {
			w.plain(at, in+2, "interval", strconv.Itoa(r.interval))
		}
		w.list(at, in+2, "days", r.days)
		w.plain(at, in+2, "until", r.until)
		if r.count > 0 {
			w.plain(at, in+2, "count", strconv.Itoa(r.count))
		}
		w.list(e.where("except"), in+2, "except", r.except)
		w.list(e.where("also"), in+2, "also", r.also)
	}
	if len(e.overrides) > 0 {
		w.line(e.where("overrides"), in, "overrides:")
		for _, o := range e.overrides {
			at := cmp.Or(o.at, e.at)
			w.line(at, in+2, o.date+":")
			w.plain(at, in+4, "start", o.start)
			w.plain(at, in+4, "end", o.end)
			w.plain(at, in+4, "duration", o.duration)
			w.text(at, in+4, "title", o.title, d.languages)
			w.text(at, in+4, "location", o.location, d.languages)
			w.text(at, in+4, "description", o.description, d.languages)
			if o.url != "" {
				w.scalar(at, in+4, "url", o.url)
			}
			if o.online != "" {
				w.scalar(at, in+4, "online", o.online)
			}
			w.plain(at, in+4, "status", o.status)
		}
	}
}

// inline returns s as a YAML scalar on one line: plain where that reads
// back as the same string, else double-quoted. ok is false when s is
// better written as a block (several lines, nothing to escape). flow says
// the scalar stands in a [list], where commas and brackets end it.
func inline(s string, flow bool) (out string, ok bool) {
	if plainSafe(s, flow) {
		return s, true
	}
	if strings.Contains(s, "\n") && blockSafe(s) && !flow {
		return "", false
	}
	return quote(s), true
}

// plainSafe reports whether s can be written unquoted (YAML 1.2 §7.3.3)
// and read back as the same string, not as null, a number or a date.
func plainSafe(s string, flow bool) bool {
	if s == "" || s != strings.TrimSpace(s) || strings.ContainsAny(s, "\t\n") {
		return false
	}
	if strings.ContainsRune("-?:,[]{}#&*!|>'\"%@`", rune(s[0])) {
		return false
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") {
		return false
	}
	if flow && strings.ContainsAny(s, ",[]{}") {
		return false
	}
	for _, r := range s {
		if needsEscape(r) {
			return false
		}
	}
	switch strings.ToLower(s) {
	case "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "-.inf", ".nan":
		return false
	}
	if _, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64); err == nil {
		return false
	}
	if _, err := strconv.ParseInt(s, 0, 64); err == nil {
		return false
	}
	return !dateLikeRE.MatchString(s)
}

// blockSafe reports whether s can be a literal block scalar (|-): nothing
// to escape, and a first line that does not start with a space (which
// would set the block's indentation).
func blockSafe(s string) bool {
	for _, r := range s {
		if needsEscape(r) || r == '\t' {
			return false
		}
	}
	first := strings.TrimLeft(s, "\n")
	return first != "" && first[0] != ' ' && first == s
}

// quote writes s as a double-quoted YAML scalar.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case needsEscape(r) && r <= 0xFFFF:
			fmt.Fprintf(&b, `\u%04X`, r)
		case needsEscape(r):
			fmt.Fprintf(&b, `\U%08X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// needsEscape reports the runes YAML does not allow as they are (YAML
// 1.2 §5.1: only printable characters), or reads as line breaks (NEL and
// the Unicode line and paragraph separators), or as a byte order mark.
func needsEscape(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r == utf8.RuneError, r == 0x85, r == 0x2028, r == 0x2029, r == 0xFEFF:
		return true
	case r < 0x20, r == 0x7F:
		return true
	case r >= 0x80 && r < 0xA0:
		return true
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return true
	}
	return !unicode.IsPrint(r) && !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r)
}

var (
	// wallRE matches what the importer writes as dates, wall times and
	// UTC times: plain in YAML, and read back as the same text.
	wallRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?Z?)?$`)
	// wordRE matches the ids, numbers and days (th, -1fr) the importer
	// writes: plain, and read back as the same text.
	wordRE = regexp.MustCompile(`^-?[a-z0-9]+(-[a-z0-9]+)*$`)
	// dateLikeRE matches text a reader might take for a date: quoted.
	dateLikeRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}`)
)
