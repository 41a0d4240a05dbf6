package safefile

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestJSONPlace: where JSON decoding failed, as path:LINE:COL, for a
// syntax error and a value of the wrong type; the path alone otherwise.
func TestJSONPlace(t *testing.T) {
	var v struct{ N int }
	for _, tc := range []struct{ data, want string }{
		{"{\n  \"N\": 1,,\n}", "f.json:2:10"},
		{"{\n\"N\": \"one\"}", "f.json:2:11"},
		{"", "f.json:1:1"}, // nothing to read: its start
	} {
		err := json.Unmarshal([]byte(tc.data), &v)
		if got := JSONPlace("f.json", []byte(tc.data), err); got != tc.want {
			t.Errorf("%q: %v: JSONPlace = %q, want %q", tc.data, err, got, tc.want)
		}
	}
	if got := JSONPlace("f.json", nil, errors.New("json: unknown field \"x\"")); got != "f.json" {
		t.Errorf("an error without a place: %q", got)
	}
}

// TestDecodeJSON: one JSON value, with white space around it, decodes;
// unknown fields, and anything after the value (two files put together,
// conflict markers), are refused, the latter placed at its first byte.
func TestDecodeJSON(t *testing.T) {
	type T struct{ N int }
	var v T
	if err := DecodeJSON([]byte(" \n{\"N\": 1}\r\n\t \n"), &v); err != nil || v.N != 1 {
		t.Errorf("one value: %v, %+v", err, v)
	}
	for _, tc := range []struct{ data, place string }{
		{"{\"N\": 1}\n{\"N\": 2}\n", "f.json:2:1"},
		{"{\"N\": 1}\n<<<<<<< HEAD\n", "f.json:2:1"},
		{"{\"N\": 1} x", "f.json:1:10"},
		{"{\"N\": 1, \"M\": 2}", "f.json"},
	} {
		err := DecodeJSON([]byte(tc.data), &T{})
		if err == nil {
			t.Errorf("%q: decoded", tc.data)
			continue
		}
		if got := JSONPlace("f.json", []byte(tc.data), err); got != tc.place {
			t.Errorf("%q: %v placed at %q, want %q", tc.data, err, got, tc.place)
		}
	}
}

// TestExactKeys: keys are those given, exactly, once an object, at any
// depth; a key in another case, unknown, or twice is refused at its place.
func TestExactKeys(t *testing.T) {
	keys := []string{"version", "tokens", "name", "all", "tracks"}
	if err := ExactKeys([]byte(`{"version": 1, "tokens": [{"name": "a", "all": true}, {"name": "b", "tracks": ["x", "y"]}]}`), keys...); err != nil {
		t.Errorf("a good file: %v", err)
	}
	for _, tc := range []struct{ data, want, place string }{
		{`{"version": 1, "tokens": [{"name": "a", "ALL": true}]}`, `unknown key "ALL"`, "f.json:1:41"},
		{"{\"version\": 1,\n \"tokens\": [{\"name\": \"a\", \"all\": true, \"all\": false}]}", `the key "all" is given twice`, "f.json:2:40"},
		{`{"version": 1, "version": 2}`, `the key "version" is given twice`, "f.json:1:16"},
		{`{"version": 1, "tokens": [{"name": "a", "tracks": [{"nope": 1}]}]}`, `unknown key "nope"`, "f.json:1:53"},
	} {
		err := ExactKeys([]byte(tc.data), keys...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %s", tc.data, err, tc.want)
			continue
		}
		if got := JSONPlace("f.json", []byte(tc.data), err); got != tc.place {
			t.Errorf("%s: placed at %s, want %s", tc.data, got, tc.place)
		}
	}
}
