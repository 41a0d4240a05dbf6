package feed

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
	rrulego "github.com/teambition/rrule-go"

	"calfeed/internal/calendar"
)

// zoneReader reads the VTIMEZONEs of a feed as a client that knows no IANA
// names (Outlook) must: each observance's DTSTART, its RRULE expanded by
// rrule-go, and TZOFFSETFROM/TZOFFSETTO give onsets; the offset at an
// instant is that of the latest onset at or before it.
type zoneReader map[string][]onset

type onset struct {
	at     time.Time
	offset int
}

func parseOffset(s string) (int, error) {
	var sign, h, m, sec int
	switch s[0] {
	case '+':
		sign = 1
	case '-':
		sign = -1
	default:
		return 0, fmt.Errorf("bad offset %q", s)
	}
	if _, err := fmt.Sscanf(s[1:5], "%02d%02d", &h, &m); err != nil {
		return 0, fmt.Errorf("bad offset %q", s)
	}
	if len(s) == 7 {
		fmt.Sscanf(s[5:], "%02d", &sec)
	}
	return sign * (h*3600 + m*60 + sec), nil
}

func readZones(t *testing.T, c *goical.Calendar, until time.Time) zoneReader {
	t.Helper()
	zr := zoneReader{}
	for _, tz := range c.Children {
		if tz.Name != goical.CompTimezone {
			continue
		}
		id := tz.Props.Get(goical.PropTimezoneID).Value
		for _, o := range tz.Children {
			if o.Name != "STANDARD" && o.Name != "DAYLIGHT" {
				t.Fatalf("%s: unexpected %s in VTIMEZONE", id, o.Name)
			}
			if o.Props.Get("RDATE") != nil {
				t.Errorf("%s: RDATE in VTIMEZONE (Thunderbird misreads it)", id)
			}
			from, err1 := parseOffset(o.Props.Get("TZOFFSETFROM").Value)
			to, err2 := parseOffset(o.Props.Get("TZOFFSETTO").Value)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: %v %v", id, err1, err2)
			}
			start, err := time.ParseInLocation("20060102T150405", o.Props.Get("DTSTART").Value, time.FixedZone("from", from))
			if err != nil {
				t.Fatalf("%s: DTSTART: %v", id, err)
			}
			rr := o.Props.Get("RRULE")
			if rr == nil {
				zr[id] = append(zr[id], onset{start.UTC(), to})
				continue
			}
			opt, err := rrulego.StrToROption(rr.Value)
			if err != nil {
				t.Fatalf("%s: RRULE %s: %v", id, rr.Value, err)
			}
			opt.Dtstart = start
			rule, err := rrulego.NewRRule(*opt)
			if err != nil {
				t.Fatalf("%s: RRULE %s: %v", id, rr.Value, err)
			}
			for _, at := range rule.Between(start, until, true) {
				zr[id] = append(zr[id], onset{at.UTC(), to})
			}
		}
		sort.Slice(zr[id], func(i, j int) bool { return zr[id][i].at.Before(zr[id][j].at) })
	}
	return zr
}

func (zr zoneReader) offset(tzid string, at time.Time) (int, bool) {
	os := zr[tzid]
	i := sort.Search(len(os), func(i int) bool { return os[i].at.After(at) })
	if i == 0 {
		return 0, false
	}
	return os[i-1].offset, true
}

// checkZones renders cal and checks, for every timed event and for each
// hour from a day before to a day after it, that the offset the feed's own
// VTIMEZONE implies equals Go's, and that go-ical (which resolves TZID from
// the zone database) reads the event at its instant.
func checkZones(t *testing.T, cal *calendar.Calendar) *goical.Calendar {
	t.Helper()
	r, err := New(cal)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.Write(&buf, Feed{Name: "zones", Events: cal.Events}, cal.Languages[0]); err != nil {
		t.Fatal(err)
	}
	c := parse(t, buf.Bytes())
	zr := readZones(t, c, time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, e := range cal.Events {
		if e.AllDay || e.UTC {
			continue
		}
		tzid := e.Location.String()
		for at := e.Start.Add(-24 * time.Hour); !at.After(e.End.Add(24 * time.Hour)); at = at.Add(time.Hour) {
			got, ok := zr.offset(tzid, at)
			_, want := at.In(e.Location).Zone()
			if !ok || got != want {
				t.Errorf("%s (%s): at %v the VTIMEZONE implies %+d s (covered %v), Go says %+d s", e.ID, tzid, at.UTC(), got, ok, want)
				break
			}
		}
	}
	return c
}

// TestTimeEdges puts events where time zones go wrong and checks each feed
// as a client would read it.
func TestTimeEdges(t *testing.T) {
	src := `
calendar: {id: edges, name: Edges, timezone: America/New_York}
events:
  # New York before and after the US rules changed in 2007.
  - {id: ny-2006, title: x, start: 2006-04-01 12:00, duration: 1h}
  - {id: ny-2008, title: x, start: 2008-04-01 12:00, duration: 1h}
  - {id: ny-night, title: x, start: 2016-03-13 01:00, end: 2016-03-13 04:00}
  # Pyongyang changed its offset without DST, in 2015 and back in 2018.
  - {id: pyongyang-2015, title: x, timezone: Asia/Pyongyang, start: 2015-08-14 12:00, duration: 2h}
  - {id: pyongyang-2016, title: x, timezone: Asia/Pyongyang, start: 2016-01-04 12:00, duration: 2h}
  - {id: pyongyang-2018, title: x, timezone: Asia/Pyongyang, start: 2018-05-05 12:00, duration: 2h}
  # Sao Paulo abolished DST in 2019.
  - {id: sp-2018, title: x, timezone: America/Sao_Paulo, start: 2018-12-01 10:00, duration: 1h}
  - {id: sp-2020, title: x, timezone: America/Sao_Paulo, start: 2020-12-01 10:00, duration: 1h}
  # 30-minute DST; Casablanca's Ramadan changes; Dublin's negative DST.
  - {id: lord-howe, title: x, timezone: Australia/Lord_Howe, start: 2016-10-02 01:00, end: 2016-10-02 04:00}
  - {id: casablanca, title: x, timezone: Africa/Casablanca, start: 2019-05-20 12:00, duration: 1h}
  - {id: dublin, title: x, timezone: Europe/Dublin, start: 2016-01-15 12:00, duration: 1h}
  - {id: dublin-summer, title: x, timezone: Europe/Dublin, start: 2016-07-15 12:00, duration: 1h}
  # All-day events far east and far west of UTC keep their dates.
  - {id: kiritimati, title: x, timezone: Pacific/Kiritimati, start: 2016-01-01, end: 2016-01-02}
  - {id: pago-pago, title: x, timezone: Pacific/Pago_Pago, start: 2016-12-31}
`
	cal, err := calendar.Load("edges.yaml", strings.NewReader(src), calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := checkZones(t, cal)
	dates := map[string][2]string{}
	for _, ev := range c.Events() {
		uid, _ := ev.Props.Text(goical.PropUID)
		dates[uid] = [2]string{ev.Props.Get("DTSTART").Value, ev.Props.Get("DTEND").Value}
	}
	for uid, want := range map[string][2]string{
		"kiritimati@edges": {"20160101", "20160103"},
		"pago-pago@edges":  {"20161231", "20170101"},
	} {
		if dates[uid] != want {
			t.Errorf("%s: DTSTART/DTEND %v, want %v", uid, dates[uid], want)
		}
	}
	// The night clocks spring forward, 01:00-04:00 lasts two real hours.
	if e := cal.Event("ny-night"); e.End.Sub(e.Start) != 2*time.Hour {
		t.Errorf("ny-night lasts %v", e.End.Sub(e.Start))
	}
}

// TestSeedZones checks the fixture the same way.
func TestFixtureZones(t *testing.T) {
	checkZones(t, loadFixture(t))
}

// TestEndlessSeriesPastTheHorizon: a series repeating without end is read
// by a client with its zone's rules that run on past the VTIMEZONE's
// horizon; they must hold there too, in zones whose rules are not the nth
// or last weekday of a month (Chile's Sunday on or after the 2nd, Egypt's
// Friday after the last Thursday of October, Israel's Friday before the
// last Sunday of March).
func TestEndlessSeriesPastTheHorizon(t *testing.T) {
	src := `
calendar: {id: endless, name: Endless, timezone: America/Santiago}
events:
  - {id: santiago, title: x, start: 2025-01-07 10:00, duration: 1h, repeat: {freq: weekly}}
  - {id: cairo, title: x, timezone: Africa/Cairo, start: 2025-01-07 10:00, duration: 1h, repeat: {freq: weekly}}
  - {id: jerusalem, title: x, timezone: Asia/Jerusalem, start: 2025-01-07 10:00, duration: 1h, repeat: {freq: weekly}}
`
	cal, err := calendar.Load("endless.yaml", strings.NewReader(src), calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(cal)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.Write(&buf, Feed{Name: "endless", Events: cal.Events}, cal.Languages[0]); err != nil {
		t.Fatal(err)
	}
	until := time.Date(2075, 1, 1, 0, 0, 0, 0, time.UTC)
	zr := readZones(t, parse(t, buf.Bytes()), until)
	for _, e := range cal.Events {
		wrong := 0
		for at := e.Start; at.Before(until); at = at.AddDate(0, 0, 7) { // the wall clock each week, in Go
			_, want := at.Zone()
			if got, ok := zr.offset(e.Location.String(), at); !ok || got != want {
				if wrong++; wrong == 1 {
					t.Errorf("%s: the occurrence of %s is read at offset %+d s, Go says %+d s", e.ID, at.Format("2006-01-02 15:04"), got, want)
				}
			}
		}
		if wrong > 1 {
			t.Errorf("%s: %d occurrences up to %d read at the wrong offset", e.ID, wrong, until.Year())
		}
	}
}
