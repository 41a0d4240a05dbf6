package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"calfeed/internal/calendar"
)

// hostile is text that would run, break out of an attribute, or forge a
// header or an iCalendar line if any output failed to escape it.
const hostile = `<script>alert(1)</script>"onmouseover="alert(2)' <img src=x onerror=alert(3)> javascript:alert(4) \r\nX-Injected: 1\r\nBEGIN:VEVENT &amp; {{.}}`

// hostileYAML puts hostile text in every text field.
func hostileYAML() string {
	q, _ := json.Marshal(hostile) // a JSON string is a valid YAML double-quoted scalar
	h := string(q)
	return `
calendar:
  id: evil
  name: ` + h + `
  description: ` + h + `
  timezone: Europe/Paris
  languages: [en]
tracks:
  - {id: t, name: ` + h + `, description: ` + h + `}
events:
  - id: e
    title: ` + h + `
    description: ` + h + `
    location: ` + h + `
    start: 2025-03-10 09:00
    end: 2025-03-10 10:00
    tracks: [t]
    url: "https://example.org/a?b=1&c=%3Cscript%3E"
    online: "https://example.org/watch#x"
`
}

func TestHostileTextIsEscaped(t *testing.T) {
	cal := loadCalendar(t, hostileYAML())
	s, err := New(cal, Options{BaseURL: "https://cal.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	// Markup that must never appear as such in HTML.
	raw := []string{"<script>alert", `"onmouseover=`, "<img src=x"}
	for _, path := range []string{"/", "/?lang=en", "/embed", "/embed?feeds=t"} {
		rec := get(t, s, path, nil)
		body := rec.Body.String()
		for _, bad := range raw {
			if strings.Contains(body, bad) {
				t.Errorf("GET %s: unescaped %q in the HTML", path, bad)
			}
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("GET %s: the hostile title is not shown escaped", path)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
	}
	for _, path := range []string{"/"} {
		h := get(t, s, path, nil).Header()
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") && !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET %s: Content-Security-Policy %q, want own resources only", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("GET %s: security headers %v", path, h)
		}
	}

	// JSON carries the text exactly, as data.
	rec := get(t, s, "/feeds.json", nil)
	if !json.Valid(rec.Body.Bytes()) || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("feeds.json: invalid JSON or headers %v", rec.Header())
	}
	var any any
	json.Unmarshal(rec.Body.Bytes(), &any)
	if !strings.Contains(jsonStrings(any), hostile) {
		t.Error("feeds.json does not carry the calendar's name as written")
	}

	// The plain-text embed is text/plain: nothing there is markup.
	rec = get(t, s, "/embed?format=text", nil)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("/embed?format=text: Content-Type %q", ct)
	}

	// Headers: no response header carries user text, so none can be forged.
	for _, path := range []string{"/", "/calendar.ics", "/tracks/t.ics", "/events/e.ics", "/feeds.json", "/embed", "/changes.atom"} {
		rec := get(t, s, path, nil)
		for k, vs := range rec.Header() {
			for _, v := range vs {
				if strings.ContainsAny(v, "\r\n") || strings.Contains(v, "Injected") || strings.Contains(k, "Injected") {
					t.Errorf("GET %s: header %s: %q", path, k, v)
				}
			}
		}
	}
	if cd := get(t, s, "/events/e.ics", nil).Header().Get("Content-Disposition"); cd != `attachment; filename="e.ics"` {
		t.Errorf("Content-Disposition %q, want the id only", cd)
	}
	// In the feed the text is one escaped TEXT value: no forged line.
	body := get(t, s, "/calendar.ics", nil).Body.String()
	for _, line := range strings.Split(body, "\r\n") {
		if strings.HasPrefix(line, "X-Injected") || line == "BEGIN:VEVENT &amp; {{.}}" {
			t.Errorf("forged line in the feed: %q", line)
		}
	}
	if n := strings.Count(body, "\r\nBEGIN:VEVENT\r\n"); n != 1 {
		t.Errorf("%d VEVENTs, want 1", n)
	}
}

func jsonStrings(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x)
			b.WriteByte('\n')
		case []any:
			for _, y := range x {
				walk(y)
			}
		case map[string]any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(v)
	return b.String()
}

// TestHostileURLsRejected: check refuses any event URL that is not http(s);
// characters that could break out of an attribute or a header are
// percent-encoded, as a browser's address bar does.
func TestHostileURLsRejected(t *testing.T) {
	load := func(u string) (*calendar.Calendar, error) {
		q, _ := json.Marshal(u)
		src := "calendar: {id: x, name: y, timezone: UTC}\nevents: [{id: e, title: t, start: 2016-01-01, url: " + string(q) + "}]\n"
		return calendar.Load("u.yaml", strings.NewReader(src), calendar.Options{})
	}
	for _, u := range []string{
		"javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x", "//example.org/x",
		"https://exa mple.org/", `https://exa"mple.org/`, "https://exa<mple.org/",
	} {
		if _, err := load(u); err == nil || !strings.Contains(err.Error(), `url: "`) {
			t.Errorf("url %q: Load = %v, want it rejected", u, err)
		}
	}
	for _, u := range []string{
		`https://example.org/"onmouseover="alert(1)`, "https://example.org/<script>", "https://example.org/\r\nX: y",
		"https://example.org/a b?c=\"d\"#<e>",
	} {
		cal, err := load(u)
		if err != nil {
			t.Errorf("url %q: %v", u, err)
			continue
		}
		if got := cal.Events[0].URL; strings.ContainsAny(got, "\"<> \r\n'`") {
			t.Errorf("url %q became %q: not encoded", u, got)
		}
	}
}

// TestQueryBounds: odd and hostile query values fall back or fail fast.
func TestQueryBounds(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	for _, tc := range []struct {
		target string
		code   int
	}{
		{"/?lang=xx", http.StatusOK},
		{"/?tz=Not/A_Zone", http.StatusOK},
		{"/?tz=" + strings.Repeat("A", 5000), http.StatusOK},
		{"/calendar.ics?lang=%00", http.StatusOK},
		{"/calendar.ics?tracks=" + strings.Repeat("alpha,", 5000), http.StatusBadRequest},
		{"/calendar.ics?events=" + strings.Repeat("nope,", 3), http.StatusNotFound},
		{"/embed?feeds=" + strings.Repeat("x,", 5000), http.StatusBadRequest},
		{"/calendar.ics?tracks=alpha,beta%zz", http.StatusBadRequest},
		{"/calendar.ics?events=keynote%zz", http.StatusBadRequest},
	} {
		rec := do(t, s, http.MethodGet, tc.target, nil)
		if rec.Code != tc.code {
			t.Errorf("GET %.60s: status %d, want %d", tc.target, rec.Code, tc.code)
		}
	}
}

// TestEmptyChoice: ?events= or ?tracks= given empty chooses nothing, and
// is refused as a list of commas is, with what to give: not answered with
// the whole calendar, which a subscriber to an agenda did not ask for.
func TestEmptyChoice(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	for _, target := range []string{
		"/calendar.ics?events=", "/calendar.ics?events=,", "/calendar.ics?events=&lang=en",
		"/calendar.ics?tracks=", "/calendar.ics?tracks=,%20",
		"/changes.atom?tracks=",
		"/subscribe/google/all?events=", "/subscribe/outlook/all?events=,",
	} {
		rec := do(t, s, http.MethodGet, target, nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "leave it out for the whole calendar") {
			t.Errorf("GET %s: status %d, body %.200q; want 400 saying what to give", target, rec.Code, rec.Body.String())
		}
	}
	// Without them, the whole calendar.
	for _, target := range []string{"/calendar.ics", "/calendar.ics?lang=en", "/changes.atom", "/subscribe/google/all"} {
		if rec := do(t, s, http.MethodGet, target, nil); rec.Code >= 400 {
			t.Errorf("GET %s: status %d", target, rec.Code)
		}
	}
}

// TestManyRanges: a Range of many parts, overlapping, is ignored and the
// body sent whole, not a part's headers for each (many times the body); a
// few parts are still served as parts.
func TestManyRanges(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	whole := do(t, s, http.MethodGet, "/calendar.ics", nil).Body.Len()
	// Fewer bytes asked for than the body has (net/http ignores a Range
	// that asks for more), in a hundred parts.
	many := "bytes=" + strings.TrimSuffix(strings.Repeat("0-0,", 100), ",")
	rec := do(t, s, http.MethodGet, "/calendar.ics", http.Header{"Range": {many}})
	if rec.Code != http.StatusOK || rec.Body.Len() != whole {
		t.Errorf("100 ranges: status %d, %d bytes; want 200 and the %d of the body", rec.Code, rec.Body.Len(), whole)
	}
	rec = do(t, s, http.MethodGet, "/calendar.ics", http.Header{"Range": {"bytes=0-9,20-29"}})
	if rec.Code != http.StatusPartialContent || !strings.HasPrefix(rec.Header().Get("Content-Type"), "multipart/byteranges") {
		t.Errorf("two ranges: status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	rec = do(t, s, http.MethodGet, "/calendar.ics", http.Header{"Range": {"bytes=0-9"}})
	if rec.Code != http.StatusPartialContent || rec.Body.Len() != 10 {
		t.Errorf("one range: status %d, %d bytes", rec.Code, rec.Body.Len())
	}
}
