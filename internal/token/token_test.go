package token

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"calfeed/internal/calendar"
)

var now = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

func TestAddLookupRevoke(t *testing.T) {
	f, board, err := (*File)(nil).Add("forum", "bureau", calendar.Grant{Tracks: []string{"board"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	f, all, err := f.Add("forum", "staff", calendar.Grant{All: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{board, all} {
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(tok) {
			t.Errorf("token %q is not 43 URL-safe characters", tok)
		}
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw) < 16 {
			t.Errorf("token %q carries %d bytes (%v), want at least 128 bits", tok, len(raw), err)
		}
	}
	if board == all {
		t.Fatal("two tokens are the same")
	}
	if got, ok := f.Lookup(board); !ok || got.Name != "bureau" || got.All || len(got.Tracks) != 1 {
		t.Errorf("Lookup(bureau's token) = %+v, %v", got, ok)
	}
	if got, ok := f.Lookup(all); !ok || !got.Grant().All {
		t.Errorf("Lookup(staff's token) = %+v, %v", got, ok)
	}
	for _, wrong := range []string{"", board[:42], board + "A", strings.ToUpper(board), strings.Repeat("A", 43), strings.Repeat("x", 10000)} {
		if _, ok := f.Lookup(wrong); ok {
			t.Errorf("Lookup(%.50q) found a token", wrong)
		}
	}
	if _, _, err := f.Add("forum", "staff", calendar.Grant{All: true}, now); err == nil {
		t.Error("a second token named staff was accepted")
	}
	if !f.Revoke("bureau") || f.Revoke("bureau") {
		t.Error("Revoke(bureau) should succeed once")
	}
	if _, ok := f.Lookup(board); ok {
		t.Error("a revoked token still found")
	}
	if _, ok := f.Lookup(all); !ok {
		t.Error("revoking one token lost another")
	}
}

func TestWriteRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.yaml.tokens")
	if f, err := Read(context.Background(), path); f != nil || err != nil {
		t.Fatalf("Read(missing) = %v, %v; want no file, no error", f, err)
	}
	f, tok, err := (*File)(nil).Add("forum", "bureau", calendar.Grant{Tracks: []string{"board", "staff"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Write(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), tok) {
		t.Error("the tokens file holds the token itself")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("tokens file mode %v, want 0600", fi.Mode().Perm())
	}
	back, err := Read(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := back.Lookup(tok)
	if !ok || got.Name != "bureau" || !got.Created.Equal(now) || strings.Join(got.Tracks, ",") != "board,staff" {
		t.Errorf("read back %+v, %v", got, ok)
	}
}

func TestReadDamaged(t *testing.T) {
	dir := t.TempDir()
	hash := "sha256:" + strings.Repeat("ab", 32)
	for name, tc := range map[string]struct{ body, want string }{
		"not json":    {"tokens: yes", ":1:2: the file is damaged"},
		"unknown key": {`{"version":1,"tokens":[],"extra":1}`, "unknown object member name \"extra\""},
		"version":     {`{"version":2,"tokens":[]}`, "has format 2"},
		"bad hash":    {`{"version":1,"tokens":[{"name":"a","hash":"md5:00","all":true}]}`, "hash must be sha256"},
		"no grant":    {`{"version":1,"tokens":[{"name":"a","hash":"` + hash + `"}]}`, "grants nothing"},
		"twice":       {`{"version":1,"tokens":[{"name":"a","hash":"` + hash + `","all":true},{"name":"a","hash":"` + hash + `","all":true}]}`, "have the same hash"},
		"no name":     {`{"version":1,"tokens":[{"name":"","hash":"` + hash + `","all":true}]}`, "a token needs a name"},
		// An old copy and the file after a revocation, put together: the
		// decoder would read the first and let the revoked token live.
		"a key in capitals": {`{"version":1,"tokens":[{"name":"a","hash":"` + hash + `","ALL":true,"tracks":["x"]}]}`, "unknown object member name \"ALL\""},
		// The second would make the token sound, if it were taken.
		"a key twice":    {`{"version":1,"tokens":[{"name":"a","hash":"` + hash + `","all":false,"all":true}]}`, "duplicate object member name \"all\""},
		"one hash twice": {`{"version":1,"tokens":[{"name":"a","hash":"` + hash + `","all":true},{"name":"b","hash":"` + hash + `","tracks":["x"]}]}`, "tokens \"a\" and \"b\" have the same hash"},
		"two files":      {`{"version":1,"tokens":[{"name":"a","hash":"` + hash + `","all":true}]}` + "\n" + `{"version":1,"tokens":[]}`, ":2:1: the file is damaged"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
			t.Fatal(err)
		}
		if f, err := Read(context.Background(), path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Read = %v, %v; want an error naming the file and saying %s", name, f, err, tc.want)
		}
	}
}

func TestNames(t *testing.T) {
	for _, bad := range []string{"", " lead", "tab\there", strings.Repeat("n", 65)} {
		if _, _, err := (*File)(nil).Add("forum", bad, calendar.Grant{All: true}, now); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	for _, good := range []string{"Bureau", "主席团", strings.Repeat("n", 64)} {
		if _, _, err := (*File)(nil).Add("forum", good, calendar.Grant{All: true}, now); err != nil {
			t.Errorf("name %q refused: %v", good, err)
		}
	}
	if _, _, err := (*File)(nil).Add("forum", "nothing", calendar.Grant{}, now); err == nil {
		t.Error("a token granting nothing was accepted")
	}
}

func TestCheck(t *testing.T) {
	cal, err := calendar.Load("c.yaml", strings.NewReader(`calendar: {id: c, name: C, timezone: UTC, languages: [en]}
tracks:
  - {id: board, name: Board, private: true}
  - {id: gender, name: Gender}
  - {id: open, name: Open}
events:
  - {id: a, title: A, start: 2026-05-01T09:00, end: 2026-05-01T10:00, tracks: [gender], private: true}
  - {id: b, title: B, start: 2026-05-01T09:00, end: 2026-05-01T10:00, tracks: [open]}
`), calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &File{Version: Version, Calendar: "c", Tokens: []Token{
		{Name: "ok", Tracks: []string{"board", "gender"}},
		{Name: "all", All: true},
		{Name: "stale", Tracks: []string{"gone", "open"}},
	}}
	got := f.Check(cal)
	if len(got) != 2 || !strings.Contains(got[0], `"stale"`) || !strings.Contains(got[0], `no track "gone"`) || !strings.Contains(got[1], `track "open" is public`) {
		t.Errorf("Check = %q, want the stale token's two tracks", got)
	}
	// A file an older calfeed wrote records no calendar: said first.
	f.Calendar = ""
	if got := f.Check(cal); len(got) != 3 || !strings.Contains(got[0], "records no calendar") {
		t.Errorf("Check of a file without a calendar = %q", got)
	}
}

// TestBoundToCalendar: a tokens file records the calendar its tokens were
// made for and grants nothing to another that takes over its events file;
// a file written before it recorded one grants as before.
func TestBoundToCalendar(t *testing.T) {
	path := filepath.Join(t.TempDir(), "forum.yaml.tokens")
	f, tok, err := (*File)(nil).Add("forum", "bureau", calendar.Grant{All: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Write(path); err != nil {
		t.Fatal(err)
	}
	f, err = Read(context.Background(), path)
	if err != nil || f.Calendar != "forum" {
		t.Fatalf("Read: calendar %q, %v; want forum", f.Calendar, err)
	}
	if _, ok := f.For("forum").Lookup(tok); !ok {
		t.Error("the token is not found for its own calendar")
	}
	if _, ok := f.For("hr2027").Lookup(tok); ok {
		t.Error("the token is found for another calendar")
	}
	if _, _, err := f.Add("hr2027", "staff", calendar.Grant{All: true}, now); err == nil || !strings.Contains(err.Error(), `made for the calendar "forum"`) {
		t.Errorf("adding a token for another calendar: %v", err)
	}
	hr := calendar.Calendar{ID: "hr2027"}
	if msgs := f.Check(&hr); len(msgs) != 1 || !strings.Contains(msgs[0], "none of its 1 secret addresses is served") {
		t.Errorf("Check for another calendar: %q", msgs)
	}

	// A file without a calendar: as before, and the next add records it.
	legacy := filepath.Join(t.TempDir(), "old.tokens")
	data := `{"version": 1, "tokens": [{"name": "old", "hash": "` + hashOf(tok) + `", "all": true, "created": "2026-01-01T00:00:00Z"}]}`
	if err := os.WriteFile(legacy, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	old, err := Read(context.Background(), legacy)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := old.For("anything").Lookup(tok); !ok {
		t.Error("a file without a calendar grants nothing")
	}
	if old, _, err = old.Add("forum", "new", calendar.Grant{All: true}, now); err != nil || old.Calendar != "forum" {
		t.Errorf("add to a file without a calendar: %q, %v", old.Calendar, err)
	}
}
