package calendar

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"calfeed/internal/synth"
)

// whole and inPieces load src in one piece and in pieces (forced, however
// small), failing if it cannot be cut.
func whole(src string) (*Calendar, error) {
	return load(context.Background(), "p.yaml", []byte(src), Options{pieceItems: 1 << 30})
}

func inPieces(t *testing.T, src string) (*Calendar, error) {
	t.Helper()
	cal, ok, err := loadInPieces(context.Background(), "p.yaml", []byte(src), Options{pieceItems: 1})
	if !ok {
		t.Fatalf("the file was not loaded in pieces:\n%.600s", src)
	}
	return cal, err
}

// fromFile loads src as readInPieces loads a file: cut as it is read,
// each piece read from the file by its worker.
func fromFile(t *testing.T, src string) (cal *Calendar, ok bool, err error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return readInPieces(context.Background(), path, Options{pieceItems: 1})
}

// sameLoad compares what the three loads gave (in one piece, in pieces
// from memory, in pieces from the file): every field of every event
// (zones by name), or every problem.
func sameLoad(t *testing.T, src string) {
	t.Helper()
	a, errA := whole(src)
	b, errB := inPieces(t, src)
	c, ok, errC := fromFile(t, src)
	if !ok {
		t.Fatalf("the file was not read in pieces:\n%.600s", src)
	}
	opts := cmp.Options{
		cmp.Exporter(func(reflect.Type) bool { return true }),
		cmp.Comparer(func(x, y *time.Location) bool { return x.String() == y.String() }),
		// A problem's file is the path it was read from.
		cmp.Transformer("file", func(p Problem) Problem { p.File = filepath.Base(p.File); return p }),
	}
	if diff := cmp.Diff(errA, errB, opts); diff != "" {
		t.Fatalf("problems differ (-whole +pieces):\n%s", diff)
	}
	if diff := cmp.Diff(a, b, opts); diff != "" {
		t.Fatalf("calendars differ (-whole +pieces):\n%s", diff)
	}
	if diff := cmp.Diff(errA, errC, opts); diff != "" {
		t.Fatalf("problems differ (-whole +pieces read from the file):\n%s", diff)
	}
	if diff := cmp.Diff(a, c, opts); diff != "" {
		t.Fatalf("calendars differ (-whole +pieces read from the file):\n%s", diff)
	}
	for _, cal := range []*Calendar{a, b, c} {
		checkTrackIndex(t, cal)
	}
}

// checkTrackIndex checks that EventsIn lists each track's events, in file
// order (the index is made as the events are added).
func checkTrackIndex(t *testing.T, cal *Calendar) {
	t.Helper()
	if cal == nil {
		return
	}
	for _, tr := range cal.Tracks {
		var want []*Event
		for _, e := range cal.Events {
			if slices.Contains(e.Tracks, tr.ID) {
				want = append(want, e)
			}
		}
		if got := cal.EventsIn(tr.ID); !slices.Equal(got, want) {
			t.Fatalf("EventsIn(%q): %d events, want %d in file order", tr.ID, len(got), len(want))
		}
	}
}

func TestPiecesSynthetic(t *testing.T) {
	var buf bytes.Buffer
	if err := synth.Write(&buf, synth.Options{Events: 3000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	sameLoad(t, buf.String())
	// CRLF line endings, comments and blank lines between items.
	crlf := strings.ReplaceAll(strings.ReplaceAll(buf.String(), "\n  - ", "\n\n  # next\n  - "), "\n", "\r\n")
	sameLoad(t, crlf)
	// No line feed at the end, in the list and after it.
	sameLoad(t, strings.TrimSuffix(buf.String(), "\n"))
	sameLoad(t, strings.TrimSuffix(piecesSrc(300, false), "\n"))
}

// TestPiecesProblemsInOrder: the problems found when a piece's events are
// added (a repeated id) come after those its worker found at the same
// place (no title), as in a load in one piece, though the adding now goes
// on while later pieces are read.
func TestPiecesProblemsInOrder(t *testing.T) {
	var again strings.Builder
	for _, i := range []int{3, 17, 38} {
		fmt.Fprintf(&again, "- id: e%d\n  start: 2026-04-01 09:00\n  duration: 1h\n", i)
	}
	src := strings.Replace(piecesSrc(40, false), "\ntracks:\n", "\n"+again.String()+"tracks:\n", 1)
	_, err := whole(src)
	var e *Error
	if !errors.As(err, &e) || len(e.Problems) != 6 {
		t.Fatalf("load in one piece: %v, want six problems", err)
	}
	sameLoad(t, src)
}

// piecesSrc is a calendar whose tracks come after its events, with items
// at the list's own indentation and problems throughout: the places and
// messages must be those of a load in one piece.
func piecesSrc(n int, broken bool) string {
	var b strings.Builder
	b.WriteString("calendar: {id: p, name: P, timezone: Europe/Zurich, languages: [en, fr]}\nevents:\n")
	for i := range n {
		fmt.Fprintf(&b, "- id: e%d\n  title: {en: Event %d, fr: Événement %d}\n  start: 2026-03-%02d 09:00\n  duration: 1h\n  tracks: [t%d]\n", i, i, i, 1+i%28, i%3)
		if i%50 == 0 {
			b.WriteString("  description: |\n    Two lines,\n\n    - not an item.\n")
		}
		if broken && i%700 == 3 {
			b.WriteString("  status: maybe\n")
		}
	}
	if broken {
		b.WriteString("- id: e5\n  title: again\n  start: 2026-03-29 02:30\n  duration: 1h\n")
	}
	b.WriteString("tracks:\n")
	if broken {
		b.WriteString("  - {id: t9, name: Nine, color: red}\n") // a problem just after the list
	}
	b.WriteString("  - {id: t0, name: Zero}\n  - {id: t1, name: One}\n")
	if !broken {
		b.WriteString("  - {id: t2, name: Two}\n")
	}
	return b.String()
}

func TestPiecesProblems(t *testing.T) {
	sameLoad(t, piecesSrc(2000, false))
	src := piecesSrc(2000, true)
	sameLoad(t, src)
	// A problem on the very line after the list.
	sameLoad(t, strings.Replace(piecesSrc(2000, false), "tracks:\n", "tracks: nope\nx:\n", 1))
	_, err := whole(src)
	var le *Error
	if !errors.As(err, &le) || len(le.Problems) < 5 {
		t.Fatalf("the broken file gave %v; want its problems", err)
	}
}

// TestPiecesRefused: what cannot be cut safely is loaded in one piece,
// with the same result as before.
func TestPiecesRefused(t *testing.T) {
	good := piecesSrc(300, false)
	for name, src := range map[string]string{
		"anchor":      strings.Replace(good, "- id: e7\n", "- id: e7\n  location: &room Room A\n", 1),
		"alias":       strings.Replace(good, "- id: e7\n", "- id: e7\n  location: *room\n", 1),
		"flow list":   "calendar: {id: p, name: P, timezone: UTC}\nevents: [{id: a, title: A, start: 2026-01-01 09:00, duration: 1h}]\n",
		"two docs":    good + "---\nx: 1\n",
		"events key":  strings.Replace(good, "tracks:\n", "events:\n", 1),
		"not a list":  "calendar: {id: p, name: P, timezone: UTC}\nevents:\n  id: a\n",
		"tab":         strings.Replace(good, "  duration: 1h\n", "\tduration: 1h\n", 1),
		"tab first":   strings.Replace(good, "events:\n", "events:\n\tx: 1\n", 1),
		"syntax":      strings.Replace(good, "- id: e200\n", "- id: e200\n  title: [unclosed\n", 1),
		"bad indent":  strings.Replace(good, "- id: e9\n", "- id: e9\n title: x\n", 1),
		"directive":   "%YAML 1.2\n---\n" + good,
		"no events":   "calendar: {id: p, name: P, timezone: UTC}\n",
		"top comment": "# only a comment\n",
	} {
		t.Run(name, func(t *testing.T) {
			cal, ok, err := loadInPieces(context.Background(), "p.yaml", []byte(src), Options{pieceItems: 1})
			if ok {
				t.Fatalf("loaded in pieces: %v, %v", cal != nil, err)
			}
			if cal, ok, err := fromFile(t, src); ok {
				t.Fatalf("read in pieces from the file: %v, %v", cal != nil, err)
			}
		})
	}
	// And the load in one piece still reports a syntax error at its place.
	_, err := load(context.Background(), "p.yaml", []byte(strings.Replace(good, "- id: e200\n", "- id: e200\n  title: [unclosed\n", 1)), Options{pieceItems: 1})
	var le *Error
	if !errors.As(err, &le) || le.Problems[0].Line == 0 {
		t.Errorf("a syntax error in a piece: %v", err)
	}
}

func TestPiecesTooMany(t *testing.T) {
	src := piecesSrc(400, false)
	_, errA := load(context.Background(), "p.yaml", []byte(src), Options{pieceItems: 1 << 30, MaxEvents: 300})
	_, ok, errB := loadInPieces(context.Background(), "p.yaml", []byte(src), Options{pieceItems: 1, MaxEvents: 300})
	if !ok || errA == nil || fmt.Sprint(errA) != fmt.Sprint(errB) {
		t.Errorf("more events than allowed: whole %v; pieces (%v) %v", errA, ok, errB)
	}
}

// TestInvalidUTF8Large: a file large enough to be checked in parts is
// found valid or not as a whole, and its first bad byte placed exactly,
// wherever it is.
func TestInvalidUTF8Large(t *testing.T) {
	line := []byte("    description: 全球数字合作大会 — every session of the conference\n")
	var data []byte
	for len(data) < 3<<20 {
		data = append(data, line...)
	}
	lines := len(data) / len(line)
	if _, _, bad := invalidUTF8(data); bad {
		t.Fatal("valid UTF-8 reported invalid")
	}
	for _, at := range []int{0, lines / 2, lines - 1} {
		bad := bytes.Clone(data)
		bad[at*len(line)+17] = 0xff // in 全, after "    description: "
		l, c, found := invalidUTF8(bad)
		if !found || l != at+1 || c != 18 {
			t.Errorf("bad byte on line %d: got line %d col %d found %v, want line %d col 18", at+1, l, c, found, at+1)
		}
	}
}

// TestPiecesUIDs: uid problems, found once every piece is read, are placed
// as in a load in one piece, though the pieces' nodes have been reused.
func TestPiecesUIDs(t *testing.T) {
	var buf bytes.Buffer
	if err := synth.Write(&buf, synth.Options{Events: 3000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	src := buf.String()
	for id, uid := range map[string]string{
		"ev-000010": "same@x",
		"ev-002900": "same@x",
		"ev-000020": "ev-000005@bench", // another event's default UID
	} {
		item := "  - id: " + id + "\n"
		if !strings.Contains(src, item) {
			t.Fatalf("no %q in the synthetic calendar", item)
		}
		src = strings.Replace(src, item, item+"    uid: "+uid+"\n", 1)
	}
	if !strings.Contains(src, "id: bench\n") {
		t.Fatal("the synthetic calendar's id is not bench")
	}
	_, err := whole(src)
	var lerr *Error
	if !errors.As(err, &lerr) || len(lerr.Problems) != 2 {
		t.Fatalf("a load in one piece: %v, want the two uid problems", err)
	}
	sameLoad(t, src)
}

// TestValidUTF8Parts: checked in any number of parts, a file is valid or
// not as a whole, whether a bad byte is at a cut, just before or after it,
// at an end, or the file has no line break past a cut.
func TestValidUTF8Parts(t *testing.T) {
	line := []byte("    description: 全球数字合作大会 — every session\n")
	var data []byte
	for len(data) < 3<<20 {
		data = append(data, line...)
	}
	oneLine := bytes.ReplaceAll(data, []byte("\n"), []byte(" "))
	for _, parts := range []int{1, 2, 3, 7} {
		for _, d := range [][]byte{data, oneLine} {
			if !validUTF8(d, parts) {
				t.Fatalf("%d parts: valid UTF-8 reported invalid", parts)
			}
			for k := 0; k <= 7; k++ {
				for _, off := range []int{-1, 0, 1} {
					at := min(max(len(d)*k/7+off, 0), len(d)-1)
					bad := bytes.Clone(d)
					bad[at] = 0xff
					if validUTF8(bad, parts) {
						t.Errorf("%d parts: a bad byte at %d of %d not found", parts, at, len(d))
					}
				}
			}
		}
	}
}

// TestPiecesFromFileRefused: a file that does not read as it was cut
// (changed meanwhile, or not UTF-8 in a piece), or that is too large, is
// not loaded in pieces; ReadFile then reads it whole and reports what
// a load in one piece reports.
func TestPiecesFromFileRefused(t *testing.T) {
	good := piecesSrc(300, false)
	sp, ok := splitFile(context.Background(), strings.NewReader(good), 1<<30)
	if !ok || len(sp.chunks) < 2 {
		t.Fatalf("splitFile: %v, %d chunks", ok, len(sp.chunks))
	}
	var buf []byte
	if text, err := sp.readChunk(sp.chunks[1], &buf); err != nil || string(text) != good[sp.chunks[1].off:sp.chunks[1].end] {
		t.Fatalf("readChunk: %q, %v", text, err)
	}
	sp.src = strings.NewReader(good[:sp.chunks[1].end-1]) // the file cut short since
	if _, err := sp.readChunk(sp.chunks[1], &buf); !errors.Is(err, errNotPieces) {
		t.Errorf("readChunk of a file cut short: %v; want errNotPieces", err)
	}
	// Edited in place since, to the same size: the piece read is not the
	// one cut (its title changed), though valid and as long.
	sp.src = strings.NewReader(strings.Replace(good, "Event 200,", "Event 201,", 1))
	if _, err := sp.readChunk(sp.chunks[1], &buf); !errors.Is(err, errNotPieces) {
		t.Errorf("readChunk of a piece edited to the same size: %v; want errNotPieces", err)
	}
	// The head edited to the same size after the file was read to cut it.
	edited := &editedAtEOF{before: good, after: strings.Replace(good, "name: P,", "name: Q,", 1)}
	if _, ok := splitFile(context.Background(), edited, 1<<30); ok || !edited.edited {
		t.Errorf("splitFile of a file whose head changed after it was read: %v (edited %v)", ok, edited.edited)
	}
	if _, ok := splitFile(context.Background(), strings.NewReader(good), int64(len(good)-1)); ok {
		t.Error("splitFile cut a file larger than its limit")
	}
	long := strings.Replace(good, "- id: e7\n", "- id: e7\n  description: "+strings.Repeat("x", maxLine)+"\n", 1)
	if _, ok := splitFile(context.Background(), strings.NewReader(long), 1<<30); ok {
		t.Error("splitFile cut a file with a line longer than its buffer")
	}
	for name, src := range map[string]string{
		"invalid UTF-8 in a piece":            strings.Replace(good, "Event 250,", "Event \xff,", 1),
		"invalid UTF-8 in the head":           strings.Replace(good, "tracks:\n", "tracks:\n# \xfe\n", 1),
		"invalid UTF-8 before the first item": strings.Replace(good, "events:\n", "events:\n# \xfe\n", 1),
	} {
		t.Run(name, func(t *testing.T) {
			if _, ok, _ := fromFile(t, src); ok {
				t.Fatal("read in pieces")
			}
			path := filepath.Join(t.TempDir(), "p.yaml")
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadFile(context.Background(), path, Options{pieceItems: 1})
			_, want := load(context.Background(), path, []byte(src), Options{pieceItems: 1 << 30})
			if want == nil || err == nil || err.Error() != want.Error() {
				t.Errorf("ReadFile: %v; want %v", err, want)
			}
		})
	}
}

// TestPiecesFromFileTooMany: a file over the events limit read from the
// file is told what a load of its bytes tells, here that a byte is not
// UTF-8 (which a file read in pieces finds only in the pieces it reads).
func TestPiecesFromFileTooMany(t *testing.T) {
	for name, src := range map[string]string{
		"too many":                    piecesSrc(300, false),
		"too many, and invalid UTF-8": strings.Replace(piecesSrc(300, false), "Event 250,", "Event \xff,", 1),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "p.yaml")
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			opts := Options{pieceItems: 1, MaxEvents: 10}
			_, got := ReadFile(context.Background(), path, opts)
			_, want := load(context.Background(), path, []byte(src), opts)
			if got == nil || want == nil || got.Error() != want.Error() {
				t.Errorf("ReadFile: %v\nload of its bytes: %v", got, want)
			}
		})
	}
}

// TestSameFile: a file's size or modification time changed since it was
// opened means it changed while it was read in pieces.
func TestSameFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.yaml")
	stat := func() os.FileInfo {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	if err := os.WriteFile(path, []byte("events: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := stat()
	if !sameFile(before, stat()) {
		t.Error("an unchanged file reads as changed")
	}
	// The same size, another time: an edit in place.
	if err := os.WriteFile(path, []byte("events: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, time.Time{}, before.ModTime().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if sameFile(before, stat()) {
		t.Error("a file edited in place reads as unchanged")
	}
	if err := os.WriteFile(path, []byte("events: []\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, time.Time{}, before.ModTime()); err != nil {
		t.Fatal(err)
	}
	if sameFile(before, stat()) {
		t.Error("a file that grew reads as unchanged")
	}
}

// TestPieceSize: a file is cut into runs of pieceItems whole items (the
// last may have fewer), in order, each starting where the one before ends:
// a piece is parsed without a pause, so its size bounds how long a reload
// keeps requests waiting on a server with one processor.
func TestPieceSize(t *testing.T) {
	src := piecesSrc(3*pieceItems+5, false)
	for name, cut := range map[string]func() (*split, bool){
		"memory": func() (*split, bool) { return splitEvents([]byte(src)) },
		"file":   func() (*split, bool) { return splitFile(context.Background(), strings.NewReader(src), 1<<30) },
	} {
		sp, ok := cut()
		if !ok {
			t.Fatalf("%s: not cut", name)
		}
		if len(sp.chunks) != 4 {
			t.Errorf("%s: %d pieces, want 4", name, len(sp.chunks))
		}
		first, off := 0, sp.chunks[0].off
		for i, c := range sp.chunks {
			want := pieceItems
			if i == len(sp.chunks)-1 {
				want = 5
			}
			if c.items != want || c.first != first || c.off != off {
				t.Errorf("%s: piece %d = %+v, want %d items from item %d at byte %d", name, i, c, want, first, off)
			}
			first, off = first+c.items, c.end
		}
		if first != sp.items || sp.items != 3*pieceItems+5 {
			t.Errorf("%s: pieces hold %d items of %d", name, first, sp.items)
		}
	}
}

// editedAtEOF reads as before until a read reaches its end, and as after
// from then on: a file edited in place once it has been read through.
type editedAtEOF struct {
	before, after string
	edited        bool
}

func (e *editedAtEOF) ReadAt(p []byte, off int64) (int, error) {
	if e.edited {
		return strings.NewReader(e.after).ReadAt(p, off)
	}
	n, err := strings.NewReader(e.before).ReadAt(p, off)
	e.edited = errors.Is(err, io.EOF)
	return n, err
}

// TestPiecesLineLeftOfTheItems: a line left of the list's items, in the
// last event of a piece (or of the list), ends the piece's list, and
// what follows it must not go unread: the whole file does not parse, and
// neither may its pieces, in memory or read from the file, with or
// without other problems to recover from.
func TestPiecesLineLeftOfTheItems(t *testing.T) {
	var b strings.Builder
	b.WriteString("calendar: {id: p, name: P, timezone: Europe/Zurich}\nevents:\n")
	lineOf := map[int]int{} // event: the line after its last
	line := 3
	for i := range 2*pieceItems + 10 {
		fmt.Fprintf(&b, "  - id: e%d\n    title: Event %d\n    start: 2026-03-%02d 09:00\n    duration: 1h\n", i, i, 1+i%28)
		line += 4
		lineOf[i] = line
	}
	good := b.String()
	last := 2*pieceItems + 9
	for name, tc := range map[string]struct {
		after int    // the event the line is put after
		add   string // the line
		col   int
	}{
		"the last event of a piece": {pieceItems - 1, " location: Oops\n", 2},
		"the last event":            {last, " location: Oops\n", 2},
		"a - at column 0":           {last, "-x: 1\n", 1},
		"a document marker":         {last, "---\n", 1},
	} {
		t.Run(name, func(t *testing.T) {
			src := strings.Replace(good, fmt.Sprintf("    duration: 1h\n  - id: e%d\n", tc.after+1), "    duration: 1h\n"+tc.add+fmt.Sprintf("  - id: e%d\n", tc.after+1), 1)
			if tc.after == last {
				src = good + tc.add
			}
			at := lineOf[tc.after]
			path := filepath.Join(t.TempDir(), "p.yaml")
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			for how, load := range map[string]func() error{
				"in memory": func() error {
					_, err := load(context.Background(), "p.yaml", []byte(src), Options{pieceItems: 1})
					return err
				},
				"from the file": func() error { _, err := ReadFile(context.Background(), path, Options{pieceItems: 1}); return err },
			} {
				var le *Error
				if err := load(); !errors.As(err, &le) {
					t.Fatalf("%s: %v; want the line at %d reported", how, err, at)
				}
				if !slices.ContainsFunc(le.Problems, func(p Problem) bool { return p.Line == at }) {
					t.Errorf("%s: %v; want a problem at line %d", how, le, at)
				}
			}
		})
	}
}
