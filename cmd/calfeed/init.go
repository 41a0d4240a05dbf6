package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/server"
)

// initTemplate is the events file init writes: one language, two tracks,
// three events (timed, all-day, weekly), each key explained where it is.
var initTemplate = template.Must(template.New("init").Parse(`# events.yaml: the calendar calfeed publishes. Edit it, then:
#   calfeed check          every problem at once, as FILE:LINE:COL
#   calfeed stamp          records what changed, so that calendars take the change
#   calfeed serve          the subscribe page at http://localhost:8080/
# Every key is described in docs/events-yaml.md, in calfeed's source repository.

calendar:
  # Part of every event's UID: choose it once, never change it.
  id: {{.ID}}
  # The calendar's name in subscribers' apps.
  name: {{.T.Name}}
  description: {{.T.Description}}
  # The IANA zone of times that name none.
  timezone: {{.Zone}}
  # More languages, such as [{{.Lang}}, {{.Other}}]? Then write each text as {{"{"}}{{.Lang}}: …, {{.Other}}: …{{"}"}}.
  languages: [{{.Lang}}]{{if .English}}
  # The sample texts below are in English: write yours in {{.Lang}}.{{end}}
  # How often subscribers' apps look for changes.
  refresh: 6h

# Themes: each has a feed of its own, tracks/ID.ics.
tracks:
  - id: talks
    name: {{.T.Talks}}
    color: "#1565C0"        # quoted: # starts a YAML comment
  - id: workshops
    name: {{.T.Workshops}}
    color: "#2E7D32"

events:
  # The id is unique and never reused: the event's UID is opening-talk@{{.ID}}.
  - id: opening-talk
    title: {{.T.Opening}}
    description: |
      {{.T.About}}
      {{.T.Breaks}}
    start: {{.Talk}} 10:00    # a wall-clock time in the calendar's zone
    end: {{.Talk}} 11:00      # or: duration: 1h
    location: {{.T.Hall}}
    url: https://example.org/opening
    tracks: [talks]

  # A date alone is an all-day event; its end is the last day, inclusive.
  - id: open-day
    title: {{.T.OpenDay}}
    start: {{.Day}}
    end: {{.Day}}
    tracks: [talks, workshops]

  # Every Wednesday for eight weeks. An event may name its own timezone.
  - id: weekly-workshop
    title: {{.T.Workshop}}
    start: {{.Workshop}} 18:00
    duration: 2h
    timezone: {{.Zone}}
    tracks: [workshops]
    repeat:
      freq: weekly          # daily, weekly, monthly or yearly
      count: 8              # or: until: {{.Until}}
`))

// runInit writes a small, commented events.yaml to start from.
func runInit(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "events.yaml", "file to write; an existing file is never overwritten")
	zone := fs.String("timezone", "", "IANA time zone of the events (default: this machine's, else UTC)")
	lang := fs.String("lang", "en", "language of the calendar's texts (the sample's are written in it for en, zh, fr, es, ar and ru)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: calfeed init [-o events.yaml] [-timezone ZONE] [-lang en]

Writes a small events.yaml to start from: one language, two tracks and three
events (timed, all-day, weekly) in the coming weeks, each key explained in a
comment. It never overwrites a file. Then: calfeed check, calfeed serve.

`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkArgs(fs, stderr, 0, "", "give the file to write with -o "+fs.Arg(0)); err != nil {
		return err
	}
	if !calendar.IsLanguage(*lang) {
		fmt.Fprintf(stderr, "calfeed init: -lang %q is not a language code such as en, zh or pt-BR\n", *lang)
		return errUsage
	}
	loc := time.UTC
	switch {
	case *zone != "":
		l, err := time.LoadLocation(*zone)
		if err != nil || *zone == "Local" {
			fmt.Fprintf(stderr, "calfeed init: -timezone %q is not an IANA time zone%s; give one such as Europe/Paris\n", *zone, calendar.ZoneHint(*zone))
			return errUsage
		}
		loc = l
	case strings.Contains(time.Local.String(), "/"):
		loc = time.Local
	}
	data := initData(now().In(loc), loc, *lang)
	data.ID = initID(*out)
	var buf bytes.Buffer
	if err := initTemplate.Execute(&buf, data); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	// What it writes must be a valid calendar: check it as check would.
	if _, err := calendar.Load(*out, bytes.NewReader(buf.Bytes()), calendar.Options{}); err != nil {
		return fmt.Errorf("init: the sample calendar is invalid (a bug): %w", err)
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, iofs.ErrExist) {
		fmt.Fprintf(stderr, "calfeed init: %s exists; it was left as it is (give another file with -o)\n", *out)
		return errInvalid
	}
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("init: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	fmt.Fprintf(stdout, "%s: a calendar of 3 events in 2 tracks, in %s\nNext: calfeed check %s, then calfeed serve -config %s\n", *out, loc, *out, *out)
	return ctx.Err()
}

// initValues are what the template fills in.
type initValues struct {
	ID, Zone                   string
	Lang, Other                string // the calendar's language; another, for the comment on adding one
	T                          initTexts
	English                    bool // the texts are English, not Lang's
	Talk, Day, Workshop, Until string
}

// initTexts are the sample calendar's texts in one language.
type initTexts struct {
	Name, Description, Talks, Workshops   string
	Opening, About, Breaks, Hall, OpenDay string
	Workshop                              string
}

// initTranslations are the sample's texts in the languages of calfeed's
// own pages; a calendar in another language gets the English ones, and a
// comment asking for its own.
var initTranslations = map[string]initTexts{
	"en": {"My calendar", "Talks and workshops, with one feed for each.", "Talks", "Workshops",
		"Opening talk", "What this calendar is for, and how to subscribe.", "Line breaks are kept.", "Main hall", "Open day",
		"Weekly workshop"},
	"zh": {"我的日历", "讲座和工作坊，各有一个日历源。", "讲座", "工作坊",
		"开幕讲座", "这个日历的用途，以及如何订阅。", "换行会保留。", "主会场", "开放日",
		"每周工作坊"},
	"fr": {"Mon agenda", "Conférences et ateliers, chacun avec son flux.", "Conférences", "Ateliers",
		"Conférence d'ouverture", "À quoi sert cet agenda, et comment s'y abonner.", "Les retours à la ligne sont gardés.", "Grande salle", "Journée portes ouvertes",
		"Atelier hebdomadaire"},
	"es": {"Mi calendario", "Charlas y talleres, cada uno con su canal.", "Charlas", "Talleres",
		"Charla inaugural", "Para qué sirve este calendario y cómo suscribirse.", "Los saltos de línea se conservan.", "Sala principal", "Jornada de puertas abiertas",
		"Taller semanal"},
	"ar": {"تقويمي", "محاضرات وورش عمل، لكل منها موجز.", "محاضرات", "ورش عمل",
		"المحاضرة الافتتاحية", "الغرض من هذا التقويم، وكيفية الاشتراك فيه.", "تُحفظ فواصل الأسطر.", "القاعة الرئيسية", "اليوم المفتوح",
		"ورشة العمل الأسبوعية"},
	"ru": {"Мой календарь", "Доклады и мастер-классы, у каждого своя лента.", "Доклады", "Мастер-классы",
		"Вступительный доклад", "Для чего этот календарь и как на него подписаться.", "Переносы строк сохраняются.", "Главный зал", "День открытых дверей",
		"Еженедельный мастер-класс"},
}

// initData dates the sample events in the coming weeks: the talk next
// Monday, the open day the Saturday after, the workshop each Wednesday.
func initData(now time.Time, loc *time.Location, lang string) initValues {
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	monday := day.AddDate(0, 0, (8-int(day.Weekday()))%7)
	if !monday.After(day) {
		monday = monday.AddDate(0, 0, 7)
	}
	primary, _, _ := strings.Cut(lang, "-")
	other := "fr"
	if primary == other {
		other = "en"
	}
	texts, ok := initTranslations[primary]
	if !ok {
		texts = initTranslations["en"]
	}
	return initValues{
		ID: defaultInitID, Lang: lang, Other: other, Zone: loc.String(), T: texts, English: !ok,
		Talk:     monday.Format(time.DateOnly),
		Day:      monday.AddDate(0, 0, 5).Format(time.DateOnly),
		Workshop: monday.AddDate(0, 0, 2).Format(time.DateOnly),
		Until:    monday.AddDate(0, 0, 2+7*7).Format(time.DateOnly),
	}
}

// defaultInitID is the calendar id init gives events.yaml.
const defaultInitID = "my-calendar"

// initID is the calendar id for a new file: its name, made an id
// (forum.yaml: forum), so that the calendars init writes into one folder
// differ; events.yaml, or a name that makes no id a folder can serve,
// gives defaultInitID.
func initID(file string) string {
	base := strings.ToLower(strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)))
	var b strings.Builder
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	id := strings.TrimRight(b.String(), "-")
	cal := calendar.Calendar{ID: id}
	if id == "" || id == "events" || len(id) > 48 || server.ReservedIDProblem(file, &cal) != "" {
		return defaultInitID
	}
	return id
}
