package safefile

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// JSONError is a file ReadJSON could not decode: a hand edit or a merge
// conflict is the likely cause, and Place is where to mend it.
type JSONError struct {
	// Place is path:LINE:COL, the offending byte, name or value, when the
	// decoder says where (a syntax error, a value of the wrong type, a
	// name unknown or given twice), else the path alone.
	Place string
	Err   error // the decoder's
}

func (e *JSONError) Error() string { return e.Place + ": " + e.Err.Error() }
func (e *JSONError) Unwrap() error { return e.Err }

// ReadJSON reads the regular file at path, of at most limit bytes (opened
// and checked as Read does), as one JSON value into v, and strictly: an
// object's member names match v's fields exactly (encoding/json matches
// them in any letter case), a name given twice in one object is refused
// (encoding/json keeps the last, so that "ALL": true, or a second "all",
// would change what a hand-edited file means without a word), as are names
// v lacks and anything but white space after the value (two files put
// together, a merge's conflict markers). Invalid UTF-8 in a string is read
// as U+FFFD, as encoding/json reads it. A file that does not decode is a
// *JSONError; the file's own problems (missing, too large, not a regular
// file, ctx done) are returned as they are.
//
// The file is decoded as it is read, never held whole: the lock of a
// 100,000-event calendar is 52 MB, and a buffer of it was as much memory
// again, cleared page by page before a byte was read. The decoder is
// github.com/go-json-experiment/json, the Go team's prototype of
// encoding/json/v2: strict by default, and one pass where encoding/json
// scans each value before decoding it (a quarter of the time).
func ReadJSON(ctx context.Context, path string, limit int64, v any) error {
	return readJSON(ctx, path, limit, v, true)
}

// ReadJSONLoose is ReadJSON without refusing the names v lacks: to read
// one member of a file ReadJSON refused (the format a newer version wrote).
func ReadJSONLoose(ctx context.Context, path string, limit int64, v any) error {
	return readJSON(ctx, path, limit, v, false)
}

func readJSON(ctx context.Context, path string, limit int64, v any, strict bool) error {
	f, _, err := Open(ctx, path, limit)
	if err != nil {
		return err
	}
	defer f.Close()
	r := &reader{ctx: ctx, f: f, path: path, limit: limit}
	err = json.UnmarshalRead(bufio.NewReaderSize(r, 64<<10), v, json.RejectUnknownMembers(strict), jsontext.AllowInvalidUTF8(true))
	switch {
	case err == nil:
		return nil
	case r.err != nil:
		return r.err // the file's, not the JSON's
	}
	return &JSONError{Place: jsonPlace(ctx, path, f, err), Err: err}
}

// jsonPlace returns path:LINE:COL of the byte the decoder's err names in
// the file f, read again up to it (COL in characters), or path alone.
func jsonPlace(ctx context.Context, path string, f *os.File, err error) string {
	var off int64
	var syntax *jsontext.SyntacticError
	var semantic *json.SemanticError
	switch {
	case errors.As(err, &syntax):
		off = syntax.ByteOffset
	case errors.As(err, &semantic):
		off = semantic.ByteOffset
	default:
		return path
	}
	// Read again a chunk at a time, with the file's checks: the place
	// may be 256 MiB in.
	r := &reader{ctx: ctx, f: f, path: path, limit: off}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return path
	}
	line, col := 1, 1
	buf := make([]byte, 64<<10)
	for left := max(off, 0); left > 0; {
		n, err := r.Read(buf[:min(int64(len(buf)), left)])
		chunk := buf[:n]
		left -= int64(n)
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			line += bytes.Count(chunk, []byte("\n"))
			col, chunk = 1, chunk[i+1:]
		}
		col += chars(chunk)
		if err != nil {
			break
		}
	}
	return fmt.Sprintf("%s:%d:%d", path, line, col)
}

// chars counts the characters UTF-8 bytes begin (its bytes but
// continuation bytes), so that a column counts characters, as
// events.yaml's do, also when a chunk ends inside one.
func chars(b []byte) int {
	n := 0
	for _, c := range b {
		if c&0xC0 != 0x80 {
			n++
		}
	}
	return n
}
