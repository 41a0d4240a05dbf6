package importer

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"calfeed/internal/calendar"
)

// csvKeys are the columns a spreadsheet may have: events.yaml's keys.
var csvKeys = []string{"id", "uid", "title", "start", "end", "duration", "timezone", "location", "url", "online", "tracks", "status", "private", "description", "updated"}

// textKeys may be given per language: title.en, title.fr.
var textKeys = []string{"title", "location", "description"}

// column is one column of the header.
type column struct {
	key, lang string // lang is "" for a column without language
	index     int
}

// CSV imports a spreadsheet saved as CSV (UTF-8, with or without a byte
// order mark; comma- or semicolon-separated): a header row naming columns
// as events.yaml names keys, text columns per language as title.en, and
// one event per row. A row with a problem is left out, each problem noted
// as SOURCE:ROW:COLUMN, like `calfeed check`.
func CSV(source string, data []byte, opts Options) (*Result, error) {
	guess := opts.Lang == ""
	if err := opts.check(); err != nil {
		return nil, err
	}
	ns := newNotes(source)
	data = bytes.TrimPrefix(data, bom)
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s is not UTF-8: save the spreadsheet as \"CSV UTF-8\"", source)
	}
	comma, skip := separator(data)
	r := csv.NewReader(bytes.NewReader(data[skip:]))
	r.Comma = comma
	r.FieldsPerRecord = -1
	lineOffset := bytes.Count(data[:skip], []byte("\n"))
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: no header row: %v", source, err)
	}
	rows, err := readRows(r, len(header), lineOffset, ns)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if h, converted, ok := exportColumns(header, rows, ns, 1+lineOffset); ok {
		header, rows = h, converted
	}
	if guess {
		// The texts of the title column that names no language (else of
		// the description and location columns that name none), as far
		// as a thousand rows: those a header names (title.zh) are in
		// theirs, and a bare title beside a title.en is often the other
		// language.
		// The titles say it when there is a title column without a
		// language: a location is often a venue's name in Latin letters
		// ("Geneva CICG") whatever the programme's language.
		var titles, others []int
		for i, h := range header {
			switch strings.ToLower(strings.TrimSpace(h)) {
			case "title":
				titles = append(titles, i)
			case "description", "location":
				others = append(others, i)
			}
		}
		if len(titles) == 0 {
			titles = others
		}
		var texts []string
		for _, row := range rows[:min(len(rows), 1000)] {
			for _, i := range titles {
				if i < len(row.cells) {
					texts = append(texts, row.cells[i])
				}
			}
		}
		if lang, name := guessLanguage(texts); lang != "" {
			opts.Lang = lang
			languageNote(ns, lang, name)
		}
	}
	cols, langs, err := columns(header, opts.Lang, ns, 1+lineOffset)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	ci := &csvImport{ns: ns, opts: opts, cols: cols, ids: newIDs(), tracks: newTrackSet(langs[0]), uids: map[string]int{}}
	zone, err := ci.zone(rows)
	if err != nil {
		return &Result{Notes: ns.sorted()}, fmt.Errorf("%s: %w", source, err)
	}
	name := firstOf(opts.Name, fileStem(source), "Imported calendar")
	if opts.Name == "" {
		nameNote(ns, name)
	}
	id := firstOf(opts.CalendarID, slug(name), slug(fileStem(source)), "calendar")
	if opts.CalendarID == "" && slug(name) == "" {
		idNote(ns, id, name)
	}
	ci.doc = &doc{
		id: id, name: name, zone: zone, languages: langs,
		header: []string{
			fmt.Sprintf("Imported by `calfeed import` from %s.", source),
			"Check it with `calfeed check`; see docs/import.md.",
		},
	}
	for _, row := range rows {
		ci.row(row)
	}
	for _, id := range ci.order {
		ci.doc.tracks = append(ci.doc.tracks, ci.tracks.byID[id])
	}
	return finish(ci.doc, ns, source)
}

// readRows reads the rows after the header, leaving out empty ones. A
// row with more cells than the header (of width cells) is noted; a cell
// the CSV reader cannot read ends the file, with a note.
func readRows(r *csv.Reader, width, lineOffset int, ns *notes) ([]csvRow, error) {
	var rows []csvRow
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			ns.add(pe.Line+lineOffset, pe.Column, "%v; the rest of the file is not read (a quote inside a cell must be doubled: \"\")", pe.Err)
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		line, _ := r.FieldPos(0)
		if slices.IndexFunc(rec, func(s string) bool { return strings.TrimSpace(s) != "" }) < 0 {
			continue // an empty row
		}
		rows = append(rows, csvRow{rec, line + lineOffset})
		if len(rec) > width && strings.TrimSpace(strings.Join(rec[width:], "")) != "" {
			ns.add(line+lineOffset, width+1, "the row has %d cells, the header %d: the cells past the header are ignored", len(rec), width)
		}
	}
}

// separator finds the cell separator: a "sep=;" line (Excel writes it),
// else the one of comma and semicolon the header has more of outside
// quotes. skip is the length of a sep= line.
func separator(data []byte) (comma rune, skip int) {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	first = bytes.TrimSuffix(first, []byte("\r"))
	if s := string(first); strings.HasPrefix(strings.ToLower(s), "sep=") && len(s) == 5 {
		return rune(s[4]), len(first) + 1 + min(1, bytes.Count(data[:len(first)+1], []byte("\r")))
	}
	commas, semis, quoted := 0, 0, false
	for _, c := range first {
		switch {
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			commas++
		case c == ';' && !quoted:
			semis++
		}
	}
	if semis > commas {
		return ';', 0
	}
	return ',', 0
}

// columns reads the header: each column's key and language, and the
// calendar's languages (lang first when a column has no language).
func columns(header []string, lang string, ns *notes, line int) (cols []column, langs []string, err error) {
	seen := map[string]int{}
	plainText := false
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if name == "" {
			continue
		}
		key, l, hasLang := strings.Cut(name, ".")
		switch {
		case !slices.Contains(csvKeys, key):
			ns.add(line, i+1, "column %q is not an events.yaml key; ignored (the columns calfeed reads: %s, and title.LANG for a language)", h, strings.Join(csvKeys, ", "))
			continue
		case hasLang && !slices.Contains(textKeys, key):
			return nil, nil, fmt.Errorf("%d:%d: column %q: only %s may be given per language", line, i+1, h, strings.Join(textKeys, ", "))
		case hasLang && !calendar.IsLanguage(l):
			return nil, nil, fmt.Errorf("%d:%d: column %q: %q is not a language code like \"en\" or \"pt-BR\"", line, i+1, h, l)
		}
		if prev, dup := seen[name]; dup {
			return nil, nil, fmt.Errorf("%d:%d: column %q repeats column %d", line, i+1, h, prev)
		}
		seen[name] = i + 1
		if hasLang {
			if !slices.Contains(langs, l) {
				langs = append(langs, l)
			}
		} else if slices.Contains(textKeys, key) {
			plainText = true
		}
		cols = append(cols, column{key: key, lang: l, index: i})
	}
	hasTitle := slices.ContainsFunc(cols, func(c column) bool { return c.key == "title" })
	hasStart := slices.ContainsFunc(cols, func(c column) bool { return c.key == "start" })
	if !hasTitle || !hasStart {
		return nil, nil, fmt.Errorf("%d: the header row needs a title column (or title.en...) and a start column; it has %q", line, strings.Join(header, ", "))
	}
	// A column with no language is in lang: beside a column named in lang
	// for the same key, one of the two would be lost.
	for _, key := range textKeys {
		bare, named := seen[key], seen[key+"."+lang]
		if bare > 0 && named > 0 {
			return nil, nil, fmt.Errorf("%d:%d: columns %q and %q are both read as %s, and one would be lost: name the language of column %d (%s.LANG, LANG being its language's code, such as en or fr), or give -lang with it", line, bare, header[bare-1], header[named-1], lang, bare, key)
		}
	}
	if plainText || len(langs) == 0 {
		langs = append([]string{lang}, slices.DeleteFunc(langs, func(s string) bool { return s == lang })...)
	}
	return cols, langs, nil
}

// csvImport is one import of a CSV file.
type csvImport struct {
	ns     *notes
	opts   Options
	cols   []column
	doc    *doc
	ids    *ids
	tracks *trackSet
	order  []string       // the ids of the tracks of the events imported, as first named
	uids   map[string]int // the UIDs of the events imported, each its own and its default, to the row's line
}

type csvRow struct {
	cells []string
	line  int
}

// cell returns a row's cell of a column, trimmed.
func (r csvRow) cell(c column) string {
	if c.index >= len(r.cells) {
		return ""
	}
	return strings.TrimSpace(r.cells[c.index])
}

// zone is the calendar's zone: -timezone, else the zone most rows name.
// Without either, times in the file cannot be placed: an error, unless
// every event is all-day.
func (ci *csvImport) zone(rows []csvRow) (string, error) {
	if ci.opts.Timezone != "" {
		return ci.opts.Timezone, nil
	}
	counts := map[string]int{}
	timed := false
	for _, row := range rows {
		for _, c := range ci.cols {
			switch v := row.cell(c); {
			case c.key == "timezone" && v != "":
				if _, err := loadZone(v); err == nil {
					counts[v]++
				}
			case c.key == "start" && strings.Contains(v, ":"):
				timed = true
			}
		}
	}
	best := ""
	for z, n := range counts {
		if n > counts[best] || n == counts[best] && z < best {
			best = z
		}
	}
	switch {
	case best != "":
		return best, nil
	case timed:
		return "", errors.New("no time zone for its times: give one with -timezone (like -timezone Europe/Zurich), or a timezone column")
	}
	return "UTC", nil
}

// row imports one row, or notes its problems and leaves it out.
func (ci *csvImport) row(row csvRow) {
	e := ci.event(row)
	if !ci.complete(e, row) || !ci.loads(e) || !ci.ownUID(e, row) {
		return
	}
	for _, id := range e.tracks {
		if !slices.Contains(ci.order, id) {
			ci.order = append(ci.order, id)
		}
	}
	ci.doc.events = append(ci.doc.events, e)
	if e.uid != "" {
		ci.uids[e.uid] = e.at.line
	}
	if _, ok := ci.uids[e.id+"@"+ci.doc.id]; !ok {
		ci.uids[e.id+"@"+ci.doc.id] = e.at.line
	}
}

// event reads a row's cells as events.yaml's keys; a text without a
// language is in the calendar's first.
func (ci *csvImport) event(row csvRow) *event {
	e := &event{at: pos{row.line, 0}}
	texts := map[string]*text{"title": &e.title, "location": &e.location, "description": &e.description}
	values := map[string]*string{"id": &e.id, "uid": &e.uid, "start": &e.start, "end": &e.end, "duration": &e.duration, "timezone": &e.timezone, "url": &e.url, "online": &e.online, "updated": &e.updated}
	for _, c := range ci.cols {
		v := row.cell(c)
		if v == "" {
			continue
		}
		if _, ok := e.fields.get(c.key); !ok {
			e.fields.set(c.key, pos{row.line, c.index + 1})
		}
		switch {
		case texts[c.key] != nil:
			*texts[c.key] = addText(*texts[c.key], firstOf(c.lang, ci.doc.languages[0]), v)
		case values[c.key] != nil:
			*values[c.key] = v
		case c.key == "private":
			switch strings.ToLower(v) {
			case "true", "yes", "1":
				e.private = true
			case "false", "no", "0":
			default:
				e.private = true // in doubt, not published
				ci.ns.add(row.line, c.index+1, "private: %q is neither true nor false; read as true, so that only secret addresses show the event", v)
			}
		case c.key == "status":
			e.status = strings.ToLower(v)
			if e.status == "canceled" {
				e.status = "cancelled"
			}
		case c.key == "tracks":
			for _, name := range strings.Split(v, ";") {
				if name = strings.TrimSpace(name); name != "" {
					if id := ci.tracks.id(name); !slices.Contains(e.tracks, id) {
						e.tracks = append(e.tracks, id)
					}
				}
			}
		}
	}
	return e
}

// complete reports whether a row has a title and a start, and gives its
// event an id: its own unless an earlier row has it, else one made from
// its title. It notes what is wrong.
func (ci *csvImport) complete(e *event, row csvRow) bool {
	switch {
	case e.title.empty():
		ci.ns.add(row.line, 0, "row has no title; not imported")
		return false
	case e.start == "":
		ci.ns.add(row.line, e.where("start").col, "row has no start; not imported")
		return false
	case e.id == "":
		e.id = ci.ids.claim(firstOf(titleSlug(e.title, ci.doc.languages), "event"))
	case ci.ids.has(e.id):
		ci.ns.add(row.line, e.where("id").col, "id %q is taken by an earlier row; ids must be unique: row not imported", e.id)
		return false
	default:
		ci.ids.take(e.id)
	}
	return true
}

// isoQuoted is a message quoting a value written as yyyy-mm-dd.
var isoQuoted = regexp.MustCompile(`"\d{4}-\d{2}-\d{2}[ T"]`)

// loads reports whether the event loads as `calfeed check` reads it;
// if not, it notes each problem at its cell and frees the event's id.
func (ci *csvImport) loads(e *event) bool {
	_, problems := ci.doc.trial(e)
	if problems == nil {
		return true
	}
	for _, p := range problems {
		at := p.at
		if at.line == 0 {
			at = e.at
		}
		msg := p.msg
		if strings.Contains(msg, "is not a date") && !isoQuoted.MatchString(msg) {
			// A spreadsheet's own date format (5/2/16 9:00), not a
			// date written right that does not exist (2026-02-30).
			msg += " (format the column as text, or as yyyy-mm-dd hh:mm)"
		}
		ci.ns.add(at.line, at.col, "%s; row not imported", msg)
	}
	ci.ids.free(e.id)
	return false
}

// ownUID leaves out a uid: that is the event's default, and reports
// whether the event's UID, the uid: given or its default (id@calendar),
// is its own: not an earlier row's, with a note. A row left out frees its
// id.
func (ci *csvImport) ownUID(e *event, row csvRow) bool {
	def := e.id + "@" + ci.doc.id
	if e.uid == def {
		e.uid = ""
	}
	line, taken := ci.uids[cmp.Or(e.uid, def)]
	switch {
	case !taken:
		return true
	case e.uid != "":
		ci.ns.add(row.line, e.where("uid").col, "uid %q is the UID of row %d's event: row not imported", e.uid, line)
	default:
		ci.ns.add(row.line, e.where("id").col, "the UID the event would have, %q (its id at the calendar's), is the uid of row %d's event: give the row a uid of its own, or another id; row not imported", def, line)
	}
	ci.ids.free(e.id)
	return false
}

func addText(t text, lang, s string) text {
	return t.with(lang, clean(s))
}

// titleSlug is the id made from the first of t's texts, in langs' order,
// that gives one: a Chinese title beside an English one gives the
// English one's.
func titleSlug(t text, langs []string) string {
	for _, l := range langs {
		if s, _ := t.in(l); slug(s) != "" {
			return slug(s)
		}
	}
	return ""
}

// firstText returns the text in the first language that has one.
func firstText(t text, langs []string) string {
	for _, l := range langs {
		if s, _ := t.in(l); s != "" {
			return s
		}
	}
	return ""
}
