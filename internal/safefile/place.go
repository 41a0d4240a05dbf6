package safefile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
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
	var key *KeyError
	switch {
	case errors.As(err, &syntax):
		off = syntax.Offset - 1 // the bytes read, the wrong one included
	case errors.As(err, &typ):
		off = typ.Offset // just past the value
	case errors.As(err, &trailing):
		off = trailing.Offset
	case errors.As(err, &key):
		off = key.Offset
		if i := bytes.LastIndex(data[:min(max(off, 0), int64(len(data)))], []byte(strconv.Quote(key.Key))); i >= 0 {
			off = int64(i) // the key itself, as written
		}
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

// KeyError is a key of a JSON object that a strict reading refuses (see
// ExactKeys): one the file's format lacks, in any letter case, or one
// given twice in an object.
type KeyError struct {
	Key    string
	Offset int64 // just past it (JSONPlace gives its start)
	Twice  bool
}

func (e *KeyError) Error() string {
	if e.Twice {
		return fmt.Sprintf("the key %q is given twice in one object", e.Key)
	}
	return fmt.Sprintf("unknown key %q (keys are written in lower case, as calfeed writes them)", e.Key)
}

// ExactKeys checks that every key of every object in data, one JSON
// value, is one of keys, exactly, and given once in its object:
// encoding/json matches keys in any letter case and keeps the last of two,
// so that "ALL": true, or a second "all", would change what a hand-edited
// file means without a word. Its errors are placed by JSONPlace. It walks
// the whole file token by token: for small files (the tokens), not the
// lock, whose size follows the calendar's.
func ExactKeys(data []byte, keys ...string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object  bool
		wantKey bool // an object's next token is a key (or its end)
		seen    map[string]bool
	}
	var stack []*frame
	// valueDone marks the enclosing object ready for its next key.
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
			if k, ok := tok.(string); ok {
				top := stack[n-1]
				switch {
				case !slices.Contains(keys, k):
					return &KeyError{Key: k, Offset: dec.InputOffset()}
				case top.seen[k]:
					return &KeyError{Key: k, Offset: dec.InputOffset(), Twice: true}
				}
				top.seen[k] = true
				top.wantKey = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, wantKey: true, seen: map[string]bool{}})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
	}
}
