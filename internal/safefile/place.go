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
	switch {
	case errors.As(err, &syntax):
		off = syntax.Offset - 1 // the bytes read, the wrong one included
	case errors.As(err, &typ):
		off = typ.Offset // just past the value
	default:
		return path
	}
	before := data[:min(max(off, 0), int64(len(data)))]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return fmt.Sprintf("%s:%d:%d", path, line, col)
}
