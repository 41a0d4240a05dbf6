package importer

import (
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxIDLen is the longest id calfeed accepts.
const maxIDLen = 100

// slugLen is how long a derived id may grow before it is cut at a hyphen:
// ids are typed in URLs and read in YAML.
const slugLen = 48

// slug makes an id from s: lower-case ASCII letters and digits, the
// common accented letters without their accents, anything else a hyphen,
// at most slugLen characters, cut at a hyphen where it can be. It returns
// "" when nothing of s is left (a title in Chinese, for one).
func slug(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(s) {
		if f, ok := folded[r]; ok {
			b.WriteString(f)
			hyphen = false
			continue
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			hyphen = false
			continue
		}
		if r == '\'' || r == '’' {
			continue // "women's" -> "womens"
		}
		if !hyphen && b.Len() > 0 {
			b.WriteByte('-')
			hyphen = true
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > slugLen {
		cut := out[:slugLen]
		if i := strings.LastIndexByte(cut, '-'); i >= slugLen/2 {
			cut = cut[:i]
		}
		out = strings.Trim(cut, "-")
	}
	return out
}

// folded spells accented Latin letters without their accents.
var folded = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th"}
	for base, letters := range map[string]string{
		"a": "àáâãäåāăą", "c": "çćĉċč", "d": "ď", "e": "èéêëēĕėęě", "g": "ĝğġģ", "h": "ĥħ",
		"i": "ìíîïĩīĭįı", "j": "ĵ", "k": "ķ", "l": "ĺļľŀ", "n": "ñńņňŉ", "o": "òóôõöōŏő",
		"r": "ŕŗř", "s": "śŝşšș", "t": "ţťŧț", "u": "ùúûüũūŭůűų", "w": "ŵ", "y": "ýÿŷ", "z": "źżž",
	} {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()

// ids hands out unique ids, deterministically: the first to ask for an id
// gets it, the next ones a numbered variant (-2, -3...).
type ids struct {
	taken map[string]bool
	// next is, for a base claimed before, an N such that every base-N'
	// for N' from 2 below N is taken: where its next claim starts looking,
	// so that many events of one title are not each checked against all
	// the others. free forgets it.
	next map[string]int
}

// newIDs returns ids with taken already taken.
func newIDs(taken ...string) *ids {
	s := &ids{taken: map[string]bool{}, next: map[string]int{}}
	for _, id := range taken {
		s.taken[id] = true
	}
	return s
}

// has reports whether id is taken.
func (s *ids) has(id string) bool { return s.taken[id] }

// take takes id.
func (s *ids) take(id string) { s.taken[id] = true }

// free gives id back: a claim may return it again.
func (s *ids) free(id string) {
	delete(s.taken, id)
	clear(s.next)
}

// claim returns base, or base-N for the smallest N from 2 that is free.
func (s *ids) claim(base string) string {
	if base == "" {
		base = "event"
	}
	id := base
	n := 2
	if s.taken[id] {
		n = max(n, s.next[base])
	}
	for ; s.taken[id]; n++ {
		suffix := "-" + itoa(n)
		b := base
		if len(b)+len(suffix) > maxIDLen {
			b = strings.TrimRight(b[:maxIDLen-len(suffix)], "-")
		}
		id = b + suffix
	}
	s.next[base] = n
	s.taken[id] = true
	return id
}

func itoa(n int) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		if n /= 10; n == 0 {
			break
		}
	}
	return string(buf[i:])
}

// trackSet gives the categories of an import their tracks: names that
// differ only in case are one track, and each track gets an id of its own
// that is never "all" (the feed of every event). Tracks and events have
// ids of their own kinds.
type trackSet struct {
	lang   string            // the language of the names
	byName map[string]*track // by lower-case name
	byID   map[string]*track
	ids    *ids // the tracks' ids, and "all" (the feed of every track)
}

func newTrackSet(lang string) *trackSet {
	return &trackSet{lang: lang, byName: map[string]*track{}, byID: map[string]*track{}, ids: newIDs("all")}
}

// id returns the id of the track called name, making the track when the
// import names it first.
func (ts *trackSet) id(name string) string {
	key := strings.ToLower(name)
	if t, ok := ts.byName[key]; ok {
		return t.id
	}
	t := &track{id: ts.ids.claim(firstOf(slug(name), "track")), name: text{{ts.lang, name}}}
	ts.byName[key] = t
	ts.byID[t.id] = t
	return t.id
}

// sorted returns every track, by id.
func (ts *trackSet) sorted() []*track {
	return slices.SortedFunc(maps.Values(ts.byID), func(a, b *track) int { return strings.Compare(a.id, b.id) })
}

// uidLocal returns the part of a UID before its last "@", and the domain
// after it ("" when there is none).
func uidLocal(uid string) (local, domain string) {
	if i := strings.LastIndexByte(uid, '@'); i > 0 {
		return uid[:i], uid[i+1:]
	}
	return uid, ""
}

// validUID reports whether calfeed accepts uid as it is (see
// calendar's uid:): printable, on one line, at most 255 octets.
func validUID(uid string) bool {
	if strings.TrimSpace(uid) == "" || len(uid) > 255 || !utf8.ValidString(uid) {
		return false
	}
	return !strings.ContainsFunc(uid, func(r rune) bool { return !unicode.IsPrint(r) })
}
