package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// jsonLogs are the two ways a server logs its requests in JSON: through
// its logger, or written directly (serve's way).
func jsonLogs(buf *bytes.Buffer) map[string]Options {
	logger := slog.New(slog.NewJSONHandler(buf, nil))
	return map[string]Options{
		"slog":   {Logger: logger},
		"direct": {Logger: logger, RequestLog: buf, RequestLogJSON: true},
	}
}

func TestRequestLog(t *testing.T) {
	var buf bytes.Buffer
	for name, opts := range jsonLogs(&buf) {
		t.Run(name, func(t *testing.T) {
			buf.Reset()
			testRequestLog(t, &buf, opts)
		})
	}
}

func testRequestLog(t *testing.T, buf *bytes.Buffer, opts Options) {
	s, err := New(loadCalendar(t, testYAML), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	etag := get(t, s, "/events/panel.ics", nil).Header().Get("ETag")
	buf.Reset() // only the lines of the requests below

	type line struct {
		Msg    string `json:"msg"`
		Method string `json:"method"`
		Path   string `json:"path"`
		Status int    `json:"status"`
	}
	requests := []struct {
		method, target string
		header         http.Header
		want           line
	}{
		{"GET", "/calendar.ics?tracks=alpha,beta", nil, line{"request", "GET", "/calendar.ics", 200}},
		{"HEAD", "/tracks/alpha.ics", nil, line{"request", "HEAD", "/tracks/alpha.ics", 200}},
		{"GET", "/events/panel.ics", http.Header{"If-None-Match": {etag}}, line{"request", "GET", "/events/panel.ics", 304}},
		{"GET", "/tracks/nope.ics", nil, line{"request", "GET", "/tracks/nope.ics", 404}},
		{"GET", "/nope", nil, line{"request", "GET", "/nope", 404}},
		{"POST", "/calendar.ics", nil, line{"request", "POST", "/calendar.ics", 405}},
		{"GET", "/calendar.ics?tracks=alpha&events=panel", nil, line{"request", "GET", "/calendar.ics", 400}},
		{"GET", "/healthz", nil, line{"request", "GET", "/healthz", 200}},
	}
	var want []line
	for _, r := range requests {
		do(t, s, r.method, r.target, r.header)
		want = append(want, r.want)
	}
	var got []line
	for i, raw := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var l line
		if err := json.Unmarshal(raw, &l); err != nil {
			t.Fatalf("log line %d is not JSON: %v: %s", i+1, err, raw)
		}
		got = append(got, l)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request log differs (-want +got):\n%s\nlog:\n%s", diff, buf.String())
	}
}

// failingWriter is a connection that stops taking bytes, as when the write
// timeout passes or the client goes away.
type failingWriter struct{ header http.Header }

func (w *failingWriter) Header() http.Header         { return w.header }
func (w *failingWriter) WriteHeader(int)             {}
func (w *failingWriter) Write(p []byte) (int, error) { return 0, errors.New("i/o timeout") }

// TestRequestLogIncomplete: a response cut off is logged as such, with the
// error, not as a plain 200.
// With NoRequestLog too: it is a warning, not a line of the request log.
func TestRequestLogIncomplete(t *testing.T) {
	var buf bytes.Buffer
	for name, opts := range jsonLogs(&buf) {
		t.Run(name, func(t *testing.T) {
			testRequestLogIncomplete(t, &buf, opts)
		})
	}
}

func testRequestLogIncomplete(t *testing.T, buf *bytes.Buffer, opts Options) {
	for _, quiet := range []bool{false, true} {
		buf.Reset()
		opts.NoRequestLog = quiet
		s, err := New(loadCalendar(t, testYAML), opts)
		if err != nil {
			t.Fatal(err)
		}
		s.ServeHTTP(&failingWriter{header: http.Header{}}, httptest.NewRequest(http.MethodGet, "/calendar.ics", nil))
		var l struct {
			Level, Msg, Error string
			Status, Bytes     int
		}
		if err := json.Unmarshal(bytes.TrimSpace(buf.Bytes()), &l); err != nil {
			t.Fatalf("NoRequestLog %v: log: %v: %s", quiet, err, buf.String())
		}
		if l.Level != "WARN" || l.Msg != "request incomplete" || l.Error != "i/o timeout" || l.Bytes != 0 {
			t.Errorf("NoRequestLog %v: log line %+v, want a warning of an incomplete request", quiet, l)
		}
		if quiet {
			buf.Reset()
			get(t, s, "/calendar.ics", nil)
			do(t, s, http.MethodGet, "/nope", nil) // a 404
			if buf.Len() != 0 {
				t.Errorf("NoRequestLog: requests answered were logged:\n%s", buf.String())
			}
		}
	}
}

// TestRequestLine holds the request log's lines, written directly, to
// the bytes slog's text and JSON handlers write for the same record.
func TestRequestLine(t *testing.T) {
	at := time.Date(2026, 11, 30, 6, 50, 48, 492071999, time.UTC)
	// Times in the same second as at, the next, and other zones: the time
	// formatted once a second must not leak into another second or zone.
	ats := []time.Time{
		at,
		at.Add(-492 * time.Millisecond),
		at.Add(507*time.Millisecond + 928000),
		at.Add(508 * time.Millisecond),
		at.Add(time.Millisecond).In(time.FixedZone("", 5*3600+1800)),
		at.Add(time.Millisecond).In(time.FixedZone("", -4*3600)),
		at.Add(time.Millisecond),
		at.Add(-71999), // a whole number of microseconds
		at.Add(-492071999),
		time.Date(2026, 3, 8, 6, 59, 59, 999999999, time.UTC).In(time.FixedZone("", -8*3600)),
	}
	for _, tc := range []struct {
		method, target, agent string
		status, bytes         int
		err                   error
		micros                int64
	}{
		{"GET", "/calendar.ics", "Google-Calendar-Importer", 200, 57717, nil, 33},
		{"HEAD", "/tracks/gender.ics?lang=zh&alarm=15m", "Mozilla/5.0 (X11; Linux x86_64)", 304, 0, nil, 12000},
		{"GET", "/?tz=Asia/Shanghai&x=a%3Db", "", 200, 1, nil, 1234500},
		{"GET", "/p/WdTxn-3WTOtO8-eNa4Cw5YObmDb8e15B_IM4wzpg0r4/calendar.ics", "curl/8 \"quoted\" \\ back", 404, 20, nil, 0},
		{"GET", "/%E6%97%A5%E5%8E%86", "日历\u00a0客户端\u007f\u0001", 200, 3, errors.New("write: broken pipe"), 1},
		{"POST", "/events/a-b.ics?q=\u2028", "agent\tx\u2029<b>&\r\n\xff\xe6\x97", 405, 2, errors.New("i/o \"timeout\""), 1e9 + 1},
		{"GET", "/slow", "a\x00\x1fz", 200, 9, nil, 3_600_000_000},
		{"GET", "/robots.txt?" + strings.Repeat("x", 3000), strings.Repeat("日", 2000), 200, 9, nil, 5},
	} {
		r := httptest.NewRequest(tc.method, tc.target, nil)
		r.Header.Set("User-Agent", tc.agent)
		sw := &statusWriter{status: tc.status, bytes: tc.bytes, err: tc.err}
		level, msg := slog.LevelInfo, "request"
		if tc.err != nil {
			level, msg = slog.LevelWarn, "request incomplete"
		}
		for _, at := range ats {
			rec := slog.NewRecord(at, level, msg, 0)
			rec.AddAttrs(requestAttrs(r, sw, tc.micros)...)
			for _, asJSON := range []bool{false, true} {
				var want bytes.Buffer
				var h slog.Handler = slog.NewTextHandler(&want, nil)
				if asJSON {
					h = slog.NewJSONHandler(&want, nil)
				}
				if err := h.Handle(context.Background(), rec); err != nil {
					t.Fatal(err)
				}
				if got := appendRequestLine(nil, asJSON, at, level, msg, r, sw, tc.micros); string(got) != want.String() {
					t.Errorf("JSON %v: %s %s at %v:\ngot  %s\nwant %s", asJSON, tc.method, tc.target, at, got, want.String())
				}
			}
		}
	}
}

// TestAppendMillis holds a duration's milliseconds to what slog's text
// and JSON handlers write for the float64 micros/1000: every duration up
// to 2.1 s, then others up to days, and the ones slog writes with an
// exponent.
func TestAppendMillis(t *testing.T) {
	check := func(micros int64) {
		ms := float64(micros) / 1000
		wantJSON, err := json.Marshal(ms)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			asJSON bool
			want   string
		}{
			{false, strconv.FormatFloat(ms, 'g', -1, 64)},
			{true, string(wantJSON)},
		} {
			if got := string(appendMillis([]byte("x"), tc.asJSON, micros)); got != "x"+tc.want {
				t.Fatalf("appendMillis(%d µs, JSON %v) = %q, want %q", micros, tc.asJSON, got, "x"+tc.want)
			}
		}
	}
	for micros := int64(0); micros < 2_100_000; micros++ {
		check(micros)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		check(rng.Int64N(1 << uint(rng.IntN(62))))
	}
	for _, micros := range []int64{-1, -1500, 999_999_999, 1e9, 1e9 + 1, 1<<53 - 1, 1 << 53, 1<<53 + 1, 1<<63 - 1} {
		check(micros)
	}
}

// TestAppendJSONString holds the JSON escaper to slog's JSON handler on
// every string of up to two bytes, and of three after a lead byte, drawn
// from the bytes where JSON's or UTF-8's rules change, and on the
// characters it escapes.
func TestAppendJSONString(t *testing.T) {
	edges := []byte{0x00, 0x01, 0x08, 0x09, 0x0a, 0x0d, 0x1f, ' ', '"', '&', '/', '<', '\\', 'a', 0x7e, 0x7f,
		0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xa8, 0xa9, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe2, 0xe6, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff}
	var cases []string
	for _, a := range edges {
		cases = append(cases, string([]byte{a}))
		for _, b := range edges {
			cases = append(cases, string([]byte{a, b}))
			if a >= 0xe0 {
				for _, c := range edges {
					cases = append(cases, string([]byte{a, b, c}), string([]byte{'x', a, b, c, 'y'}))
				}
			}
		}
	}
	cases = append(cases, "", "日历", "a\u2028b\u2029c", "\U0001F4C5 <a href=\"x\">&amp;</a>")
	for _, s := range cases {
		var want bytes.Buffer
		slog.New(slog.NewJSONHandler(&want, &slog.HandlerOptions{
			ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
				if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
					return slog.Attr{}
				}
				return a
			},
		})).Info(s)
		got := `{"msg":"` + string(appendJSONString(nil, s)) + "\"}\n"
		if got != want.String() {
			t.Errorf("%q: got %s, want %s", s, got, want.String())
		}
	}
}

// TestDateHeader checks that the handler dates every response itself, and
// that a feed, its 304, a 404 and the page each carry one Date on the
// wire, the time it was served to the second.
func TestDateHeader(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	w := get(t, s, "/tracks/alpha.ics", nil) // a recorder: no Date of its own
	if _, err := http.ParseTime(w.Header().Get("Date")); err != nil {
		t.Errorf("the handler set Date %q, want an HTTP date", w.Header().Get("Date"))
	}
	etag := w.Header().Get("ETag")
	for _, tc := range []struct {
		target string
		header string
		status int
	}{
		{"/tracks/alpha.ics", "", 200},
		{"/tracks/alpha.ics", "If-None-Match: " + etag + "\r\n", 304},
		{"/tracks/nosuch.ics", "", 404},
		{"/", "", 200},
	} {
		before := time.Now().Truncate(time.Second)
		head := rawHead(t, ts.Listener.Addr().String(), "GET "+tc.target+" HTTP/1.1\r\nHost: localhost\r\n"+tc.header+"\r\n")
		after := time.Now()
		if !strings.Contains(head[0], strconv.Itoa(tc.status)) {
			t.Errorf("GET %s: %s, want %d", tc.target, head[0], tc.status)
			continue
		}
		var dates []string
		for _, l := range head[1:] {
			if v, ok := strings.CutPrefix(l, "Date: "); ok {
				dates = append(dates, v)
			}
		}
		if len(dates) != 1 {
			t.Errorf("GET %s: Date headers %q, want one", tc.target, dates)
			continue
		}
		d, err := http.ParseTime(dates[0])
		if err != nil || d.Before(before) || d.After(after) {
			t.Errorf("GET %s: Date %q, want the time of the request, between %s and %s", tc.target, dates[0], before.UTC().Format(http.TimeFormat), after.UTC().Format(http.TimeFormat))
		}
	}
}

// TestHTTPDate checks the Date of each second: formatted for its own
// second in UTC, whatever the zone of the clock reading, and the same
// value again within that second.
func TestHTTPDate(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	t0 := time.Date(2026, 11, 30, 23, 59, 59, 900_000_000, shanghai)
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{t0, "Mon, 30 Nov 2026 15:59:59 GMT"},
		{t0.Add(50 * time.Millisecond), "Mon, 30 Nov 2026 15:59:59 GMT"},
		{t0.Add(100 * time.Millisecond), "Mon, 30 Nov 2026 16:00:00 GMT"},
		{t0.Add(100 * time.Millisecond).UTC(), "Mon, 30 Nov 2026 16:00:00 GMT"},
		{t0, "Mon, 30 Nov 2026 15:59:59 GMT"}, // the clock set back
	} {
		if got := httpDate(tc.at); len(got) != 1 || got[0] != tc.want {
			t.Errorf("httpDate(%s) = %q, want [%q]", tc.at, got, tc.want)
		}
	}
	// Formatted once: the responses of a second share it.
	if a, b := httpDate(t0), httpDate(t0.Add(time.Millisecond)); &a[0] != &b[0] {
		t.Error("httpDate formatted the same second twice")
	}
}

// rawHead sends req on a new connection to addr and returns the
// response's status line and header lines as sent.
func rawHead(t *testing.T, addr, req string) []string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	var lines []string
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the response to %q: %v", req, err)
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			return lines
		}
		lines = append(lines, l)
	}
}

// BenchmarkRequestLine: a request's log line written directly, against
// the same line through slog's handler, in each of serve's log formats.
func BenchmarkRequestLine(b *testing.B) {
	r := httptest.NewRequest(http.MethodGet, "/tracks/gender.ics?lang=zh", nil)
	r.Header.Set("User-Agent", "Google-Calendar-Importer")
	sw := &statusWriter{status: http.StatusNotModified}
	for _, asJSON := range []bool{false, true} {
		format := "text"
		var h slog.Handler = slog.NewTextHandler(io.Discard, nil)
		if asJSON {
			format, h = "json", slog.NewJSONHandler(io.Discard, nil)
		}
		b.Run(format+"/direct", func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 512)
			for b.Loop() {
				buf = appendRequestLine(buf[:0], asJSON, time.Now(), slog.LevelInfo, "request", r, sw, 1234)
			}
		})
		b.Run(format+"/slog", func(b *testing.B) {
			b.ReportAllocs()
			logger := slog.New(h)
			for b.Loop() {
				logger.LogAttrs(r.Context(), slog.LevelInfo, "request", requestAttrs(r, sw, 1234)...)
			}
		})
	}
}

// TestRequestLineCut: a long path, query or User-Agent is cut in the
// request log at maxLogField bytes, never inside a character, saying how
// long it was; a short one is logged whole.
func TestRequestLineCut(t *testing.T) {
	query := strings.Repeat("x", 14000)
	agent := "a" + strings.Repeat("日", 2000) // cut falls inside a character
	r := httptest.NewRequest("GET", "/robots.txt?"+query, nil)
	r.Header.Set("User-Agent", agent)
	line := string(appendRequestLine(nil, false, time.Now(), slog.LevelInfo, "request", r, &statusWriter{status: 200}, 5))
	if len(line) > 3*maxLogField+300 {
		t.Errorf("a line of %d bytes for a query of %d and an agent of %d", len(line), len(query), len(agent))
	}
	for _, want := range []string{`query="` + strings.Repeat("x", maxLogField) + `…(14000 bytes)"`, "…(6001 bytes)"} {
		if !strings.Contains(line, want) {
			t.Errorf("the line lacks %.40q...:\n%.300s", want, line)
		}
	}
	if !utf8.ValidString(line) {
		t.Error("a character was cut in two")
	}
	if got := logField("q=" + strings.Repeat("\x80", 2000)); len(got) < maxLogField-3 {
		t.Errorf("a query of bytes that start no character was cut to %d bytes: %q", len(got), got)
	}
	if got := logField("/calendar.ics"); got != "/calendar.ics" {
		t.Errorf("logField of a short path = %q", got)
	}
}
