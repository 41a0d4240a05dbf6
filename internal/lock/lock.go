// Package lock keeps the lock file that sits next to events.yaml
// (events.yaml.lock, committed with it): each event's published content
// hash, SEQUENCE and LAST-MODIFIED, the ids of removed events, and the
// history of changes.
//
// Calendar clients take an edit only when SEQUENCE went up (RFC 5546 §2.1.4;
// Google Calendar ignores it otherwise), and re-imported single events must
// update rather than duplicate. Nobody should count by hand: `calfeed stamp`
// compares each event's content with the lock and raises SEQUENCE and
// LAST-MODIFIED of those that changed. `serve` and `build` read the lock, so
// the same pair of files always gives the same feeds.
//
// The package reads and writes the file and decides what changed; it does
// not render: the content hashes it compares come from the caller
// (feed.Renderer.ContentHashes), and the calendar gets the lock's history
// when it is loaded (Load, calendar.Options.History), not after.
package lock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"calfeed/internal/calendar"
	"calfeed/internal/safefile"
)

// Version is the lock file format this package writes. It reads every
// format from 1: format 2 added the calendar's own fields (File.Calendar),
// which calfeed 0.1.0, reading format 1 only, takes for damage.
const Version = 2

// maxChanges bounds the history kept in the lock file.
const maxChanges = 500

// File is the content of a lock file.
type File struct {
	Version int              `json:"calfeed_lock"`
	Events  map[string]Entry `json:"events"`
	// Removed remembers events that left the file, so that an id used again
	// continues its SEQUENCE instead of restarting at 0.
	Removed map[string]Entry `json:"removed,omitempty"`
	Changes []Change         `json:"changes,omitempty"` // oldest first
	// Calendar is the calendar's own fields as last stamped (see
	// calendar.Calendar.OwnHash): a change of them is dated by the stamp
	// that records it, as an event's is. Nil in a lock written before it
	// was kept; the next stamp records it.
	Calendar *Own `json:"calendar,omitempty"`
}

// Own is what the lock knows of the calendar's own fields: their hash, and
// when a stamp found them changed (zero when none has since they were
// first recorded: nothing has changed yet).
//
// The private tracks' own fields are kept apart, as PrivateTracksHash and
// PrivateTracksModified (calendar.Calendar.PrivateTracksHash): their change
// dates the feeds of secret addresses only. Both are left out while the
// calendar has no private track and never had one since it was recorded.
//
// ID is the calendar's id when it was stamped, which every event's UID
// derives from (see Renamed).
type Own struct {
	ID                    string    `json:"id,omitempty"`
	Hash                  string    `json:"hash"`
	Modified              time.Time `json:"modified,omitzero"`
	PrivateTracksHash     string    `json:"private_tracks_hash,omitempty"`
	PrivateTracksModified time.Time `json:"private_tracks_modified,omitzero"`
}

// OwnChanged reports whether f, the lock stamped after old, records the
// calendar's own fields anew: they or the calendar's id changed, or old
// had no record of them. (An id recorded where old had none is no change:
// it is written with the next one.)
func (f *File) OwnChanged(old *File) bool {
	return old == nil || old.Calendar == nil || f.Calendar == nil ||
		old.Calendar.Hash != f.Calendar.Hash || old.Calendar.PrivateTracksHash != f.Calendar.PrivateTracksHash ||
		old.Calendar.ID != "" && old.Calendar.ID != f.Calendar.ID
}

// Renamed returns the calendar id f was stamped for, when cal's differs
// from it: every event's UID (<id>@<calendar id>) changed with it, so
// subscribers' calendars see each event removed and another added, and
// the secret addresses made for the old id end. "" when it is the same,
// or f (nil, or from before it kept the id) does not say.
func Renamed(cal *calendar.Calendar, f *File) string {
	if f == nil || f.Calendar == nil || f.Calendar.ID == "" || f.Calendar.ID == cal.ID {
		return ""
	}
	return f.Calendar.ID
}

// OwnPending reports whether the calendar's own fields, its private
// tracks' included, differ from what f recorded, or f, from before they
// were recorded, has no record of them (none is pending without a lock:
// everything is).
func OwnPending(cal *calendar.Calendar, f *File) bool {
	return f != nil && (f.Calendar == nil || f.Calendar.Hash != cal.OwnHash() || f.Calendar.PrivateTracksHash != cal.PrivateTracksHash())
}

// Entry is what the lock knows of one event.
type Entry struct {
	Hash     string    `json:"hash"`
	Sequence int       `json:"sequence"`
	Modified time.Time `json:"modified"`
	Snapshot
}

// Snapshot is an event as it was published, enough to describe a change.
type Snapshot struct {
	Title  Titles   `json:"title"`
	Start  string   `json:"start"` // RFC 3339, or a date for all-day events
	End    string   `json:"end"`
	Zone   string   `json:"zone"`
	AllDay bool     `json:"all_day,omitempty"`
	Status string   `json:"status"`
	Tracks []string `json:"tracks,omitempty"`
	// Private records that the event was private (calendar.IsPrivate):
	// its changes are then shown only to those its tracks are granted to.
	Private bool `json:"private,omitempty"`
}

// Change is one recorded change.
type Change struct {
	Event    string              `json:"event"`
	Kind     calendar.ChangeKind `json:"kind"`
	At       time.Time           `json:"at"`
	Sequence int                 `json:"sequence"`
	Snapshot
}

// Path returns the lock file of an events file.
func Path(config string) string { return config + ".lock" }

// Read reads a lock file of at most limit bytes (a regular file: see
// package safefile). A missing file is no error: it returns nil.
func Read(ctx context.Context, path string, limit int64) (*File, error) {
	var f File
	err := safefile.ReadJSON(ctx, path, limit, &f)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if bad := (*safefile.JSONError)(nil); errors.As(err, &bad) {
		// A newer format may hold what this one does not know, and is not
		// damaged for it: sound JSON whose format, wherever it stands (a
		// tool that sorts keys puts it after "calendar"), is newer.
		var format struct {
			Version int `json:"calfeed_lock"`
		}
		var syntax *jsontext.SyntacticError
		if !errors.As(err, &syntax) && safefile.ReadJSONLoose(ctx, path, limit, &format) == nil && format.Version > Version {
			return nil, newerFormat(path, format.Version)
		}
		return nil, fmt.Errorf("lock: %s: the file is damaged (%v); mend it there (a merge left conflict markers? keep the lock of the side that was published and run calfeed stamp: docs/operations.md), restore it from version control, or, as a last resort, delete it and run calfeed stamp (every SEQUENCE restarts at 0, which calendars holding a higher one ignore)", bad.Place, bad.Err)
	}
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if f.Version > Version {
		return nil, newerFormat(path, f.Version)
	}
	if f.Version < 1 {
		return nil, fmt.Errorf("lock: %s has format %d; this calfeed reads formats 1 to %d", path, f.Version, Version)
	}
	return &f, nil
}

// newerFormat is the error of a lock at path of a format newer than this
// calfeed reads: not damage, and upgrading reads it.
func newerFormat(path string, format int) error {
	return fmt.Errorf("lock: %s has format %d, from a newer calfeed; this one reads formats 1 to %d: upgrade calfeed", path, format, Version)
}

// Write writes f to path atomically: a reader sees the old file or the new,
// never part of one.
func (f *File) Write(path string) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	data = append(data, '\n')
	if err := safefile.WriteAtomic(path, data, 0o644); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	return nil
}

// MaxSize is the largest lock file read for an events file read with
// opts: the same limit as the events file's.
func MaxSize(opts calendar.Options) int64 {
	if opts.MaxSize > 0 {
		return opts.MaxSize
	}
	return calendar.DefaultMaxSize
}

// Load reads the lock file of the events file at path, if any, and the
// events file with the history it records (calendar.Options.History). It
// is how serve, build and check read a calendar. The lock is decoded
// while the events file loads (a 100,000-event calendar's lock is 52 MB:
// 0.3 s on a core the load's serial parts leave idle); its problems still
// come first, as when it was read before.
func Load(ctx context.Context, path string, opts calendar.Options) (*calendar.Calendar, *File, error) {
	type lockRead struct {
		f   *File
		h   *calendar.History
		err error
	}
	done, limit := make(chan lockRead, 1), MaxSize(opts)
	go func() {
		f, err := Read(ctx, Path(path), limit)
		var h *calendar.History
		if err == nil {
			h, err = f.History()
		}
		done <- lockRead{f, h, err}
	}()
	read := sync.OnceValue(func() lockRead { return <-done })
	opts.History = func() *calendar.History { return read().h }
	cal, err := calendar.ReadFile(ctx, path, opts)
	lk := read() // also when the load stopped before it asked
	if lk.err != nil {
		return nil, nil, lk.err
	}
	if err != nil {
		return nil, nil, err
	}
	return cal, lk.f, nil
}

// History is what f records, as calendar.Load takes it; nil for a nil f.
func (f *File) History() (*calendar.History, error) {
	if f == nil {
		return nil, nil
	}
	h := &calendar.History{
		Revisions: make(map[string]calendar.Revision, len(f.Events)),
		Removed:   make(map[string]time.Time, len(f.Removed)),
		Changes:   make([]calendar.Change, 0, len(f.Changes)),
	}
	for id, en := range f.Events {
		h.Revisions[id] = calendar.Revision{Sequence: en.Sequence, Modified: en.Modified, Hash: en.Hash}
	}
	for id := range f.Removed {
		h.Removed[id] = time.Time{}
	}
	for _, entries := range []map[string]Entry{f.Events, f.Removed} {
		for id, en := range entries {
			if en.Private {
				if h.Private == nil {
					h.Private = map[string][]string{}
				}
				h.Private[id] = en.Tracks
			}
		}
	}
	if f.Calendar != nil {
		h.Own = &calendar.Revision{Hash: f.Calendar.Hash, Modified: f.Calendar.Modified}
		if f.Calendar.PrivateTracksHash != "" || !f.Calendar.PrivateTracksModified.IsZero() {
			h.PrivateTracks = &calendar.Revision{Hash: f.Calendar.PrivateTracksHash, Modified: f.Calendar.PrivateTracksModified}
		}
	}
	for _, c := range f.Changes {
		ch, err := c.change()
		if err != nil {
			return nil, err
		}
		h.Changes = append(h.Changes, ch)
		if _, gone := h.Removed[c.Event]; gone && c.Kind == calendar.ChangeRemoved {
			h.Removed[c.Event] = c.At // the newest removal: changes are oldest first
		}
	}
	return h, nil
}

// change is c as a calendar holds it.
func (c Change) change() (calendar.Change, error) {
	ch := calendar.Change{
		EventID:  c.Event,
		Kind:     c.Kind,
		At:       c.At,
		Sequence: c.Sequence,
		Title:    c.Title.Text(),
		AllDay:   c.AllDay,
		Tracks:   c.Tracks,
		Private:  c.Private,
	}
	if c.Kind == calendar.ChangeRemoved {
		return ch, nil
	}
	loc, err := time.LoadLocation(c.Zone)
	if err == nil {
		ch.Location = loc
		ch.Start, err = parseTime(c.Start, c.AllDay)
	}
	if err == nil {
		ch.End, err = parseTime(c.End, c.AllDay)
	}
	if err != nil {
		return ch, fmt.Errorf("lock: change to %q: %w", c.Event, err)
	}
	return ch, nil
}

// Pending lists the ids of events whose published content differs from
// what the lock recorded (new, edited and removed events): what the next
// stamp would change. hashes are the content hashes of cal's events, by
// id (feed.Renderer.ContentHashes).
func Pending(cal *calendar.Calendar, hashes map[string]string, f *File) []string {
	var ids []string
	for _, e := range cal.Events {
		if f == nil || f.Events[e.ID].Hash != hashes[e.ID] {
			ids = append(ids, e.ID)
		}
	}
	if f != nil {
		for id := range f.Events {
			if cal.Event(id) == nil {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// Stamp compares cal with the lock old (nil when there is none yet) and
// returns the new lock and the changes it records. An event whose content
// changed gets SEQUENCE + 1 and LAST-MODIFIED now; an unchanged one keeps
// its entry exactly. The first stamp of a calendar records every event at
// SEQUENCE 0 as a baseline, with no changes: nothing has changed yet.
// hashes are the content hashes of cal's events, by id
// (feed.Renderer.ContentHashes).
func Stamp(cal *calendar.Calendar, hashes map[string]string, old *File, now time.Time) (*File, []Change) {
	now = now.UTC().Truncate(time.Second)
	baseline := old == nil
	if old == nil {
		old = &File{}
	}
	f := &File{
		Version: Version,
		Events:  make(map[string]Entry, len(cal.Events)),
		Removed: map[string]Entry{},
		Changes: slices.Clone(old.Changes),
	}
	for id, en := range old.Removed {
		f.Removed[id] = en
	}
	var changes []Change
	for _, e := range cal.Events {
		h := hashes[e.ID]
		snap := snapshot(cal, e)
		prev, known := old.Events[e.ID]
		switch {
		case known && prev.Hash == h:
			prev.Private = snap.Private // not content subscribers see, but who may see its changes
			f.Events[e.ID] = prev
			continue
		case known:
			f.Events[e.ID] = Entry{Hash: h, Sequence: prev.Sequence + 1, Modified: now, Snapshot: snap}
			changes = append(changes, Change{Event: e.ID, Kind: kindOf(prev.Snapshot, snap), At: now, Sequence: prev.Sequence + 1, Snapshot: snap})
		default:
			seq := 0
			if gone, ok := old.Removed[e.ID]; ok {
				seq = gone.Sequence + 1 // the id comes back: continue, never restart
				delete(f.Removed, e.ID)
			}
			modified := now
			if baseline && !e.Updated.IsZero() {
				modified = e.Updated // the data's own time stands until the first real change
			}
			f.Events[e.ID] = Entry{Hash: h, Sequence: seq, Modified: modified, Snapshot: snap}
			if !baseline {
				changes = append(changes, Change{Event: e.ID, Kind: calendar.ChangeNew, At: now, Sequence: seq, Snapshot: snap})
			}
		}
	}
	var removed []string
	for id := range old.Events {
		if _, still := f.Events[id]; !still {
			removed = append(removed, id)
		}
	}
	slices.Sort(removed)
	for _, id := range removed {
		en := old.Events[id]
		f.Removed[id] = en
		changes = append(changes, Change{Event: id, Kind: calendar.ChangeRemoved, At: now, Sequence: en.Sequence, Snapshot: Snapshot{Title: en.Title, Tracks: en.Tracks, Private: en.Private}})
	}
	f.Calendar = stampOwn(cal, old, baseline, now)
	f.Changes = append(f.Changes, changes...)
	if len(f.Changes) > maxChanges {
		f.Changes = f.Changes[len(f.Changes)-maxChanges:]
	}
	if len(f.Removed) == 0 {
		f.Removed = nil
	}
	return f, changes
}

// stampOwn is what a stamp at now records of cal's own fields, old being
// the lock before it; baseline is true for a first stamp.
func stampOwn(cal *calendar.Calendar, old *File, baseline bool, now time.Time) *Own {
	own, private := cal.OwnHash(), cal.PrivateTracksHash()
	switch {
	case baseline:
		return &Own{ID: cal.ID, Hash: own, PrivateTracksHash: private} // a baseline, as the first stamp's events are
	case old.Calendar == nil:
		// A lock from before they were recorded: whether they changed
		// since its last stamp is unknown, so they are dated now (a
		// calendar revalidating by date fetches each feed once more).
		o := &Own{ID: cal.ID, Hash: own, Modified: now, PrivateTracksHash: private}
		if private != "" {
			o.PrivateTracksModified = now
		}
		return o
	}
	o := *old.Calendar
	o.ID = cal.ID // a new id dates nothing itself: every event's UID, in its content, changed with it
	if o.Hash != own {
		o.Hash, o.Modified = own, now
	}
	// A lock that recorded no private tracks, beside a calendar that has
	// some, dates them too: they are new, or were there before the lock
	// kept them, and either way unknown to it.
	if o.PrivateTracksHash != private {
		o.PrivateTracksHash, o.PrivateTracksModified = private, now
	}
	return &o
}

// kindOf classifies a change from the snapshots before and after.
func kindOf(before, after Snapshot) calendar.ChangeKind {
	switch {
	case after.Status == string(calendar.Cancelled) && before.Status != string(calendar.Cancelled):
		return calendar.ChangeCancelled
	case before.Start != after.Start || before.End != after.End || before.Zone != after.Zone:
		return calendar.ChangeMoved
	default:
		return calendar.ChangeEdited
	}
}

func snapshot(cal *calendar.Calendar, e *calendar.Event) Snapshot {
	return Snapshot{
		Private: cal.IsPrivate(e),
		Title:   titles(e.Title),
		Start:   formatTime(e.Start, e.AllDay),
		End:     formatTime(e.End, e.AllDay),
		Zone:    e.Location.String(),
		AllDay:  e.AllDay,
		Status:  string(e.Status),
		Tracks:  e.Tracks,
	}
}

func formatTime(t time.Time, allDay bool) string {
	if allDay {
		return t.Format(time.DateOnly)
	}
	return t.UTC().Format(time.RFC3339)
}

func parseTime(s string, allDay bool) (time.Time, error) {
	if allDay {
		return time.Parse(time.DateOnly, s)
	}
	return time.Parse(time.RFC3339, s)
}

// Missing returns the ids of the events f publishes (stamped and not
// removed) that cal lacks, sorted; nil for a nil f.
func (f *File) Missing(cal *calendar.Calendar) []string {
	if f == nil {
		return nil
	}
	var ids []string
	for id := range f.Events {
		if cal.Event(id) == nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}
