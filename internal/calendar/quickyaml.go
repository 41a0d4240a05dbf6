package calendar

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// quickParse parses an events file, or a piece of one (see pieces.go: a
// block list of events), into the tree of nodes yaml.v3 gives for it,
// several times faster, when it is written in the plain subset of YAML
// that events files use: block mappings and lists indented with spaces,
// one-line plain, quoted and flow values, and literal (|) and folded (>)
// block text. It reports false for anything else, and for anything
// yaml.v3 would refuse, and the text is then parsed by yaml.v3, which
// reports problems exactly.
//
// The nodes agree with yaml.v3's in every field the loader reads: kind,
// style, tag (a plain value's is resolved by yaml.v3 itself), value, line,
// column and content. Comments are not kept. FuzzQuickParse holds the two
// parsers to that on any input.
func quickParse(src []byte) (*yaml.Node, bool) {
	return quickParseIn(src, quickOptions{arena: new(nodeArena), firstLine: 1})
}

// quickOptions are what the load that calls quickParse knows of the text.
type quickOptions struct {
	arena     *nodeArena // where the nodes come from
	firstLine int        // the line number of the text's first line in its file
	validUTF8 bool       // the text is known to be valid UTF-8
}

// quickParseIn is quickParse with options.
func quickParseIn(src []byte, o quickOptions) (*yaml.Node, bool) {
	if !(o.validUTF8 || utf8.Valid(src)) || !quickSafe(src) {
		return nil, false
	}
	p := &quick{src: src, arena: o.arena, lineBase: o.firstLine - 1}
	defer func() { o.arena.lines, o.arena.stack = p.lines[:0], p.stack[:0] }() // for the next piece
	p.split()
	i := p.nextContent(0)
	if i >= len(p.lines) {
		return nil, false
	}
	ln := p.lines[i]
	var root *yaml.Node
	ok := false
	switch {
	case p.isItem(ln, ln.indent):
		root, ok = p.blockSeq(i, ln.indent) // a piece of the events
	case isKey(p.text(i, ln.indent)):
		root, ok = p.blockMap(i, ln.indent) // a whole file
	}
	if !ok || p.nextContent(p.at) < len(p.lines) {
		return nil, false
	}
	doc := p.node(yaml.DocumentNode, i, ln.indent)
	doc.Content = []*yaml.Node{root}
	return doc, true
}

// isKey reports whether t starts with a plain key and its colon.
func isKey(t []byte) bool {
	_, ok := plainKey(t)
	return ok
}

// quickSafe reports whether src, valid UTF-8, holds only what quickParse
// reads: characters YAML allows, no tab, CR or other line break than LF, no
// byte-order mark, no directive or document marker.
func quickSafe(src []byte) bool {
	for i, c := range src {
		if !unsafeByte[c] {
			continue
		}
		// Valid UTF-8: the bytes after a lead byte are there.
		switch {
		case c < 0x20 && c != '\n', c == 0x7f:
			return false
		case c == 0xc2 && src[i+1] < 0xa0: // C1 controls and NEL
			return false
		case c == 0xe2 && src[i+1] == 0x80 && (src[i+2] == 0xa8 || src[i+2] == 0xa9): // U+2028, U+2029
			return false
		case c == 0xef && (src[i+1] == 0xbb && src[i+2] == 0xbf || src[i+1] == 0xbf && src[i+2] >= 0xbe): // BOM, U+FFFE, U+FFFF
			return false
		}
	}
	return !bytes.HasPrefix(src, []byte("---")) && !bytes.Contains(src, []byte("\n---")) &&
		!bytes.HasPrefix(src, []byte("...")) && !bytes.Contains(src, []byte("\n...")) &&
		!bytes.HasPrefix(src, []byte("%")) && !bytes.Contains(src, []byte("\n%"))
}

// unsafeByte marks the bytes quickSafe looks at more closely.
var unsafeByte = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = c != '\n'
	}
	t[0x7f], t[0xc2], t[0xe2], t[0xef] = true, true, true, true
	return t
}()

// quick is the state of one quickParse.
type quick struct {
	src      []byte
	lines    []qline
	at       int // the first line not read yet
	arena    *nodeArena
	lineBase int // added to the line numbers of src
	flows    int // the flow collections open
	// stack holds the content of the collections being read, nested
	// ones after their parents', until each is done and given its Content
	// (see nodeArena.content): not grown from nothing for each.
	stack []*yaml.Node
}

// yaml.v3 refuses a key whose ':' is more than 1024 characters from its
// start, and collections nested more than 10,000 deep (block ones each at
// a greater column). quickParse leaves well short of those to yaml.v3.
const (
	maxQuickKey   = 1000 // bytes
	maxQuickDepth = 1000
)

// qline is one line of the source, without its LF.
type qline struct {
	start, end int // offsets in src
	indent     int // leading spaces
	content    bool
}

func (p *quick) split() {
	n := bytes.Count(p.src, []byte("\n")) + 1
	if p.lines = p.arena.lines; cap(p.lines) < n {
		p.lines = make([]qline, 0, n)
	}
	p.stack = p.arena.stack
	for off := 0; off <= len(p.src); {
		end := bytes.IndexByte(p.src[off:], '\n')
		if end < 0 {
			end = len(p.src)
		} else {
			end += off
		}
		ln := qline{start: off, end: end}
		for off+ln.indent < end && p.src[off+ln.indent] == ' ' {
			ln.indent++
		}
		ln.content = off+ln.indent < end && p.src[off+ln.indent] != '#'
		p.lines = append(p.lines, ln)
		off = end + 1
	}
}

// text is line i from byte pos on.
func (p *quick) text(i, pos int) []byte {
	ln := p.lines[i]
	return p.src[ln.start+pos : ln.end]
}

// nextContent is the first line from i on that holds more than spaces
// and a comment.
func (p *quick) nextContent(i int) int {
	for i < len(p.lines) && !p.lines[i].content {
		i++
	}
	return i
}

// node allocates a node at line i, byte pos of that line.
func (p *quick) node(kind yaml.Kind, i, pos int) *yaml.Node {
	n := p.arena.node()
	n.Kind = kind
	n.Line = p.lineBase + i + 1
	ln := p.lines[i]
	n.Column = 1 + utf8.RuneCount(p.src[ln.start:ln.start+pos])
	switch kind {
	case yaml.MappingNode:
		n.Tag = "!!map"
	case yaml.SequenceNode:
		n.Tag = "!!seq"
	}
	return n
}

// isItem reports whether line ln holds a list item ("-" then a space or
// the end of the line) at column ind.
func (p *quick) isItem(ln qline, ind int) bool {
	if !ln.content || ln.indent != ind {
		return false
	}
	t := p.src[ln.start+ind : ln.end]
	return t[0] == '-' && (len(t) == 1 || t[1] == ' ')
}

// restEmpty reports whether b is spaces, then maybe a comment.
func restEmpty(b []byte) bool {
	b = bytes.TrimLeft(b, " ")
	return len(b) == 0 || b[0] == '#'
}

// blockSeq reads the block list whose first item is on line i at column
// ind, up to the first line that is not one of its items.
func (p *quick) blockSeq(i, ind int) (*yaml.Node, bool) {
	if ind > maxQuickDepth {
		return nil, false
	}
	seq := p.node(yaml.SequenceNode, i, ind)
	base := len(p.stack)
	for {
		item, ok := p.seqItem(i, ind)
		if !ok {
			return nil, false
		}
		p.stack = append(p.stack, item)
		i = p.nextContent(p.at)
		if i >= len(p.lines) || p.lines[i].indent < ind {
			return p.done(seq, base), true
		}
		if p.lines[i].indent > ind {
			return nil, false
		}
		if !p.isItem(p.lines[i], ind) {
			return p.done(seq, base), true // a key of the mapping the list is the value of
		}
	}
}

// seqItem reads the item of a block list at column ind on line i.
func (p *quick) seqItem(i, ind int) (*yaml.Node, bool) {
	pos := ind + 1
	rest := p.text(i, pos)
	if restEmpty(rest) {
		return p.below(i, ind, pos)
	}
	pos += len(rest) - len(bytes.TrimLeft(rest, " "))
	t := p.text(i, pos)
	if t[0] == '-' && (len(t) == 1 || t[1] == ' ') {
		return nil, false // a list in a list on one line
	}
	if _, ok := plainKey(t); ok {
		return p.blockMap(i, pos)
	}
	return p.inline(i, pos, ind)
}

// below reads the value of a list item or key that ends line i at byte
// end: a block collection on the lines below, or nothing.
func (p *quick) below(i, ind, end int) (*yaml.Node, bool) {
	j := p.nextContent(i + 1)
	if j < len(p.lines) && p.lines[j].indent > ind {
		ln := p.lines[j]
		if p.isItem(ln, ln.indent) {
			return p.blockSeq(j, ln.indent)
		}
		if _, ok := plainKey(p.text(j, ln.indent)); ok {
			return p.blockMap(j, ln.indent)
		}
		return nil, false // a scalar on a line of its own
	}
	p.at = i + 1
	n := p.node(yaml.ScalarNode, i, end)
	n.Tag = "!!null"
	return n, true
}

// blockMap reads the block mapping whose first key starts line i at byte
// pos (its column: every key is there).
func (p *quick) blockMap(i, pos int) (*yaml.Node, bool) {
	if pos > maxQuickDepth {
		return nil, false
	}
	m := p.node(yaml.MappingNode, i, pos)
	ind := pos // the first key may follow "- ": the others have spaces before them
	base := len(p.stack)
	for {
		k, v, ok := p.entry(i, pos, ind)
		if !ok {
			return nil, false
		}
		p.stack = append(p.stack, k, v)
		i = p.nextContent(p.at)
		if i >= len(p.lines) || p.lines[i].indent < ind {
			return p.done(m, base), true
		}
		if p.lines[i].indent > ind || p.isItem(p.lines[i], ind) {
			return nil, false
		}
		pos = ind
	}
}

// entry reads the key: value at byte pos of line i, of a mapping at
// column ind.
func (p *quick) entry(i, pos, ind int) (*yaml.Node, *yaml.Node, bool) {
	t := p.text(i, pos)
	n, ok := plainKey(t)
	if !ok {
		return nil, nil, false
	}
	k := p.node(yaml.ScalarNode, i, pos)
	k.Value = string(t[:n])
	k.Tag = plainTag(k)
	colon := pos + n
	rest := p.text(i, colon+1)
	if restEmpty(rest) {
		j := p.nextContent(i + 1)
		if j < len(p.lines) && p.isItem(p.lines[j], ind) {
			v, ok := p.blockSeq(j, ind) // a list at the key's column
			return k, v, ok
		}
		v, ok := p.below(i, ind, colon+1)
		return k, v, ok
	}
	vpos := colon + 1 + len(rest) - len(bytes.TrimLeft(rest, " "))
	v, ok := p.inline(i, vpos, ind)
	return k, v, ok
}

// plainKey reports whether t starts with a plain key and a colon, and the
// key's length.
func plainKey(t []byte) (int, bool) {
	if len(t) == 0 || !plainStart(t, false) {
		return 0, false
	}
	for j := 0; j < len(t); j++ {
		switch {
		case t[j] == ':' && (j+1 == len(t) || t[j+1] == ' '):
			if j == 0 || t[j-1] == ' ' || j > maxQuickKey {
				return 0, false
			}
			return j, true
		case t[j] == '#' && t[j-1] == ' ':
			return 0, false
		}
	}
	return 0, false
}

// plainStart reports whether a plain scalar may start t: not with an
// indicator, bar "-", "?" and ":" before something that is not a space
// (or, in a flow collection, a flow indicator).
func plainStart(t []byte, flow bool) bool {
	switch t[0] {
	case '-', '?', ':':
		return len(t) > 1 && t[1] != ' ' && !(flow && strings.IndexByte(",[]{}", t[1]) >= 0)
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ':
		return false
	}
	return true
}

// inline reads the value that starts at byte pos of line i, in a block
// collection at column ind: a block scalar, a quoted or plain one, or a
// flow collection. Nothing but a comment may follow it on the line.
func (p *quick) inline(i, pos, ind int) (*yaml.Node, bool) {
	t := p.text(i, pos)
	switch t[0] {
	case '|', '>':
		return p.blockScalar(i, pos, ind)
	case '"', '\'', '[', '{':
		n, end, ok := p.flowNode(i, pos)
		if !ok || !restEmpty(p.text(i, end)) {
			return nil, false
		}
		p.at = i + 1
		return n, true
	}
	if !plainStart(t, false) {
		return nil, false
	}
	end := len(t)
	for j := 1; j < len(t); j++ {
		if t[j] == '#' && t[j-1] == ' ' {
			end = j
			break
		}
		if t[j] == ':' && (j+1 == len(t) || t[j+1] == ' ') {
			return nil, false // a key where a value must be
		}
	}
	n := p.node(yaml.ScalarNode, i, pos)
	n.Value = string(bytes.TrimRight(t[:end], " "))
	n.Tag = plainTag(n)
	p.at = i + 1
	return n, true
}

// blockScalar reads the literal or folded text whose indicator is at byte
// pos of line i, in a block collection at column ind.
func (p *quick) blockScalar(i, pos, ind int) (*yaml.Node, bool) {
	h := p.text(i, pos)
	style, chomp := yaml.LiteralStyle, byte(0)
	if h[0] == '>' {
		style = yaml.FoldedStyle
	}
	h = h[1:]
	if len(h) > 0 && (h[0] == '-' || h[0] == '+') {
		chomp, h = h[0], h[1:]
	}
	if chomp == '+' || (len(h) > 0 && h[0] != ' ') || !restEmpty(h) {
		return nil, false // keep (+), an indentation digit, or text after it
	}
	first := i + 1
	if first >= len(p.lines) {
		return nil, false
	}
	fl := p.lines[first]
	contentInd := fl.indent
	if contentInd <= ind || fl.start+contentInd == fl.end {
		return nil, false // no text, or an empty line first
	}
	lines, last := p.scalarLines(first, contentInd)
	if lines == nil {
		return nil, false
	}
	n := p.node(yaml.ScalarNode, i, pos)
	n.Style = style
	n.Tag = "!!str"
	// Clipped, the last line's break is kept: if it has one.
	clip := chomp != '-' && p.lines[last-1].end < len(p.src)
	n.Value = joinScalar(lines, style == yaml.FoldedStyle, clip)
	p.at = last
	return n, true
}

// scalarLines returns the lines of a block scalar from line first, whose
// text is at column ind, without that indentation and without blank
// lines at the end, and the line after its last one. It returns nil for
// what quickParse leaves to yaml.v3: a line of spaces longer than the
// indentation (text, in YAML), or a tab of indentation.
func (p *quick) scalarLines(first, ind int) ([][]byte, int) {
	var lines [][]byte
	last := first // after the last line with text
	j := first
	for ; j < len(p.lines); j++ {
		ln := p.lines[j]
		allSpaces := ln.start+ln.indent == ln.end
		if allSpaces {
			if ln.indent > ind {
				return nil, 0
			}
			lines = append(lines, nil)
			continue
		}
		if ln.indent < ind {
			break
		}
		lines = append(lines, p.src[ln.start+ind:ln.end])
		last = j + 1
	}
	return lines[:last-first], last
}

// flowNode reads a quoted scalar or a flow collection at byte pos of line
// i, all on that line, and returns the byte after it.
func (p *quick) flowNode(i, pos int) (*yaml.Node, int, bool) {
	t := p.text(i, pos)
	switch t[0] {
	case '"', '\'':
		read, style := doubleQuoted, yaml.DoubleQuotedStyle
		if t[0] == '\'' {
			read, style = singleQuoted, yaml.SingleQuotedStyle
		}
		v, n, ok := read(t)
		if !ok {
			return nil, 0, false
		}
		node := p.node(yaml.ScalarNode, i, pos)
		node.Style, node.Tag, node.Value = style, "!!str", v
		return node, pos + n, true
	case '[', '{':
		return p.flowCollection(i, pos)
	}
	if !plainStart(t, true) {
		return nil, 0, false
	}
	end := 0
	for end < len(t) && strings.IndexByte(",[]{}#:?", t[end]) < 0 {
		end++
	}
	if end < len(t) && (t[end] == '#' || t[end] == '?' || t[end] == ':' && end+1 < len(t) && t[end+1] != ' ') {
		return nil, 0, false
	}
	node := p.node(yaml.ScalarNode, i, pos)
	node.Value = string(bytes.TrimRight(t[:end], " "))
	node.Tag = plainTag(node)
	return node, pos + end, true
}

// flowCollection reads a flow list ([a, b]) or mapping ({k: v}) at byte
// pos of line i.
func (p *quick) flowCollection(i, pos int) (*yaml.Node, int, bool) {
	mapping := p.text(i, pos)[0] == '{'
	kind, closing := yaml.SequenceNode, byte(']')
	if mapping {
		kind, closing = yaml.MappingNode, '}'
	}
	if p.flows++; p.flows > maxQuickDepth {
		return nil, 0, false
	}
	c := p.node(kind, i, pos)
	c.Style = yaml.FlowStyle
	pos = skipSpaces(p.text(i, 0), pos+1)
	if t := p.text(i, pos); len(t) > 0 && t[0] == closing {
		p.flows--
		return c, pos + 1, true
	}
	base := len(p.stack)
	for {
		t := p.text(i, pos)
		if len(t) == 0 {
			return nil, 0, false // it goes on on the next line
		}
		n, end, ok := p.flowNode(i, pos)
		if !ok {
			return nil, 0, false
		}
		p.stack = append(p.stack, n)
		start := pos
		pos = end
		if mapping {
			t = p.text(i, pos)
			if len(t) < 2 || t[0] != ':' || t[1] != ' ' || n.Kind != yaml.ScalarNode || pos-start > maxQuickKey {
				return nil, 0, false
			}
			pos = skipSpaces(p.text(i, 0), pos+1)
			if len(p.text(i, pos)) == 0 {
				return nil, 0, false
			}
			v, end, ok := p.flowNode(i, pos)
			if !ok {
				return nil, 0, false
			}
			p.stack = append(p.stack, v)
			pos = end
		}
		pos = skipSpaces(p.text(i, 0), pos)
		t = p.text(i, pos)
		switch {
		case len(t) > 0 && t[0] == closing:
			p.flows--
			return p.done(c, base), pos + 1, true
		case len(t) > 1 && t[0] == ',':
			pos = skipSpaces(p.text(i, 0), pos+1)
			if t := p.text(i, pos); len(t) == 0 || t[0] == closing || t[0] == ',' {
				return nil, 0, false
			}
		default:
			return nil, 0, false
		}
	}
}

// done gives the collection n the content read since the stack was base
// long, and takes it off the stack.
func (p *quick) done(n *yaml.Node, base int) *yaml.Node {
	n.Content = p.arena.content(p.stack[base:])
	p.stack = p.stack[:base]
	return n
}

func skipSpaces(t []byte, pos int) int {
	for pos < len(t) && t[pos] == ' ' {
		pos++
	}
	return pos
}
