package calendar

import (
	"errors"
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
		{"over-indented key", "calendar:\n  id: x\n    name: y\n", 3, 9, "a colon followed by a space"},
		{"key without colon", "calendar:\n  id: x\n  name\nevents: []\n", 3, 3, "a key without a colon"},
		{"dedent between levels", "calendar:\n  id: x\n name: y\n", 3, 2, "check the indentation"},
		{"item among keys", "a: 1\n- b\n", 2, 1, "check the indentation"},
		{"key among items", "a:\n  - b\n  c: 1\n", 3, 3, "check the indentation"},
		{"event field dedented", "events:\n  - id: a\n    title: T\n   start: 2016-01-01\n", 4, 4, "check the indentation"},
		{"@ starts a value", "calendar:\n  id: x\n  name: @y\n", 3, 9, "cannot start with @"},
		{"backquote", "calendar:\n  id: x\n  name: `y\n", 3, 9, "cannot start with @ or `"},
		{"unknown escape", "a: \"x\\q\"\n", 1, 6, "unknown escape"},
		{"unknown anchor", "a: &a 1\nb: *c\n", 2, 4, "*c refers to no &c"},
		{"extra ]", "a: [1, 2]]\n", 1, 10, "this ] closes nothing"},
		{"extra }", "a: {b: 1}}\n", 1, 10, "this } closes nothing"},
		{"comment with a quote", "# it's a comment\ncalendar:\n  id: x\n\tname: y\n", 4, 1, "a tab"},
		{"block scalar with brackets", "a: |\n  [ not closed\n  \"nor this\nb: [1\n", 4, 4, "this [ is never closed"},
		{"Chinese before the fault", "name: 日历\nb: [1\n", 2, 4, "this [ is never closed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("events.yaml", strings.NewReader(tc.src), Options{})
			var le *Error
			if !errors.As(err, &le) || len(le.Problems) == 0 {
				t.Fatalf("Load = %v, want a syntax problem", err)
			}
			p := le.Problems[0]
			if p.Line != tc.line || p.Col != tc.col || !strings.Contains(p.Msg, tc.msg) {
				t.Errorf("got %s\nwant events.yaml:%d:%d: …%s…", p, tc.line, tc.col, tc.msg)
			}
		})
	}
}
