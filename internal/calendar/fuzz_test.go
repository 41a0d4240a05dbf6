package calendar

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzLoad feeds the loader any bytes: it must return an error or a valid
// calendar, never panic or hang, and every problem must have a place.
//
//	go test ./internal/calendar -run '^$' -fuzz FuzzLoad -fuzztime 10m
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	files = append(files, "../../events.yaml")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"))
	f.Add([]byte("calendar: {id: x, name: y, timezone: UTC}\nevents: [{id: e, title: t, start: 2016-03-13 02:30, duration: 1h, timezone: America/New_York}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		cal, err := Load("fuzz.yaml", bytes.NewReader(data), Options{})
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Errorf("Load took %v on %d bytes", elapsed, len(data))
		}
		var le *Error
		switch {
		case err == nil && cal == nil:
			t.Fatal("nil calendar and nil error")
		case err != nil && !errors.As(err, &le):
			t.Fatalf("Load error is %T, want *Error: %v", err, err)
		case err != nil:
			if len(le.Problems) == 0 {
				t.Fatal("*Error with no problem")
			}
			for _, p := range le.Problems {
				if p.File != "fuzz.yaml" || p.Msg == "" {
					t.Fatalf("problem without a place or message: %+v", p)
				}
			}
		default:
			for _, e := range cal.Events {
				if e.ID == "" || e.Title.IsZero() || !e.End.After(e.Start) || e.Location == nil {
					t.Fatalf("loaded an invalid event: %+v", e)
				}
			}
		}
	})
}
