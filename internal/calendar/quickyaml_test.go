package calendar

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"calfeed/internal/synth"
)

// yamlTree parses src with yaml.v3, as the loader does.
func yamlTree(src []byte) (*yaml.Node, error) {
	var doc yaml.Node
	err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&doc)
	return &doc, err
}

// treeDiff describes the first difference between two trees in the
// fields the loader reads, or is "".
func treeDiff(path string, want, got *yaml.Node) string {
	w := fmt.Sprintf("kind=%v style=%v tag=%q value=%q at %d:%d, %d children",
		want.Kind, want.Style, want.Tag, want.Value, want.Line, want.Column, len(want.Content))
	g := fmt.Sprintf("kind=%v style=%v tag=%q value=%q at %d:%d, %d children",
		got.Kind, got.Style, got.Tag, got.Value, got.Line, got.Column, len(got.Content))
	if w != g {
		return fmt.Sprintf("%s:\n yaml.v3:    %s\n quickParse: %s", path, w, g)
	}
	for i := range want.Content {
		if d := treeDiff(fmt.Sprintf("%s/%d", path, i), want.Content[i], got.Content[i]); d != "" {
			return d
		}
	}
	return ""
}

// checkQuick holds quickParse to yaml.v3 on src: when it reads src, yaml.v3
// must too, to the same tree. It returns whether quickParse read it.
func checkQuick(t *testing.T, src []byte) bool {
	t.Helper()
	return checkQuickIn(t, src, new(nodeArena))
}

// checkQuickIn is checkQuick with the nodes from arena, reset after: as a
// worker reads one piece after another.
func checkQuickIn(t *testing.T, src []byte, arena *nodeArena) bool {
	t.Helper()
	defer arena.reset()
	got, ok := quickParseIn(src, quickOptions{arena: arena, firstLine: 1})
	if !ok {
		return false
	}
	want, err := yamlTree(src)
	if err != nil {
		t.Fatalf("quickParse read what yaml.v3 refuses (%v):\n%s", err, src)
	}
	if d := treeDiff("", want, got); d != "" {
		t.Fatalf("quickParse and yaml.v3 differ at %s\ninput:\n%s", d, src)
	}
	return true
}

func TestQuickParseReads(t *testing.T) {
	shared := new(nodeArena) // each text read with the nodes of the ones before
	for _, src := range []string{
		"- a\n- b\n",
		"- id: x\n  title: {zh: \"标题\", en: \"Title, with: colon\"}\n  tracks: [a, b-c]\n",
		"  - id: x\n    start: 2026-03-24 12:45\n    updated: 2024-12-13T23:30:00Z\n    url: https://e.org/a?b=1#frag # comment\n",
		"- id: x\n  tracks:\n  - a\n  - b\n  title: t\n",
		"- id: x\n  tracks:\n    - a\n    - b\n  title: t\n",
		"- id: x\n  note:\n  other: ~\n  third: null\n  bool: true\n  n: 12\n  f: 1.5\n  o: 0x1F\n  neg: -3\n",
		"- id: x\n  d: |-\n    line one\n\n    line: three # not a comment\n      indented\n  e: |\n    clip\n\n\n  f: done\n",
		"- id: x\n  d: >-\n    folded one\n    folded two\n\n    after empty\n      more indented\n    back\n  e: >\n    clip\n",
		"- id: x\n  s: 'it''s'\n  q: \"tab\\there \\\"q\\\" \\\\ \\u00e9 \\x41 \\U0001F600 \\' \"\n  e: \"\"\n  f: ''\n",
		"-\n  id: x\n-\n- id: y\n",
		"- id: x # comment\n  # a comment line\n\n  title: t\n    # an indented comment\n  l: []\n  m: {}\n",
		"- id: \"中文\"\n  title: {zh: \"性别平等\", en: Gender}\n  x: [\"a\", 'b', c d, {k: v}, [n]]\n",
		"- repeat:\n    every: week\n    except: [2026-01-02, 2026-01-09]\n  overrides:\n    - date: 2026-01-16\n      title: t\n",
		"- a: -b\n  c: ?d\n  e: :f\n  g: a:b\n  h: a#b\n  i: \"x\"   # c\n",
		"- <<: x\n  yes: no\n",
	} {
		if !checkQuick(t, []byte(src)) {
			t.Errorf("quickParse leaves to yaml.v3:\n%s", src)
		}
		if !checkQuickIn(t, []byte(src), shared) {
			t.Errorf("quickParse with an arena used before leaves to yaml.v3:\n%s", src)
		}
	}
}

// TestQuickParseLeaves: what quickParse does not read, yaml.v3 does, and
// anything yaml.v3 refuses.
func TestQuickParseLeaves(t *testing.T) {
	for _, src := range []string{
		"- a\n\t- b\n",                     // tab
		"- a\r\n- b\r\n",                   // CR
		"- &a x\n- *a\n",                   // anchor, alias
		"- !!str 1\n",                      // tag
		"- a: b: c\n",                      // mapping value in a plain value (yaml.v3 refuses)
		"- a: plain\n    continued\n",      // multi-line plain
		"- a: \"quoted\n    continued\"\n", // multi-line quoted
		"- a: [x,\n    y]\n",               // multi-line flow
		"- a: |2\n    x\n",                 // indentation indicator
		"- a: |+\n    x\n\n",               // keep
		"- a: |\n\n    x\n",                // empty line first
		"- ? a\n  : b\n",                   // complex key
		"- a: x\n   b: y\n",                // bad indentation (yaml.v3 refuses)
		"- a\n- b\nc: d\n",                 // not a list
		"---\n- a\n",                       // document marker
		"- a: \"\\N\"\n",                   // rare escape
		"- a: \"\\ud800\"\n",               // surrogate (yaml.v3 refuses)
		"- a: \x85\n",                      // invalid UTF-8
		"- a: \u2028\n",                    // a YAML line break
		"- a: [x, ]\n",                     // trailing comma
		"- a: {\"k\":v}\n",                 // JSON-style key
		"- a: x\n  - b\n",                  // list item in a mapping (yaml.v3 refuses)
		"- a: b\n  a : c\n",                // space before the colon
		"- - a\n",                          // list in a list on one line
		"- a:\n    just a scalar below\n",  // scalar on its own line
		"- a: 'x' y\n",                     // text after a quoted value
		"- a: |\n   x\n      \n",           // a line of spaces longer than the indentation
		"- a: x\n  b: [a#b]\n",             // '#' in a flow plain
		// A key whose ':' is more than 1024 characters on (yaml.v3 refuses).
		"- {" + strings.Repeat("k", 1025) + ": v}\n",
		"- {'" + strings.Repeat("k", 1023) + "': v}\n",
		"- a: {b: c, " + strings.Repeat("中", 1025) + ": v}\n",
		// Collections nested more than 10,000 deep (yaml.v3 refuses), or
		// block ones 1,000 deep (that would take too long to build).
		"- " + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + "\n",
		"- " + strings.Repeat("{a: ", 10001) + "b" + strings.Repeat("}", 10001) + "\n",
		nestedItems(1002),
	} {
		if checkQuick(t, []byte(src)) {
			t.Errorf("quickParse read what it should leave to yaml.v3:\n%q", src)
		}
	}
}

// nestedItems is a list of n lists, each in the one before: "-\n -\n  -".
func nestedItems(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat(" ", i) + "-\n")
	}
	return b.String()
}

// TestQuickParseFiles: every piece of a synthetic calendar, and every
// events file the tests have, cut as the loader cuts them, reads the same
// with quickParse as with yaml.v3; the synthetic pieces all by quickParse.
func TestQuickParseFiles(t *testing.T) {
	var buf bytes.Buffer
	if err := synth.Write(&buf, synth.Options{Events: 2000, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	sp, ok := splitEvents(buf.Bytes())
	if !ok {
		t.Fatal("the synthetic calendar does not cut into pieces")
	}
	for _, c := range sp.chunks {
		if !checkQuick(t, sp.data[c.off:c.end]) {
			t.Errorf("quickParse leaves a synthetic piece (line %d) to yaml.v3", c.line)
		}
	}
	files, _ := filepath.Glob("testdata/*.yaml")
	more, _ := filepath.Glob("../../*.yaml")
	read, wholes := 0, 0
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if sp, ok := splitEvents(data); ok && checkQuick(t, sp.data[sp.chunks[0].off:sp.chunks[0].end]) {
			read++
		}
		if checkQuick(t, data) {
			wholes++
		}
	}
	if read == 0 || wholes == 0 {
		t.Errorf("quickParse read the events of %d events files and %d whole", read, wholes)
	}
	if !checkQuick(t, buf.Bytes()) {
		t.Error("quickParse leaves the whole synthetic calendar to yaml.v3")
	}
}

// TestPlainTag: the shortcut of plainTag agrees with yaml.v3 whatever a
// value starts with.
func TestPlainTag(t *testing.T) {
	for c := range 256 {
		for _, rest := range []string{"", "x", "1", "rue", "ull", "0:00", "2026-01-02", "026-01-02 12:45", "999-99-99 99:99", "026-01-02 12:4x",
			"h45m", "h", "0m", "5s", "e3", "x1F", "o17", "b101", "_000", ".5e-3", "023-01-02T10:00:00Z", "023-01-02t10:00:00.5+01:00", "2:30", "inf", "nan", "Inf", ".inf", ".Inf", ".INF", ".nan", ".NaN", "0X1f", "0B1", "0O7", "1_000h"} {
			v := string([]byte{byte(c)}) + rest
			n := &yaml.Node{Kind: yaml.ScalarNode, Value: v}
			if got, want := plainTag(n), n.ShortTag(); got != want {
				t.Errorf("plainTag(%q) = %s, yaml.v3 says %s", v, got, want)
			}
		}
	}
}

func FuzzQuickParse(f *testing.F) {
	for _, s := range []string{
		"- id: x\n  title: {zh: \"标题\", en: t}\n  d: |-\n    a\n\n    b\n",
		"- a: >\n    x\n    y\n\n     z\n",
		"- a\n- [b, 'c''d', \"e\\u00e9\"]\n",
		"  - a:\n    - b\n    c: ~\n",
		"- a: 'x'#c\n  b: [a, {c: \"d\"}, []]#e\n  -k: ?v\n",
		"- a:\n  # c\n  - |\n   x\n\n  b: >-\n    y\n     z\n",
		"- {" + strings.Repeat("k", 1000) + ": v}\n",
		"# head\ncalendar:\n  id: x\n  name: {zh: 名, en: n}\nevents:\n- id: a\n  title: t\n",
		"a: 1\nb:\n  - c\nd: |\n  e\n",
	} {
		f.Add([]byte(s))
	}
	var buf bytes.Buffer
	if err := synth.Write(&buf, synth.Options{Events: 40, Seed: 5}); err == nil {
		if sp, ok := splitEvents(buf.Bytes()); ok {
			for _, c := range strings.SplitAfter(string(sp.data[sp.chunks[0].off:sp.chunks[0].end]), "\n  - ") {
				f.Add([]byte("  - " + c))
			}
		}
	}
	var mu sync.Mutex
	arena := new(nodeArena) // nodes, lists and lines reused, as by a worker
	f.Fuzz(func(t *testing.T, src []byte) {
		mu.Lock()
		defer mu.Unlock()
		checkQuickIn(t, src, arena)
	})
}

// BenchmarkPieceParse: one piece of 1,000 synthetic events, parsed by
// yaml.v3 and by quickParse.
func BenchmarkPieceParse(b *testing.B) {
	var buf bytes.Buffer
	if err := synth.Write(&buf, synth.Options{Events: 1000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	sp, ok := splitEvents(buf.Bytes())
	if !ok {
		b.Fatal("the synthetic calendar does not cut into pieces")
	}
	// Every piece at once: a run of whole items is a piece too.
	text := sp.data[sp.chunks[0].off:sp.chunks[len(sp.chunks)-1].end]
	b.Run("yaml.v3", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			if _, err := yamlTree(text); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("quick", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			if _, ok := quickParse(text); !ok {
				b.Fatal("quickParse left the piece to yaml.v3")
			}
		}
	})
}

// TestNodeArena: the arena hands out distinct, zeroed nodes from blocks
// that start small and double up to arenaBlock, and after a reset hands
// out the same memory again, cleared, without a new block.
func TestNodeArena(t *testing.T) {
	var a nodeArena
	seen := map[*yaml.Node]bool{}
	const n = 1000
	for i := range n {
		nd := a.node()
		if seen[nd] || nd.Value != "" {
			t.Fatalf("node %d: handed out twice, or not zeroed (%q)", i, nd.Value)
		}
		seen[nd] = true
		nd.Value = "x"
	}
	var sizes []int
	for _, b := range a.blocks {
		sizes = append(sizes, len(b))
	}
	if want := []int{16, 32, 64, 128, 256, 256, 256}; !slices.Equal(sizes, want) {
		t.Errorf("blocks of %v nodes for %d, want %v", sizes, n, want)
	}
	a.reset()
	for i := range n {
		nd := a.node()
		if !seen[nd] || nd.Value != "" {
			t.Fatalf("after a reset, node %d: new memory (%v) or not cleared (%q)", i, !seen[nd], nd.Value)
		}
	}
	if len(a.blocks) != len(sizes) {
		t.Errorf("after a reset, %d blocks, want the %d there were", len(a.blocks), len(sizes))
	}
}

// TestNodeArenaContent: the lists content hands out are copies, exactly
// as long as asked (an append copies them out), none shared, and taken
// back and cleared by a reset.
func TestNodeArenaContent(t *testing.T) {
	var a nodeArena
	x, y := new(yaml.Node), new(yaml.Node)
	if c := a.content(nil); c != nil {
		t.Errorf("content of nothing: %v, want nil", c)
	}
	var lists [][]*yaml.Node
	for i := range 3000 {
		src := make([]*yaml.Node, 1+i%7)
		for j := range src {
			src[j] = x
		}
		c := a.content(src)
		src[0] = y // a copy: the list handed out keeps x
		if len(c) != len(src) || cap(c) != len(c) || c[0] != x {
			t.Fatalf("list %d: len %d cap %d, first %p; want len = cap = %d, first %p", i, len(c), cap(c), c[0], len(src), x)
		}
		lists = append(lists, c)
	}
	for _, c := range lists {
		for j := range c {
			c[j] = y // a list shares no element with another
		}
	}
	for i, c := range lists {
		if len(slices.DeleteFunc(slices.Clone(c), func(n *yaml.Node) bool { return n == y })) != 0 {
			t.Fatalf("list %d changed by another", i)
		}
	}
	big := make([]*yaml.Node, listBlock+1)
	if c := a.content(big); len(c) != len(big) || cap(c) != len(c) {
		t.Errorf("a list longer than a block: len %d cap %d", len(c), cap(c))
	}
	blocks := len(a.lists)
	a.reset()
	for i, l := range a.lists {
		if slices.ContainsFunc(l, func(n *yaml.Node) bool { return n != nil }) {
			t.Fatalf("after a reset, block %d of lists not cleared", i)
		}
	}
	for i := range 3000 {
		a.content(make([]*yaml.Node, 1+i%7))
	}
	if len(a.lists) != blocks {
		t.Errorf("after a reset, %d blocks of lists, want the %d there were", len(a.lists), blocks)
	}
}
