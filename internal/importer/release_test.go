package importer

import (
	"os"
	"runtime"
	"testing"
	"weak"
)

// TestParsedFormReleased: once an .ics import has made its events, the
// VEVENTs as parsed are no longer reachable from the import, so that a
// large file's parsed form and its events are not all held at once.
func TestParsedFormReleased(t *testing.T) {
	data, err := os.ReadFile("testdata/google.ics")
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Now: now}
	if err := opts.check(); err != nil {
		t.Fatal(err)
	}
	ns := newNotes("google.ics")
	root := parseICS(data, ns)
	var seen []weak.Pointer[component]
	for _, c := range root.children {
		if c.name == "VEVENT" {
			seen = append(seen, weak.Make(c))
		}
	}
	im := &icsImport{opts: opts, ns: ns, root: root, source: "google.ics", ids: newIDs(), tracks: newTrackSet(opts.Lang), now: now()}
	root = nil
	if _, err := im.run(); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	for i, w := range seen {
		if w.Value() != nil {
			t.Errorf("VEVENT %d of %d is still reachable after the import", i+1, len(seen))
		}
	}
	runtime.KeepAlive(im)
}
