package calendar

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// loadErr loads src and returns its problems, failing unless it is
// refused within 10 s. That is no claim of speed (each is refused in
// milliseconds; under -race on a loaded machine, a second was once
// passed): a file expanded rather than refused (the billion laughs) takes
// minutes and gigabytes.
func loadErr(t *testing.T, src string, opts Options) []Problem {
	t.Helper()
	start := time.Now()
	_, err := Load("limits.yaml", strings.NewReader(src), opts)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("refusing took %v", d)
	}
	var le *Error
	if !errors.As(err, &le) {
		t.Fatalf("Load = %v, want *Error", err)
	}
	return le.Problems
}

// TestBillionLaughs: aliases nested to expand into billions of nodes are
// never expanded; the file is refused at once, at the alias where what
// they repeat passes what a file may hold.
func TestBillionLaughs(t *testing.T) {
	src := "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	prev := "a"
	for _, c := range "bcdefghi" {
		refs := strings.TrimSuffix(strings.Repeat("*"+prev+",", 9), ",")
		src += fmt.Sprintf("%c: &%c [%s]\n", c, c, refs)
		prev = string(c)
	}
	// Also as events: each event's title a reference to the biggest list.
	src += "calendar: {id: x, name: *i, timezone: UTC}\nevents: [{id: e, title: *i, start: 2016-01-01}]\n"
	ps := loadErr(t, src, Options{})
	if len(ps) != 1 || !strings.Contains(ps[0].String(), `limits.yaml:9:8: aliases (*h and those before it) repeat more text than the file may hold`) {
		t.Fatalf("problems = %v", ps)
	}
}

// TestAliasedText: a long text named by alias in every event says, in the
// feeds, as much as if it were written out each time; past what a file
// may hold (-max-size), the file is refused at the alias that passes it.
// A few aliases, as people use them, are fine.
func TestAliasedText(t *testing.T) {
	const textSize = 10 << 10
	file := func(events int) string {
		var b strings.Builder
		b.WriteString("calendar: {id: x, name: X, timezone: UTC}\nevents:\n")
		fmt.Fprintf(&b, "  - {id: e0, title: &t %q, start: 2026-01-01}\n", strings.Repeat("x", textSize))
		for i := 1; i < events; i++ {
			fmt.Fprintf(&b, "  - {id: e%d, title: *t, description: *t, location: *t, start: 2026-01-01}\n", i)
		}
		return b.String()
	}
	src := file(40)
	// Room for 30 aliases of the 117: the 31st, the first of line 14, passes it.
	limit := int64(len(src)) + 30*textSize + 1<<10
	ps := loadErr(t, src, Options{MaxSize: limit})
	line14 := strings.Split(src, "\n")[13]
	want := fmt.Sprintf("limits.yaml:14:%d: aliases (*t and those before it) repeat more text than the file may hold (%d bytes, -max-size)", strings.Index(line14, "*t")+1, limit)
	if len(ps) != 1 || !strings.Contains(ps[0].String(), want) {
		t.Errorf("problems = %v, want %q", ps, want)
	}
	if _, err := Load("limits.yaml", strings.NewReader(file(4)), Options{MaxSize: limit}); err != nil {
		t.Errorf("a file with nine aliases: %v", err)
	}
	// An alias within what it stands for repeats nothing: the problem is
	// the loader's to say.
	ps = loadErr(t, "a: &a [*a]\ncalendar: {id: x, name: X, timezone: UTC}\nevents: [{id: e, title: T, start: 2026-01-01}]\n", Options{})
	if len(ps) != 1 || !strings.Contains(ps[0].String(), `limits.yaml:1:1: top level: unknown key "a"`) {
		t.Errorf("a self-referring alias: problems = %v", ps)
	}
	// A limit too large to count against is none.
	if _, err := Load("limits.yaml", strings.NewReader(file(40)), Options{MaxSize: math.MaxInt64}); err != nil {
		t.Errorf("with no limit to speak of: %v", err)
	}
}

func TestNestingDepth(t *testing.T) {
	src := "calendar: {id: x, name: y, timezone: UTC}\nevents: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n"
	ps := loadErr(t, src, Options{})
	if !strings.Contains(ps[0].Msg, "levels deep") && !strings.Contains(ps[0].Msg, "depth") {
		t.Errorf("problem = %s, want a nesting limit", ps[0])
	}
	var b strings.Builder
	b.WriteString("calendar: {id: x, name: y, timezone: UTC}\nevents:\n")
	for i := 1; i < 60; i++ {
		b.WriteString(strings.Repeat("  ", i) + "-\n")
	}
	ps = loadErr(t, b.String(), Options{})
	if len(ps) != 1 || !strings.Contains(ps[0].Msg, "nested more than 32 levels deep") || ps[0].Line == 0 {
		t.Errorf("problems = %v, want one nesting problem with a line", ps)
	}
	// Deeper than yaml.v3 parses (10,000): placed at the 33rd opener.
	for open, step := range map[string]int{"[": 1, "{a: ": 4} {
		src := "calendar: {id: x, name: y, timezone: UTC}\nevents: " + strings.Repeat(open, 20_000) + "\n"
		ps := loadErr(t, src, Options{})
		want := fmt.Sprintf("limits.yaml:2:%d: nested more than 32 levels deep", len("events: ")+1+32*step)
		if len(ps) != 1 || !strings.Contains(ps[0].String(), want) {
			t.Errorf("%q nested 20,000 deep: problems = %v, want %q", open, ps, want)
		}
	}
}

func TestMaxEvents(t *testing.T) {
	var b strings.Builder
	b.WriteString("calendar: {id: x, name: y, timezone: UTC}\nevents:\n")
	for i := range 11 {
		fmt.Fprintf(&b, "  - {id: e%d, title: t, start: 2016-01-01}\n", i)
	}
	ps := loadErr(t, b.String(), Options{MaxEvents: 10})
	if len(ps) != 1 || !strings.Contains(ps[0].Msg, "11 events, more than the limit of 10") || ps[0].Line != 3 {
		t.Errorf("problems = %v", ps)
	}
	if _, err := Load("limits.yaml", strings.NewReader(b.String()), Options{MaxEvents: 11}); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}

// TestProblemCap: a file with a hundred thousand mistakes is reported in
// bounded form, not echoed back in full.
func TestProblemCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("calendar: {id: x, name: y, timezone: UTC}\nevents:\n")
	for range 5000 {
		b.WriteString("  - {id: BAD}\n")
	}
	ps := loadErr(t, b.String(), Options{})
	if len(ps) != maxProblems+1 || !strings.Contains(ps[maxProblems].Msg, "more problems not shown") {
		t.Fatalf("%d problems, last %v; want %d and a summary", len(ps), ps[len(ps)-1], maxProblems)
	}
	// Count is every problem, not the lines shown (the summary is none).
	_, err := Load("limits.yaml", strings.NewReader(b.String()), Options{})
	var le *Error
	if !errors.As(err, &le) {
		t.Fatalf("Load: %v", err)
	}
	var more int
	if _, err := fmt.Sscanf(ps[maxProblems].Msg, "%d more", &more); err != nil || more < 4000 {
		t.Fatalf("summary %q: %d more, %v", ps[maxProblems].Msg, more, err)
	}
	if le.Count() != maxProblems+more {
		t.Errorf("Count() = %d, want %d shown + %d more", le.Count(), maxProblems, more)
	}
	small := &Error{Problems: ps[:3]}
	if small.Count() != 3 {
		t.Errorf("Count() of three problems = %d", small.Count())
	}
}

// TestLongValuesShortened (D7): a problem names a long value by its start,
// never in full, and looks for no "did you mean" among names it cannot be
// a typo of (a distance over megabytes would take hours).
func TestLongValuesShortened(t *testing.T) {
	long := strings.Repeat("Europe/Pa", 1<<20) // 9 MiB
	src := "calendar: {id: x, name: X, timezone: UTC}\n" + long[:1000] + ": 1\nevents:\n  - {id: e, title: E, start: 2016-01-01 09:00, duration: 1h, timezone: \"" + long + "\"}\n"
	_, err := Load("limits.yaml", strings.NewReader(src), Options{})
	var le *Error
	if !errors.As(err, &le) {
		t.Fatalf("Load = %v, want *Error", err)
	}
	ps := le.Problems
	if len(ps) != 2 {
		t.Fatalf("%d problems, want 2: %v", len(ps), ps)
	}
	for _, p := range ps {
		msg := p.String()
		if len(msg) > maxMessage+64 || !strings.Contains(msg, "…") || strings.Contains(msg, "did you mean") {
			t.Errorf("problem of %d bytes: %.200s", len(msg), msg)
		}
		if !strings.Contains(msg, `"`+long[:keptQuoted]+`…"`) {
			t.Errorf("problem does not quote the value's start: %.200s", msg)
		}
	}
}
