package calendar

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// YAML syntax errors, at the character at fault.
//
// The YAML decoder says where a syntax error is only as a line, and for
// many errors the line where the enclosing construct began (counted from
// 0), not the line at fault: a tab on line 3 comes out as "line 2", an
// unclosed '[' as the line it opened on or none. scanSyntax reads the file
// again, knowing just enough YAML (quotes, flow collections, comments,
// block scalars, indentation) to find the character each error means.

// pos is a place in the file: 1-based line, and column in characters.
type pos struct{ line, col int }

// commentInFlow reports whether a comment began inside the innermost flow
// collection left open.
func (s *syntaxScan) commentInFlow() bool {
	n := len(s.flow)
	return n > 0 && s.comment != (pos{}) && !s.comment.before(s.flow[n-1])
}

// before reports whether p comes before q in the file.
func (p pos) before(q pos) bool { return p.line < q.line || p.line == q.line && p.col < q.col }

// syntaxScan is what a light reading of the file finds.
type syntaxScan struct {
	lines     []string
	tab       pos   // the first tab in a line's indentation
	badChar   pos   // the first @ or ` where a value starts
	quote     pos   // a quoted scalar never closed
	flow      []pos // '[' and '{' never closed, outermost first
	flowChars []byte
	deep      pos             // the first '[' or '{' nested more than maxDepth deep
	closer    pos             // a ']' or '}' that closes nothing
	comment   pos             // the first # that starts a comment inside a flow collection
	escape    pos             // the first unknown escape in a double-quoted scalar
	aliases   map[string]pos  // *name, first use
	anchors   map[string]bool // &name
	// runOns are the quoted texts that ran over a line break and took in
	// a line that reads as a key (see keyLine): most often a quote left
	// open, closed by the next one in the file.
	runOns []runOn
	// block marks the lines that begin in block context: not inside a
	// quoted scalar, a flow collection or a block scalar.
	block []bool
	// shift is added to the lines a message names: the line of the file
	// before the first of lines, when they are a piece of it.
	shift int
}

var yamlEscapes = "0abt\tnvfre \"/\\N_LPxuU"

// runOn is a quoted text that ran over lines: where it opened and closed.
type runOn struct{ open, close pos }

// keyLine matches a line that reads as a key and its value, or a list
// item's first key: inside quotes, a sign that the quote before it was
// left open.
var keyLine = regexp.MustCompile(`^\s*(- +)?[A-Za-z_][A-Za-z0-9_-]*:( |$)`)

// scanState is what scanSyntax carries from one line to the next.
type scanState struct {
	quote       rune // the quote mark of a quoted scalar still open; 0 outside one
	quoteAt     pos  // where it opened
	keyInQuote  bool // a line in it reads as a key (see runOn)
	blockIndent int  // the indentation of the line that began a block scalar; -1 outside one
}

func scanSyntax(data []byte) *syntaxScan {
	s := &syntaxScan{lines: strings.Split(string(data), "\n"), aliases: map[string]pos{}, anchors: map[string]bool{}}
	s.block = make([]bool, len(s.lines))
	st := scanState{blockIndent: -1}
	for i, line := range s.lines {
		s.scanLine(i, strings.TrimSuffix(line, "\r"), &st)
	}
	return s
}

// scanLine reads line i (counted from 0) of the file.
func (s *syntaxScan) scanLine(i int, line string, st *scanState) {
	indent := len(line) - len(strings.TrimLeft(line, " "))
	if st.blockIndent >= 0 {
		if strings.TrimSpace(line) == "" || indent > st.blockIndent {
			return // the block scalar's content: anything goes
		}
		st.blockIndent = -1
	}
	s.block[i] = st.quote == 0 && len(s.flow) == 0
	if st.quote != 0 && keyLine.MatchString(line) {
		st.keyInQuote = true
	}
	col := 0
	tokenStart := true // at a place where a value or key may begin
	runes := []rune(line)
	for j := 0; j < len(runes); j++ {
		c := runes[j]
		col++
		here := pos{i + 1, col}
		if st.quote != 0 {
			n := s.quoted(runes, j, here, st)
			j, col = j+n, col+n
			if st.quote == 0 {
				tokenStart = false
			}
			continue
		}
		switch {
		case c == '\t' && strings.TrimLeft(string(runes[:j]), " ") == "":
			if s.tab == (pos{}) {
				s.tab = here
			}
		case c == ' ' || c == '\t':
			continue // a value may begin after it, or still not
		case c == '#' && (j == 0 || runes[j-1] == ' ' || runes[j-1] == '\t'):
			// A line of its own that is a comment hides nothing: only
			// one after a value (color: {a: #C2185B}) can hide a closer.
			if len(s.flow) > 0 && s.comment == (pos{}) && strings.TrimLeft(string(runes[:j]), " \t") != "" {
				s.comment = here
			}
			j = len(runes) // a comment, to the end of the line
			continue
		case tokenStart && (c == '"' || c == '\''):
			st.quote, s.quote = c, here
			st.quoteAt, st.keyInQuote = here, false
		case (tokenStart || len(s.flow) > 0) && (c == '[' || c == '{'):
			s.flow = append(s.flow, here)
			s.flowChars = append(s.flowChars, byte(c))
			if len(s.flow) > maxDepth && s.deep == (pos{}) {
				s.deep = here
			}
			tokenStart = true
			continue
		case c == ']' || c == '}':
			if len(s.flow) > 0 {
				s.flow, s.flowChars = s.flow[:len(s.flow)-1], s.flowChars[:len(s.flowChars)-1]
			} else if s.closer == (pos{}) {
				s.closer = here
			}
		case c == ',' && len(s.flow) > 0:
			tokenStart = true
			continue
		case tokenStart && (c == '|' || c == '>') && blockHeader(runes[j+1:]):
			st.blockIndent = indent
			j = len(runes)
			continue
		case tokenStart && (c == '*' || c == '&'):
			name := anchorName(runes[j+1:])
			if c == '&' {
				s.anchors[name] = true
				// The value may follow the anchor: &a "text".
				j, col = j+len([]rune(name)), col+len([]rune(name))
				continue
			} else if _, seen := s.aliases[name]; !seen {
				s.aliases[name] = here
			}
		case tokenStart && c == '!':
			// A tag, and the value may follow it: !!str "text".
			n := len(anchorName(runes[j+1:]))
			j, col = j+n, col+n
			continue
		case tokenStart && (c == '@' || c == '`'):
			if s.badChar == (pos{}) {
				s.badChar = here
			}
		}
		// A value may begin after "- ", ": " or "? " (a quote right after
		// the indicator is plain text: a:'b), and in a flow collection
		// right after ':' too ({"a":"b"}).
		next := j+1 == len(runes) || runes[j+1] == ' ' || runes[j+1] == '\t'
		tokenStart = (c == '-' || c == ':' || c == '?') && next || c == ':' && len(s.flow) > 0
	}
}

// blockHeader reports whether rest, what follows a | or > that may begin
// a block scalar, is its header: indentation and chomping indicators,
// then nothing but spaces or a comment.
func blockHeader(rest []rune) bool {
	r := strings.TrimLeft(string(rest), "+-0123456789")
	t := strings.TrimLeft(r, " \t")
	return t == "" || t[0] == '#' && len(t) < len(r)
}

// quoted reads runes[j], at here inside a quoted scalar, and returns how
// many of the runes after it belong to it: 1 for an escape in double
// quotes or a doubled quote mark in single quotes, else 0.
func (s *syntaxScan) quoted(runes []rune, j int, here pos, st *scanState) int {
	c := runes[j]
	switch {
	case st.quote == '"' && c == '\\':
		if j+1 < len(runes) && !strings.ContainsRune(yamlEscapes, runes[j+1]) && s.escape == (pos{}) {
			s.escape = here
		}
		return 1
	case st.quote == '\'' && c == '\'' && j+1 < len(runes) && runes[j+1] == '\'':
		return 1
	case c == st.quote:
		if st.keyInQuote && here.line > st.quoteAt.line {
			s.runOns = append(s.runOns, runOn{st.quoteAt, here})
		}
		st.quote, s.quote = 0, pos{}
	}
	return 0
}

// anchorName is the name after an & or *: up to a space or a flow character.
func anchorName(rs []rune) string {
	end := 0
	for end < len(rs) && !strings.ContainsRune(" \t,[]{}", rs[end]) {
		end++
	}
	return string(rs[:end])
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxPrefix begins every message of a slip in the YAML.
const syntaxPrefix = "YAML syntax: "

// syntaxProblem places a YAML syntax error of the decoder at the character
// at fault, with a message saying what to do where the error is a common
// one.
func syntaxProblem(data []byte, err error) (line, col int, msg string) {
	return scanSyntax(data).problem(err)
}

// problem is syntaxProblem for the text s read.
func (s *syntaxScan) problem(err error) (line, col int, msg string) {
	line, col, msg = s.placed(err)
	if r, ok := s.runOnBefore(pos{line, col}); ok && !s.placedExactly(pos{line, col}, err) {
		return r.open.line, r.open.col, fmt.Sprintf("%sthis quote runs on to line %d over lines that read as keys, so it looks left open (YAML stumbles at line %d, column %d); end the text with the same quote mark where it should end",
			syntaxPrefix, r.close.line+s.shift, line+s.shift, col)
	}
	// What a Chinese, Japanese or Korean input method types for YAML's
	// colon and space, on the line at fault or the one before (where
	// the parser stumbles on the next): named, whatever the parser made
	// of it.
	for _, l := range []int{line, line - 1} {
		if p, m := s.inputMethodSlip(l); p != (pos{}) {
			return p.line, p.col, syntaxPrefix + m
		}
	}
	return line, col, msg
}

// placed is problem but for an input method's slip.
func (s *syntaxScan) placed(err error) (line, col int, msg string) {
	raw := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		raw = m[2]
	}
	at := func(p pos, m string) (int, int, string) {
		if p == (pos{}) {
			return line, s.firstChar(line), syntaxPrefix + raw
		}
		return p.line, p.col, syntaxPrefix + m
	}
	switch {
	case strings.Contains(raw, "tab character"):
		return at(s.tab, "a tab in the indentation; YAML indents with spaces only")
	case strings.Contains(raw, "cannot start any token"):
		if s.tab != (pos{}) && (s.badChar == (pos{}) || s.tab.line <= s.badChar.line) {
			return at(s.tab, "a tab in the indentation; YAML indents with spaces only")
		}
		return at(s.badChar, "a value cannot start with @ or `; put it in quotes")
	case s.commentInFlow() && (strings.Contains(raw, "did not find expected ',' or ") ||
		strings.Contains(raw, "did not find expected node content") || strings.Contains(raw, "unexpected end of stream")):
		// color: #C2185B inside { }: the comment hid the closer, and the
		// parser stumbles on whatever follows.
		n := len(s.flow)
		want := "]"
		if s.flowChars[n-1] == '{' {
			want = "}"
		}
		return at(s.comment, "this # starts a comment (after a space, # does in YAML), which hides the rest of the line and the "+want+" that ends the "+string(s.flowChars[n-1])+"; put the value in quotes, as in color: \"#C2185B\"")
	case strings.Contains(raw, "did not find expected ',' or ']'"), strings.Contains(raw, "did not find expected ',' or '}'"):
		if n := len(s.flow); n > 0 {
			open, want := s.flowChars[n-1], "]"
			if open == '{' {
				want = "}"
			}
			return at(s.flow[n-1], "this "+string(open)+" is never closed; end the list with "+want+" (or a mapping with })")
		}
	case strings.Contains(raw, "control characters are not allowed"):
		if p, r := s.controlChar(); p != (pos{}) {
			escape := fmt.Sprintf(`\x%02X`, r)
			if r > 0xff {
				escape = fmt.Sprintf(`\u%04X`, r)
			}
			what := "a control character"
			if r > 0x9f {
				what = "a noncharacter"
			}
			return p.line, p.col, fmt.Sprintf("%s%s (U+%04X) is not allowed in YAML; remove it (in double quotes, %s writes it)", syntaxPrefix, what, r, escape)
		}
	case strings.Contains(raw, "unexpected end of stream") && s.quote != (pos{}):
		return at(s.quote, "this quote is never closed; end the text with the same quote mark")
	case strings.Contains(raw, "exceeded max depth") && s.deep != (pos{}):
		// As a shallower file's nesting is reported (load), at the first
		// bracket past maxDepth brackets; that file's place counts the
		// mappings and lists around the brackets too, so may come earlier.
		return s.deep.line, s.deep.col, fmt.Sprintf("nested more than %d levels deep; events.yaml needs five", maxDepth)
	case strings.Contains(raw, "unknown escape character"):
		return at(s.escape, `an unknown escape in double quotes; write \\ for a backslash, or use single quotes`)
	case strings.HasPrefix(raw, "unknown anchor"):
		name := strings.TrimSuffix(strings.TrimPrefix(raw, "unknown anchor '"), "' referenced")
		return at(s.aliases[name], "*"+name+" refers to no &"+name+" before it; a value that begins with * is a reference in YAML: if it is text, put it in quotes")
	case strings.Contains(raw, "did not find expected key") && (line == 0 || s.closer != (pos{}) && line <= s.closer.line):
		// A ] or } that closes nothing, past the line (from 0) where the
		// mapping it ends began.
		return at(s.closer, "this "+s.closerChar()+" closes nothing; remove it")
	case strings.Contains(raw, "mapping values are not allowed"):
		if p, hint := s.overIndented(line - 1); p != (pos{}) {
			return p.line, p.col, syntaxPrefix + "check the indentation: " + hint
		}
		if c := s.lastColon(line); c > 0 {
			return line, c, syntaxPrefix + "a colon followed by a space starts a value here; put the text in quotes, or fix the indentation"
		}
	case strings.Contains(raw, "could not find expected ':'"):
		return line, s.firstChar(line), syntaxPrefix + "a key without a colon; write key: value"
	case strings.Contains(raw, "did not find expected key"), strings.Contains(raw, "did not find expected '-' indicator"),
		strings.Contains(raw, "did not find expected <document start>"):
		// The decoder names the line (from 0) where the enclosing
		// mapping or list began: the fault is the first later line
		// indented as it is but not part of it.
		if p, hint := s.misindented(line); p != (pos{}) {
			return p.line, p.col, syntaxPrefix + "check the indentation: " + hint
		}
		// Else at the first character of where it began (the line after
		// the one named, counted from 0 as it is), not the line before.
		if line < len(s.lines) {
			line++
		}
	}
	return line, s.firstChar(line), syntaxPrefix + raw
}

// firstChar is the column of the first character on a line that is not a
// space, or 0 for no line.
func (s *syntaxScan) firstChar(line int) int {
	if line < 1 || line > len(s.lines) {
		return 0
	}
	l := s.lines[line-1]
	return utf8.RuneCountInString(l[:len(l)-len(strings.TrimLeft(l, " \t"))]) + 1
}

// controlChar is the first character YAML does not allow in a file
// (YAML 1.2 §5.1: C0 controls but TAB, LF and CR, DEL, C1 controls but
// NEL, surrogates and U+FFFE, U+FFFF), and its place.
func (s *syntaxScan) controlChar() (pos, rune) {
	for i, line := range s.lines {
		col := 0
		for _, r := range line {
			col++
			allowed := r == '\t' || r == '\r' || r >= 0x20 && r <= 0x7e || r == 0x85 || r >= 0xa0 && r <= 0xd7ff ||
				r >= 0xe000 && r <= 0xfffd || r >= 0x10000 && r <= 0x10ffff
			if !allowed {
				return pos{i + 1, col}, r
			}
		}
	}
	return pos{}, 0
}

func (s *syntaxScan) closerChar() string {
	if s.closer == (pos{}) {
		return "bracket"
	}
	return string([]rune(s.lines[s.closer.line-1])[s.closer.col-1])
}

// lastColon is the column of the last ": " (or ":" ending the line) on a
// line, outside quotes, or 0.
func (s *syntaxScan) lastColon(line int) int {
	if line < 1 || line > len(s.lines) {
		return 0
	}
	rs := []rune(strings.TrimRight(s.lines[line-1], "\r"))
	last := 0
	var q rune
	for j, c := range rs {
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case c == '#' && j > 0 && rs[j-1] == ' ':
			return last
		case c == ':' && (j+1 == len(rs) || rs[j+1] == ' '):
			last = j + 1
		}
	}
	return last
}

// placedExactly reports whether the slip placed at p, for err, is one
// whose place the scan knows whatever came before it: a tab in the
// indentation, a quote still open at the end, a control character. A
// quote that ran on before such a slip did not make it.
func (s *syntaxScan) placedExactly(p pos, err error) bool {
	return p == s.tab || s.quote != (pos{}) && p == s.quote ||
		strings.Contains(err.Error(), "control characters are not allowed")
}

// runOnAfter is how many lines after a run-on quote closes a slip may be
// that the quote is the likelier fault.
const runOnAfter = 10

// runOnBefore returns the last quoted text that ran on over lines reading
// as keys (see runOn), closed on the line of the slip at p or at most
// runOnAfter lines before it: a quote left open there pairs with the next
// one in the file, and what YAML stumbles on comes after it.
func (s *syntaxScan) runOnBefore(p pos) (runOn, bool) {
	for i := len(s.runOns) - 1; i >= 0; i-- {
		r := s.runOns[i]
		if r.close.line <= p.line {
			return r, p.line-r.close.line <= runOnAfter
		}
	}
	return runOn{}, false
}
