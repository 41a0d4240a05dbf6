package lock

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/go-json-experiment/json/jsontext"

	"calfeed/internal/calendar"
)

// Titles are an event's title by language, written as a JSON object
// ({"en": "...", "zh": "..."}, sorted by language as encoding/json writes a
// map's keys: locks written before were maps). They are
// kept as pairs in a slice, not a map: a lock holds one for every event,
// and a map of two costs about 300 bytes where the pairs cost 90.
type Titles []LangTitle

// LangTitle is an event's title in one language.
type LangTitle struct{ Lang, Text string }

// byLang orders titles by language.
func byLang(a, b LangTitle) int { return cmp.Compare(a.Lang, b.Lang) }

// titles returns the titles of t, a calendar's text; nil for none.
func titles(t calendar.Text) Titles {
	if t.IsZero() {
		return nil
	}
	m := t.Map()
	ts := make(Titles, 0, len(m))
	for lang, text := range m {
		ts = append(ts, LangTitle{lang, text})
	}
	slices.SortFunc(ts, byLang)
	return ts
}

// Text returns ts as a calendar's text.
func (ts Titles) Text() calendar.Text {
	m := make(map[string]string, len(ts))
	for _, t := range ts {
		m[t.Lang] = t.Text
	}
	return calendar.NewText(m)
}

// MarshalJSON writes ts as encoding/json writes a map of strings: keys
// sorted, strings escaped alike, null for none.
func (ts Titles) MarshalJSON() ([]byte, error) {
	if ts == nil {
		return []byte("null"), nil
	}
	if !slices.IsSortedFunc(ts, byLang) {
		ts = slices.SortedFunc(slices.Values(ts), byLang)
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, t := range ts {
		if i > 0 {
			b.WriteByte(',')
		}
		lang, err := json.Marshal(t.Lang)
		if err != nil {
			return nil, err
		}
		text, err := json.Marshal(t.Text)
		if err != nil {
			return nil, err
		}
		b.Write(lang)
		b.WriteByte(':')
		b.Write(text)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSONFrom reads ts from a JSON object of strings, or null, as
// the lock is decoded (see safefile.ReadJSON).
func (ts *Titles) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case 'n':
		*ts = nil
		return nil
	case '{':
	default:
		return errors.New("a title is an object of texts by language")
	}
	out := make(Titles, 0, 2) // most calendars have two languages or fewer
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken() // valid until the next read
		if err != nil {
			return err
		}
		lang := name.String()
		text, err := dec.ReadToken()
		if err != nil {
			return err
		}
		switch text.Kind() {
		case 'n': // null, which encoding/json read as ""
			out = append(out, LangTitle{lang, ""})
		case '"':
			out = append(out, LangTitle{lang, text.String()})
		default:
			return fmt.Errorf("the title in %q is not a string", lang)
		}
	}
	if _, err := dec.ReadToken(); err != nil { // '}'
		return err
	}
	*ts = out
	return nil
}
