package safefile

import (
	"encoding/json"
	"errors"
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
