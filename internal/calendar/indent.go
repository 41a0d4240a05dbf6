package calendar

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Indentation, as YAML reads it and people get it wrong: where a line
// that fits none of the levels around it could go (misindented,
// overIndented), and what an input method types for YAML's colon and
// space (inputMethodSlip). syntaxScan.problem asks these when the decoder
// stumbles, so that the message names the line at fault and its fix.

// keyWord is a key as events.yaml writes them.
const keyWord = `[A-Za-z_][A-Za-z0-9_.-]*`

// aKey is a text that is a key, keyWord.
var aKey = regexp.MustCompile(`^` + keyWord + `$`)

// inputMethodSlip finds, on line (1-based) of the block context, an
// ideographic space (U+3000) in the indentation or after a key's colon,
// or a full-width colon (：) after a key: YAML reads each as a letter.
func (s *syntaxScan) inputMethodSlip(line int) (pos, string) {
	if line < 1 || line > len(s.lines) || !s.block[line-1] {
		return pos{}, ""
	}
	l := strings.TrimRight(s.lines[line-1], "\r")
	rest := strings.TrimLeft(l, " ")
	if strings.HasPrefix(rest, "\u3000") && !s.continues(line-1) {
		return pos{line, len(l) - len(rest) + 1}, "an ideographic space (U+3000) in the indentation, which YAML reads as a letter; indent with spaces only"
	}
	if s.continues(line - 1) {
		return pos{}, "" // a line of a text going on: "WSIS：会议" is its text
	}
	if r, ok := strings.CutPrefix(rest, "- "); ok {
		rest = strings.TrimLeft(r, " ")
	}
	before := len(l) - len(rest) // bytes before the key
	if i := strings.IndexAny(rest, ":：#'\"[{"); i > 0 && aKey.MatchString(rest[:i]) {
		col := utf8.RuneCountInString(l[:before+i]) + 1
		switch {
		case strings.HasPrefix(rest[i:], "："):
			return pos{line, col}, `a full-width colon, "：", which YAML reads as a letter, not as the colon after a key; write key: value, with ":" and a space`
		case strings.HasPrefix(rest[i:], ":\u3000"):
			return pos{line, col + 1}, "an ideographic space (U+3000) after the colon, which YAML reads as a letter, so that the colon ends no key; write a space after it"
		}
	}
	return pos{}, ""
}

// misindented finds the first line, from line from (1-based) on, whose
// indentation fits none of the block mappings and lists open above it: a
// dedent to between two levels, a list item among a mapping's keys or a
// key among a list's items. It says, in words, where the line could go.
func (s *syntaxScan) misindented(from int) (pos, string) {
	var open []level
	opens := false // the line before ends in "key:": what follows may nest
	for i, raw := range s.lines {
		l := strings.TrimRight(raw, "\r")
		t := strings.TrimSpace(l)
		if !s.block[i] || t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		in := len(l) - len(strings.TrimLeft(l, " "))
		if i+1 >= from && strings.HasPrefix(strings.TrimLeft(l, " "), "\u3000") && !s.continues(i) {
			// "  　- id: b": its dash is where the items' are, to
			// TrimSpace; YAML reads the wide space as a letter.
			return pos{i + 1, in + 1}, "an ideographic space (U+3000) in the indentation, which YAML reads as a letter; indent with spaces only"
		}
		item := strings.HasPrefix(t, "- ") || t == "-"
		fault := pos{i + 1, in + 1}
		// The levels this line's dedent closed, and of them the nearest
		// to it of its kind (keys for a key, items for an item): where
		// it may belong.
		popped, poppedList := false, false
		var fit *level
		for len(open) > 0 && in < open[len(open)-1].indent {
			c := open[len(open)-1]
			open, popped = open[:len(open)-1], true
			poppedList = poppedList || c.list
			if c.list == item {
				fit = &c
			}
		}
		if n := len(open); n > 0 && in == open[n-1].indent && item == open[n-1].list {
			open[n-1].line = i + 1 + s.shift // the level's latest line, for the messages
		}
		switch {
		case len(open) == 0:
			if popped && in > 0 && i+1 >= from {
				return fault, placeHint(in, fit, nil)
			}
			open = append(open, level{in, item, i + 1 + s.shift})
		case in > open[len(open)-1].indent:
			if top := open[len(open)-1]; popped && i+1 >= from {
				if top.list != item || poppedList && top.indent == 0 && fit != nil {
					// Not the top level from inside a list: an
					// event's key there would be the file's.
					return fault, placeHint(in, fit, nil)
				}
				return fault, placeHint(in, fit, &top)
			}
			if opens {
				open = append(open, level{in, item, i + 1 + s.shift})
			} else if p, hint := s.overIndented(i); p != (pos{}) && i+1 >= from {
				return p, hint
			}
		case item != open[len(open)-1].list:
			top := open[len(open)-1]
			switch {
			case item && opens:
				open = append(open, level{in, true, i + 1 + s.shift}) // key:\n- item, at the key's indentation
			case i+1 < from:
			case item:
				return fault, fmt.Sprintf("this list item begins in column %d, where the keys of the mapping around it do (line %d); a list is the value of a key: indent it under one, after its colon", in+1, top.line)
			case fit != nil:
				return fault, fmt.Sprintf("this key begins in column %d, under the - of the item above (line %d), not with that item's keys, which begin in column %d; indent it to column %d, or begin a new item with -",
					in+1, top.line, fit.indent+1, fit.indent+1)
			default:
				return fault, fmt.Sprintf("this key begins in column %d, under the - of the list item above (line %d); begin a new item with -, or move the key out of the list", in+1, top.line)
			}
		}
		// An item holding "key: value" opens a mapping at its content.
		if rest, ok := strings.CutPrefix(t, "- "); ok && strings.Contains(rest, ":") && !strings.HasPrefix(rest, "{") && !strings.HasPrefix(rest, "[") {
			open = append(open, level{in + 2 + len(rest) - len(strings.TrimLeft(rest, " ")), false, i + 1 + s.shift})
		}
		body := t
		if j := strings.Index(body, " #"); j >= 0 {
			body = strings.TrimSpace(body[:j])
		}
		opens = strings.HasSuffix(body, ":")
	}
	return pos{}, ""
}

// level is a block mapping's keys or a block list's items, as misindented
// reads them.
type level struct {
	indent int
	list   bool
	line   int // its latest line in the file (1-based)
}

// placeHint says where a line indented in column in+1, where no level
// above it is, may go: with the level closed above it, the one around
// it, or both (either may be nil).
func placeHint(in int, above, around *level) string {
	switch {
	case above != nil && around != nil:
		return fmt.Sprintf("this line begins in column %d, between the %s above it (column %d, line %d) and the %s around them (column %d, line %d); line it up with one or the other",
			in+1, levelWords(above.list), above.indent+1, above.line, levelWords(around.list), around.indent+1, around.line)
	case above != nil:
		return fmt.Sprintf("this line begins in column %d, left of the %s above it (column %d, line %d); line it up with them",
			in+1, levelWords(above.list), above.indent+1, above.line)
	case around != nil:
		return fmt.Sprintf("this line begins in column %d, right of the %s around it (column %d, line %d); line it up with them",
			in+1, levelWords(around.list), around.indent+1, around.line)
	}
	return fmt.Sprintf("this line begins in column %d, where nothing above it does; line it up with the keys of its mapping, or with the - of its list's items", in+1)
}

// keyLike matches a line that begins with a key, one word as events.yaml
// writes them, and its colon.
var keyLike = regexp.MustCompile(`^` + keyWord + `:( |$)`)

// continues reports whether line i (from 0) is a line of a text that
// goes on from a key's value on a line above it: indented further than
// that key's mapping's keys, as is every line between them.
func (s *syntaxScan) continues(i int) bool {
	l := strings.TrimRight(s.lines[i], "\r")
	in := len(l) - len(strings.TrimLeft(l, " "))
	for j, n := s.blockBefore(i), 0; j >= 0 && n < 1000; j, n = s.blockBefore(j), n+1 {
		keys, key, opens := s.keysOf(j)
		if key != "" {
			return !opens && in > keys
		}
		pl := strings.TrimRight(s.lines[j], "\r")
		pt := strings.TrimLeft(pl, " ")
		if strings.HasPrefix(pt, "- ") || pt == "-" {
			return false // an item, not a text's line
		}
		in = min(in, len(pl)-len(pt)) // every line of the text is further in than the keys
	}
	return false
}

// blockBefore is the line before line i (from 0) in the block context
// that is neither blank nor a comment, or -1.
func (s *syntaxScan) blockBefore(i int) int {
	for j := i - 1; j >= 0; j-- {
		t := strings.TrimSpace(s.lines[j])
		if s.block[j] && t != "" && !strings.HasPrefix(t, "#") {
			return j
		}
	}
	return -1
}

// keysOf reads line j (from 0): the column (from 0) its keys begin in,
// its key ("" when it does not begin with one) and whether it ends with
// the key's colon, its value on the lines after it.
func (s *syntaxScan) keysOf(j int) (keys int, key string, opens bool) {
	pl := strings.TrimRight(s.lines[j], "\r")
	pt := strings.TrimLeft(pl, " ")
	keys = len(pl) - len(pt)
	if rest, ok := strings.CutPrefix(pt, "- "); ok {
		keys += 2 + len(rest) - len(strings.TrimLeft(rest, " "))
		pt = strings.TrimLeft(rest, " ")
	}
	if !keyLike.MatchString(pt) {
		return keys, "", false
	}
	body := pt
	if k := strings.Index(body, " #"); k >= 0 {
		body = strings.TrimSpace(body[:k])
	}
	return keys, pt[:strings.Index(pt, ":")], strings.HasSuffix(body, ":")
}

// overIndented reports line i (from 0) when it is a key indented further
// than the keys of the line before it, whose value is on that line: YAML
// reads it as the rest of that value, and fails on its colon.
func (s *syntaxScan) overIndented(i int) (pos, string) {
	if i < 1 || i >= len(s.lines) || !s.block[i] {
		return pos{}, ""
	}
	l := strings.TrimRight(s.lines[i], "\r")
	t := strings.TrimLeft(l, " ")
	in := len(l) - len(t)
	j := s.blockBefore(i)
	if !keyLike.MatchString(t) || j < 0 {
		return pos{}, ""
	}
	keys, key, opens := s.keysOf(j)
	if in <= keys || key == "" || opens {
		return pos{}, ""
	}
	return pos{i + 1, in + 1}, fmt.Sprintf("this key begins in column %d, right of the keys above it (column %d, line %d): after the value of %s, YAML cannot read a key there; line it up with them, at column %d",
		in+1, keys+1, j+1+s.shift, key, keys+1)
}

// levelWords names what begins at a level's indentation.
func levelWords(list bool) string {
	if list {
		return "list's items"
	}
	return "keys"
}
