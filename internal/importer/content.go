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

// component is an iCalendar component with its properties and
// sub-components, in file order.
type component struct {
	name     string
	line     int
	props    []*prop
	children []*component
}

// get returns the first property called name, or nil.
func (c *component) get(name string) *prop {
	for _, p := range c.props {
		if p.name == name {
			return p
		}
	}
	return nil
}

// all returns every property called name.
func (c *component) all(name string) []*prop {
	var out []*prop
	for _, p := range c.props {
		if p.name == name {
			out = append(out, p)
		}
	}
	return out
}

// text returns a TEXT property's value, cleaned, or "".
func (c *component) text(name string) string {
	if p := c.get(name); p != nil {
		return clean(p.value)
	}
	return ""
}

// parseICS reads an iCalendar stream into its VCALENDAR components (a file
// may hold several; their contents are read as one).
//
// golang-ical parses each content line (name, parameters with their
// quoting, value); unfolding (RFC 5545 §3.1) and the nesting of components
// are done here, so that every property keeps the line it starts on for
// the report. Lines that are not content lines are skipped with a note.
func parseICS(data []byte, ns *notes) *component {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	root := &component{name: "VCALENDAR", line: 1}
	var stack []*component // open components; stack[0] is a VCALENDAR
	calendars := 0
	for _, l := range unfold(data) {
		if !utf8.ValidString(l.text) {
			ns.once("utf8", l.line, "text that is not UTF-8 was read with U+FFFD in place of the bad bytes; save the file as UTF-8")
			l.text = strings.ToValidUTF8(l.text, "\uFFFD")
		}
		bp, err := ics.ParseProperty(ics.ContentLine(l.text))
		if err != nil || bp == nil || bp.IANAToken == "" || !strings.HasPrefix(strings.ToUpper(l.text), strings.ToUpper(bp.IANAToken)) {
			ns.add(l.line, 0, "dropped a line that is not an iCalendar content line (NAME:value): %.40q", l.text)
			continue
		}
		p := &prop{name: strings.ToUpper(bp.IANAToken), params: map[string][]string{}, value: bp.Value, raw: rawValue(l.text), line: l.line}
		for k, v := range bp.ICalParameters {
			p.params[strings.ToUpper(k)] = v
		}
		switch p.name {
		case "BEGIN":
			c := &component{name: strings.ToUpper(strings.TrimSpace(p.value)), line: l.line}
			switch {
			case len(stack) == 0 && c.name == "VCALENDAR":
				calendars++
				stack = append(stack, root)
			case len(stack) == 0:
				ns.add(l.line, 0, "BEGIN:%s outside BEGIN:VCALENDAR ... END:VCALENDAR: read as if inside one", c.name)
				calendars++
				root.children = append(root.children, c)
				stack = append(stack, root, c)
			default:
				top := stack[len(stack)-1]
				top.children = append(top.children, c)
				stack = append(stack, c)
			}
		case "END":
			name := strings.ToUpper(strings.TrimSpace(p.value))
			i := len(stack) - 1
			for i >= 0 && stack[i].name != name {
				i--
			}
			if i < 0 {
				ns.add(l.line, 0, "ignored END:%s, which ends nothing that began", name)
				continue
			}
			for _, c := range stack[i+1:] {
				ns.add(c.line, 0, "BEGIN:%s has no END:%s; it ends at line %d", c.name, c.name, l.line)
			}
			stack = stack[:i]
		default:
			if len(stack) == 0 {
				ns.once("outside", l.line, "dropped %s outside BEGIN:VCALENDAR ... END:VCALENDAR", p.name)
				continue
			}
			top := stack[len(stack)-1]
			top.props = append(top.props, p)
		}
	}
	for _, c := range stack[min(1, len(stack)):] {
		ns.add(c.line, 0, "BEGIN:%s has no END:%s; the file ends first (is it cut short?)", c.name, c.name)
	}
	if calendars == 0 {
		return nil
	}
	return root
}

// logical is one unfolded content line and the line it starts on.
type logical struct {
	text string
	line int
}

// unfold joins folded lines (RFC 5545 §3.1: CRLF followed by a space or a
// tab continues the line) and drops empty ones. LF alone is accepted as a
// line end, as most readers do.
func unfold(data []byte) []logical {
	var out []logical
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSuffix(l, "\r")
		if l != "" && (l[0] == ' ' || l[0] == '\t') && len(out) > 0 {
			out[len(out)-1].text += l[1:]
			continue
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		out = append(out, logical{l, i + 1})
	}
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
