package feed

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"

	"calfeed/internal/calendar"
)

// expectText is what a text must read as after a round trip through a feed,
// written independently of text(): valid UTF-8 (each run of bad bytes
// becomes one U+FFFD),
// each CR, LF or CRLF one newline, other control characters but TAB gone.
func expectText(s string) string {
	var b strings.Builder
	bad := false // the previous byte was invalid
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		invalid := r == utf8.RuneError && size == 1
		if invalid && bad {
			continue
		}
		bad = invalid
		switch {
		case r == '\r':
			b.WriteByte('\n')
			if i < len(s) && s[i] == '\n' {
				i++
			}
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case unicode.IsControl(r):
		default:
			b.WriteRune(r) // RuneError for a run of invalid bytes
		}
	}
	return b.String()
}

// propNames lists a component's property names and its children's names.
func propNames(c *goical.Component) []string {
	var names []string
	for name, ps := range c.Props {
		for _, p := range ps {
			var params []string
			for k := range p.Params {
				params = append(params, k)
			}
			slices.Sort(params)
			names = append(names, name+";"+strings.Join(params, ";"))
		}
	}
	for _, ch := range c.Children {
		names = append(names, "BEGIN:"+ch.Name)
	}
	slices.Sort(names)
	return names
}

// FuzzText puts any string in every text field of an event and checks the
// feed: it parses with an independent parser, the text comes back as
// written (normalised as documented), no line is over 75 octets or splits a
// UTF-8 character, and no property, parameter or component appears that a
// benign text does not give.
//
//	go test ./internal/feed -run '^$' -fuzz FuzzText -fuzztime 10m
func FuzzText(f *testing.F) {
	for _, s := range []string{
		"plain", "\r\nX-EVIL:1", "\rBEGIN:VEVENT", "\nEND:VCALENDAR\r\n", ";", ",", "\\", "\\n", "a\x00b",
		"\xed\xa0\x80 lone surrogate", "\xff\xfe invalid", "😀🎉 emoji", "مرحبا \u200f\u202b بالعالم\u202c",
		"技术促进性别平等与主流化（GEM-TECH）2015 年奖", strings.Repeat("长", 10000), strings.Repeat("a b ", 60),
		"DESCRIPTION;X=1:x", `"quoted";param=1`, "  spaced  ", "\t",
	} {
		f.Add(s)
	}
	cal := loadFixture(f)
	f.Fuzz(func(t *testing.T, s string) {
		e := *cal.Event("zurich")
		benign := e
		set := func(ev *calendar.Event, v string) {
			byLang := map[string]string{}
			for _, l := range cal.Languages {
				byLang[l] = v
			}
			tx := calendar.NewText(byLang, cal.Languages...)
			ev.Title, ev.Description, ev.Place = tx, tx, tx
		}
		set(&e, s)
		set(&benign, "benign")
		one := func(ev *calendar.Event) (*goical.Component, []byte) {
			c := *cal
			c.Events = []*calendar.Event{ev}
			r, err := New(&c)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := r.Write(&buf, Feed{Name: s, Description: s, Events: c.Events}, "en"); err != nil {
				t.Fatal(err)
			}
			b := buf.Bytes()
			checkLines(t, b)
			parsed, err := goical.NewDecoder(bytes.NewReader(b)).Decode()
			if err != nil {
				t.Fatalf("go-ical cannot read the feed: %v\n%s", err, b)
			}
			evs := parsed.Events()
			if len(evs) != 1 {
				t.Fatalf("%d events, want 1\n%s", len(evs), b)
			}
			if n := len(parsed.Children); n != 2 { // the VTIMEZONE and the VEVENT
				t.Fatalf("%d components, want 2\n%s", n, b)
			}
			if got, want := propText(t, parsed.Component, "X-WR-CALNAME"), expectText(s); got != want {
				t.Errorf("X-WR-CALNAME = %q, want %q", got, want)
			}
			return evs[0].Component, b
		}
		got, b := one(&e)
		want, _ := one(&benign)
		// An empty text drops its property; nothing may be added.
		for _, n := range propNames(got) {
			if !slices.Contains(propNames(want), n) {
				t.Fatalf("text created %q (benign: %v)\n%s", n, propNames(want), b)
			}
		}
		wantText := expectText(s)
		for _, p := range []string{"SUMMARY", "LOCATION"} {
			if v := propText(t, got, p); v != wantText {
				t.Errorf("%s = %q, want %q", p, v, wantText)
			}
		}
		if v := propText(t, got, "DESCRIPTION"); v != wantText && !strings.HasPrefix(v, wantText+"\n\n") && wantText != "" {
			t.Errorf("DESCRIPTION = %q, want %q first", v, wantText)
		}
	})
}
