package feed

import (
	"bytes"
	"unicode/utf8"
)

// maxLine is the longest content line RFC 5545 §3.1 allows, in octets,
// not counting the CRLF.
const maxLine = 75

// fold folds every content line of b (CRLF-terminated) longer than 75 octets
// (RFC 5545 §3.1): CRLF and a space before each continuation.
//
// golang-ical folds too, but it prefers to cut just before a space, so the
// continuation starts with two spaces; Outlook and Gmail are known to trim
// whitespace at fold boundaries and glue the words together. Here a fold is
// never next to a space or tab, never inside a UTF-8 character, and never
// right after a backslash, so the text survives readers that unfold sloppily.
func fold(b []byte) []byte {
	if !needsFold(b) {
		return b
	}
	return foldAppend(make([]byte, 0, len(b)+len(b)/maxLine*3), b)
}

// foldAppend appends b to out, folded as fold folds it.
func foldAppend(out, b []byte) []byte {
	for len(b) > 0 {
		i := bytes.Index(b, []byte("\r\n"))
		line := b
		if i >= 0 {
			line, b = b[:i], b[i+2:]
		} else {
			b = nil
		}
		out = foldLine(out, line)
		out = append(out, '\r', '\n')
	}
	return out
}

func needsFold(b []byte) bool {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return len(b) > maxLine
		}
		if i-1 > maxLine { // i-1: the line without its CR
			return true
		}
		b = b[i+1:]
	}
	return false
}

// foldLine appends line to out, folded.
func foldLine(out, line []byte) []byte {
	limit := maxLine
	for len(line) > limit {
		cut := cutAt(line, limit)
		out = append(out, line[:cut]...)
		out = append(out, '\r', '\n', ' ')
		line = line[cut:]
		limit = maxLine - 1 // the continuation's leading space counts
	}
	return append(out, line...)
}

// cutAt returns where to fold line so the first part has at most limit
// octets: a UTF-8 character boundary, preferably not beside white space or
// after a backslash. It always makes progress.
func cutAt(line []byte, limit int) int {
	hard := limit
	for hard > 0 && !utf8.RuneStart(line[hard]) {
		hard--
	}
	if hard == 0 { // cannot happen with UTF-8 (4-octet characters), but never loop
		return limit
	}
	for cut := hard; cut > hard-16 && cut > 1; cut-- {
		if !utf8.RuneStart(line[cut]) {
			continue
		}
		before, after := line[cut-1], line[cut]
		if before == ' ' || before == '\t' || after == ' ' || after == '\t' || before == '\\' {
			continue
		}
		return cut
	}
	return hard
}
