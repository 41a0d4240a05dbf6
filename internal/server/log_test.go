package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRequestLog(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	s, err := New(loadCalendar(t, testYAML), Options{Logger: logger})
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
	for _, quiet := range []bool{false, true} {
		var buf bytes.Buffer
		s, err := New(loadCalendar(t, testYAML), Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil)), NoRequestLog: quiet})
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

// TestRequestLine: the request log's own formatter writes, byte for byte,
// what slog's text handler writes for the same line.
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
		time.Date(2026, 3, 8, 6, 59, 59, 999999999, time.UTC).In(time.FixedZone("", -8*3600)),
	}
	for _, tc := range []struct {
		method, target, agent string
		status, bytes         int
		err                   error
		ms                    float64
	}{
		{"GET", "/calendar.ics", "Google-Calendar-Importer", 200, 57717, nil, 0.033},
		{"HEAD", "/tracks/gender.ics?lang=zh&alarm=15m", "Mozilla/5.0 (X11; Linux x86_64)", 304, 0, nil, 12},
		{"GET", "/?tz=Asia/Shanghai&x=a%3Db", "", 200, 1, nil, 1234.5},
		{"GET", "/p/WdTxn-3WTOtO8-eNa4Cw5YObmDb8e15B_IM4wzpg0r4/calendar.ics", "curl/8 \"quoted\" \\ back", 404, 20, nil, 0},
		{"GET", "/%E6%97%A5%E5%8E%86", "日历\u00a0客户端\u007f\u0001", 200, 3, errors.New("write: broken pipe"), 0.001},
		{"POST", "/events/a-b.ics?q=\u2028", "agent\tx", 405, 2, errors.New("i/o timeout"), 1e-3},
	} {
		r := httptest.NewRequest(tc.method, tc.target, nil)
		r.Header.Set("User-Agent", tc.agent)
		sw := &statusWriter{status: tc.status, bytes: tc.bytes, err: tc.err}
		level, msg := slog.LevelInfo, "request"
		if tc.err != nil {
			level, msg = slog.LevelWarn, "request incomplete"
		}
		for _, at := range ats {
			var want bytes.Buffer
			rec := slog.NewRecord(at, level, msg, 0)
			rec.AddAttrs(requestAttrs(r, sw, tc.ms)...)
			if err := slog.NewTextHandler(&want, nil).Handle(context.Background(), rec); err != nil {
				t.Fatal(err)
			}
			if got := requestLine(nil, at, level, msg, r, sw, tc.ms); string(got) != want.String() {
				t.Errorf("%s %s at %v:\ngot  %s\nwant %s", tc.method, tc.target, at, got, want.String())
			}
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
