package lock

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/feed"

	_ "time/tzdata"
)

const base = `
calendar: {id: demo, name: Demo, timezone: Europe/Zurich, languages: [en, fr]}
tracks:
  - {id: talks, name: Talks}
  - {id: labs, name: Labs}
events:
  - {id: opening, title: Opening, start: 2016-05-02 09:00, end: 2016-05-02 10:00, location: Room A, tracks: [talks]}
  - {id: lunch, title: Lunch, start: 2016-05-02 12:00, end: 2016-05-02 13:00}
  - {id: lab, title: Lab, start: 2016-05-02 14:00, end: 2016-05-02 16:00, tracks: [labs]}
`

func load(t *testing.T, src string) *calendar.Calendar {
	t.Helper()
	cal, err := calendar.Load("events.yaml", strings.NewReader(src), calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

var (
	t0 = time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	t1 = t0.Add(time.Hour)
	t2 = t0.Add(2 * time.Hour)
	t3 = t0.Add(3 * time.Hour)
)

func stamp(t *testing.T, src string, old *File, now time.Time) (*File, []Change) {
	t.Helper()
	cal := load(t, src)
	return Stamp(cal, hashes(t, cal), old, now)
}

func TestFirstStampIsBaseline(t *testing.T) {
	f, changes := stamp(t, base, nil, t0)
	if len(changes) != 0 {
		t.Errorf("first stamp recorded %d changes, want a baseline of none", len(changes))
	}
	for id, en := range f.Events {
		if en.Sequence != 0 || !en.Modified.Equal(t0) || !strings.HasPrefix(en.Hash, "sha256:") {
			t.Errorf("%s: %+v, want SEQUENCE 0 modified %v", id, en, t0)
		}
	}
	if len(f.Events) != 3 {
		t.Errorf("%d events, want 3", len(f.Events))
	}
}

// TestEachEditRaisesSequenceOnce edits a title, a time, a room and a track:
// each raises that event's SEQUENCE by one per stamp, and nothing else moves.
func TestEachEditRaisesSequenceOnce(t *testing.T) {
	edits := []struct {
		name, from, to string
		kind           calendar.ChangeKind
	}{
		{"title", "title: Opening,", "title: Grand opening,", calendar.ChangeEdited},
		{"time", "start: 2016-05-02 09:00", "start: 2016-05-02 08:30", calendar.ChangeMoved},
		{"room", "location: Room A", "location: Room B", calendar.ChangeEdited},
		{"track", "tracks: [talks]}", "tracks: [talks, labs]}", calendar.ChangeEdited},
		{"cancel", "location: Room A,", "location: Room A, status: cancelled,", calendar.ChangeCancelled},
	}
	for _, ed := range edits {
		t.Run(ed.name, func(t *testing.T) {
			f0, _ := stamp(t, base, nil, t0)
			edited := strings.Replace(base, ed.from, ed.to, 1)
			if edited == base {
				t.Fatalf("edit %q did not apply", ed.from)
			}
			f1, changes := stamp(t, edited, f0, t1)
			if len(changes) != 1 || changes[0].Event != "opening" || changes[0].Kind != ed.kind || changes[0].Sequence != 1 {
				t.Fatalf("changes = %+v, want one %s of opening at SEQUENCE 1", changes, ed.kind)
			}
			if got := f1.Events["opening"]; got.Sequence != 1 || !got.Modified.Equal(t1) {
				t.Errorf("opening = seq %d modified %v, want 1 and %v", got.Sequence, got.Modified, t1)
			}
			for _, id := range []string{"lunch", "lab"} {
				if !entryEqual(f1.Events[id], f0.Events[id]) {
					t.Errorf("%s changed though it was not edited: %+v -> %+v", id, f0.Events[id], f1.Events[id])
				}
			}
			// Stamping again without an edit changes nothing.
			f2, changes := stamp(t, edited, f1, t2)
			if len(changes) != 0 || f2.Events["opening"].Sequence != 1 {
				t.Errorf("a second stamp without edits: changes %+v, sequence %d", changes, f2.Events["opening"].Sequence)
			}
		})
	}
}

func entryEqual(a, b Entry) bool {
	return a.Hash == b.Hash && a.Sequence == b.Sequence && a.Modified.Equal(b.Modified)
}

func TestTrackRenameIsAnEdit(t *testing.T) {
	f0, _ := stamp(t, base, nil, t0)
	_, changes := stamp(t, strings.Replace(base, "name: Talks", "name: Keynotes", 1), f0, t1)
	if len(changes) != 1 || changes[0].Event != "opening" {
		t.Errorf("renaming a track changes what its events show; changes = %+v", changes)
	}
}

func TestReorderingChangesNothing(t *testing.T) {
	f0, _ := stamp(t, base, nil, t0)
	lines := strings.Split(strings.TrimSpace(base), "\n")
	n := len(lines)
	lines[n-3], lines[n-1] = lines[n-1], lines[n-3]
	f1, changes := stamp(t, strings.Join(lines, "\n"), f0, t1)
	if len(changes) != 0 {
		t.Errorf("reordering events recorded changes: %+v", changes)
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.lock"), filepath.Join(dir, "b.lock")
	if err := f0.Write(a); err != nil {
		t.Fatal(err)
	}
	if err := f1.Write(b); err != nil {
		t.Fatal(err)
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if string(da) != string(db) {
		t.Errorf("lock file differs after reordering events")
	}
}

func TestRemovedIDContinuesSequence(t *testing.T) {
	f0, _ := stamp(t, base, nil, t0)
	edited := strings.Replace(base, "title: Lunch,", "title: Long lunch,", 1)
	f1, _ := stamp(t, edited, f0, t1) // lunch at 1
	without := strings.Replace(edited, "  - {id: lunch, title: Long lunch, start: 2016-05-02 12:00, end: 2016-05-02 13:00}\n", "", 1)
	f2, changes := stamp(t, without, f1, t2)
	if len(changes) != 1 || changes[0].Kind != calendar.ChangeRemoved || f2.Removed["lunch"].Sequence != 1 {
		t.Fatalf("removal: changes %+v, removed %+v", changes, f2.Removed)
	}
	f3, changes := stamp(t, base, f2, t2.Add(time.Hour))
	if len(changes) != 1 || changes[0].Kind != calendar.ChangeNew || f3.Events["lunch"].Sequence != 2 {
		t.Errorf("re-used id: changes %+v, sequence %d, want new at 2", changes, f3.Events["lunch"].Sequence)
	}
	if _, still := f3.Removed["lunch"]; still {
		t.Error("re-used id still listed as removed")
	}
}

func TestWriteReadLoad(t *testing.T) {
	f0, _ := stamp(t, base, nil, t0)
	edited := strings.Replace(base, "start: 2016-05-02 09:00", "start: 2016-05-02 08:30", 1)
	f1, _ := stamp(t, edited, f0, t1)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "events.yaml"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := f1.Write(Path(filepath.Join(dir, "events.yaml"))); err != nil {
		t.Fatal(err)
	}
	cal, got, err := Load(t.Context(), filepath.Join(dir, "events.yaml"), calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e := cal.Event("opening"); e.Sequence != 1 || !e.Modified.Equal(t1) {
		t.Errorf("applied opening: seq %d modified %v", e.Sequence, e.Modified)
	}
	if len(cal.Changes) != 1 || cal.Changes[0].Kind != calendar.ChangeMoved || cal.Changes[0].Start.Format("15:04") != "06:30" {
		t.Errorf("changes = %+v, want opening moved to 06:30 UTC", cal.Changes)
	}
	if pending := Pending(cal, hashes(t, cal), got); len(pending) != 0 {
		t.Errorf("Pending after stamp = %v", pending)
	}
	unstamped := load(t, base)
	pending := Pending(unstamped, hashes(t, unstamped), got)
	if strings.Join(pending, ",") != "opening" {
		t.Errorf("Pending after an unstamped edit = %v, want [opening]", pending)
	}
}

func TestReadMissingAndDamaged(t *testing.T) {
	dir := t.TempDir()
	if f, err := Read(t.Context(), filepath.Join(dir, "none.lock"), 1<<20); f != nil || err != nil {
		t.Errorf("Read(missing) = %v, %v; want nil, nil", f, err)
	}
	bad := filepath.Join(dir, "bad.lock")
	// A value of the wrong type: its place, and where in the lock it is.
	os.WriteFile(bad, []byte(`{"calfeed_lock": 1, "events": {"a": {"hash": 3}}}`), 0o644)
	if _, err := Read(t.Context(), bad, 1<<20); err == nil || !strings.Contains(err.Error(), "bad.lock:1:46: the file is damaged") || !strings.Contains(err.Error(), `"/events/a/hash"`) {
		t.Errorf("Read(damaged) = %v", err)
	}
	// A merge that left its conflict markers: the place of the first.
	os.WriteFile(bad, []byte("{\"calfeed_lock\": 2,\n \"events\": {\n<<<<<<< HEAD\n"), 0o644)
	if _, err := Read(t.Context(), bad, 1<<20); err == nil || !strings.Contains(err.Error(), "bad.lock:3:1: the file is damaged") || !strings.Contains(err.Error(), "conflict markers") {
		t.Errorf("Read(conflict markers) = %v", err)
	}
	// What follows a whole lock (markers after it, a second copy) is
	// damage too, not left unread.
	os.WriteFile(bad, []byte("{\"calfeed_lock\": 2, \"events\": {}}\n>>>>>>> theirs\n"), 0o644)
	if _, err := Read(t.Context(), bad, 1<<20); err == nil || !strings.Contains(err.Error(), "bad.lock:2:1: the file is damaged") {
		t.Errorf("Read(a lock, then more) = %v", err)
	}
	// A merge that kept both sides of an event: the second, refused (a
	// decoder that keeps the last would publish whichever came second).
	os.WriteFile(bad, []byte("{\"calfeed_lock\": 2, \"events\": {\n  \"a\": {\"hash\": \"x\", \"sequence\": 1},\n  \"a\": {\"hash\": \"y\", \"sequence\": 0}}}\n"), 0o644)
	if _, err := Read(t.Context(), bad, 1<<20); err == nil || !strings.Contains(err.Error(), "bad.lock:3:3: the file is damaged") || !strings.Contains(err.Error(), `duplicate object member name "a"`) {
		t.Errorf("Read(an event twice) = %v", err)
	}
	// A name in another case is unknown, not read as the lower-case one.
	os.WriteFile(bad, []byte(`{"calfeed_lock": 2, "events": {"a": {"Sequence": 3}}}`), 0o644)
	if _, err := Read(t.Context(), bad, 1<<20); err == nil || !strings.Contains(err.Error(), "bad.lock:1:38: the file is damaged") || !strings.Contains(err.Error(), `unknown object member name "Sequence"`) {
		t.Errorf("Read(a name in capitals) = %v", err)
	}
}

// hashes are the content hashes of cal's events, as a renderer gives them.
func hashes(t *testing.T, cal *calendar.Calendar) map[string]string {
	t.Helper()
	r, err := feed.New(cal)
	if err != nil {
		t.Fatal(err)
	}
	h, err := r.ContentHashes()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestPrivateRecorded: the lock records which events were private, in its
// entries, removals and changes, and hands it to the calendar, so that a
// removed private event's title and id stay out of the public history.
func TestPrivateRecorded(t *testing.T) {
	private := strings.Replace(base, "{id: labs, name: Labs}", "{id: labs, name: Labs, private: true}", 1)
	private = strings.Replace(private, "end: 2016-05-02 13:00}", "end: 2016-05-02 13:00, private: true}", 1)
	f, _ := stamp(t, private, nil, t0)
	for id, want := range map[string]bool{"opening": false, "lunch": true, "lab": true} {
		if f.Events[id].Private != want {
			t.Errorf("%s: private = %v, want %v", id, f.Events[id].Private, want)
		}
	}
	// The lab leaves the file; lunch is edited.
	edited := strings.Replace(private, "  - {id: lab, title: Lab, start: 2016-05-02 14:00, end: 2016-05-02 16:00, tracks: [labs]}\n", "", 1)
	edited = strings.Replace(edited, "title: Lunch,", "title: Late lunch,", 1)
	f2, changes := stamp(t, edited, f, t1)
	if len(changes) != 2 {
		t.Fatalf("changes = %+v, want lunch edited and lab removed", changes)
	}
	for _, c := range changes {
		if !c.Private {
			t.Errorf("change to %s not recorded as private", c.Event)
		}
	}
	h, err := f2.History()
	if err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.Load("events.yaml", strings.NewReader(edited), calendar.Options{History: func() *calendar.History { return h }})
	if err != nil {
		t.Fatal(err)
	}
	pub := cal.Public()
	if len(pub.Changes) != 0 || len(pub.Removed) != 0 {
		t.Errorf("public view shows changes %+v and removals %v of private events", pub.Changes, pub.Removed)
	}
	if _, ok := pub.Stamped["lab"]; ok {
		t.Error("public view lists the removed private event as stamped")
	}
	if v := cal.View(calendar.Grant{Tracks: []string{"labs"}}); len(v.Removed) != 1 {
		t.Errorf("a view granting labs shows removals %v, want lab's", v.Removed)
	}
	// Marking an event private without changing it updates the lock, not
	// its SEQUENCE.
	opened := strings.Replace(edited, "location: Room A, tracks: [talks]}", "location: Room A, tracks: [talks], private: true}", 1)
	f3, changes := stamp(t, opened, f2, t2)
	if len(changes) != 0 || !f3.Events["opening"].Private || f3.Events["opening"].Sequence != 0 {
		t.Errorf("marking opening private: changes %+v, entry %+v; want no change, private recorded", changes, f3.Events["opening"])
	}
}

// TestOwnFieldsStamped: the calendar's own fields (its name, refresh, zone,
// tracks) are recorded like an event: a baseline first, dated by the stamp
// that finds them changed, kept as they are when nothing changed; a lock
// written before they were recorded has them pending, and gets them at its
// next stamp, dated by it.
// A private track's fields are recorded beside them, and dated apart: an
// edit of them changes nothing public.
func TestOwnFieldsStamped(t *testing.T) {
	f0, _ := stamp(t, base, nil, t0)
	if f0.Calendar == nil || f0.Calendar.Hash == "" || !f0.Calendar.Modified.IsZero() {
		t.Fatalf("first stamp: calendar %+v, want its hash, undated", f0.Calendar)
	}
	if f1, _ := stamp(t, base, f0, t1); *f1.Calendar != *f0.Calendar || f1.OwnChanged(f0) {
		t.Errorf("nothing changed: calendar %+v, was %+v", f1.Calendar, f0.Calendar)
	}
	for _, edit := range []struct{ from, to string }{
		{"name: Demo", "name: Demo forum"},
		{"languages: [en, fr]}", "languages: [en, fr], refresh: 1h}"},
		{"timezone: Europe/Zurich", "timezone: Europe/Paris"},
		{"{id: labs, name: Labs}", "{id: labs, name: Labs, color: \"#C2185B\"}"},
	} {
		src := strings.Replace(base, edit.from, edit.to, 1)
		if OwnPending(load(t, base), f0) || !OwnPending(load(t, src), f0) {
			t.Errorf("%s -> %s: OwnPending does not tell the edit", edit.from, edit.to)
		}
		f1, _ := stamp(t, src, f0, t1)
		if f1.Calendar.Hash == f0.Calendar.Hash || !f1.Calendar.Modified.Equal(t1) || !f1.OwnChanged(f0) {
			t.Errorf("%s -> %s: calendar %+v, want a new hash dated %v", edit.from, edit.to, f1.Calendar, t1)
		}
		h, err := f1.History()
		if err != nil || h.Own == nil || !h.Own.Modified.Equal(t1) || h.Own.Hash != f1.Calendar.Hash {
			t.Errorf("%s -> %s: history %+v, %v", edit.from, edit.to, h.Own, err)
		}
	}
	private := strings.Replace(base, "{id: labs, name: Labs}", "{id: labs, name: Labs, private: true, description: Secret}", 1)
	fp, _ := stamp(t, private, nil, t0)
	if fp.Calendar.PrivateTracksHash == "" || !fp.Calendar.PrivateTracksModified.IsZero() {
		t.Errorf("first stamp with a private track: %+v, want its hash, undated", fp.Calendar)
	}
	if fb, _ := stamp(t, base, nil, t0); fb.Calendar.Hash == fp.Calendar.Hash {
		t.Error("a track made private leaves the public fields' hash as it was")
	}
	edited := strings.Replace(private, "description: Secret", "description: Still secret", 1)
	if !OwnPending(load(t, edited), fp) {
		t.Error("a private track's edit is not pending")
	}
	fe, _ := stamp(t, edited, fp, t1)
	if fe.Calendar.Hash != fp.Calendar.Hash || !fe.Calendar.Modified.IsZero() {
		t.Errorf("a private track's edit moved the public fields' record: %+v, was %+v", fe.Calendar, fp.Calendar)
	}
	if fe.Calendar.PrivateTracksHash == fp.Calendar.PrivateTracksHash || !fe.Calendar.PrivateTracksModified.Equal(t1) || !fe.OwnChanged(fp) {
		t.Errorf("a private track's edit: %+v, want a new private hash dated %v", fe.Calendar, t1)
	}
	if h, err := fe.History(); err != nil || h.PrivateTracks == nil || !h.PrivateTracks.Modified.Equal(t1) || !h.Own.Modified.IsZero() {
		t.Errorf("a private track's edit: history %+v and %+v, %v", h.Own, h.PrivateTracks, err)
	}
	// Removing the last private track is a change of them too; its date
	// stays while there is none.
	fr, _ := stamp(t, base, fe, t2)
	if fr.Calendar.PrivateTracksHash != "" || !fr.Calendar.PrivateTracksModified.Equal(t2) {
		t.Errorf("the private track made public: %+v, want no private hash, dated %v", fr.Calendar, t2)
	}
	if f, _ := stamp(t, base, fr, t3); !f.Calendar.PrivateTracksModified.Equal(t2) || f.OwnChanged(fr) {
		t.Errorf("nothing changed since: %+v, want the date of %v kept", f.Calendar, t2)
	}
	// A lock that has the public record but none of private tracks (as
	// written before it kept them) dates them at its next stamp.
	noPrivate := *fp
	noPrivate.Calendar = &Own{Hash: fp.Calendar.Hash}
	if !OwnPending(load(t, private), &noPrivate) {
		t.Error("a lock without the private tracks' record: not pending")
	}
	if f, _ := stamp(t, private, &noPrivate, t1); !f.Calendar.PrivateTracksModified.Equal(t1) || !f.Calendar.Modified.IsZero() {
		t.Errorf("a lock without the private tracks' record: %+v after a stamp, want them dated %v, the public fields not", f.Calendar, t1)
	}

	// A lock from before: its fields are pending, and recorded at the
	// next stamp, dated by it (whether they changed since is unknown).
	old := *f0
	old.Calendar = nil
	if !OwnPending(load(t, base), &old) {
		t.Error("a lock without the calendar's fields: not pending")
	}
	f2, _ := stamp(t, base, &old, t2)
	if f2.Calendar == nil || !f2.Calendar.Modified.Equal(t2) || !f2.OwnChanged(&old) {
		t.Errorf("a lock without the calendar's fields: %+v after a stamp, want dated %v", f2.Calendar, t2)
	}
}

// TestFormats: a lock of format 1 (before the calendar's own fields) is
// read, and stamped as format 2; one of a newer format is refused with a
// message that says to upgrade, not that it is damaged.
func TestFormats(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.yaml.lock")
	f0, _ := stamp(t, base, nil, t0)
	if f0.Version != Version || Version != 2 {
		t.Fatalf("a stamp writes format %d, the package's is %d", f0.Version, Version)
	}
	v1 := *f0
	v1.Version, v1.Calendar = 1, nil
	if err := v1.Write(path); err != nil {
		t.Fatal(err)
	}
	got, err := Read(context.Background(), path, 1<<20)
	if err != nil || got.Version != 1 || got.Calendar != nil {
		t.Fatalf("format 1: %+v, %v", got, err)
	}
	if f1, _ := stamp(t, base, got, t1); f1.Version != 2 || f1.Calendar == nil {
		t.Errorf("format 1 stamped: format %d, calendar %+v", f1.Version, f1.Calendar)
	}
	os.WriteFile(path, []byte(`{"calfeed_lock": 3, "events": {}, "whatever": true}`), 0o644)
	if _, err := Read(context.Background(), path, 1<<20); err == nil || !strings.Contains(err.Error(), "has format 3, from a newer calfeed") {
		t.Errorf("format 3: %v", err)
	}
	// A newer format with nothing this one does not know: newer still.
	os.WriteFile(path, []byte(`{"calfeed_lock": 3, "events": {}}`), 0o644)
	if _, err := Read(context.Background(), path, 1<<20); err == nil || !strings.Contains(err.Error(), "has format 3, from a newer calfeed") {
		t.Errorf("format 3, nothing unknown: %v", err)
	}
	// Its format after what this one does not know (keys sorted by a
	// tool): still newer, not damaged.
	os.WriteFile(path, []byte(`{"calendar": {"hash": "h", "id": "x", "later": 1}, "calfeed_lock": 3, "events": {}}`), 0o644)
	if _, err := Read(context.Background(), path, 1<<20); err == nil || !strings.Contains(err.Error(), "has format 3, from a newer calfeed") {
		t.Errorf("format 3, keys sorted: %v", err)
	}
	// A newer format that is not sound JSON is damaged, whatever it says.
	os.WriteFile(path, []byte("{\"calfeed_lock\": 3, \"events\": {},\n<<<<<<< HEAD\n"), 0o644)
	if _, err := Read(context.Background(), path, 1<<20); err == nil || !strings.Contains(err.Error(), ":2:1: the file is damaged") {
		t.Errorf("format 3 with conflict markers: %v", err)
	}
}

// TestRenamed: the lock records the calendar's id; a stamp after it
// changed records the new one as a change, and one that had none records
// it without calling it one.
func TestRenamed(t *testing.T) {
	f0, _ := stamp(t, base, nil, t0)
	cal := load(t, base)
	if f0.Calendar.ID != cal.ID || Renamed(cal, f0) != "" {
		t.Fatalf("first stamp: %+v; Renamed %q", f0.Calendar, Renamed(cal, f0))
	}
	src := strings.Replace(base, "id: "+cal.ID, "id: renamed", 1)
	if got := Renamed(load(t, src), f0); got != cal.ID {
		t.Fatalf("after the rename: Renamed %q, want %q", got, cal.ID)
	}
	f1, _ := stamp(t, src, f0, t1)
	if f1.Calendar.ID != "renamed" || !f1.OwnChanged(f0) || Renamed(load(t, src), f1) != "" {
		t.Errorf("stamped after the rename: %+v, OwnChanged %v", f1.Calendar, f1.OwnChanged(f0))
	}
	old := *f0
	own := *f0.Calendar
	own.ID = ""
	old.Calendar = &own
	if Renamed(load(t, src), &old) != "" {
		t.Error("a lock without the id: Renamed says it changed")
	}
	if f2, _ := stamp(t, base, &old, t1); f2.Calendar.ID != cal.ID || f2.OwnChanged(&old) {
		t.Errorf("a lock without the id, nothing changed: %+v, OwnChanged %v", f2.Calendar, f2.OwnChanged(&old))
	}
}

// TestLoadLockProblemsFirst: the lock is read while the events file is, and
// its problems still come first, as when it was read before: a damaged
// lock beside a broken events file is what Load reports; a sound lock
// beside it, the events file's problems.
func TestLoadLockProblemsFirst(t *testing.T) {
	dir := t.TempDir()
	events := filepath.Join(dir, "events.yaml")
	broken := strings.Replace(base, "start: 2016-05-02 09:00", "start: 2016-05-32 09:00", 1)
	if err := os.WriteFile(events, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(Path(events), []byte(`{"calfeed_lock": 2, "events": {"a": {"hash": 3}}}`), 0o644)
	if _, _, err := Load(t.Context(), events, calendar.Options{}); err == nil || !strings.Contains(err.Error(), "the file is damaged") {
		t.Errorf("Load(damaged lock, broken events) = %v, want the lock's problem", err)
	}
	f, _ := stamp(t, base, nil, t0)
	if err := f.Write(Path(events)); err != nil {
		t.Fatal(err)
	}
	var invalid *calendar.Error
	if _, _, err := Load(t.Context(), events, calendar.Options{}); !errors.As(err, &invalid) {
		t.Errorf("Load(sound lock, broken events) = %v, want the events file's problems", err)
	}
	// The events file gone: its error, once the lock is read (which the
	// load, stopping before its end, never asked for).
	if err := os.Remove(events); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(t.Context(), events, calendar.Options{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(sound lock, no events file) = %v, want the events file's", err)
	}
	// Both sound: the lock's history is the calendar's.
	if err := os.WriteFile(events, []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	cal, lk, err := Load(t.Context(), events, calendar.Options{})
	switch {
	case err != nil:
		t.Errorf("Load(sound lock, sound events) = %v", err)
	case lk == nil || len(cal.Stamped) != len(f.Events) || cal.OwnStamped == nil:
		t.Errorf("Load(sound lock, sound events): lock %v, stamped %d of the lock's %d", lk != nil, len(cal.Stamped), len(f.Events))
	}
}
