package calendar

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
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

// maxDepth bounds YAML nesting, counted in nodes from the document: the
// deepest value events.yaml has, an override's title in one language, is
// at depth 7 (five levels of indentation); a file nested hundreds deep is
// an attack or an accident.
const maxDepth = 32

// Options tune Load. The zero value uses the defaults.
type Options struct {
	MaxSize   int64 // bytes; 0 means DefaultMaxSize
	MaxEvents int   // 0 means DefaultMaxEvents
	// History gives what the lock file records (package lock), or nil
	// for a calendar without one: every event at SEQUENCE 0. It is called
	// once, when the events have loaded without a problem, and may wait:
	// package lock decodes the lock file while the events file loads.
	// Unset is no lock.
	History func() *History
	// Zones, if set, keeps the zones the load reads by name, for the next
	// load given the same: the importer checks each event it writes as a
	// document of its own. Unset, each load reads the zones anew (a reload
	// then sees the system's time zone database as it is now).
	Zones *ZoneCache

	pieceItems int // minPieceItems, unless a test sets it
}

// ReadFile loads the events file at path. Problems are reported with the path
// as their file name. See Load. The file must be a regular file (a named
// pipe in its place is refused, not waited on) of at most opts.MaxSize
// bytes, checked before it is read; a cancelled ctx stops the reading and
// the loading with ctx's error.
func ReadFile(ctx context.Context, path string, opts Options) (*Calendar, error) {
	if cal, ok, err := readInPieces(ctx, path, opts); ok {
		return cal, err
	}
	data, err := safefile.Read(ctx, path, opts.maxSize())
	var tooLarge *safefile.TooLargeError
	var notRegular *safefile.NotRegularError
	switch {
	case errors.As(err, &tooLarge):
		msg := fmt.Sprintf("file is %d bytes, larger than the limit of %d bytes; split it or raise the limit (-max-size)", tooLarge.Size, tooLarge.Limit)
		return nil, &Error{Problems: []Problem{{File: path, Msg: msg, Whole: true}}}
	case errors.As(err, &notRegular):
		return nil, &Error{Problems: []Problem{{File: path, Msg: notRegular.Error(), Whole: true}}}
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
	data, err := io.ReadAll(io.LimitReader(r, min(maxSize, math.MaxInt64-1)+1)) // one byte past the limit tells it is passed
	if err != nil {
		return nil, fmt.Errorf("calendar: reading %s: %w", name, err)
	}
	return load(context.Background(), name, data, opts)
}

// load loads the bytes of an events file; a cancelled ctx stops it.
func load(ctx context.Context, name string, data []byte, opts Options) (*Calendar, error) {
	cal, err := loadData(ctx, name, data, opts)
	var e *Error
	if errors.As(err, &e) {
		hintComments(e.Problems, data)
	}
	return cal, err
}

// commentedValue is a key whose value, after a space, begins with #: a
// YAML comment, so the key has no value (`color: #C2185B`).
var commentedValue = regexp.MustCompile(`^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_.-]*):[ \t]+(#.*?)\s*$`)

// trailingComment is a comment after a value: a # after a space.
var trailingComment = regexp.MustCompile(`[ \t]+#`)

// hintComments adds to a problem of a key with no value, whose line gives
// it one that begins with #, what happened and what to write instead.
func hintComments(ps []Problem, data []byte) {
	var lines []string
	for i, p := range ps {
		if p.Warning || p.Line == 0 || !strings.HasSuffix(p.Msg, "got nothing") && !strings.HasSuffix(p.Msg, "must not be empty") {
			continue
		}
		if lines == nil {
			lines = strings.Split(string(data), "\n")
		}
		if p.Line > len(lines) {
			continue
		}
		if m := commentedValue.FindStringSubmatch(lines[p.Line-1]); m != nil {
			// What follows the value is most likely a comment of its own
			// (color: #1565C0  # blue): it stays out of the quotes.
			value := m[2]
			if loc := trailingComment.FindStringIndex(value); loc != nil {
				value = value[:loc[0]]
			}
			ps[i].Msg += fmt.Sprintf(`: after a space, # starts a comment in YAML, which hid the rest of the line; put the value in quotes: %s: "%s"`, m[1], strings.ReplaceAll(value, `"`, `\"`))
		}
	}
}

func loadData(ctx context.Context, name string, data []byte, opts Options) (*Calendar, error) {
	maxSize := opts.maxSize()
	ps := &problems{file: name}
	if int64(len(data)) > maxSize {
		ps.wholef("file is larger than the limit of %d bytes; split it or raise the limit (-max-size)", maxSize)
		return nil, &Error{Problems: ps.errs}
	}
	if line, col, ok := invalidUTF8(data); ok {
		ps.errorf(line, col, "invalid UTF-8; save the file as UTF-8")
		return nil, &Error{Problems: ps.errs}
	}
	if cal, ok, err := loadInPieces(ctx, name, data, opts); ok {
		return cal, err
	}
	// Most files are in the subset quickParse reads; yaml.v3 reads the
	// others, and reports what is wrong with them.
	doc, ok := quickParseIn(data, quickOptions{arena: new(nodeArena), firstLine: 1, validUTF8: true})
	if !ok {
		var err error
		if doc, err = decodeYAML(ctx, name, data, ps); err != nil {
			if e := recoverSyntax(ctx, name, data, opts); e != nil {
				return nil, e
			}
			return nil, err
		}
	}
	if n := tooDeep(doc); n != nil {
		ps.errorf(n.Line, n.Column, "nested more than %d levels deep; events.yaml needs five", maxDepth)
		return nil, &Error{Problems: ps.errs}
	}
	if mayAnchor(data) {
		if n := tooMuchAliased(doc, maxSize-int64(len(data))); n != nil {
			ps.errorf(n.Line, n.Column, "aliases (*%s and those before it) repeat more text than the file may hold (%d bytes, -max-size); write the texts out, or raise the limit", n.Value, maxSize)
			return nil, &Error{Problems: ps.errs}
		}
	}
	l := newLoader(ctx, ps, opts)
	cal := l.document(doc)
	return l.finish(cal, name, opts)
}

func newLoader(ctx context.Context, ps *problems, opts Options) *loader {
	zones := opts.Zones
	if zones == nil {
		zones = &ZoneCache{}
	}
	return &loader{ctx: ctx, problems: ps, maxEvents: opts.maxEvents(), zones: zones}
}

// loadInPieces loads a large file in pieces, in parallel (pieces.go), and
// reports false when it cannot: the file is then loaded in one.
func loadInPieces(ctx context.Context, name string, data []byte, opts Options) (*Calendar, bool, error) {
	if len(data) < opts.minPieceItems()*16 { // an event takes more than 16 bytes
		return nil, false, nil
	}
	sp, ok := splitEvents(data)
	if !ok {
		return nil, false, nil
	}
	return loadSplit(ctx, name, sp, opts)
}

// maxEvents is the most events a file may have (MaxEvents).
func (o Options) maxEvents() int {
	if o.MaxEvents <= 0 {
		return DefaultMaxEvents
	}
	return o.MaxEvents
}

// minPieceItems is the fewest events loaded in pieces: minPieceItems,
// unless a test says otherwise.
func (o Options) minPieceItems() int {
	if o.pieceItems == 0 {
		return minPieceItems
	}
	return o.pieceItems
}

// loadSplit loads a file cut in pieces, and reports false when it cannot:
// the file is then loaded in one.
func loadSplit(ctx context.Context, name string, sp *split, opts Options) (*Calendar, bool, error) {
	if sp.items < opts.minPieceItems() {
		return nil, false, nil
	}
	l := newLoader(ctx, &problems{file: name}, opts)
	doc, err := l.loadHead(sp)
	if err != nil {
		return nil, false, nil
	}
	cal := l.document(doc)
	if l.piecesErr != nil && ctx.Err() == nil {
		return nil, false, nil
	}
	cal, err = l.finish(cal, name, opts)
	return cal, true, err
}

// recoverSyntax reads a file that does not parse again, each of its
// events on its own, so that a slip in one event hides neither the slips
// of others nor their other problems: check reports them all at once, as
// it does for a file that parses. It returns the problems found, or nil
// when the file cannot be read so and its first slip is all there is to
// tell: its events: list is not a plain block list that can be cut
// between events (see splitEvents), the rest of the file does not parse
// (the slip is outside the events), no event fails to parse on its own,
// or one that fails may have been cut where no event starts (see
// loader.slip).
//
// A file that does not parse is never served, so only the problems
// matter: the events are read as a load in pieces reads them, each piece
// one event.
func recoverSyntax(ctx context.Context, name string, data []byte, opts Options) *Error {
	if ctx.Err() != nil {
		return nil
	}
	sp, ok := splitEventsBy(data, 1)
	if !ok || sp.items > opts.maxEvents() {
		return nil
	}
	l := newLoader(ctx, &problems{file: name}, opts)
	l.recovering = true
	doc, err := l.loadHead(sp)
	if err != nil {
		return nil
	}
	cal := l.document(doc)
	if l.piecesErr != nil || ctx.Err() != nil || sp.slipped.Load() == 0 {
		return nil
	}
	if n := sp.slipped.Load(); n > maxSlips {
		l.wholef("%d more events do not parse, besides the %d told here; fix those first", n-maxSlips, maxSlips)
	}
	var e *Error
	if _, err := l.finish(cal, name, opts); errors.As(err, &e) {
		return e
	}
	return nil
}

// finish is the end of a load: the problems in file order, or the
// calendar with its warnings and history.
func (l *loader) finish(cal *Calendar, name string, opts Options) (*Calendar, error) {
	if l.ctx.Err() != nil {
		return nil, fmt.Errorf("calendar: %s: %w", name, l.ctx.Err())
	}
	sortProblems(l.errs)
	sortProblems(l.warnings)
	if len(l.errs) > 0 {
		return nil, &Error{Problems: capProblems(l.errs, name), Warnings: capProblems(l.warnings, name), total: len(l.errs)}
	}
	cal.Warnings = l.warnings
	if opts.History != nil {
		opts.History().apply(cal)
	}
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
	return append(ps[:maxProblems:maxProblems], Problem{File: name, Msg: fmt.Sprintf("%d more problems not shown; fix these first", more), Whole: true})
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

// tooMuchAliased returns the alias at which the text that aliases repeat
// (each alias counts the text of what it stands for, aliases within it
// included) passes room bytes, or nil. A file may say through aliases no
// more than it may hold written out (-max-size): a 4 MB file of 40,000
// events each naming a 10 KB text three times by alias is 1.2 GB of text
// in its feeds.
func tooMuchAliased(doc *yaml.Node, room int64) *yaml.Node {
	if room > math.MaxInt64/2 {
		return nil // no limit to speak of; room+1 below must not wrap
	}
	sizes := map[*yaml.Node]int64{} // text of a node with its aliases expanded, capped past room
	var size func(n *yaml.Node) int64
	size = func(n *yaml.Node) int64 {
		if s, ok := sizes[n]; ok {
			return s
		}
		var s int64
		switch n.Kind {
		case yaml.ScalarNode:
			s = int64(len(n.Value))
		case yaml.AliasNode:
			if n.Alias != nil {
				// An alias within what it stands for (&a [*a]) repeats
				// nothing here: the loader reports what is wrong there.
				sizes[n] = 0
				s = size(n.Alias)
			}
		default:
			for _, c := range n.Content {
				s = min(s+size(c), room+1)
			}
		}
		sizes[n] = s
		return s
	}
	var repeated int64
	var found *yaml.Node
	walk := []*yaml.Node{doc}
	for len(walk) > 0 && found == nil {
		n := walk[len(walk)-1]
		walk = walk[:len(walk)-1]
		if n.Kind == yaml.AliasNode {
			if repeated += size(n); repeated > room {
				found = n
			}
			continue
		}
		for i := len(n.Content) - 1; i >= 0; i-- {
			walk = append(walk, n.Content[i])
		}
	}
	return found
}

// invalidUTF8 returns the position of the first byte that is not UTF-8.
func invalidUTF8(data []byte) (line, col int, bad bool) {
	if validUTF8(data, runtime.GOMAXPROCS(0)) {
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

// decodeYAML parses data with yaml.v3: its one document, with a problem in
// ps for a second one, or the error of a file it cannot parse.
func decodeYAML(ctx context.Context, name string, data []byte, ps *problems) (*yaml.Node, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(&yielding{ctx: ctx, r: bytes.NewReader(data)})
	if err := dec.Decode(&doc); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("calendar: %s: %w", name, ctx.Err())
		}
		if errors.Is(err, io.EOF) {
			ps.wholef("file is empty; it needs at least calendar: and events:")
		} else {
			ps.yamlError(data, err)
		}
		return nil, &Error{Problems: ps.errs}
	}
	if n := tooDeep(&doc); n != nil {
		return &doc, nil // reported by the caller, before a second document
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		ps.errorf(extra.Line, extra.Column, "a second YAML document (after ---); events.yaml holds one")
	} else if !errors.Is(err, io.EOF) {
		ps.yamlError(data, err)
	}
	return &doc, nil
}

// validUTF8 is utf8.Valid, in up to parts parts at once for a large
// file: it is cut after line breaks, which no character spans.
func validUTF8(data []byte, parts int) bool {
	parts = min(parts, len(data)>>20)
	if parts < 2 {
		return utf8.Valid(data)
	}
	valid := make([]bool, parts)
	var wg sync.WaitGroup
	for i, start := 0, 0; i < parts; i++ {
		end := len(data)
		if i < parts-1 {
			end = max(start, len(data)*(i+1)/parts)
			if nl := bytes.IndexByte(data[end:], '\n'); nl >= 0 {
				end += nl + 1
			} else {
				end = len(data)
			}
		}
		part := data[start:end]
		wg.Go(func() { valid[i] = utf8.Valid(part) })
		start = end
	}
	wg.Wait()
	return !slices.Contains(valid, false)
}

// loader walks the YAML node tree, building the calendar and recording
// problems. Each method checks one part of the schema and keeps going after
// a problem so that one run reports them all.
type loader struct {
	ctx context.Context // stops the loading when done
	*problems
	languages []string       // the calendar's, the default first; set before any text is read
	defaultTZ *time.Location // the zone of events that name none
	maxEvents int
	zones     *ZoneCache // loaded zones by name, shared by the loaders of one file
	calID     string     // the calendar's id, for the events' default UIDs; set before any event is read
	// pieces, when set, are the events: list cut into pieces that are
	// parsed and read in parallel (pieces.go); the document then has
	// events: empty.
	pieces    *split
	piecesErr error // why the pieces could not be read as cut
	// recovering is set when the file does not parse, and its events are
	// read one by one to find the problems of every one (recoverSyntax).
	recovering bool
}

// ZoneCache keeps one *time.Location per zone name: events in the same zone
// share it, so that feeds can tell which zones they use (and loading
// 100,000 events does not parse the zone 100,000 times). The loaders of
// one file's events, working in parallel, share it.
type ZoneCache struct {
	mu sync.Mutex
	m  map[string]*time.Location
}

// load returns the zone named s, loading it on first use (then first is
// true); false for a name the time zone database lacks.
func (z *ZoneCache) load(s string) (loc *time.Location, first, ok bool) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if loc, ok := z.m[s]; ok {
		return loc, false, true
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, false, false
	}
	if z.m == nil {
		z.m = map[string]*time.Location{}
	}
	z.m[s] = loc
	return loc, true, true
}

// document reads the top level: calendar:, tracks: and events:.
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
	c, ok := top.get("calendar")
	if !ok {
		l.errorf(root.Line, root.Column, "calendar: missing; every file starts with calendar: (id, name, timezone)")
		// Go on with defaults so the events' own problems are still reported.
		l.languages = []string{"en"}
		l.defaultTZ = time.UTC
	} else {
		l.calendar(cal, c)
		l.calID = cal.ID
	}
	if t, ok := top.get("tracks"); ok {
		l.tracks(cal, t)
	}
	e, ok := top.get("events")
	if !ok {
		l.errorf(root.Line, root.Column, "events: missing; add a list of events")
		return cal
	}
	l.events(cal, e) // which lists each track's events (see Calendar.index)
	return cal
}
