package safefile

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type jsonToken struct {
	Name   string   `json:"name"`
	All    bool     `json:"all,omitempty"`
	Tracks []string `json:"tracks,omitempty"`
}

type jsonFile struct {
	Version int         `json:"version"`
	Tokens  []jsonToken `json:"tokens"`
	Created time.Time   `json:"created,omitzero"`
}

// TestReadJSON: one JSON value, with white space around it, is read;
// what a strict reading refuses is a *JSONError placed at the offending
// name, value or byte, and saying what it is.
func TestReadJSON(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	var v jsonFile
	good := write("good.json", " \n{\"version\": 1, \"tokens\": [{\"name\": \"主席团\", \"all\": true}, {\"name\": \"b\", \"tracks\": [\"x\", \"y\"]}],\n \"created\": \"2026-12-02T10:00:00Z\"}\r\n\t \n")
	if err := ReadJSON(context.Background(), good, 1<<20, &v); err != nil ||
		v.Version != 1 || len(v.Tokens) != 2 || v.Tokens[0].Name != "主席团" || !v.Tokens[0].All ||
		strings.Join(v.Tokens[1].Tracks, ",") != "x,y" || !v.Created.Equal(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("a good file: %v, %+v", err, v)
	}
	// Invalid UTF-8 is read as encoding/json reads it, as U+FFFD.
	v = jsonFile{}
	if err := ReadJSON(context.Background(), write("latin1.json", "{\"tokens\": [{\"name\": \"caf\xe9\"}]}"), 1<<20, &v); err != nil || len(v.Tokens) != 1 || v.Tokens[0].Name != "caf\uFFFD" {
		t.Errorf("invalid UTF-8: %v, %+v", err, v)
	}
	// Far into a file, past a chunk of the reading again: still its place.
	long := "{\"tokens\": [\n" + strings.Repeat("  {\"name\": \"主席团 \\n 一二三\"},\n", 20000) + "  {\"name\": 7}]}"
	if err := ReadJSON(context.Background(), write("long.json", long), 1<<30, &jsonFile{}); err == nil || !strings.HasSuffix(err.(*JSONError).Place, ":20002:12") {
		t.Errorf("a fault on line 20002: %v", err)
	}
	// Columns count characters, as events.yaml's do, also on a line read
	// again in several chunks.
	wide := "{\"tokens\": [{\"name\": \"" + strings.Repeat("主", 30000) + "\", \"all\": \"x\"}]}"
	if err := ReadJSON(context.Background(), write("wide.json", wide), 1<<20, &jsonFile{}); err == nil || !strings.HasSuffix(err.(*JSONError).Place, ":1:30033") {
		t.Errorf("a fault after 30,000 characters of Chinese: %v", err)
	}
	for i, tc := range []struct{ name, data, want, place string }{
		{"syntax", "{\n  \"version\": 1,,\n}", "invalid character ','", "2:16"},
		{"a value of the wrong type", "{\n\"version\": \"one\"}", "cannot unmarshal JSON string into Go int", "2:12"},
		{"a time that is none", `{"version": 1, "created": "yesterday"}`, `parsing time "yesterday"`, "1:27"},
		{"nothing", "", "unexpected EOF", "1:1"},
		{"a value cut short", "{\"version\": 1,\n \"tokens\": [", "unexpected EOF", "2:13"},
		{"two files", "{\"version\": 1}\n{\"version\": 2}\n", "after top-level value", "2:1"},
		{"conflict markers", "{\"version\": 1}\n<<<<<<< HEAD\n", "after top-level value", "2:1"},
		{"a word after", "{\"version\": 1} x", "after top-level value", "1:16"},
		{"an unknown name", `{"version": 1, "extra": 2}`, `unknown object member name "extra"`, "1:16"},
		{"an unknown name, deeper", `{"version": 1, "tokens": [{"name": "a", "tracks": ["x"], "nope": 1}]}`, `unknown object member name "nope"`, "1:58"},
		{"a name in capitals", `{"version": 1, "tokens": [{"name": "a", "ALL": true}]}`, `unknown object member name "ALL"`, "1:41"},
		{"a name twice", "{\"version\": 1,\n \"tokens\": [{\"name\": \"a\", \"all\": true, \"all\": false}]}", `duplicate object member name "all"`, "2:40"},
		{"the first name twice", `{"version": 1, "version": 2}`, `duplicate object member name "version"`, "1:16"},
		{"after Chinese on its line", `{"tokens": [{"name": "主席团", "all": "yes"}]}`, "cannot unmarshal JSON string into Go bool", "1:36"},
		{"past a line of Chinese", "{\"tokens\": [{\"name\": \"主席团\"}],\n  \"version\": \"1\"}", "cannot unmarshal JSON string into Go int", "2:14"},
	} {
		path := write(strings.ReplaceAll(tc.name, " ", "-")+".json", tc.data)
		err := ReadJSON(context.Background(), path, 1<<20, &jsonFile{})
		var bad *JSONError
		if !errors.As(err, &bad) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d, %s: %v, want a JSONError saying %s", i, tc.name, err, tc.want)
			continue
		}
		if want := path + ":" + tc.place; bad.Place != want {
			t.Errorf("case %d, %s: %v placed at %q, want %q", i, tc.name, bad.Err, bad.Place, want)
		}
	}
}

// TestReadJSONLoose: names the value lacks are skipped, all else as strict.
func TestReadJSONLoose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newer.json")
	if err := os.WriteFile(path, []byte(`{"tokens": [{"name": "a", "later": {"x": [1]}}], "version": 3, "more": true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var bad *JSONError
	if err := ReadJSON(context.Background(), path, 1<<20, &jsonFile{}); !errors.As(err, &bad) {
		t.Errorf("strict: %v, want a JSONError", err)
	}
	var v jsonFile
	if err := ReadJSONLoose(context.Background(), path, 1<<20, &v); err != nil || v.Version != 3 || len(v.Tokens) != 1 || v.Tokens[0].Name != "a" {
		t.Errorf("loose: %v, %+v", err, v)
	}
	if err := os.WriteFile(path, []byte(`{"version": 3, "more": true}`+"\n<<<<<<<"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ReadJSONLoose(context.Background(), path, 1<<20, &jsonFile{}); !errors.As(err, &bad) || !strings.HasSuffix(bad.Place, ":2:1") {
		t.Errorf("loose, with conflict markers: %v", err)
	}
}

// TestReadJSONFile: the file's own problems are returned as they are,
// not as damage: missing, too large, read with a context that is done.
func TestReadJSONFile(t *testing.T) {
	dir := t.TempDir()
	var bad *JSONError
	if err := ReadJSON(context.Background(), filepath.Join(dir, "none.json"), 1<<20, &jsonFile{}); !errors.Is(err, fs.ErrNotExist) || errors.As(err, &bad) {
		t.Errorf("a missing file: %v", err)
	}
	path := filepath.Join(dir, "f.json")
	if err := os.WriteFile(path, []byte(`{"version": 1, "tokens": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var tl *TooLargeError
	if err := ReadJSON(context.Background(), path, 10, &jsonFile{}); !errors.As(err, &tl) || errors.As(err, &bad) {
		t.Errorf("a file past the limit: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ReadJSON(ctx, path, 1<<20, &jsonFile{}); !errors.Is(err, context.Canceled) || errors.As(err, &bad) {
		t.Errorf("a context done: %v", err)
	}
	// Done once the file is open: the read stops with the context's error,
	// which the decoder would have called the JSON's.
	if err := ReadJSON(&doneAfter{Context: context.Background(), n: 1}, path, 1<<20, &jsonFile{}); !errors.Is(err, context.Canceled) || errors.As(err, &bad) {
		t.Errorf("a context done while the file is read: %v", err)
	}
}

// doneAfter is a context that ends after n checks of its Err.
type doneAfter struct {
	context.Context
	n int
}

func (c *doneAfter) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

// TestReaderChecks: a file read past its limit (it grew since it was
// checked) and one whose context ends while it is read stop with those
// errors, every later read too.
func TestReaderChecks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "grown.json")
	if err := os.WriteFile(path, []byte(strings.Repeat("x", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := &reader{ctx: context.Background(), f: f, path: path, limit: 60}
	buf := make([]byte, 50)
	if m, err := r.Read(buf); m != 50 || err != nil {
		t.Fatalf("first read: %d, %v", m, err)
	}
	var tl *TooLargeError
	if m, err := r.Read(buf); m != 0 || !errors.As(err, &tl) || tl.Size != 100 || tl.Limit != 60 {
		t.Errorf("read past the limit: %d, %v", m, err)
	}
	if _, err := r.Read(buf); !errors.As(err, &tl) {
		t.Errorf("read after: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.Seek(0, io.SeekStart)
	r = &reader{ctx: ctx, f: f, path: path, limit: 1 << 20}
	if m, err := r.Read(buf); m != 50 || err != nil {
		t.Fatalf("first read: %d, %v", m, err)
	}
	cancel()
	if m, err := r.Read(buf); m != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("read after the context ended: %d, %v", m, err)
	}
}
