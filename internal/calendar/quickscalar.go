package calendar

import (
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The scalars of quickParse (see quickyaml.go): the tags of plain ones,
// quoted ones on one line, the text of block ones.

// singleQuoted reads a one-line 'text' at the start of t (two quotes in
// it are one), and its length with the quotes.
func singleQuoted(t []byte) (string, int, bool) {
	var b []byte
	from := 1
	for j := 1; j < len(t); j++ {
		if t[j] != '\'' {
			continue
		}
		if j+1 < len(t) && t[j+1] == '\'' {
			b = append(b, t[from:j+1]...) // the text and one quote
			j++
			from = j + 1
			continue
		}
		return string(append(b, t[from:j]...)), j + 1, true
	}
	return "", 0, false
}

// doubleQuoted reads a one-line "text" at the start of t, with its
// escapes, and its length with the quotes.
func doubleQuoted(t []byte) (string, int, bool) {
	j := 1
	for j < len(t) && t[j] != '"' && t[j] != '\\' {
		j++
	}
	if j < len(t) && t[j] == '"' {
		return string(t[1:j]), j + 1, true
	}
	b := append([]byte(nil), t[1:j]...)
	for j < len(t) {
		switch c := t[j]; c {
		case '"':
			return string(b), j + 1, true
		case '\\':
			if j+1 >= len(t) {
				return "", 0, false // a break escaped: text on the next line
			}
			var n int
			var ok bool
			b, n, ok = unescape(b, t[j+1:])
			if !ok {
				return "", 0, false
			}
			j += 1 + n
		default:
			b = append(b, c)
			j++
		}
	}
	return "", 0, false
}

// unescape appends what the escape after a backslash at the start of t
// stands for, and the escape's length. Escapes of characters YAML knows
// but events files hardly need (\N, \_, \L, \P) are left to yaml.v3.
func unescape(b, t []byte) ([]byte, int, bool) {
	size := 0
	switch c := t[0]; c {
	case '0':
		return append(b, 0), 1, true
	case 'a':
		return append(b, '\a'), 1, true
	case 'b':
		return append(b, '\b'), 1, true
	case 't':
		return append(b, '\t'), 1, true
	case 'n':
		return append(b, '\n'), 1, true
	case 'v':
		return append(b, '\v'), 1, true
	case 'f':
		return append(b, '\f'), 1, true
	case 'r':
		return append(b, '\r'), 1, true
	case 'e':
		return append(b, 0x1b), 1, true
	case ' ', '"', '\'', '\\':
		return append(b, c), 1, true
	case 'x':
		size = 2
	case 'u':
		size = 4
	case 'U':
		size = 8
	default:
		return nil, 0, false
	}
	if len(t) < 1+size {
		return nil, 0, false
	}
	var v rune
	for _, c := range t[1 : 1+size] {
		d, ok := hexDigit(c)
		if !ok {
			return nil, 0, false
		}
		v = v<<4 | d
	}
	if (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff || v < 0 {
		return nil, 0, false
	}
	return utf8.AppendRune(b, v), 1 + size, true
}

func hexDigit(c byte) (rune, bool) {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0'), true
	case 'a' <= c && c <= 'f':
		return rune(c-'a') + 10, true
	case 'A' <= c && c <= 'F':
		return rune(c-'A') + 10, true
	}
	return 0, false
}

// plainTag is the tag yaml.v3 resolves a plain scalar to. Only a value
// starting with a sign, a digit, a dot or a letter some special value
// starts with can be other than a string; yaml.v3's own resolution is
// called for those, but for the most common of them: a start or an end,
// a duration (TestPlainTag holds the shortcuts to it).
func plainTag(n *yaml.Node) string {
	if n.Value != "" && !strings.ContainsRune("+-0123456789.yYnNtTfFoO~<", rune(n.Value[0])) ||
		dateMinutes(n.Value) || notNumberOrTime(n.Value) {
		return "!!str"
	}
	return n.ShortTag()
}

// dateMinutes reports whether v is a date and a time to the minute, as
// in 2026-03-24 12:45: a string to yaml.v3, which reads a time with
// seconds only, and no number.
func dateMinutes(v string) bool {
	if len(v) != 16 || v[4] != '-' || v[7] != '-' || v[10] != ' ' || v[13] != ':' {
		return false
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15} {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// joinScalar makes the value of a block scalar from its lines (see
// scalarLines; nil is an empty line), as libyaml does: literal, the lines
// as they are; folded, the break between two lines of text that start
// with no space becomes a space, or goes when empty lines stand between
// them. clip keeps one final line break, YAML's default; strip (-) none.
func joinScalar(lines [][]byte, folded, clip bool) string {
	var b strings.Builder
	size := len(lines)
	for _, l := range lines {
		size += len(l)
	}
	b.Grow(size)
	var prev []byte // the last line of text
	empty := 0      // empty lines since
	for k, l := range lines {
		if len(l) == 0 {
			empty++
			continue
		}
		if k > 0 {
			if !folded || prev[0] == ' ' || l[0] == ' ' {
				b.WriteByte('\n')
			} else if empty == 0 {
				b.WriteByte(' ')
			}
			for range empty {
				b.WriteByte('\n')
			}
		}
		b.Write(l)
		prev, empty = l, 0
	}
	if clip {
		b.WriteByte('\n')
	}
	return b.String()
}

// notNumberOrTime reports whether v, which starts with a digit or a sign,
// holds a character no number (decimal, hexadecimal, octal, binary,
// float, infinity, with _ between digits) nor time yaml.v3 reads has,
// as in 1h45m.
func notNumberOrTime(v string) bool {
	if v == "" || !strings.ContainsRune("+-0123456789", rune(v[0])) {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !strings.ContainsRune("0123456789+-._: abcdefABCDEFoOxXtTzZiInN", rune(v[i])) {
			return true
		}
	}
	return false
}
