package safefile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// JSONPlace returns path:LINE:COL, the place in data where decoding it as
// JSON failed with err, when the decoder says where (a syntax error, a
// value of the wrong type); else path alone. The files calfeed keeps in
// JSON (the lock, the tokens) are meant to be left alone, but a hand edit
// or a merge conflict is the likely cause of their damage, and its place
// is where to mend it.
func JSONPlace(path string, data []byte, err error) string {
	var off int64
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var trailing *TrailingError
	switch {
	case errors.As(err, &syntax):
		off = syntax.Offset - 1 // the bytes read, the wrong one included
	case errors.As(err, &typ):
		off = typ.Offset // just past the value
	case errors.As(err, &trailing):
		off = trailing.Offset
	default:
		return path
	}
	before := data[:min(max(off, 0), int64(len(data)))]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return fmt.Sprintf("%s:%d:%d", path, line, col)
}

// TrailingError is data after the JSON value a file holds: two files
// put together, or a merge's conflict markers after the first.
type TrailingError struct {
	Offset int64 // of its first byte
}

func (e *TrailingError) Error() string {
	return "more follows the end of the JSON value, which a file written by calfeed never has"
}

// DecodeJSON decodes data, which must be one JSON value, into v, refusing
// fields v lacks and anything but white space after the value (which a
// json.Decoder leaves unread); errors are placed by JSONPlace.
func DecodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	off := dec.InputOffset()
	rest := data[off:]
	if i := bytes.IndexFunc(rest, func(r rune) bool { return r != ' ' && r != '\t' && r != '\r' && r != '\n' }); i >= 0 {
		return &TrailingError{Offset: off + int64(i)}
	}
	return nil
}
