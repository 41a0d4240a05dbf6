package calendar

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestQuickParseGenerated holds quickParse to yaml.v3 (checkQuick) on
// pieces and whole files made at random from what events files and YAML's corner cases
// are made of: keys and values with indicators, quotes and escapes in
// them, comments and empty lines anywhere, indentation one off either
// way, flow collections with odd spacing, block text with empty, blank
// and more-indented lines. Byte-level fuzzing seldom builds such pieces.
func TestQuickParseGenerated(t *testing.T) {
	const n = 3000 // more explores more: it found nothing in 3,000,000
	for _, tc := range []struct {
		name string
		make func(g *genYAML)
	}{
		{"list", func(g *genYAML) { g.blank(); g.seq(g.r.IntN(3), 0) }},
		{"whole file", func(g *genYAML) { g.blank(); g.mapping(g.r.IntN(2), 0, false) }},
		{"flow", func(g *genYAML) { g.b.WriteString("- a: " + g.flow(0) + g.comment() + "\n") }},
		{"block text", func(g *genYAML) {
			g.b.WriteString(g.pick("- a:", "-", "  - a:", "- a:\n  - b:"))
			g.block(g.r.IntN(4))
			g.b.WriteString(g.pick("", "- c\n", "  d: e\n", "    f: g\n", "# c\n", "   # c\n"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := &genYAML{r: rand.New(rand.NewPCG(1, uint64(len(tc.name))))}
			read := 0
			for range n {
				g.b.Reset()
				tc.make(g)
				src := g.b.String()
				if g.r.IntN(8) == 0 {
					src = strings.TrimSuffix(src, "\n")
				}
				if checkQuick(t, []byte(src)) {
					read++
				}
			}
			if read < n/20 {
				t.Errorf("quickParse read %d of %d pieces: too few to compare", read, n)
			}
		})
	}
}

// genYAML writes YAML at random into b.
type genYAML struct {
	r *rand.Rand
	b strings.Builder
}

// pick is one of xs, or now and then a random string.
func (g *genYAML) pick(xs ...string) string {
	if g.r.IntN(3) == 0 {
		return g.random()
	}
	return xs[g.r.IntN(len(xs))]
}

var genPieces = []string{"a", "b", ":", "#", " ", "-", "?", "[", "]", "{", "}", ",", "'", "\"", "\\",
	"é", "中", "𝄞", "1", ".", "~", "|", ">", "!", "&", "*", "%", "@", "x", "0", "e", "\\u00e9", "\\x4"}

// random is up to 6 pieces of YAML syntax and text.
func (g *genYAML) random() string {
	var b strings.Builder
	for range g.r.IntN(7) {
		b.WriteString(genPieces[g.r.IntN(len(genPieces))])
	}
	return b.String()
}

var genScalars = []string{"a", "b c", "-x", "?x", ":x", "a:b", "a#b", "x]", "a,b", "{x", "~", "null",
	"true", "yes", "0x1F", "1e3", ".inf", "2026-01-02", "2026-01-02 12:45", "2026-01-02T10:00:00Z",
	"<<", "中文", "e\u0301", "𝄞", "12:45", "-1", "+1", "0o7", "x  y", "\u00a0", "'q'", "''", "\"d\"",
	"\"\"", "'it''s'", `"\u00e9\x41\U0001F600"`, `"a\"b"`, "'#'", "\"# x\"", "-", "?", ":", "x:",
	"x :", "a #c", "-- x", "%", "@", "`", "!x", "&a", "*a", "|", ">"}

var genFlows = []string{"[]", "{}", "[ ]", "[a, b]", "[a,b]", "[ a , b ]", "{a: b}", "{a: b, c: d}",
	"{a:b}", "{'a': b}", "{\"a\": b}", "[{a: b}]", "[[a]]", "[a: b]", "{a}", "[a,]", "[-a]", "[:a]",
	"[-]", "[a b]", "{a: [b, c]}", "[中, 𝄞]", "[~, null, 1]", "{<<: x}", "[a#b]", "[ 'x' ,\"y\" ]",
	"[x] y", "[x]#c"}

func (g *genYAML) comment() string {
	return []string{" # c", "#c", "", "", "", ""}[g.r.IntN(6)]
}

// blank writes empty lines, blank ones and comments, or none.
func (g *genYAML) blank() {
	for g.r.IntN(5) == 0 {
		g.b.WriteString([]string{"", strings.Repeat(" ", g.r.IntN(8)) + "# c",
			strings.Repeat(" ", g.r.IntN(8)), "#"}[g.r.IntN(4)] + "\n")
	}
}

// value writes what follows "key:" or "-" in a collection at column ind.
func (g *genYAML) value(ind, depth int) {
	switch k := g.r.IntN(10); {
	case k < 4:
		g.b.WriteString(" " + g.pick(genScalars...) + g.comment() + "\n")
	case k < 5:
		g.b.WriteString(" " + g.flow(0) + g.comment() + "\n")
	case k < 6:
		g.b.WriteString(" " + g.pick(genFlows...) + g.comment() + "\n")
	case k < 8:
		g.block(ind)
	default:
		g.b.WriteString(g.comment() + "\n")
		if depth > 3 || g.r.IntN(4) == 0 {
			return
		}
		g.blank()
		in := max(0, ind+g.r.IntN(4)-1)
		if g.r.IntN(2) == 0 {
			g.seq(in, depth+1)
		} else {
			g.mapping(in, depth+1, false)
		}
	}
}

// block writes a block scalar's header and lines, around column ind.
func (g *genYAML) block(ind int) {
	g.b.WriteString(" " + g.pick("|", ">", "|-", ">-", "|+", "| # c", ">2") + "\n")
	text := ind + g.r.IntN(4)
	for range g.r.IntN(9) {
		switch g.r.IntN(8) {
		case 0:
			g.b.WriteString("\n")
		case 1:
			g.b.WriteString(strings.Repeat(" ", g.r.IntN(text+3)) + "\n")
		case 2:
			g.b.WriteString(strings.Repeat(" ", text+1+g.r.IntN(2)) + g.pick("x", "y z", "# t") + "\n")
		default:
			g.b.WriteString(strings.Repeat(" ", text) + g.pick("x", "y z ", "# t", "- a", "a: b", "  z") + "\n")
		}
	}
}

// seq writes a block list at column ind.
func (g *genYAML) seq(ind, depth int) {
	for range 1 + g.r.IntN(3) {
		g.b.WriteString(strings.Repeat(" ", ind) + "-")
		if g.r.IntN(3) == 0 && depth < 4 {
			sp := 1 + g.r.IntN(2)
			g.b.WriteString(strings.Repeat(" ", sp))
			g.mapping(ind+1+sp, depth+1, true)
		} else {
			g.value(ind, depth)
		}
		g.blank()
	}
}

// mapping writes a block mapping at column ind; inline, its first key
// follows "- ".
func (g *genYAML) mapping(ind, depth int, inline bool) {
	for i := range 1 + g.r.IntN(3) {
		if !inline || i > 0 {
			g.b.WriteString(strings.Repeat(" ", ind))
		}
		g.b.WriteString(g.pick("a", "b", "k k", "中", "<<", "~", "1", "-k", "'q'", "k ", "x#y", "a:b") + ":")
		if g.r.IntN(5) == 0 && depth < 4 {
			g.b.WriteString(g.comment() + "\n")
			g.blank()
			g.seq(ind+g.r.IntN(3), depth+1)
		} else {
			g.value(ind, depth)
		}
		g.blank()
	}
}

// flow writes a flow list or mapping, on one line.
func (g *genYAML) flow(depth int) string {
	var b strings.Builder
	mapping := g.r.IntN(2) == 0
	open, closing := g.pick("[", "[ "), g.pick("]", " ]")
	if mapping {
		open, closing = g.pick("{", "{ "), g.pick("}", " }")
	}
	b.WriteString(open)
	for i := range g.r.IntN(4) {
		if i > 0 {
			b.WriteString(g.pick(", ", ",", " , ", ",  ", " ,"))
		}
		b.WriteString(g.flowItem(depth))
		if mapping {
			b.WriteString(g.pick(": ", ":", " : ", ":  "))
			b.WriteString(g.flowItem(depth))
		}
	}
	b.WriteString(closing)
	return b.String()
}

func (g *genYAML) flowItem(depth int) string {
	switch g.r.IntN(6) {
	case 0:
		if depth < 3 {
			return g.flow(depth + 1)
		}
	case 1:
		return "'" + strings.ReplaceAll(g.random(), "'", "''") + "'"
	case 2:
		return "\"" + g.random() + "\""
	}
	return g.random()
}
