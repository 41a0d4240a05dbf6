package links

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Hostile inputs: every character that means something in a URL, and some
// that need more than one byte.
const (
	hostileFeed = "https://cal.example.org/a b/tracks/性别 & co.ics?lang=zh&x=1+2#frag"
	hostileName = "Gender & ICT #1 + 性别 / 50% = \"quoted\""
	hostileText = "Panel: Women & ICTs #WSIS10 + more (性别平等) 100% ?a=b"
)

// parse splits a generated link into its address (scheme, host, path) and
// its decoded query, failing on anything net/url cannot read back.
func parse(t *testing.T, link string) (string, url.Values) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("url.Parse(%q): %v", link, err)
	}
	if u.Fragment != "" {
		t.Errorf("%s: has a fragment %q: a '#' in a value was not escaped", link, u.Fragment)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		t.Fatalf("%s: query: %v", link, err)
	}
	return u.Scheme + "://" + u.Host + u.Path, q
}

func values(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func TestSubscribeLinks(t *testing.T) {
	tests := []struct {
		client    Client
		feed      string
		name      string
		wantAddr  string
		wantQuery url.Values
	}{
		{Google, hostileFeed, hostileName, "https://calendar.google.com/calendar/render", values("cid", hostileFeed)},
		{Outlook, hostileFeed, hostileName, "https://outlook.live.com/calendar/0/addfromweb", values("url", hostileFeed, "name", hostileName)},
		{Office365, hostileFeed, hostileName, "https://outlook.office.com/calendar/0/addfromweb", values("url", hostileFeed, "name", hostileName)},
		{Outlook, "https://x.example/c.ics", "", "https://outlook.live.com/calendar/0/addfromweb", values("url", "https://x.example/c.ics")},
		{Google, "http://127.0.0.1:8080/calendar.ics", "n", "https://calendar.google.com/calendar/render", values("cid", "http://127.0.0.1:8080/calendar.ics")},
	}
	for _, tc := range tests {
		t.Run(string(tc.client), func(t *testing.T) {
			link, err := Subscribe(tc.client, tc.feed, tc.name)
			if err != nil {
				t.Fatalf("Subscribe: %v", err)
			}
			addr, q := parse(t, link)
			if addr != tc.wantAddr {
				t.Errorf("address = %q, want %q", addr, tc.wantAddr)
			}
			if diff := cmp.Diff(tc.wantQuery, q); diff != "" {
				t.Errorf("%s: query (-want +got):\n%s", link, diff)
			}
		})
	}
}

func TestSubscribeAppleAndICS(t *testing.T) {
	apple, err := Subscribe(Apple, hostileFeed, hostileName)
	if err != nil {
		t.Fatal(err)
	}
	want := "webcal://cal.example.org/a b/tracks/性别 & co.ics?lang=zh&x=1+2#frag"
	if apple != want {
		t.Errorf("apple = %q, want %q", apple, want)
	}
	ics, err := Subscribe(ICS, hostileFeed, hostileName)
	if err != nil || ics != hostileFeed {
		t.Errorf("ics = %q, %v; want the feed URL itself", ics, err)
	}
}

func TestWebcal(t *testing.T) {
	for in, want := range map[string]string{
		"https://cal.example.org/calendar.ics":        "webcal://cal.example.org/calendar.ics",
		"http://127.0.0.1:8080/tracks/gender.ics":     "webcal://127.0.0.1:8080/tracks/gender.ics",
		"HTTPS://Cal.Example.org/x.ics?events=a,b":    "webcal://Cal.Example.org/x.ics?events=a,b",
		"webcal://already.example/x.ics":              "webcal://already.example/x.ics",
		"https://x.example/calendar.ics?events=a%2Cb": "webcal://x.example/calendar.ics?events=a%2Cb",
	} {
		if got := Webcal(in); got != want {
			t.Errorf("Webcal(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSubscribeErrors(t *testing.T) {
	for _, tc := range []struct {
		client Client
		feed   string
		want   string
	}{
		{Google, "/calendar.ics", "not an absolute"},
		{Google, "webcal://x.example/c.ics", "not an absolute"},
		{Google, "javascript:alert(1)", "not an absolute"},
		{Google, "https://x.example/%zz", "invalid URL escape"},
		{Client("yahoo"), "https://x.example/c.ics", `no client "yahoo"; clients: google, outlook, office365, apple, ics`},
	} {
		_, err := Subscribe(tc.client, tc.feed, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Subscribe(%q, %q): error = %v, want one containing %q", tc.client, tc.feed, err, tc.want)
		}
	}
}

func TestParseClient(t *testing.T) {
	for _, c := range Clients() {
		got, err := ParseClient(string(c))
		if err != nil || got != c {
			t.Errorf("ParseClient(%q) = %q, %v", c, got, err)
		}
	}
	if _, err := ParseClient("Google"); err == nil {
		t.Error(`ParseClient("Google"): no error; names are lower case`)
	}
}

func TestEventLinks(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	timed := Event{
		Title:   hostileText,
		Details: "Line one\nLine two & <b>bold</b> #tag",
		Place:   "Conference Room 11, UN Headquarters + 联合国总部 11 号会议厅",
		// 13:15-14:30 in New York (EST, UTC-5) is 18:15-19:30 UTC.
		Start: time.Date(2015, 12, 14, 13, 15, 0, 0, ny),
		End:   time.Date(2015, 12, 14, 14, 30, 0, 0, ny),
		Zone:  ny,
	}
	allDay := Event{
		Title: "WSIS+10 HLM",
		// 15-16 December inclusive: the end is the 17th, exclusive.
		Start:  time.Date(2015, 12, 15, 0, 0, 0, 0, time.UTC),
		End:    time.Date(2015, 12, 17, 0, 0, 0, 0, time.UTC),
		AllDay: true,
		Zone:   ny,
	}
	compose := func(kv ...string) url.Values {
		return values(append([]string{"path", "/calendar/action/compose", "rru", "addevent"}, kv...)...)
	}
	tests := []struct {
		name      string
		link      string
		wantAddr  string
		wantQuery url.Values
	}{
		{
			"google timed", GoogleEvent(timed), "https://calendar.google.com/calendar/render",
			values("action", "TEMPLATE", "text", timed.Title, "dates", "20151214T181500Z/20151214T193000Z",
				"details", timed.Details, "location", timed.Place, "ctz", "America/New_York"),
		},
		{
			"google all-day", GoogleEvent(allDay), "https://calendar.google.com/calendar/render",
			values("action", "TEMPLATE", "text", "WSIS+10 HLM", "dates", "20151215/20151217"),
		},
		{
			"outlook timed", OutlookEvent(timed), "https://outlook.live.com/calendar/0/deeplink/compose",
			compose("subject", timed.Title, "startdt", "2015-12-14T18:15:00Z", "enddt", "2015-12-14T19:30:00Z",
				"allday", "false", "body", timed.Details, "location", timed.Place),
		},
		{
			"outlook all-day", OutlookEvent(allDay), "https://outlook.live.com/calendar/0/deeplink/compose",
			compose("subject", "WSIS+10 HLM", "startdt", "2015-12-15", "enddt", "2015-12-17", "allday", "true"),
		},
		{
			"office365 timed", Office365Event(timed), "https://outlook.office.com/calendar/0/deeplink/compose",
			compose("subject", timed.Title, "startdt", "2015-12-14T18:15:00Z", "enddt", "2015-12-14T19:30:00Z",
				"allday", "false", "body", timed.Details, "location", timed.Place),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr, q := parse(t, tc.link)
			if addr != tc.wantAddr {
				t.Errorf("address = %q, want %q", addr, tc.wantAddr)
			}
			if diff := cmp.Diff(tc.wantQuery, q); diff != "" {
				t.Errorf("%s: query (-want +got):\n%s", tc.link, diff)
			}
			// A '+' left raw would read back as a space in a query.
			if strings.Contains(tc.link, "WSIS+10") || strings.Contains(tc.link, "#") {
				t.Errorf("%s: a '+' or '#' of the text is not escaped", tc.link)
			}
		})
	}
}

func TestGoogleEventZoneWithoutArea(t *testing.T) {
	// ctz takes IANA Area/City names; a zone such as UTC or a fixed offset
	// goes without it, the times being in UTC anyway.
	e := Event{Title: "x", Start: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC), End: time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC), Zone: time.UTC}
	_, q := parse(t, GoogleEvent(e))
	if q.Has("ctz") {
		t.Errorf("ctz = %q for UTC; want none", q.Get("ctz"))
	}
	if got := q.Get("dates"); got != "20250101T090000Z/20250101T100000Z" {
		t.Errorf("dates = %q", got)
	}
}
