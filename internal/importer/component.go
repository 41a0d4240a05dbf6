package importer

import (
	"bytes"
	"slices"
	"strings"
)

// component is an iCalendar component with its properties and
// sub-components, in file order.
type component struct {
	name     string
	line     int
	props    []*prop
	children []*component
	// byName are the indexes in props of each name's properties, made on
	// the first lookup of a component with many (an event of 100,000
	// RDATEs is looked up once for each occurrence written out), and made
	// anew if props has grown since (indexed is its length then).
	byName  map[string][]int
	indexed int
}

// manyProps is the number of properties from which a component's lookups
// go through an index rather than a walk through them all.
const manyProps = 32

// index returns c's properties' indexes by name, or nil when it has few.
func (c *component) index() map[string][]int {
	if len(c.props) < manyProps {
		return nil
	}
	if c.byName == nil || c.indexed != len(c.props) {
		c.byName = map[string][]int{}
		for i, p := range c.props {
			c.byName[p.name] = append(c.byName[p.name], i)
		}
		c.indexed = len(c.props)
	}
	return c.byName
}

// get returns the first property called name, or nil.
func (c *component) get(name string) *prop {
	if ix := c.index(); ix != nil {
		if is := ix[name]; len(is) > 0 {
			return c.props[is[0]]
		}
		return nil
	}
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
	if ix := c.index(); ix != nil {
		for _, i := range ix[name] {
			out = append(out, c.props[i])
		}
		return out
	}
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
// quoting, value); unfolding (RFC 5545 §3.1, content.go) and the nesting
// of components (here) are done by the importer, so that every property
// keeps the line it starts on for the report. Lines that are not content
// lines are skipped with a note.
func parseICS(data []byte, ns *notes) *component {
	n := &nesting{root: &component{name: "VCALENDAR", line: 1}, ns: ns}
	for _, l := range unfold(bytes.TrimPrefix(data, bom)) {
		p := readProp(l, ns)
		switch {
		case p == nil:
		case p.name == "BEGIN":
			n.begin(p)
		case p.name == "END":
			n.end(p)
		default:
			n.add(p)
		}
	}
	n.close()
	if n.calendars == 0 {
		return nil
	}
	return n.root
}

// nesting builds the tree of components from BEGIN and END lines,
// forgiving what exports get wrong: a component outside VCALENDAR, several
// VCALENDARs (read as one), an END that ends nothing, a BEGIN never ended.
type nesting struct {
	root      *component
	stack     []*component // open components; stack[0] is root
	calendars int          // the VCALENDARs begun
	depth     int          // the VCALENDARs begun and not ended
	ns        *notes
}

// begin opens the component a BEGIN line names.
func (n *nesting) begin(p *prop) {
	c := &component{name: strings.ToUpper(strings.TrimSpace(p.value)), line: p.line}
	switch {
	case c.name == "VCALENDAR":
		// Every calendar's components are the root's: several
		// VCALENDARs in a file (some exports join them), or one after a
		// component outside any, are read as one. One begun inside an
		// open component ends that component first.
		for _, open := range slices.Backward(n.stack[min(1, len(n.stack)):]) {
			n.ns.add(open.line, 0, "BEGIN:%s has no END:%s; it ends where BEGIN:VCALENDAR begins, at line %d", open.name, open.name, p.line)
		}
		n.calendars++
		n.depth++
		n.stack = append(n.stack[:0], n.root)
	case len(n.stack) == 0:
		n.ns.add(p.line, 0, "BEGIN:%s outside BEGIN:VCALENDAR ... END:VCALENDAR: read as if inside one", c.name)
		n.calendars++
		n.root.children = append(n.root.children, c)
		n.stack = append(n.stack, n.root, c)
	default:
		// A calendar component (VEVENT, VTODO...) is never inside another
		// (RFC 5545 §3.6): one begun inside one left open ends that one
		// first, so that a missing END (a typo, END:VTOOD) loses nothing
		// after it.
		for len(n.stack) > 1 && topLevel[c.name] && topLevel[n.stack[len(n.stack)-1].name] {
			open := n.stack[len(n.stack)-1]
			n.ns.add(open.line, 0, "BEGIN:%s has no END:%s; it ends where BEGIN:%s begins, at line %d", open.name, open.name, c.name, p.line)
			n.stack = n.stack[:len(n.stack)-1]
		}
		top := n.stack[len(n.stack)-1]
		top.children = append(top.children, c)
		n.stack = append(n.stack, c)
	}
}

// topLevel are the components that are children of VCALENDAR only.
var topLevel = map[string]bool{"VEVENT": true, "VTODO": true, "VJOURNAL": true, "VFREEBUSY": true, "VTIMEZONE": true, "VAVAILABILITY": true}

// end closes the innermost open component an END line names, and any
// opened inside it and not ended.
func (n *nesting) end(p *prop) {
	name := strings.ToUpper(strings.TrimSpace(p.value))
	if name == "VCALENDAR" && n.depth > 1 {
		// The end of a calendar begun inside another: its components
		// were the root's, and the outer one goes on.
		for _, c := range n.stack[1:] {
			n.ns.add(c.line, 0, "BEGIN:%s has no END:%s; it ends at line %d", c.name, c.name, p.line)
		}
		n.stack = n.stack[:min(1, len(n.stack))]
		n.depth--
		return
	}
	i := len(n.stack) - 1
	for i >= 0 && n.stack[i].name != name {
		i--
	}
	if i < 0 {
		n.ns.add(p.line, 0, "ignored END:%s, which ends nothing that began", name)
		return
	}
	for _, c := range n.stack[i+1:] {
		n.ns.add(c.line, 0, "BEGIN:%s has no END:%s; it ends at line %d", c.name, c.name, p.line)
	}
	n.stack = n.stack[:i]
	if i == 0 {
		n.depth = 0
	}
}

// add gives a property to the innermost open component.
func (n *nesting) add(p *prop) {
	if len(n.stack) == 0 {
		n.ns.once("outside", p.line, "dropped %s outside BEGIN:VCALENDAR ... END:VCALENDAR", p.name)
		return
	}
	top := n.stack[len(n.stack)-1]
	top.props = append(top.props, p)
}

// close notes the components the file never ended.
func (n *nesting) close() {
	for _, c := range n.stack[min(1, len(n.stack)):] {
		n.ns.add(c.line, 0, "BEGIN:%s has no END:%s; the file ends first (is it cut short?)", c.name, c.name)
	}
}
