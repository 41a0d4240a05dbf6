// Package token keeps the secret addresses of a calendar's private tracks:
// the tokens file next to the events file (events.yaml.tokens), written by
// `calfeed token` and read by the server.
//
// A token is 256 random bits, URL-safe; the file keeps only its SHA-256
// hash, with the name it was given, what it grants and when it was made. A
// token shown once is never shown again: whoever has the file can list and
// revoke the tokens, not use them. Lookup compares a presented token with
// every hash in constant time. A file records the calendar its tokens were
// made for, and grants nothing to another (see File.For).
package token

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"calfeed/internal/calendar"
	"calfeed/internal/safefile"
)

// Version is the format of the tokens file this package writes and reads.
const Version = 1

// MaxSize is the largest tokens file read: ample for thousands of tokens.
const MaxSize = 4 << 20

// File is the tokens file of one events file.
type File struct {
	Version int `json:"version"`
	// Calendar is the id of the calendar the tokens were made for (empty in
	// a file written before calfeed recorded it): they grant its private
	// tracks and no other calendar's, should another one take over the
	// events file (see For).
	Calendar string  `json:"calendar,omitempty"`
	Tokens   []Token `json:"tokens"`

	sums [][sha256.Size]byte // each token's hash, decoded once (see Lookup)
}

// Token is one secret address, as the file keeps it.
type Token struct {
	Name string `json:"name"`
	// Hash is "sha256:" and the hex SHA-256 of the token.
	Hash string `json:"hash"`
	// All grants every private track and event; else Tracks grants the
	// private events of those tracks.
	All     bool      `json:"all,omitempty"`
	Tracks  []string  `json:"tracks,omitempty"`
	Created time.Time `json:"created"`
}

// Grant is what the token shows besides the public calendar.
func (t Token) Grant() calendar.Grant { return calendar.Grant{All: t.All, Tracks: t.Tracks} }

// Path returns the tokens file of an events file.
func Path(config string) string { return config + ".tokens" }

// Read reads a tokens file (a regular file: see package safefile). A
// missing file is no error: it returns nil, a calendar with no tokens.
func Read(ctx context.Context, path string) (*File, error) {
	var f File
	err := safefile.ReadJSON(ctx, path, MaxSize, &f)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if bad := (*safefile.JSONError)(nil); errors.As(err, &bad) {
		return nil, fmt.Errorf("tokens: %s: the file is damaged (%v); mend it there, restore it from a backup, or delete it and add the tokens again (their addresses change)", bad.Place, bad.Err)
	}
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	if f.Version != Version {
		return nil, fmt.Errorf("tokens: %s has format %d; this calfeed reads format %d", path, f.Version, Version)
	}
	seen, hashes := map[string]bool{}, map[string]string{}
	for i, t := range f.Tokens {
		if other, ok := hashes[t.Hash]; ok {
			return nil, fmt.Errorf("tokens: %s: tokens %q and %q have the same hash, so revoking one would leave its address open; remove one, or revoke both and add them again", path, other, t.Name)
		}
		hashes[t.Hash] = t.Name
		if err := checkName(t.Name); err != nil {
			return nil, fmt.Errorf("tokens: %s: token %d: %w", path, i+1, err)
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("tokens: %s: the name %q is given twice; names must be unique", path, t.Name)
		}
		seen[t.Name] = true
		if _, ok := parseHash(t.Hash); !ok {
			return nil, fmt.Errorf("tokens: %s: token %q: hash must be sha256: and 64 hex digits", path, t.Name)
		}
		if !t.All && len(t.Tracks) == 0 {
			return nil, fmt.Errorf("tokens: %s: token %q grants nothing: give it tracks or all", path, t.Name)
		}
	}
	f.decode()
	return &f, nil
}

// decode decodes the hashes of f's tokens for Lookup.
func (f *File) decode() { f.sums = sumsOf(f.Tokens) }

func sumsOf(tokens []Token) [][sha256.Size]byte {
	sums := make([][sha256.Size]byte, len(tokens))
	for i, t := range tokens {
		h, _ := parseHash(t.Hash)
		copy(sums[i][:], h)
	}
	return sums
}

// For returns f if its tokens were made for the calendar id (or the file
// does not say), else nil: a calendar that took over another's events
// file does not take over its secret addresses.
func (f *File) For(id string) *File {
	if f == nil || f.Calendar == "" || f.Calendar == id {
		return f
	}
	return nil
}

// Write writes f to path atomically (a server watching it reads the old
// file or the new), readable by its owner only.
func (f *File) Write(path string) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("tokens: %w", err)
	}
	if err := safefile.WriteAtomic(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("tokens: %w", err)
	}
	return nil
}

// tokenBytes is the randomness of a token: 256 bits, twice the least that
// makes guessing hopeless.
const tokenBytes = 32

// encoding writes tokens with URL-safe characters only, no padding.
var encoding = base64.RawURLEncoding

// maxTokenLen is the longest string Lookup hashes; a token is shorter.
var maxTokenLen = encoding.EncodedLen(tokenBytes)

// Add makes a new token with the given name and grant for the calendar
// id, records its hash in f (a nil f is an empty file: use the result) and
// returns the token, the only time it is ever seen. A name already in f is
// refused, and so is a file made for another calendar.
func (f *File) Add(id, name string, g calendar.Grant, now time.Time) (*File, string, error) {
	if err := checkName(name); err != nil {
		return f, "", err
	}
	if !g.All && len(g.Tracks) == 0 {
		return f, "", errors.New("a token must grant tracks or all")
	}
	if f == nil {
		f = &File{Version: Version}
	}
	if f.For(id) == nil {
		return f, "", fmt.Errorf("the tokens file was made for the calendar %q, and this events file now holds %q: "+
			"its addresses grant nothing here; move the tokens file to %q's events file, or delete it (its addresses end) and add tokens anew", f.Calendar, id, f.Calendar)
	}
	f.Calendar = id
	if f.index(name) >= 0 {
		return f, "", fmt.Errorf("a token named %q exists; revoke it first or choose another name", name)
	}
	raw := make([]byte, tokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return f, "", fmt.Errorf("tokens: %w", err)
	}
	tok := encoding.EncodeToString(raw)
	t := Token{Name: name, Hash: hashOf(tok), All: g.All, Created: now.UTC().Truncate(time.Second)}
	if !g.All {
		t.Tracks = slices.Clone(g.Tracks)
	}
	f.Tokens = append(f.Tokens, t)
	f.decode()
	return f, tok, nil
}

// Revoke removes the token with the given name, reporting whether there
// was one.
func (f *File) Revoke(name string) bool {
	i := f.index(name)
	if i < 0 {
		return false
	}
	f.Tokens = slices.Delete(f.Tokens, i, i+1)
	f.decode()
	return true
}

func (f *File) index(name string) int {
	if f == nil {
		return -1
	}
	return slices.IndexFunc(f.Tokens, func(t Token) bool { return t.Name == name })
}

// Lookup returns the token whose hash is that of tok. The hash of tok is
// compared with every hash in the file, in constant time, whether or not
// one matched before: how long it takes says nothing of which hash, or how
// much of one, matched.
func (f *File) Lookup(tok string) (Token, bool) {
	if f == nil || len(tok) == 0 || len(tok) > maxTokenLen {
		return Token{}, false
	}
	sums := f.sums
	if len(sums) != len(f.Tokens) {
		sums = sumsOf(f.Tokens) // a File not made by Read or Add
	}
	sum := sha256.Sum256([]byte(tok))
	found := -1
	for i := range sums {
		if subtle.ConstantTimeCompare(sums[i][:], sum[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Token{}, false
	}
	return f.Tokens[found], true
}

func hashOf(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func parseHash(s string) ([]byte, bool) {
	hexed, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(hexed) != 2*sha256.Size {
		return nil, false
	}
	h, err := hex.DecodeString(hexed)
	return h, err == nil
}

// checkName accepts a name a person can read in a list: 1 to 64
// characters, no control characters, no surrounding spaces.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("a token needs a name (-name), such as the group it is for")
	case !utf8.ValidString(name) || utf8.RuneCountInString(name) > 64:
		return fmt.Errorf("the name %q is too long: at most 64 characters", name)
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("the name %q starts or ends with a space", name)
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Errorf("the name %q has a control character", name)
	}
	return nil
}

// Check reports what in f does not fit cal: a grant of a track cal lacks,
// or of a track with nothing private (a token for it shows only what is
// public), or of everything private in a calendar with nothing private.
// Each message names the token; none is fatal.
func (f *File) Check(cal *calendar.Calendar) []string {
	if f == nil {
		return nil
	}
	if f.For(cal.ID) == nil {
		return []string{fmt.Sprintf("the tokens file was made for the calendar %q, but the events file now holds %q: "+
			"none of its %d secret addresses is served; move it to %q's events file, or delete it and add tokens anew", f.Calendar, cal.ID, len(f.Tokens), f.Calendar)}
	}
	var out []string
	if f.Calendar == "" && len(f.Tokens) > 0 {
		out = append(out, fmt.Sprintf("the tokens file records no calendar (an older calfeed wrote it): should another calendar take over this events file, its tokens would open that one too; the next calfeed token add records %q", cal.ID))
	}
	for _, t := range f.Tokens {
		if t.All {
			if !cal.HasPrivate() {
				out = append(out, fmt.Sprintf("token %q grants every private track, but the calendar has nothing private: mark tracks or events private: true", t.Name))
			}
			continue
		}
		for _, id := range t.Tracks {
			if msg := GrantProblem(cal, id); msg != "" {
				out = append(out, fmt.Sprintf("token %q: %s", t.Name, msg))
			}
		}
	}
	return out
}

// GrantProblem says why granting the track id of cal shows nothing
// private, or "" when it shows something.
func GrantProblem(cal *calendar.Calendar, id string) string {
	tr := cal.Track(id)
	if tr == nil {
		var ids []string
		for _, t := range cal.Tracks {
			ids = append(ids, t.ID)
		}
		return fmt.Sprintf("the calendar has no track %q (tracks: %s)", id, strings.Join(ids, ", "))
	}
	if tr.Private {
		return ""
	}
	for _, e := range cal.EventsIn(id) {
		if cal.IsPrivate(e) {
			return ""
		}
	}
	return fmt.Sprintf("track %q is public and has no private event: its events are on the public feeds already; mark the track or its events private: true", id)
}
