package calendar

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Problem is an error or warning at a place in events.yaml.
type Problem struct {
	File      string
	Line, Col int // 1-based; 0 when the problem has no single place
	Msg       string
	Warning   bool // a warning: the file is still valid
	// Whole marks a problem of the file as a whole (its size, its kind,
	// that it is empty): its message quotes nothing the file holds.
	Whole bool
}

// Place formats where p is: FILE:LINE:COL, FILE:LINE, or FILE.
func (p Problem) Place() string {
	switch {
	case p.Line > 0 && p.Col > 0:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return p.File
}

// String formats p as FILE:LINE:COL: message, the form editors jump to;
// a warning says so after the position.
func (p Problem) String() string {
	if p.Warning {
		p.Msg = "warning: " + p.Msg
	}
	return p.Place() + ": " + p.Msg
}

// Error is returned by Load when events.yaml is invalid: every problem
// found, in file order.
type Error struct {
	// Problems are the problems found, at most maxProblems of them and
	// then, if there are more, one saying how many more (see Count).
	Problems []Problem
	// Warnings are what a valid file would also have been warned about.
	Warnings []Problem
	total    int // problems found, those not shown included (0: as many as Problems)
}

// Count returns the number of problems found, those not shown included.
func (e *Error) Count() int {
	return max(e.total, len(e.Problems))
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects errors and warnings while loading.
type problems struct {
	file     string
	errs     []Problem
	warnings []Problem
}

func (ps *problems) errorf(line, col int, format string, args ...any) {
	ps.errs = append(ps.errs, Problem{File: ps.file, Line: line, Col: col, Msg: message(format, args)})
}

// wholef records a problem of the file as a whole (see Problem.Whole).
func (ps *problems) wholef(format string, args ...any) {
	ps.errs = append(ps.errs, Problem{File: ps.file, Msg: message(format, args), Whole: true})
}

func (ps *problems) warnf(line, col int, format string, args ...any) {
	ps.warnings = append(ps.warnings, Problem{File: ps.file, Line: line, Col: col, Msg: message(format, args), Warning: true})
}

// Bounds on what a message repeats of the file: a problem names the value
// at fault, it does not copy ten megabytes of it (or a line of whatever
// file a symbolic link points to) into a log, a terminal or /healthz.
const (
	maxQuoted  = 64  // bytes of one value a message repeats in full
	keptQuoted = 40  // bytes kept of a longer one
	maxMessage = 512 // bytes of a whole message
)

// message formats a problem, shortening the long values it quotes: the
// string arguments of %q verbs, which is how messages quote what the file
// says (the other arguments are calfeed's own words).
func message(format string, args []any) string {
	arg := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0123456789.", format[i]) >= 0 {
			i++
		}
		if i >= len(format) || format[i] == '%' {
			continue
		}
		if s, ok := argAt(args, arg).(string); ok && format[i] == 'q' {
			args[arg] = shortValue(s)
		}
		arg++
	}
	msg := fmt.Sprintf(format, args...)
	if len(msg) > maxMessage {
		msg = cut(msg, maxMessage) + "…"
	}
	return msg
}

func argAt(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

// shortValue is a value from the file as a message repeats it: in full up
// to maxQuoted bytes, else its start and an ellipsis.
func shortValue(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	return cut(s, keptQuoted) + "…"
}

// cut shortens s to at most n bytes, at a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Line != ps[j].Line {
			return ps[i].Line < ps[j].Line
		}
		return ps[i].Col < ps[j].Col
	})
}

// suggest returns the candidate closest to s (case-insensitive edit
// distance), or "" when none is close enough to be a likely typo.
func suggest(s string, candidates []string) string {
	if len(s) > maxQuoted {
		return "" // no typo of a short name; and the distance costs len(s) squared
	}
	best, bestDist := "", -1
	ls := strings.ToLower(s)
	for _, c := range candidates {
		d := editDistance(ls, strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := len([]rune(s))/3 + 1
	if bestDist < 0 || bestDist > limit || best == s {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// keySynonyms are the keys people write, from other formats and tools
// (iCalendar's, spreadsheets' and other calendars'), for the ones the file
// takes: a key far from any by its spelling is still found.
var keySynonyms = map[string][]string{
	"start":       {"begin", "begins", "from", "starts", "dtstart", "start_time", "start_date", "starttime", "startdate", "date", "when"},
	"end":         {"finish", "to", "ends", "dtend", "end_time", "end_date", "endtime", "enddate"},
	"title":       {"summary", "subject", "name", "event", "heading"},
	"description": {"desc", "details", "notes", "note", "body", "text", "about", "summary"},
	"location":    {"place", "venue", "room", "where", "address"},
	"url":         {"link", "website", "href", "web", "page"},
	"online":      {"stream", "webcast", "meeting_url", "zoom", "join", "livestream"},
	"timezone":    {"tz", "time_zone", "zone", "tzid"},
	"tracks":      {"track", "category", "categories", "tags", "tag", "topics"},
	"repeat":      {"repeats", "recurrence", "rrule", "recur", "recurring", "recurs"},
	"freq":        {"frequency", "period", "repeats"},
	"interval":    {"every"},
	"days":        {"byday", "weekdays", "on", "day"},
	"until":       {"end", "ends", "until_date", "last"},
	"count":       {"times", "occurrences"},
	"except":      {"exceptions", "exdate", "exdates", "skip", "excluding"},
	"also":        {"rdate", "rdates", "extra", "additional"},
	"status":      {"state", "cancelled", "canceled"},
	"languages":   {"language", "lang", "langs", "locales"},
	"overrides":   {"exceptions", "changes", "override"},
	"color":       {"colour"},
	"private":     {"hidden", "secret", "class", "confidential"},
}

// keyFor is the key of known that an unknown key s stands for: one it is
// a synonym of, else one it is a typo of; "" for none.
func keyFor(s string, known []string) string {
	lower := strings.ToLower(s)
	for _, k := range known {
		if slices.Contains(keySynonyms[k], lower) {
			return k
		}
	}
	return suggest(s, known)
}

// fullWidth are the characters a Chinese, Japanese or Korean input method
// types for YAML's punctuation, which YAML does not read as such, and what
// to write instead.
var fullWidth = []struct {
	r          rune
	name, with string
}{
	{'，', "a full-width comma", ","},
	{'、', "an ideographic comma", ","},
	{'：', "a full-width colon", `": " (a colon and a space)`},
	{'；', "a full-width semicolon", ";"},
	{'\u3000', "an ideographic space", "a space"},
	{'［', "a full-width bracket", "["},
	{'］', "a full-width bracket", "]"},
	{'｛', "a full-width brace", "{"},
	{'｝', "a full-width brace", "}"},
	{'【', "a black lenticular bracket", "["},
	{'】', "a black lenticular bracket", "]"},
	{'＃', "a full-width number sign", "#"},
	{'－', "a full-width hyphen", "-"},
}

// fullWidthHint says, for a name that is not one, that it holds a
// full-width character where YAML's punctuation was meant; "" if it holds
// none.
func fullWidthHint(s string) string {
	for _, f := range fullWidth {
		if strings.ContainsRune(s, f.r) {
			with := f.with
			if len(with) == 1 {
				with = strconv.Quote(with)
			}
			// (The colon's is quoted already: ": " with its space.)
			return fmt.Sprintf(" (it holds %s, %q, which YAML reads as a letter: write %s instead)", f.name, string(f.r), with)
		}
	}
	return ""
}

// didYouMean formats a suggestion for an error message.
func didYouMean(s string, candidates []string) string {
	if h := fullWidthHint(s); h != "" {
		return h
	}
	if m := suggest(s, candidates); m != "" {
		return fmt.Sprintf(" (did you mean %q?)", m)
	}
	return ""
}
