package server

import (
	"bytes"
	"crypto/sha1"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/web"
)

// maxAtomEntries bounds /changes.atom: readers want the recent changes.
const maxAtomEntries = 100

// Atom (RFC 4287) documents. encoding/xml escapes every text and attribute.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID       string       `xml:"id"`
	Title    string       `xml:"title"`
	Updated  string       `xml:"updated"`
	Links    []atomLink   `xml:"link,omitempty"`
	Category atomCategory `xml:"category"`
	Content  atomContent  `xml:"content"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomContent struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

// handleChanges serves GET /changes.atom: the schedule changes `calfeed
// stamp` recorded, newest first, for all events or ?tracks=a,b. People who
// follow a conference learn of a moved session here hours before Google
// Calendar refreshes their subscription.
func (s *Server) handleChanges(w http.ResponseWriter, r *http.Request) {
	st := s.state.Load()
	q, err := query(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	lang := st.langOf(q.Get("lang"))
	var tracks []string
	if list := q.Get("tracks"); list != "" {
		ids, err := st.trackIDs(list)
		if err != nil {
			s.error(w, r, err)
			return
		}
		tracks = ids
	}
	base := s.baseURL(r)
	// Rendered once per language, choice of tracks and base URL, and
	// compressed once, for the first client that accepts gzip.
	k := cacheKey{kind: kindAtom, name: strings.Join(tracks, ","), lang: lang, page: pageKey{base: base}}
	res, err := st.cache.getOrRender(k, "", func() (*resource, error) {
		body, updated := st.atom(base, lang, tracks, false)
		return bodyResource(body, updated, st.atomHeaders(), true), nil
	})
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.varyOnBase(w.Header())
	s.serve(w, r, res)
}

// atomHeaders are the headers of the changes feed.
func (st *state) atomHeaders() http.Header {
	return http.Header{
		"Content-Type":                {"application/atom+xml; charset=utf-8"},
		"Cache-Control":               st.feedHeaders["Cache-Control"],
		"Access-Control-Allow-Origin": {"*"},
		"X-Content-Type-Options":      {"nosniff"},
	}
}

// atom renders the changes feed and returns it with its newest time. Its
// links are a server's, or with static those of a static site's files
// (calfeed build).
func (st *state) atom(base, lang string, tracks []string, static bool) ([]byte, time.Time) {
	cal := st.cal
	w := changeWordsFor(lang)
	def := lang == cal.Languages[0]
	self, page := base+"/changes.atom", web.PageURL(cal, base, lang, "")
	event := func(id string) string {
		if def {
			return base + "/events/" + id + ".ics"
		}
		return base + "/events/" + id + ".ics?lang=" + lang // a language of the calendar: [a-z-] only
	}
	if static {
		self, page = base+"/"+web.StaticFeed(cal, "changes.atom", lang), web.StaticPageURL(cal, base, lang, "")
		event = func(id string) string { return base + "/" + web.StaticFeed(cal, "events/"+id+".ics", lang) }
	}
	var query []string
	if !def && !static {
		query = append(query, "lang="+lang)
	}
	name := cal.Name.In(lang)
	if len(tracks) > 0 {
		query = append(query, "tracks="+strings.Join(tracks, ","))
		names := make([]string, len(tracks))
		for i, id := range tracks {
			names[i] = cal.Track(id).Name.In(lang)
		}
		name += " · " + strings.Join(names, ", ")
	}
	if len(query) > 0 {
		self += "?" + strings.Join(query, "&")
	}
	f := atomFeed{
		Lang:   lang,
		ID:     urn(cal.ID, "changes", strings.Join(tracks, ",")),
		Title:  name + " · " + w.title,
		Links:  []atomLink{{Rel: "self", Type: "application/atom+xml", Href: self}, {Rel: "alternate", Type: "text/html", Href: page}},
		Author: atomAuthor{Name: cal.Name.In(lang)},
	}
	updated := cal.Updated
	for i := len(cal.Changes) - 1; i >= 0 && len(f.Entries) < maxAtomEntries; i-- {
		c := cal.Changes[i]
		if len(tracks) > 0 && !slices.ContainsFunc(c.Tracks, func(id string) bool { return slices.Contains(tracks, id) }) {
			continue
		}
		if c.At.After(updated) {
			updated = c.At
		}
		title := c.Title.In(lang)
		if title == "" {
			title = c.EventID
		}
		e := atomEntry{
			ID:       urn(cal.ID, c.EventID, fmt.Sprint(c.Sequence), string(c.Kind), c.At.Format(time.RFC3339)),
			Title:    w.kinds[c.Kind] + title,
			Updated:  c.At.UTC().Format(time.RFC3339),
			Category: atomCategory{Term: string(c.Kind)},
			Content:  atomContent{Type: "text", Text: changeText(c, w)},
		}
		if cal.Event(c.EventID) != nil {
			e.Links = []atomLink{{Rel: "alternate", Type: "text/calendar", Href: event(c.EventID)}}
		}
		f.Entries = append(f.Entries, e)
	}
	if updated.IsZero() {
		updated = time.Unix(0, 0)
	}
	f.Updated = updated.UTC().Format(time.RFC3339)
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	enc.Encode(f) // encoding these structs to a buffer does not fail
	buf.WriteByte('\n')
	return buf.Bytes(), updated
}

// changeText describes an event's time after a change, in its own zone.
func changeText(c calendar.Change, w changeWords) string {
	switch {
	case c.Kind == calendar.ChangeRemoved:
		return w.removed
	case c.AllDay:
		last := c.End.AddDate(0, 0, -1)
		if last.Equal(c.Start) {
			return w.when + c.Start.Format("2006-01-02")
		}
		return w.when + c.Start.Format("2006-01-02") + " – " + last.Format("2006-01-02")
	default:
		s, e := c.Start.In(c.Location), c.End.In(c.Location)
		end := e.Format("15:04")
		if e.YearDay() != s.YearDay() || e.Year() != s.Year() {
			end = e.Format("2006-01-02 15:04")
		}
		return fmt.Sprintf("%s%s – %s (%s, UTC%s)", w.when, s.Format("2006-01-02 15:04"), end, c.Location, s.Format("-07:00"))
	}
}

// urn makes a stable Atom id (RFC 4287 §4.2.6) from its parts: a name-based
// UUID (RFC 9562 §5.5), the same on every server.
func urn(parts ...string) string {
	sum := sha1.Sum([]byte("calfeed:" + strings.Join(parts, "\x00")))
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

// changeWords are the words of the changes feed.
type changeWords struct {
	title   string
	when    string
	removed string
	kinds   map[calendar.ChangeKind]string
}

func changeWordsFor(lang string) changeWords {
	base, _, _ := strings.Cut(lang, "-")
	switch base {
	case "zh":
		return changeWords{"日程变更", "时间：", "此活动已从日程中删除。", map[calendar.ChangeKind]string{
			calendar.ChangeNew: "新增：", calendar.ChangeMoved: "时间变更：", calendar.ChangeEdited: "已更新：",
			calendar.ChangeCancelled: "已取消：", calendar.ChangeRemoved: "已删除："}}
	case "fr":
		return changeWords{"modifications du programme", "Quand : ", "Cet événement a été retiré du programme.", map[calendar.ChangeKind]string{
			calendar.ChangeNew: "Nouveau : ", calendar.ChangeMoved: "Déplacé : ", calendar.ChangeEdited: "Modifié : ",
			calendar.ChangeCancelled: "Annulé : ", calendar.ChangeRemoved: "Retiré : "}}
	case "es":
		return changeWords{"cambios del programa", "Cuándo: ", "Este evento se retiró del programa.", map[calendar.ChangeKind]string{
			calendar.ChangeNew: "Nuevo: ", calendar.ChangeMoved: "Cambio de hora: ", calendar.ChangeEdited: "Actualizado: ",
			calendar.ChangeCancelled: "Cancelado: ", calendar.ChangeRemoved: "Retirado: "}}
	case "ru":
		return changeWords{"изменения программы", "Когда: ", "Это мероприятие удалено из программы.", map[calendar.ChangeKind]string{
			calendar.ChangeNew: "Новое: ", calendar.ChangeMoved: "Перенесено: ", calendar.ChangeEdited: "Изменено: ",
			calendar.ChangeCancelled: "Отменено: ", calendar.ChangeRemoved: "Удалено: "}}
	case "ar":
		return changeWords{"تغييرات البرنامج", "الموعد: ", "أزيلت هذه الفعالية من البرنامج.", map[calendar.ChangeKind]string{
			calendar.ChangeNew: "جديد: ", calendar.ChangeMoved: "تغيير الموعد: ", calendar.ChangeEdited: "تحديث: ",
			calendar.ChangeCancelled: "ملغى: ", calendar.ChangeRemoved: "أزيل: "}}
	default:
		return changeWords{"schedule changes", "When: ", "This event was removed from the programme.", map[calendar.ChangeKind]string{
			calendar.ChangeNew: "New: ", calendar.ChangeMoved: "Moved: ", calendar.ChangeEdited: "Updated: ",
			calendar.ChangeCancelled: "Cancelled: ", calendar.ChangeRemoved: "Removed: "}}
	}
}
