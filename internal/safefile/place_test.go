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
