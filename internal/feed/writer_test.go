package feed

import (
	"bytes"
	"cmp"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"calfeed/internal/calendar"
	"calfeed/internal/reminder"
)

// alarms are every reminder a feed may carry, and none.
var alarms = append([]reminder.Reminder{reminder.None}, reminder.All()...)

// checkSame renders e in v with the direct writer and with golang-ical
// (referenceEvent) and fails unless the bytes are the same.
func checkSame(t *testing.T, r *Renderer, e *calendar.Event, v Variant) {
	t.Helper()
	got := r.renderEvent(e, v, nil)
	slab := make([]byte, 3, 64) // a slab with bytes in it, and too small
	cut := r.renderEvent(e, v, &slab)
	if !bytes.Equal(cut, got) {
		t.Errorf("event %q in %v: %d bytes rendered for a slab that differ from the %d rendered alone", e.ID, v, len(cut), len(got))
	}
	if len(cut) <= slabSize/16 && cap(cut) != len(cut) {
		t.Errorf("event %q in %v: cut from a slab with capacity %d past its %d bytes, into the next event's", e.ID, v, cap(cut), len(cut))
	}
	want, err := r.referenceEvent(e, v)
	if err != nil {
		t.Fatalf("event %q: golang-ical: %v", e.ID, err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\r\n"), strings.Split(string(want), "\r\n")
	for i := range max(len(gl), len(wl)) {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("event %q in %v: line %d differs from golang-ical's\ngot:  %q\nwant: %q", e.ID, v, i+1, g, w)
		}
	}
	t.Fatalf("event %q in %v: bytes differ from golang-ical's\ngot:  %q\nwant: %q", e.ID, v, got, want)
}

// checkCalendar compares every event of cal in every language and with
// every reminder, and returns how many renderings it compared.
func checkCalendar(t *testing.T, cal *calendar.Calendar, events []*calendar.Event) int {
	t.Helper()
	r := &Renderer{cal: cal}
	n := 0
	for _, e := range events {
		for _, lang := range cal.Languages {
			for _, a := range alarms {
				checkSame(t, r, e, Variant{lang, a})
				n++
			}
		}
	}
	return n
}

// TestWriterTestdata compares the writer with golang-ical on every
// calendar under internal/*/testdata that loads; the feed's and the
// server's own must.
func TestWriterTestdata(t *testing.T) {
	paths, err := filepath.Glob("../*/testdata/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	loaded := map[string]bool{}
	for _, p := range paths {
		cal, err := calendar.ReadFile(t.Context(), p, calendar.Options{})
		if err != nil {
			continue // an invalid file, for the loader's tests
		}
		if n := checkCalendar(t, cal, cal.Events); n == 0 {
			t.Errorf("%s: no events compared", p)
		}
		loaded[filepath.ToSlash(p)] = true
	}
	for _, p := range []string{"../feed/testdata/fixture.yaml", "../feed/testdata/repeat.yaml", "../server/testdata/series.yaml"} {
		if !loaded[p] {
			t.Errorf("%s did not load; loaded: %v", p, loaded)
		}
	}
}

// TestWriterSynth compares the writer with golang-ical on a synthetic
// calendar: many zones, long mixed Chinese and English text with specials,
// all-day, tentative, cancelled and repeating events, in every language
// and with every reminder.
func TestWriterSynth(t *testing.T) {
	cal := loadSynth(t, 500, 7)
	if len(cal.Languages) < 2 {
		t.Fatalf("synthetic calendar has languages %v, want several", cal.Languages)
	}
	checkCalendar(t, cal, cal.Events)
}

// edgeTexts are texts that golang-ical escapes, that text cleans, or that
// must be folded.
var edgeTexts = []string{
	"", "plain", `back\slash`, "semi;colon", "com,ma", "colon: quote\" apostrophe'",
	"cr\rlf\ncrlf\r\nlfcr\n\rend\r", "\r\r\n\n", "trailing cr\r", "\\n is not a newline",
	"nul\x00bell\x07esc\x1bdel\x7f c1\u0080\u0085\u009f latin1\u00a0¢£¿\u00bfÀ tab\tend", "\xff\xfe invalid \xc3 cut \xed\xa0\x80 surrogate",
	"\xff\r\xff\x01\xff\u0085\xff", "\uFFFD\xff", "😀🎉 emoji " + strings.Repeat("🎉", 40),
	"技术促进性别平等与主流化（GEM-TECH）2015 年奖：通过信息通信技术对男性和女性进行赋能，这是一个很长的标题",
	strings.Repeat("长", 300), strings.Repeat("a b ", 60), strings.Repeat(`\;,`, 50), strings.Repeat("x", 74),
	"DESCRIPTION;X=1:x\r\nEND:VEVENT", "  spaced  ",
}

// edgeCalendars are the feed's fixtures, whose events are all-day, zoned,
// in UTC (in a repeated hour), cancelled, online, with a URL, and repeating
// with RRULE, EXDATE, RDATE and overrides.
func edgeCalendars(t testing.TB) []*calendar.Calendar {
	t.Helper()
	var cals []*calendar.Calendar
	for _, p := range []string{"testdata/fixture.yaml", "testdata/repeat.yaml"} {
		cal, err := calendar.ReadFile(t.Context(), p, calendar.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cals = append(cals, cal)
	}
	return cals
}

// edgeEvent is a copy of e with s in every text and link of the event and
// of its overrides, and the UID, sequence and status i picks.
func edgeEvent(cal *calendar.Calendar, e *calendar.Event, s string, i int) *calendar.Event {
	byLang := map[string]string{}
	for _, l := range cal.Languages {
		byLang[l] = s
	}
	tx := calendar.NewText(byLang, cal.Languages...)
	c := *e
	c.Title, c.Description, c.Place, c.URL, c.Online = tx, tx, tx, s, s
	c.UID = []string{s, "", "uid;with,specials\\\n@x"}[i%3]
	c.Sequence = []int{0, 7, -1, 1 << 40}[i%4]
	c.Status = []calendar.Status{calendar.Confirmed, calendar.Tentative, calendar.Cancelled}[i%3]
	c.Overrides = nil
	for j, ov := range e.Overrides {
		o := *ov
		if j%2 == 0 {
			o.Title, o.Place, o.URL, o.Online = tx, tx, s, s
			o.Status = []calendar.Status{"", calendar.Cancelled, calendar.Tentative}[i%3]
		}
		c.Overrides = append(c.Overrides, &o)
	}
	return &c
}

// TestWriterEdges compares the writer with golang-ical on the fixtures'
// events with every edge text in every text, link and track name, in
// zones whose names need escaping, and in years that need more or fewer
// than four digits.
func TestWriterEdges(t *testing.T) {
	for _, cal := range edgeCalendars(t) {
		var events []*calendar.Event
		for i, s := range edgeTexts {
			for _, tr := range cal.Tracks {
				byLang := tr.Name.Map()
				for l := range byLang {
					byLang[l] = s + " " + tr.ID
				}
				tr.Name = calendar.NewText(byLang, cal.Languages...)
			}
			for _, e := range cal.Events {
				events = append(events, edgeEvent(cal, e, s, i))
			}
			checkCalendar(t, cal, events[len(events)-len(cal.Events):])
		}
		odd := time.FixedZone(`Odd;Zone,"x':\y`, 90*60)
		for _, e := range cal.Events {
			c := *e
			c.Location = odd
			checkCalendar(t, cal, []*calendar.Event{&c})
			if e.Repeat == nil {
				for _, year := range []int{10_000, 999, 1} {
					c := *e
					c.Start, c.End = c.Start.AddDate(year-c.Start.Year(), 0, 0), c.End.AddDate(year-c.Start.Year(), 0, 0)
					c.Modified = c.Start
					checkCalendar(t, cal, []*calendar.Event{&c})
				}
			}
		}
	}
}

// FuzzEventWriter puts fuzzed strings in an event's texts, links, UID and
// track name, and checks that the direct writer writes what golang-ical
// writes.
//
//	go test ./internal/feed -run '^$' -fuzz FuzzEventWriter -fuzztime 5m
func FuzzEventWriter(f *testing.F) {
	for i, s := range edgeTexts {
		f.Add(s, s, "https://example.org/a?b=1;c", s, uint8(i))
	}
	cals := edgeCalendars(f)
	f.Fuzz(func(t *testing.T, title, desc, link, uid string, pick uint8) {
		cal := cals[int(pick)%len(cals)]
		e := edgeEvent(cal, cal.Events[int(pick)%len(cal.Events)], title, int(pick))
		e.Description = calendar.NewText(map[string]string{cal.Languages[0]: desc}, cal.Languages...)
		// Addresses reach the writer as the loader normalises them (ASCII,
		// no controls or spaces); raw bytes there would be no address.
		e.URL, _ = calendar.HTTPURL(link)
		e.Online, _ = calendar.HTTPURL(uid)
		if pick%3 == 0 {
			e.UID = uid
		}
		for _, id := range e.Tracks { // calls of one fuzz process never overlap
			cal.Track(id).Name = calendar.NewText(map[string]string{cal.Languages[0]: desc, cal.Languages[1]: title}, cal.Languages...)
		}
		r := &Renderer{cal: cal}
		checkSame(t, r, e, Variant{cal.Languages[int(pick)%len(cal.Languages)], alarms[int(pick)%len(alarms)]})
	})
}

// TestRenderEventSlab: events rendered into one slab are each the bytes
// rendered alone, and renderAll packs a language's events into a few slabs:
// most of its pieces begin where another ends.
func TestRenderEventSlab(t *testing.T) {
	cal := loadSynth(t, 300, 1)
	r := newRenderer(t, cal)
	v := Variant{Lang: cal.Languages[0]}
	var slab []byte
	for _, e := range cal.Events {
		cut := r.renderEvent(e, v, &slab)
		alone := r.renderEvent(e, v, nil)
		if !bytes.Equal(cut, alone) || cap(cut) != len(cut) {
			t.Fatalf("event %q: %d bytes cut (capacity %d), want the %d rendered alone", e.ID, len(cut), cap(cut), len(alone))
		}
	}
	// Each piece by where it starts: those that begin where another ends
	// share a slab with it.
	pieces := r.renderAll(v.Lang)
	type span struct{ start, end uintptr }
	spans := make([]span, len(pieces))
	total := 0
	for i, p := range pieces {
		start := uintptr(unsafe.Pointer(unsafe.SliceData(p.b)))
		spans[i] = span{start, start + uintptr(len(p.b))}
		total += len(p.b)
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	slabs := 1
	for i := 1; i < len(spans); i++ {
		if spans[i].start != spans[i-1].end {
			slabs++
		}
	}
	// Each worker may leave the end of each of its slabs unused.
	if most := total/slabSize + 1 + runtime.GOMAXPROCS(0); slabs > most {
		t.Errorf("renderAll: %d events of %d bytes in all in %d separate runs of memory, want at most %d slabs", len(pieces), total, slabs, most)
	}
}

// TestRenderEventSlabLarge: an event of more than a sixteenth of a slab is
// not cut from it, and the slab is kept for the small events after it:
// large events would otherwise leave slabs half unused.
func TestRenderEventSlabLarge(t *testing.T) {
	src := "calendar: {id: s, name: S, timezone: Europe/Zurich}\nevents:\n" +
		"  - {id: a, title: A, start: 2030-01-01 09:00, duration: 1h}\n" +
		"  - {id: b, title: B, start: 2030-01-01 10:00, duration: 1h, description: \"" + strings.Repeat("Long text. ", 2000) + "\"}\n" +
		"  - {id: c, title: C, start: 2030-01-01 11:00, duration: 1h}\n"
	cal, err := calendar.Load("s.yaml", strings.NewReader(src), calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := newRenderer(t, cal)
	v := Variant{Lang: cal.Languages[0]}
	var slab []byte
	small := r.renderEvent(cal.Events[0], v, &slab)
	first := unsafe.SliceData(slab)
	large := r.renderEvent(cal.Events[1], v, &slab)
	if len(large) <= slabSize/16 {
		t.Fatalf("event b: %d bytes, want more than %d", len(large), slabSize/16)
	}
	if len(slab) != len(small) {
		t.Errorf("the slab holds %d bytes after a large event, want only the small one's %d", len(slab), len(small))
	}
	next := r.renderEvent(cal.Events[2], v, &slab)
	if unsafe.SliceData(slab) != first || len(slab) != len(small)+len(next) {
		t.Errorf("the small event after a large one went into a new slab")
	}
	if !bytes.Equal(large, r.renderEvent(cal.Events[1], v, nil)) {
		t.Errorf("event b rendered for a slab differs from event b rendered alone")
	}
}
