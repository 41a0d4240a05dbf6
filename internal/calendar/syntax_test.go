package calendar

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestSyntaxErrorPlace: a YAML syntax error is reported at the character
// at fault, not where the decoder says (often the line before, or where
// the enclosing construct began), with a message that says what to do.
func TestSyntaxErrorPlace(t *testing.T) {
	tests := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"tab in indentation", "calendar:\n  id: x\n\tname: y\n", 3, 1, "a tab in the indentation"},
		{"tab after spaces", "calendar:\n  id: x\n  \tname: y\n", 3, 3, "a tab in the indentation"},
		{"unclosed [", "calendar: [a, b\nevents: []\n", 1, 11, "this [ is never closed"},
		{"unclosed { deeper", "calendar:\n  id: {a: 1\nevents: []\n", 2, 7, "this { is never closed"},
		{"unclosed [ in an event", "events:\n  - id: a\n    title: [x, y\n  - id: b\n", 3, 12, "this [ is never closed"},
		{"unclosed double quote", "calendar:\n  id: x\n  name: \"unclosed\nevents: []\n", 3, 9, "this quote is never closed"},
		{"unclosed single quote", "calendar:\n  id: x\n  name: 'unclosed\nevents: []\n", 3, 9, "this quote is never closed"},
		{"second colon", "calendar:\n  id: x\n  name: a: b\n", 3, 10, "a colon followed by a space"},
		{"over-indented key", "calendar:\n  id: x\n    name: y\n", 3, 5, "check the indentation: this key begins in column 5, right of the keys above it (column 3, line 2): after the value of id, YAML cannot read a key there; line it up with them, at column 3"},
		{"key one space right", "events:\n  - id: a\n    start: 2016-01-01 09:00\n     end: 2016-01-01 10:00\n", 4, 6, "right of the keys above it (column 5, line 3): after the value of start, YAML cannot read a key there; line it up with them, at column 5"},
		{"key right of an item's first", "events:\n  - id: a\n      title: T\n", 3, 7, "right of the keys above it (column 5, line 2): after the value of id"},
		{"key right after a list", "events:\n  - id: a\n    tracks: [t]\n      start: 2016-01-01 09:00\n    duration: 1h\n", 4, 7, "right of the keys above it (column 5, line 3): after the value of tracks"},
		{"a second colon, in line", "calendar:\n  id: x\n  name: y\n  title: a: b\n", 4, 11, "a colon followed by a space"},
		{"a full-width colon", "calendar:\n  id: x\n  name：日历\nevents: []\n", 3, 7, `a full-width colon, "：", which YAML reads as a letter`},
		{"an ideographic space in the indentation", "events:\n  - id: a\n  \u3000title: T\n", 3, 3, "an ideographic space (U+3000) in the indentation"},
		{"an ideographic space in an event, cut in pieces", "calendar: {id: x, name: X, timezone: UTC}\nevents:\n  - id: a\n    title: A\n  - id: b\n  \u3000title: T\n", 6, 3, "an ideographic space (U+3000) in the indentation"},
		{"an ideographic space first on the line", "events:\n  - id: a\n    title: T\n\u3000  location: L\n    duration: 1h\n", 4, 1, "an ideographic space (U+3000) in the indentation"},
		{"a full-width colon after an item's -", "events:\n  - id：a\n    title: T\n", 2, 7, `a full-width colon, "："`},
		{"an ideographic space after a colon", "events:\n  - id: a\n    title:\u3000工作坊：数据\n", 3, 11, "an ideographic space (U+3000) after the colon"},
		{"a full-width colon in a title's text is no slip", "events:\n  - id: a\n    title: 工作坊：数据\n     end: x\n", 4, 6, "right of the keys above it"},
		{"an ideographic space before an item's -", "events:\n  - id: a\n    title: T\n  \u3000- id: b\n    title: U\n", 4, 3, "an ideographic space (U+3000) in the indentation"},
		{"a text going on after a wide space, then a colon", "events:\n  - id: a\n    description: 第一行\n      \u3000第二行: x\n", 4, 11, "a colon followed by a space starts a value here; put the text in quotes"},
		{"a title going on, then a colon", "events:\n  - id: a\n    title: Opening\n      of the: conference\n", 4, 13, "a colon followed by a space starts a value here"},
		{"a key after a comment line, over-indented", "events:\n  - id: a\n    start: 2016-01-01 09:00 # nine\n    # the end\n     end: 2016-01-01 10:00\n", 5, 6, "right of the keys above it (column 5, line 3): after the value of start"},
		{"a key over-indented under a key that opens", "events:\n  - id: a\n    repeat:\n        freq: weekly\n      count: 3\n", 5, 7, "check the indentation"},
		// Lines of a text going on that look like an input method's
		// slips are its text: the real fault below them is told.
		{"a text's line with a word and a full-width colon, then a tab", "events:\n  - id: a\n    description: 第一行\n      WSIS：会议\n\tstart: 2026-01-01 09:00\n", 5, 1, "a tab in the indentation"},
		{"a text's third line begins with a wide space, then a dedent", "events:\n  - id: a\n    description: 第一行\n      第二行\n      \u3000第三段\n   start: 2026-01-01 09:00\n", 6, 4, "left of the keys above it (column 5, line 3)"},
		{"a text's line with a full-width colon, keys, then a dedent", "events:\n  - id: a\n    description: 第一行\n      WSIS：会议\n    location: Hall\n    url: https://example.org\n   duration: 1h\n", 7, 4, "left of the keys above it (column 5, line 6)"},
		// A list closed deeper than the line: the keys around it are
		// offered.
		{"a key right of the keys around it, after a list", "calendar:\n  id: x\n  languages:\n      - zh\n      - en\n    timezone: UTC\nevents: []\n", 6, 5, "right of the keys around it (column 3, line 3)"},
		{"key without colon", "calendar:\n  id: x\n  name\nevents: []\n", 3, 3, "a key without a colon"},
		{"dedent between levels", "calendar:\n  id: x\n name: y\n", 3, 2, "check the indentation: this line begins in column 2, between the keys above it (column 3, line 2) and the keys around them (column 1, line 1)"},
		{"item among keys", "a: 1\n- b\n", 2, 1, "check the indentation: this list item begins in column 1, where the keys of the mapping around it do (line 1)"},
		{"key among items", "a:\n  - b\n  c: 1\n", 3, 3, "check the indentation: this key begins in column 3, under the - of the list item above (line 2); begin a new item with -"},
		{"event field dedented", "events:\n  - id: a\n    title: T\n   start: 2016-01-01\n", 4, 4, "check the indentation: this line begins in column 4, left of the keys above it (column 5, line 3); line it up with them"},
		// Neither the items' - nor the top level takes a key: only the
		// event's keys are offered.
		{"event field left of the items", "events:\n  - id: a\n    title: T\n start: 2016-01-01\n", 4, 2, "check the indentation: this line begins in column 2, left of the keys above it (column 5, line 3); line it up with them"},
		{"an item among an item's keys", "a:\n  - b:\n      - c\n    - d\n", 4, 5, "this list item begins in column 5, where the keys of the mapping around it do (line 2)"},
		{"an item between two lists' items", "a:\n  - b\n  - c:\n      - d\n     - e\n", 5, 6, "this line begins in column 6, left of the list's items above it (column 7, line 4); line it up with them"},
		{"event field under the -", "events:\n  - id: a\n    title: T\n  - id: b\n  title: U\n", 5, 3, "check the indentation: this key begins in column 3, under the - of the item above (line 4), not with that item's keys, which begin in column 5; indent it to column 5"},
		{"a key left of every level", "  a: 1\n b: 2\n", 2, 2, "check the indentation: this line begins in column 2, left of the keys above it (column 3, line 1)"},
		{"@ starts a value", "calendar:\n  id: x\n  name: @y\n", 3, 9, "cannot start with @"},
		{"backquote", "calendar:\n  id: x\n  name: `y\n", 3, 9, "cannot start with @ or `"},
		{"unknown escape", "a: \"x\\q\"\n", 1, 6, "unknown escape"},
		{"unknown anchor", "a: &a 1\nb: *c\n", 2, 4, "*c refers to no &c before it; a value that begins with * is a reference in YAML: if it is text, put it in quotes"},
		{"extra ]", "a: [1, 2]]\n", 1, 10, "this ] closes nothing"},
		{"extra }", "a: {b: 1}}\n", 1, 10, "this } closes nothing"},
		{"comment with a quote", "# it's a comment\ncalendar:\n  id: x\n\tname: y\n", 4, 1, "a tab"},
		{"block scalar with brackets", "a: |\n  [ not closed\n  \"nor this\nb: [1\n", 4, 4, "this [ is never closed"},
		{"Chinese before the fault", "name: 日历\nb: [1\n", 2, 4, "this [ is never closed"},
		{"a control character", "calendar:\n  id: x\n  name: \"日历\x01\"\n", 3, 12, "a control character (U+0001) is not allowed in YAML"},
		{"DEL", "a: b\x7f\n", 1, 5, "a control character (U+007F)"},
		// A quote left open pairs with the next one: YAML stumbles after
		// that, and the quote that took in lines reading as keys is the
		// fault.
		{"a quote left open", "calendar:\n  id: x\n  color: \"#C2185B\n  name: X\n  title: \"T: U\"\n", 3, 10, "this quote runs on to line 5 over lines that read as keys, so it looks left open (YAML stumbles at line 5"},
		{"a quote left open, in a list", "events:\n  - id: a\n    title: \"A\n  - id: b\n    title: \"B\", x: y}\n", 3, 12, "this quote runs on to line 5 over lines that read as keys"},
		// Text over lines, none of them a key, is no sign of it.
		{"quoted text over lines", "calendar:\n  name: \"X\n    and more\"\n  title: T: U\n", 4, 11, "a colon followed by a space"},
		// Nor a slip the decoder places exactly, after one.
		{"a tab after a run-on quote", "calendar:\n  name: \"X\n  id: y\"\n\tcolor: z\n", 4, 1, "a tab in the indentation"},
		{"a control character after a run-on quote", "calendar:\n  name: \"X\n  id: y\"\n  color: z\x01\n", 4, 11, "a control character (U+0001)"},
		{"a quote never closed after a run-on one", "calendar:\n  name: \"X\n  id: y\"\n  color: \"z\n", 4, 10, "this quote is never closed"},
		// Nor one closed more than runOnAfter lines before the slip.
		{"a run-on quote far before", "a: \"x\nb: y\"\n" + strings.Repeat("c: d\n", runOnAfter+1) + "e: f: g\n", runOnAfter + 4, 5, "a colon followed by a space"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("events.yaml", strings.NewReader(tc.src), Options{})
			var le *Error
			if !errors.As(err, &le) || len(le.Problems) == 0 {
				t.Fatalf("Load = %v, want a syntax problem", err)
			}
			// A slip within an event leaves the rest of the file to be
			// checked (see TestSyntaxRecovery): the slip's problem is
			// the first of its kind, not always the first.
			p := le.Problems[0]
			for _, q := range le.Problems {
				if strings.HasPrefix(q.Msg, syntaxPrefix) {
					p = q
					break
				}
			}
			if p.Line != tc.line || p.Col != tc.col || !strings.Contains(p.Msg, tc.msg) {
				t.Errorf("got %s\nwant events.yaml:%d:%d: …%s…", p, tc.line, tc.col, tc.msg)
			}
		})
	}
}

// TestSyntaxRecovery: a file that does not parse is read again event by
// event (testdata/invalid_syntax_events.yaml shows every problem found
// so), but only where that cannot mislead: otherwise its first slip is
// all check reports, as the whole file's parse found it.
func TestSyntaxRecovery(t *testing.T) {
	const head = "calendar:\n  id: x\n  name: X\n  timezone: Europe/Zurich\nevents:\n"
	const good = "  - id: g\n    title: G\n    start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n"
	const slip = "  - id: s\n    title: S: T\n    start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n"
	const open = "  - id: o\n    title: [S\n    start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n"
	const bad = "  - id: b\n    title: B\n    start: 2016-05-02 09:00\n    end: 2016-05-02 08:00\n"
	tests := []struct {
		name, src string
		want      []string // the problems, each as line:col: and the start of its message
	}{
		{"slips in two events and a problem in a third", head + slip + good + bad + slip,
			[]string{"7:13: YAML syntax: a colon", "17:10: events[2] \"b\": end", "19:13: YAML syntax: a colon"}},
		{"a slip outside the events", strings.Replace(head, "name: X", "name: [X", 1) + bad + slip,
			[]string{"3:9: YAML syntax: this ["}},

		{"anchors, which may point from one event into another", head + strings.Replace(good, "title: G", "title: &t G", 1) + bad + slip,
			[]string{"15:13: YAML syntax: a colon"}},
		// A quoted text may hold a line that reads as the start of an
		// event: cut there, the event before the slip would not parse.
		{"a quoted line that reads as an event", head + "  - id: q\n    title: \"one\n  - two\"\n    start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n" + bad + slip,
			[]string{"16:13: YAML syntax: a colon"}},
		// A quote or bracket left open: alone, unless nothing follows.
		// No value in [ ] begins "- ": a bracket left open ends at the
		// next event, when that is one.
		{"a bracket left open, then events", head + slip + open + bad, []string{"7:13: YAML syntax: a colon", "11:12: YAML syntax: this [", "17:10: events[2] \"b\": end"}},
		{"brackets left open in two events in a row", head + open + open + bad, []string{"11:12: YAML syntax: this ["}}, // alone, as before
		{"a bracket left open in the last event", head + slip + bad + open, []string{"7:13: YAML syntax: a colon", "13:10: events[1] \"b\": end", "15:12: YAML syntax: this ["}},
		// '90s reads as a quote opened to a light reading of the text,
		// which a cut in the quoted text after it would have taken for
		// a slip of its own.
		{"a quote in plain text, and a quoted line that reads as an event", head + "  - id: a\n    title: Back to the '90s\n    description: \"Agenda:\n  - music\n    end\"\n" + bad + slip,
			[]string{"16:13: YAML syntax: a colon"}},
		// A reading of the text must see the quotes YAML sees: none in
		// plain text ('90s), none in a block scalar whose header has a
		// comment; each would close the quote after it, and leave the
		// cut within it unseen.
		{"a quote in plain text, and a quoted text cut", head + "  - id: a\n    title: Back to the '90s\n    start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n    location: 'Hall\n  - room 2'\n" + bad + slip,
			[]string{"17:13: YAML syntax: a colon"}},
		{"a block scalar with a comment, and a quoted text cut", head + "  - id: a\n    title: A\n    start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n    description: | # the agenda\n      \"Sixties\n    location: \"Hall\n  - room 2\"\n" + bad + slip,
			[]string{"19:13: YAML syntax: a colon"}},
		{"a tag before a quoted text cut", head + "  - id: a\n    title: !!str \"A\n  - B\"\n    start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n" + bad + slip,
			[]string{"16:13: YAML syntax: a colon"}},
		{"no slip within an event: tabs", head + good + "\t- id: t\n", []string{"10:1: YAML syntax: a tab"}},
		// A tab in an event's indentation is that event's slip: the
		// others are read (a newcomer saw it alone, every other problem
		// hidden).
		{"a tab in an event's indentation", head + bad + "  - id: t\n\ttitle: T\n    start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n" + slip,
			[]string{"9:10: events[0] \"b\": end", "11:1: YAML syntax: a tab", "15:13: YAML syntax: a colon"}},
		// So is a key under the - of the items (a newcomer's slip).
		{"a key under an event's -", head + bad + "  - id: t\n  title: T\n    start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n" + slip,
			[]string{"9:10: events[0] \"b\": end", "11:3: YAML syntax: check the indentation: this key begins in column 3, under the - of the item above (line 10), not with that item's keys, which begin in column 5", "15:13: YAML syntax: a colon"}},
		{"a key between an event's keys and its -", head + bad + good + "  - id: t\n    title: T\n   start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n" + slip,
			[]string{"9:10: events[0] \"b\": end", "16:4: YAML syntax: check the indentation: this line begins in column 4, left of the keys above it (column 5, line 15); line it up with them", "19:13: YAML syntax: a colon"}},
		{"a key left of an event's -", head + bad + "  - id: t\n    title: T\n start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n" + slip,
			[]string{"9:10: events[0] \"b\": end", "12:2: YAML syntax: check the indentation: this line begins in column 2, left of the keys above it (column 5, line 11); line it up with them", "15:13: YAML syntax: a colon"}},
		{"a key left of an event's - after its first", head + bad + "  - id: t\n start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n" + slip,
			[]string{"9:10: events[0] \"b\": end", "11:2: YAML syntax: check the indentation: this line begins in column 2, left of the keys above it (column 5, line 10); line it up with them", "14:13: YAML syntax: a colon"}},
		{"a key over-indented in a later event", head + bad + good + "  - id: t\n    start: 2016-05-02 09:00\n     end: 2016-05-02 10:00\n" + slip,
			[]string{"9:10: events[0] \"b\": end", "16:6: YAML syntax: check the indentation: this key begins in column 6, right of the keys above it (column 5, line 15)", "18:13: YAML syntax: a colon"}},
		// With an anchor, the file is read whole: the same line gets
		// the same advice, and never the top level's column.
		{"a key left of an event's -, the file read whole", head + strings.Replace(good, "title: G", "title: &t G", 1) + "  - id: t\n    title: T\n start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n",
			[]string{"12:2: YAML syntax: check the indentation: this line begins in column 2, left of the keys above it (column 5, line 11); line it up with them"}},
		{"a tab after spaces in an event's indentation", head + bad + "  - id: t\n  \ttitle: T\n    start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n" + slip,
			[]string{"9:10: events[0] \"b\": end", "11:3: YAML syntax: a tab", "15:13: YAML syntax: a colon"}},
		// Cut in a quoted text, with a slip after the cut: the piece
		// after it is no event, and does not parse with the one before.
		{"a quoted line that reads as an event, then a slip", head + "  - id: q\n    title: \"one\n  - two\"\n    location: [x\n" + good + bad,
			[]string{"9:15: YAML syntax: this ["}},
		{"seventeen quoted lines that read as events", head + strings.Replace(good, "    end:", "    description: \"Agenda:\n"+strings.Repeat("  - point\n", 17)+"    end of agenda\"\n    end:", 1) + slip,
			[]string{"30:13: YAML syntax: a colon"}},
		// Two left open: the quote closes after the cut, the [ never.
		{"a quoted line that reads as an event, in brackets left open", head + "  - id: q\n    start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n    location: [x\n    description: \"Agenda\n  - item: one\n    two\"\n" + bad,
			[]string{"9:15: YAML syntax: this ["}},
		// The quote closes past the end of the list.
		{"a quoted line that reads as a top-level key", head + slip + "  - id: a\n    start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n    title: \"foo\nx: y\"\n",
			[]string{"7:13: YAML syntax: a colon"}},
		// A quote left open in an event, closed by the next quote in it:
		// told at the quote, lines counted in the whole file, and the
		// events after it still checked.
		{"a quote left open in an event", head + good + "  - id: q\n    title: \"Q\n    start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n    location: \"L\", x: y}\n" + bad,
			[]string{"11:12: YAML syntax: this quote runs on to line 14 over lines that read as keys", "18:10: events[2] \"b\": end"}},
		{"a flow list cut", head + strings.Replace(good, "    end:", "    tracks: [a,\n  - b]\n    end:", 1),
			[]string{"9:5: YAML syntax: did not find expected node content"}},
		// yaml.v3 places no slip on the first line of what it parses.
		{"a slip on an event's first line", head + good + "  - id: %bad\n    title: B\n" + slip,
			[]string{"10:3: YAML syntax: found character that cannot start any token", "13:13: YAML syntax: a colon"}},
		{"a ] that closes nothing", head + good + strings.Replace(good, "title: G", "tracks: [x] ]", 1),
			[]string{"11:17: YAML syntax: this ] closes nothing"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("events.yaml", strings.NewReader(tc.src), Options{})
			var le *Error
			if !errors.As(err, &le) {
				t.Fatalf("Load = %v, want problems", err)
			}
			var got []string
			for _, p := range le.Problems {
				got = append(got, strings.TrimPrefix(p.String(), "events.yaml:"))
			}
			ok := len(got) == len(tc.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasPrefix(got[i], tc.want[i])
			}
			if !ok {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestSyntaxRecoveryBounded: the slips of at most maxSlips events are
// told, the first in the file, and how many more there are.
func TestSyntaxRecoveryBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("calendar:\n  id: x\n  name: X\n  timezone: Europe/Zurich\nevents:\n")
	for i := range maxSlips + 5 {
		fmt.Fprintf(&b, "  - id: e%d\n    title: E: F\n    start: 2016-05-02 09:00\n    end: 2016-05-02 10:00\n", i)
	}
	_, err := Load("events.yaml", strings.NewReader(b.String()), Options{})
	var le *Error
	if !errors.As(err, &le) || len(le.Problems) != maxSlips+1 {
		t.Fatalf("Load = %v, want %d problems", err, maxSlips+1)
	}
	if p := le.Problems[0]; !p.Whole || !strings.HasPrefix(p.Msg, "5 more events do not parse, besides the 100 told here") {
		t.Errorf("first problem %s, want how many more events do not parse", p)
	}
	for i, p := range le.Problems[1:] {
		if want := 7 + 4*i; p.Line != want || !strings.HasPrefix(p.Msg, syntaxPrefix) {
			t.Fatalf("problem %d: %s, want the slip at line %d", i+1, p, want)
		}
	}
}
