package importer

import (
	"bytes"
	"strings"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
)

// prop is one property of an iCalendar component (RFC 5545 §3.1).
type prop struct {
	name   string              // upper-case
	params map[string][]string // names upper-case
	value  string              // TEXT values unescaped (golang-ical's reading)
	raw    string              // the value as written
	line   int                 // its first line in the file
}

// param returns the first value of a parameter, or "".
func (p *prop) param(name string) string {
	if v := p.params[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// readProp reads one content line with golang-ical (name, parameters with
// their quoting, value), or notes that it is none and returns nil. Text
// that is not UTF-8 is read with U+FFFD in place of the bad bytes.
func readProp(l logical, ns *notes) *prop {
	if !utf8.ValidString(l.text) {
		ns.once("utf8", l.line, "text that is not UTF-8 was read with U+FFFD in place of the bad bytes; save the file as UTF-8")
		l.text = strings.ToValidUTF8(l.text, "\uFFFD")
	}
	if n := paramCount(l.text); n > maxParams {
		ns.add(l.line, 0, "dropped a line with %d parameters (at most %d are read): %.40q", n, maxParams, l.text)
		return nil
	}
	bp, err := ics.ParseProperty(ics.ContentLine(l.text))
	if err != nil || bp == nil || bp.IANAToken == "" || !strings.HasPrefix(strings.ToUpper(l.text), strings.ToUpper(bp.IANAToken)) {
		ns.add(l.line, 0, "dropped a line that is not an iCalendar content line (NAME:value): %.40q", l.text)
		return nil
	}
	p := &prop{name: strings.ToUpper(bp.IANAToken), params: map[string][]string{}, value: bp.Value, raw: rawValue(l.text), line: l.line}
	for k, v := range bp.ICalParameters {
		p.params[strings.ToUpper(k)] = v
	}
	return p
}

// maxParams is the most parameters a content line may have to be read:
// real ones have a dozen at most, and golang-ical's reading of each costs
// as much as the whole line, so a line of many thousands took minutes.
const maxParams = 50

// paramCount is the number of parameters of a content line as golang-ical
// reads them: the semicolons before its value, outside parameter values in
// quotes. As there, a quote opens a value only where one starts (after =
// or ,), and a backslash takes the next character as it is, in quotes or
// not, so that no spelling hides parameters from the count.
func paramCount(line string) int {
	n, quoted, start := 0, false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		atStart := start
		start = false
		switch {
		case c == '\\':
			i++
		case quoted:
			quoted = c != '"'
		case c == '"':
			quoted = atStart
		case c == ';':
			n++
		case c == ':':
			return n
		case c == '=' || c == ',':
			start = true
		}
	}
	return n
}

// logical is one unfolded content line and the line it starts on.
type logical struct {
	text string
	line int
}

// unfold joins folded lines (RFC 5545 §3.1: CRLF followed by a space or a
// tab continues the line) and drops empty ones. LF alone is accepted as a
// line end, as most readers do. A line folded many times is joined once,
// in time linear in its length, however many pieces it has.
func unfold(data []byte) []logical {
	var out []logical
	var pieces []string // the current line's continuations, joined when it ends
	end := func() {
		if len(pieces) > 0 {
			last := &out[len(out)-1]
			last.text += strings.Join(pieces, "")
			pieces = pieces[:0]
		}
	}
	i := -1
	for b := range bytes.SplitSeq(data, []byte("\n")) {
		i++
		// Each line a string of its own: what an event keeps of a line
		// (a substring) keeps that line alone, not the whole file.
		l := strings.TrimSuffix(string(b), "\r")
		if l != "" && (l[0] == ' ' || l[0] == '\t') && len(out) > 0 {
			pieces = append(pieces, l[1:])
			continue
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		end()
		out = append(out, logical{l, i + 1})
	}
	end()
	return out
}

// rawValue returns the value of a content line as written: what follows
// the first colon that is not inside a quoted parameter value.
func rawValue(line string) string {
	quoted := false
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '"':
			quoted = !quoted
		case ':':
			if !quoted {
				return line[i+1:]
			}
		}
	}
	return ""
}

// splitText splits a TEXT list (CATEGORIES, RFC 5545 §3.8.1.2) at its
// unescaped commas and unescapes each item.
func splitText(raw string) []string {
	var items []string
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\\' && i+1 < len(raw):
			i++
			switch raw[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				b.WriteByte(raw[i])
			}
		case c == ',':
			items = append(items, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(items, b.String())
}
