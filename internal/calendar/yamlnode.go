package calendar

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// field is one key: value pair of a mapping.
type field struct {
	key, value *yaml.Node
}

// fieldSet is the key: value pairs of a mapping, by key: a map would cost
// more, built for every event, than the few keys looked up in it.
type fieldSet struct {
	keys   []string
	fields []field
}

// get returns the field with the key; a nil set has none.
func (m *fieldSet) get(key string) (field, bool) {
	if m != nil {
		for i, k := range m.keys {
			if k == key {
				return m.fields[i], true
			}
		}
	}
	return field{}, false
}

// field returns the field with the key, or the zero field.
func (m *fieldSet) field(key string) field {
	f, _ := m.get(key)
	return f
}

func (m *fieldSet) add(key string, f field) {
	m.keys = append(m.keys, key)
	m.fields = append(m.fields, f)
}

// lookup returns the field of m with the key, or nil when m has none.
func lookup(m *fieldSet, key string) *field {
	if f, ok := m.get(key); ok {
		return &f
	}
	return nil
}

// mapping checks that n is a mapping whose keys are all known, reporting
// unknown and repeated keys, and returns its fields by key.
func (l *loader) mapping(n *yaml.Node, what string, known []string) *fieldSet {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		l.errorf(n.Line, n.Column, "%s: want a mapping of key: value, got %s", what, describe(n))
		return nil
	}
	pairs := len(n.Content) / 2
	fields := &fieldSet{keys: make([]string, 0, pairs), fields: make([]field, 0, pairs)}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			l.errorf(k.Line, k.Column, "%s: a key must be a plain word, got %s", what, describe(k))
			continue
		}
		if !slices.Contains(known, k.Value) {
			s := keyFor(k.Value, known)
			hint := fullWidthHint(k.Value)
			if s != "" && hint == "" {
				hint = fmt.Sprintf(" (did you mean %q?)", s)
			}
			l.errorf(k.Line, k.Column, "%s: unknown key %q%s; known keys: %s", what, k.Value, hint, strings.Join(known, ", "))
			// Read a misspelt key (or another format's name for it) as the
			// one it stands for, so that one slip is one error and not also
			// "title missing". The file is invalid either way.
			if s != "" && !hasKey(n, s) {
				if _, dup := fields.get(s); !dup {
					fields.add(s, field{k, v})
				}
			}
			continue
		}
		if prev, dup := fields.get(k.Value); dup {
			l.errorf(k.Line, k.Column, "%s: key %q repeated (first at line %d)", what, k.Value, prev.key.Line)
			continue
		}
		fields.add(k.Value, field{k, v})
	}
	return fields
}

// hasKey reports whether mapping n has the key.
func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := deref(n.Content[i]); k.Kind == yaml.ScalarNode && k.Value == key {
			return true
		}
	}
	return false
}

// deref follows YAML aliases (*name) to the node they stand for.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// describe says what n is, for a message: "a list", or the value quoted.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", shortValue(n.Value))
	default:
		return "something else"
	}
}

// scalar returns n's text if it is a scalar (string, number, date...).
func (l *loader) scalar(n *yaml.Node, what string) (string, bool) {
	return l.scalarNamed(n, what)
}

// scalarNamed is scalar with n's name in parts (events[3] "x", ": title",
// ".", "zh"), joined only for a message: a name made for each value of
// 100,000 events would almost never be read.
func (l *loader) scalarNamed(n *yaml.Node, name ...string) (string, bool) {
	if s, ok := scalarValue(n); ok {
		return s, true
	}
	n = deref(n)
	l.errorf(n.Line, n.Column, "%s: want a single value, got %s", strings.Join(name, ""), describe(n))
	return "", false
}

// scalarValue is the value of n, and whether it is a single value.
func scalarValue(n *yaml.Node) (string, bool) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", false
	}
	return n.Value, true
}

// list returns the items of a sequence node.
func (l *loader) list(n *yaml.Node, what string) ([]*yaml.Node, bool) {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		hint := ""
		if v := strings.TrimSpace(n.Value); n.Kind == yaml.ScalarNode && n.Tag != "!!null" && v != "" && len(v) <= maxQuoted && !strings.ContainsAny(v, "\n[]{}") {
			// tracks: talks, or tracks: talks, panels: the list meant.
			items := strings.Split(v, ",")
			for i := range items {
				items[i] = strings.TrimSpace(items[i])
			}
			hint = "; write a list in brackets: [" + strings.Join(items, ", ") + "]"
			if strings.ContainsAny(v, "［］【】〔〕，、") {
				// ［talks］ or 【talks】 from an input method: its
				// brackets are letters to YAML.
				hint = `; its brackets or commas are full-width ones, which YAML reads as letters: write [a, b] with "[", "," and "]"`
			}
		}
		l.errorf(n.Line, n.Column, "%s: want a list, got %s%s", what, describe(n), hint)
		return nil, false
	}
	return n.Content, true
}

// number reads a whole number in [lo, hi].
func (l *loader) number(n *yaml.Node, what string, lo, hi int) (int, bool) {
	s, ok := l.scalar(n, what)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		n = deref(n)
		l.errorf(n.Line, n.Column, "%s: %q must be a whole number from %d to %d", what, s, lo, hi)
		return 0, false
	}
	return v, true
}

// boolean reads true or false (YAML's other spellings, yes and on, are not
// accepted: a key that means "private" should not depend on them).
func (l *loader) boolean(n *yaml.Node, what string) (bool, bool) {
	s, ok := l.scalar(n, what)
	if !ok {
		return false, false
	}
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	n = deref(n)
	l.errorf(n.Line, n.Column, "%s: %q must be true or false", what, s)
	return false, false
}
