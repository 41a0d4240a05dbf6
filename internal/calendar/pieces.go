package calendar

import (
	"bytes"
	"context"
	"errors"
	"io"
	"regexp"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"go.yaml.in/yaml/v3"
)

// A large events file is parsed and read in pieces, in parallel: the YAML
// of its events: list is cut between items, each piece parsed on its own
// and its events read as soon as it is, and its nodes dropped once they
// are. That uses every processor for what is most of a load, and the
// whole file is never one tree of nodes (ten times its size) at once.
//
// Cutting is done on the text, so it is only tried on a file whose events:
// list is written the plain way, as a block list at the top level (one
// "- " per event at one indentation), with no anchors or aliases (which
// can refer from one piece into another), directives or second document.
// Anything else, or anything that does not parse as it should, is loaded
// in one piece, which reports its problems exactly.

// minPieceItems is the smallest events: list loaded in pieces: a file of
// a few thousand events loads in tens of milliseconds in one.
const minPieceItems = 4096

// pieceItems is the events of a piece (the last may have fewer). A piece
// is parsed without a pause, so it is kept to about a millisecond's work:
// when a server with one processor reloads a large file, requests wait
// for no longer than that (see yielding). Its nodes, about ten times its
// text, are all in memory while it is read.
const pieceItems = 128

// split is an events file cut for loading in pieces.
type split struct {
	data       []byte      // the whole file, when it is in memory (splitEvents)
	src        io.ReaderAt // else the file, which each chunk is read from (splitFile)
	head       []byte      // the file without its events' lines
	eventsLine int         // the line of "events:" (1-based)
	removed    int         // how many lines head lacks after eventsLine
	firstLine  int         // the line of the first item
	indent     int         // the column of each item's "-", 0-based
	items      int
	chunks     []eventChunk
	slipped    atomic.Int64 // the pieces that did not parse, when recovering (see loader.slip)
}

// eventChunk is a run of whole items: the bytes [off, end) of the file
// (see split.readChunk).
type eventChunk struct {
	off, end int
	line     int // the line its text starts on
	first    int // the index of its first item in events:
	items    int
	sum      uint32 // its bytes' CRC-32C, when it is read from the file (see cutSums)
}

var eventsKey = regexp.MustCompile(`^events:[ \t]*(?:#.*)?$`)

// mayAnchor reports whether data may hold an anchor (&a) or an alias (*a):
// a & or * at the start of a line or after a space, [, { or , and before
// something else. A false find only costs the parallel load.
func mayAnchor(data []byte) bool {
	return mayIndicate(data, '&') || mayIndicate(data, '*')
}

// mayIndicate reports whether data holds c where it may be an anchor's or
// an alias's indicator (see mayAnchor).
func mayIndicate(data []byte, c byte) bool {
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], c)
		if j < 0 {
			return false
		}
		i += j
		before := i == 0 || bytes.IndexByte([]byte(" \t\n[{,"), data[i-1]) >= 0
		after := i+1 < len(data) && bytes.IndexByte([]byte(" \t\r\n]},"), data[i+1]) < 0
		if before && after {
			return true
		}
		i++
	}
}

// splitEvents cuts data for loading in pieces, or reports that it cannot
// be (see above).
func splitEvents(data []byte) (*split, bool) {
	return splitEventsBy(data, pieceItems)
}

// splitEventsBy is splitEvents with per items a piece.
func splitEventsBy(data []byte, per int) (*split, bool) {
	if mayAnchor(data) {
		return nil, false
	}
	sc := newSplitter()
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		next := len(data)
		if end >= 0 {
			next = off + end + 1
			end = off + end
		} else {
			end = len(data)
		}
		if !sc.line(data[off:end], off, next, end < next) {
			return nil, false
		}
		off = next
	}
	if !sc.end(len(data)) {
		return nil, false
	}
	sc.cut(per)
	sc.sp.data = data
	sc.sp.head = append(append(make([]byte, 0, sc.blockStart+len(data)-sc.blockEnd), data[:sc.blockStart]...), data[sc.blockEnd:]...)
	return sc.sp, true
}

// splitter finds, line by line, where an events file's list and its items
// are (see splitEvents and splitFile).
type splitter struct {
	sp                   *split
	starts               []int // offsets of the items' first lines
	startLines           []int
	blockStart, blockEnd int // the list's lines: [blockStart, blockEnd); blockEnd -1 until it ends
	lines                int // lines read
}

func newSplitter() *splitter {
	return &splitter{sp: &split{indent: -1}, blockStart: -1, blockEnd: -1}
}

// line reads the next line of the file: raw is its text without its line
// feed (newline says whether it has one), off its offset and next the next
// line's. It reports false when the file cannot be cut.
func (sc *splitter) line(raw []byte, off, next int, newline bool) bool {
	sp := sc.sp
	sc.lines++
	inList := sc.blockStart >= 0 && sc.blockEnd < 0
	if inList && newline {
		sp.removed++
	}
	if inList && sp.indent >= 0 && len(raw) > sp.indent && allSpaces(raw[:sp.indent+1]) {
		return true // inside an item: most lines, passed over quickly
	}
	text := bytes.TrimSuffix(raw, []byte("\r"))
	if !inList {
		return sc.topLevel(text, next)
	}
	trimmed := bytes.TrimLeft(text, " ")
	if len(trimmed) > 0 && trimmed[0] == '\t' {
		// A tab in the indentation, which YAML refuses and whose depth
		// cannot be told: kept with the item before it, whose piece then
		// fails to parse on its own and is reported while the others are
		// read (see recoverSyntax). Before any item, the file cannot be
		// cut.
		return len(sc.starts) > 0
	}
	if len(trimmed) == 0 || trimmed[0] == '#' {
		return true // blank or a comment: with the item before it
	}
	ind := len(text) - len(trimmed)
	item := bytes.Equal(trimmed, []byte("-")) || bytes.HasPrefix(trimmed, []byte("- "))
	switch {
	case ind == 0 && trimmed[0] != '-':
		sc.blockEnd = off // the next top-level key
		if newline {
			sp.removed--
		}
		return sc.topLevel(text, next)
	case sp.indent < 0 && item:
		sp.indent = ind
		sp.firstLine = sc.lines
	case sp.indent < 0:
		return false // events: is not a block list
	}
	switch {
	case ind == sp.indent && item:
		sc.starts = append(sc.starts, off)
		sc.startLines = append(sc.startLines, sc.lines)
	case ind <= sp.indent:
		// Indented as no line of an item is, though not at the top
		// level: YAML refuses it (a key under the - of the items, or
		// between two levels), or reads it as the rest of a text in
		// quotes. Either way it belongs to the item before it, whose
		// piece then fails alone if it must (see recoverSyntax).
		return true
	}
	return true
}

// topLevel reads a line outside the list.
func (sc *splitter) topLevel(text []byte, next int) bool {
	if bytes.HasPrefix(text, []byte("---")) || bytes.HasPrefix(text, []byte("...")) || bytes.HasPrefix(text, []byte("%")) {
		return false
	}
	if eventsKey.Match(text) {
		if sc.blockStart >= 0 {
			return false // events: twice
		}
		sc.sp.eventsLine, sc.blockStart = sc.lines, next
	}
	return true
}

// end ends the file, size bytes long, and reports whether it can be cut.
func (sc *splitter) end(size int) bool {
	if sc.blockEnd < 0 {
		sc.blockEnd = size
	}
	return sc.blockStart >= 0 && len(sc.starts) > 0
}

func allSpaces(b []byte) bool {
	for _, c := range b {
		if c != ' ' {
			return false
		}
	}
	return true
}

// cut makes the chunks, of per whole items, from the list's items'
// starts.
func (sc *splitter) cut(per int) {
	sp, starts := sc.sp, sc.starts
	sp.items = len(starts)
	for first := 0; first < len(starts); first += per {
		n := min(per, len(starts)-first)
		end := sc.blockEnd
		if first+n < len(starts) {
			end = starts[first+n]
		}
		sp.chunks = append(sp.chunks, eventChunk{off: starts[first], end: end, line: sc.startLines[first], first: first, items: n})
	}
}

// errNotPieces reports a file that turned out not to load in pieces as
// it was cut: it is loaded in one.
var errNotPieces = errors.New("not loadable in pieces")

// loadHead parses the file without its events and prepares l to read the
// events in pieces: the document, with events: empty and every line
// number as in the file.
func (l *loader) loadHead(sp *split) (*yaml.Node, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(&yielding{ctx: l.ctx, r: bytes.NewReader(sp.head)})
	if err := dec.Decode(&doc); err != nil {
		return nil, errNotPieces
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errNotPieces
	}
	if tooDeep(&doc) != nil {
		return nil, errNotPieces
	}
	walk(&doc, func(n *yaml.Node) {
		if n.Line > sp.eventsLine {
			n.Line += sp.removed
		}
	})
	root := &doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		root = doc.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, errNotPieces
	}
	found := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value == "events" && k.Line == sp.eventsLine && v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			found = true
		}
	}
	if !found {
		return nil, errNotPieces
	}
	l.pieces = sp
	return &doc, nil
}

// eventsInPieces reads the events of l.pieces: each piece parsed and read
// by one of a few workers, each with problems of its own, and added to cal
// in file order as soon as it and the pieces before it are read, while the
// workers read the next (the adding takes one processor: done after the
// reading, it kept the others idle). A piece that does not parse as cut
// stops it all with errNotPieces in l.piecesErr.
func (l *loader) eventsInPieces(cal *Calendar) {
	sp := l.pieces
	if sp.items > l.maxEvents {
		l.tooManyEvents(sp.firstLine, sp.indent+1, sp.items)
		return
	}
	m := newMerger(l, cal, sp.items)
	// Each piece's events, once read; done tells which piece is.
	results := make([][]converted, len(sp.chunks))
	workers := min(runtime.GOMAXPROCS(0), len(sp.chunks))
	if l.recovering {
		workers = 1 // the first slips in file order are told (see maxSlips)
	}
	ctx, cancel := context.WithCancel(l.ctx)
	defer cancel()
	next := make(chan int)
	done := make(chan int, workers)
	loaders := make([]*loader, workers)
	var failed sync.Once
	var wg sync.WaitGroup
	for w := range workers {
		wl := &loader{ctx: ctx, problems: &problems{file: l.file}, languages: l.languages,
			defaultTZ: l.defaultTZ, maxEvents: l.maxEvents, zones: l.zones, recovering: l.recovering, calID: l.calID}
		loaders[w] = wl
		wg.Go(func() {
			var arena nodeArena // reused from piece to piece: see chunk
			var text []byte     // likewise, for pieces read from the file
			for c := range next {
				out, err := wl.chunk(sp, sp.chunks[c], m.trackIDs, &arena, &text)
				if err != nil {
					failed.Do(func() { l.piecesErr = err })
					cancel()
					continue
				}
				results[c] = out
				select {
				case done <- c:
				case <-ctx.Done(): // the adding has stopped
				}
			}
		})
	}
	wg.Go(func() {
		defer close(next)
		for c := range sp.chunks {
			select {
			case next <- c:
			case <-ctx.Done():
				return
			}
		}
	})
	// The adding's problems (repeated ids) follow the workers', as when
	// every piece was read before any was added: sortProblems keeps the
	// order of problems at one place.
	before := len(l.errs)
	read := make([]bool, len(sp.chunks))
add:
	for added := 0; added < len(sp.chunks); {
		select {
		case c := <-done:
			read[c] = true
			for ; added < len(sp.chunks) && read[added]; added++ {
				for _, e := range results[added] {
					m.add(e)
				}
				results[added] = nil // its events are the calendar's now
			}
		case <-ctx.Done():
			break add
		}
	}
	wg.Wait()
	if l.piecesErr != nil || l.ctx.Err() != nil {
		return
	}
	added := slices.Clone(l.errs[before:])
	l.errs = l.errs[:before]
	for _, wl := range loaders {
		l.errs = append(l.errs, wl.errs...)
		l.warnings = append(l.warnings, wl.warnings...)
	}
	l.errs = append(l.errs, added...)
	l.uids(cal, m.uids)
}

// chunk parses one piece and reads its events.
//
// The nodes quickParse makes come from arena, and are reused for the next
// piece once this one's events are read: nothing chunk returns may point
// into them (TestPiecesUIDs would see a uid's place taken from a reused
// node).
func (l *loader) chunk(sp *split, c eventChunk, trackIDs *trackSet, arena *nodeArena, buf *[]byte) ([]converted, error) {
	defer arena.reset()
	text, err := sp.readChunk(c, buf)
	if err != nil {
		return nil, err
	}
	// The file is valid UTF-8 (see load and readChunk), and so is each
	// piece of it.
	doc, ok := quickParseIn(text, quickOptions{arena: arena, firstLine: c.line, validUTF8: true})
	if !ok {
		doc = new(yaml.Node)
		if err := decodeOne(&yielding{ctx: l.ctx, r: bytes.NewReader(text)}, doc); err != nil {
			if l.ctx.Err() != nil {
				return nil, l.ctx.Err()
			}
			if l.recovering {
				return nil, l.slip(sp, c, text)
			}
			return nil, errNotPieces
		}
		walk(doc, func(n *yaml.Node) { n.Line += c.line - 1 })
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.SequenceNode ||
		len(doc.Content[0].Content) != c.items || tooDeep(doc) != nil {
		return nil, errNotPieces
	}
	out := make([]converted, 0, c.items)
	for j, it := range doc.Content[0].Content {
		if j%16 == 15 {
			if err := l.ctx.Err(); err != nil {
				return nil, err
			}
			runtime.Gosched() // see yielding
		}
		out = append(out, l.convert(c.first+j, it, trackIDs))
	}
	return out, nil
}

// slip records the slip of the piece c, one event (see recoverSyntax),
// whose text does not parse, at its place in the file; it returns
// errNotPieces when the file may have been cut where no event starts,
// and its slips cannot be told apart.
//
// A piece cut too soon ends inside a text in quotes or a flow collection
// ([ or {) that goes on past the cut: a text in quotes may run over
// lines, one of which reads as the start of an event ("  - two""). And
// a quote or bracket left open by a slip may be closed by one in a later
// event, which a reading of the text cannot tell from a text that runs
// on. So a piece that ends inside quotes (as syntaxScan reads them, which
// sees every quote YAML does, and some more) is a slip of its own only
// when nothing follows it in the file; otherwise the whole file's first
// slip is all check reports. A flow collection is different: none goes
// on past a line that begins "- " (in it, that is no value), so one left
// open at a cut is the piece's own slip, when the piece after it is an
// event, not what is left of the collection ("  - b]").
func (l *loader) slip(sp *split, c eventChunk, text []byte) error {
	if sp.slipped.Add(1) > maxSlips {
		return nil // past the problems worth reading: see recoverSyntax
	}
	// Parsed after a line of its own, the piece's slip is placed as in
	// the whole file, where no event starts on the first line: yaml.v3
	// gives no line for a fault on its first, and counts some from 0.
	lined := append([]byte{'\n'}, text...)
	err := decodeOne(bytes.NewReader(lined), new(yaml.Node))
	if err == nil {
		return errNotPieces // it parsed after all
	}
	scan := scanSyntax(lined)
	if len(bytes.TrimSpace(sp.data[c.end:])) > 0 {
		switch {
		case scan.quote != (pos{}):
			return errNotPieces
		case len(scan.flow) > 0 && !sp.eventAfter(c):
			return errNotPieces
		}
	}
	scan.shift = c.line - 2
	line, col, msg := scan.problem(err)
	if line > 0 {
		line += scan.shift
	}
	l.errorf(line, col, "%s", msg)
	return nil
}

// decodeOne decodes the one YAML document r holds into doc. A piece's
// text must be read to its end: a line left of its list's items (" key:
// x" in a list at column 2) ends the list, and yaml.v3 would give the
// list alone, the rest unread, where the whole file does not parse.
func decodeOne(r io.Reader, doc *yaml.Node) error {
	dec := yaml.NewDecoder(r)
	if err := dec.Decode(doc); err != nil {
		return err
	}
	switch err := dec.Decode(new(yaml.Node)); {
	case errors.Is(err, io.EOF):
		return nil
	case err == nil:
		return errors.New("yaml: a second document in an events file")
	default:
		return err
	}
}

// eventAfter reports whether the piece after c (a split of one item a
// piece, in memory) parses, as an event: a mapping.
func (sp *split) eventAfter(c eventChunk) bool {
	if c.first+1 >= len(sp.chunks) {
		return false
	}
	next := sp.chunks[c.first+1]
	var doc yaml.Node
	if yaml.Unmarshal(sp.data[next.off:next.end], &doc) != nil {
		return false
	}
	return doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 && doc.Content[0].Kind == yaml.SequenceNode &&
		len(doc.Content[0].Content) == 1 && doc.Content[0].Content[0].Kind == yaml.MappingNode
}

// maxSlips is the most events that do not parse whose slips are told: a
// file of many more has a cause that fixing the first ones shows.
const maxSlips = 100

// walk calls f on every node of the tree under n, without recursion and
// without following aliases.
func walk(n *yaml.Node, f func(*yaml.Node)) {
	stack := []*yaml.Node{n}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		f(n)
		stack = append(stack, n.Content...)
	}
}
