package lock

import (
	"encoding/json"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"

	"calfeed/internal/calendar"
)

// TestTitlesJSON: titles are written byte for byte as the map of strings
// they replace was (keys sorted, HTML characters and U+2028 escaped, null
// for none), and read back as they were written.
func TestTitlesJSON(t *testing.T) {
	for _, m := range []map[string]string{
		{"zh": "数字技能：高级别小组讨论", "en": "Keynote <b> & \"q\" \u2028 é", "fr": ""},
		{"en": "one"},
		{},
		nil,
	} {
		text := calendar.NewText(m)
		want, err := json.Marshal(struct {
			T map[string]string `json:"title"`
		}{text.Map()}) // as the lock wrote it before
		if err != nil {
			t.Fatal(err)
		}
		ts := titles(text)
		got, err := json.Marshal(struct {
			T Titles `json:"title"`
		}{ts})
		if err != nil || string(got) != string(want) {
			t.Errorf("%v: written %s, %v; want %s", m, got, err, want)
		}
		var back struct {
			T Titles `json:"title"`
		}
		if err := jsonv2.Unmarshal(got, &back); err != nil {
			t.Errorf("%s: read back: %v", got, err)
			continue
		}
		if (back.T == nil) != text.IsZero() || !back.T.Text().Equal(text) {
			t.Errorf("%s: read back %#v, want %v", got, back.T, m)
		}
	}
	// A title of null is read as encoding/json read it, as "".
	var nulls Titles
	if err := jsonv2.Unmarshal([]byte(`{"en": null, "zh": "二"}`), &nulls); err != nil || nulls.Text().In("en") != "" || nulls.Text().In("zh") != "二" || len(nulls) != 2 {
		t.Errorf("a null title read as %#v, %v", nulls, err)
	}
	// An object without titles is read as one.
	var empty Titles
	if err := jsonv2.Unmarshal([]byte(`{}`), &empty); err != nil || empty == nil || len(empty) != 0 {
		t.Errorf("{} read as %#v, %v", empty, err)
	}
	// Written out of order, still sorted, as a map's keys are.
	got, err := json.Marshal(Titles{{"zh", "二"}, {"en", "one"}})
	if err != nil || string(got) != `{"en":"one","zh":"二"}` {
		t.Errorf("unsorted titles written %s, %v", got, err)
	}
	for _, bad := range []struct{ data, want string }{
		{`"just one"`, "a title is an object of texts by language"},
		{`{"en": 3}`, `the title in "en" is not a string`},
		{`{"en": "a", "en": "b"}`, `duplicate object member name "en"`},
		{`[]`, "a title is an object"},
	} {
		var ts Titles
		if err := jsonv2.Unmarshal([]byte(bad.data), &ts); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: %v, want %s", bad.data, err, bad.want)
		}
	}
}
