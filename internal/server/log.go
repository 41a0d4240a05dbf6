package server

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// Log attribute keys.
const (
	keyMethod   = "method"
	keyPath     = "path"
	keyQuery    = "query"
	keyStatus   = "status"
	keyBytes    = "bytes"
	keyDuration = "duration_ms"
	keyAgent    = "user_agent"
	keyError    = "error"
)

// statusWriter records what a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	start  time.Time // when the request came in
	end    time.Time // when the handler returned, if instrument saw it
	status int
	bytes  int
	err    error // the first write that failed: the response is cut short
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}

// ReadFrom lets a body sent from a file reach net/http's ReadFrom, which
// hands it to the socket (sendfile).
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(writerOnly{w.ResponseWriter}, r)
	}
	w.bytes += int(n)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}

// writerOnly hides every method of a writer but Write (io.Copy would use
// a ReadFrom and loop).
type writerOnly struct{ io.Writer }

// Unwrap lets http.ResponseController reach net/http's own writer: the
// budget cuts off, through its write deadline, a response that cannot be
// sent in time (see budget.admit).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs one line per request: through logger, or, when
// opts.RequestLog is set, written to it directly in the form slog's text
// or JSON handler gives them (see appendRequestLine). With
// opts.NoRequestLog, only the requests whose response was cut short. It
// also gives every response its Date, from the same reading of the clock.
func logRequests(logger *slog.Logger, opts Options, next http.Handler) http.Handler {
	lines, asJSON, every := opts.RequestLog, opts.RequestLogJSON, !opts.NoRequestLog
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w.Header()["Date"] = httpDate(start)
		sw := &statusWriter{ResponseWriter: w, start: start}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		// A response the client never got whole (the write timeout passed,
		// the client went away) is not logged as a plain success.
		level, msg := slog.LevelInfo, "request"
		if sw.err != nil {
			level, msg = slog.LevelWarn, "request incomplete"
		} else if !every {
			return
		}
		if !logger.Enabled(r.Context(), level) {
			return
		}
		now := sw.end
		if now.IsZero() {
			now = time.Now()
		}
		micros := now.Sub(start).Microseconds()
		if lines != nil {
			bp := lineBufs.Get().(*[]byte)
			*bp = appendRequestLine((*bp)[:0], asJSON, now, level, msg, r, sw, micros)
			lines.Write(*bp)
			lineBufs.Put(bp)
			return
		}
		logger.LogAttrs(r.Context(), level, msg, requestAttrs(r, sw, micros)...)
	})
}

// requestAttrs are the attributes of a request's log line; micros is how
// long it took, logged in milliseconds.
func requestAttrs(r *http.Request, sw *statusWriter, micros int64) []slog.Attr {
	attrs := []slog.Attr{
		slog.String(keyMethod, r.Method),
		slog.String(keyPath, logField(maskToken(r.URL.Path))),
		slog.String(keyQuery, logField(maskToken(r.URL.RawQuery))),
		slog.Int(keyStatus, sw.status),
		slog.Int(keyBytes, sw.bytes),
		slog.Float64(keyDuration, float64(micros)/1000),
		slog.String(keyAgent, logField(r.UserAgent())),
	}
	if sw.err != nil {
		attrs = append(attrs, slog.Any(keyError, sw.err))
	}
	return attrs
}

var lineBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// appendRequestLine appends the request's log line as slog's text handler
// writes it, or with asJSON its JSON handler (TestRequestLine holds them to
// the same bytes), for a fraction of the cost: a line per request is the
// largest part of serving a feed that is already rendered.
func appendRequestLine(b []byte, asJSON bool, t time.Time, level slog.Level, msg string, r *http.Request, sw *statusWriter, micros int64) []byte {
	if asJSON {
		b = append(b, `{"time":"`...)
		b = appendRFC3339(b, t, true)
		b = append(b, `","level":"`...)
		b = append(b, level.String()...)
		b = append(b, '"')
	} else {
		b = append(b, "time="...)
		b = appendRFC3339(b, t, false)
		b = append(b, " level="...)
		b = append(b, level.String()...)
	}
	b = appendStringAttr(b, asJSON, "msg", msg)
	b = appendStringAttr(b, asJSON, keyMethod, r.Method)
	b = appendStringAttr(b, asJSON, keyPath, logField(maskToken(r.URL.Path)))
	b = appendStringAttr(b, asJSON, keyQuery, logField(maskToken(r.URL.RawQuery)))
	b = appendKey(b, asJSON, keyStatus)
	b = strconv.AppendInt(b, int64(sw.status), 10)
	b = appendKey(b, asJSON, keyBytes)
	b = strconv.AppendInt(b, int64(sw.bytes), 10)
	b = appendKey(b, asJSON, keyDuration)
	b = appendMillis(b, asJSON, micros)
	b = appendStringAttr(b, asJSON, keyAgent, logField(userAgent(r)))
	if sw.err != nil {
		// As slog writes an error: its text, or as JSON its Error() (slog
		// would marshal one that is a json.Marshaler; a write's is not).
		text := sw.err.Error()
		if !asJSON {
			text = fmt.Sprintf("%+v", sw.err)
		}
		b = appendStringAttr(b, asJSON, keyError, text)
	}
	if asJSON {
		b = append(b, '}')
	}
	return append(b, '\n')
}

// appendKey begins an attribute: ` key=` as text, `,"key":` as JSON. The
// keys are this file's constants, which need no quoting or escaping.
func appendKey(b []byte, asJSON bool, key string) []byte {
	if asJSON {
		b = append(b, ',', '"')
		b = append(b, key...)
		return append(b, '"', ':')
	}
	b = append(b, ' ')
	b = append(b, key...)
	return append(b, '=')
}

// appendStringAttr appends a string attribute, its value quoted as slog's
// text handler quotes it, or as its JSON handler escapes it.
func appendStringAttr(b []byte, asJSON bool, key, value string) []byte {
	b = appendKey(b, asJSON, key)
	if asJSON {
		b = append(b, '"')
		b = appendJSONString(b, value)
		return append(b, '"')
	}
	if needsQuoting(value) {
		return strconv.AppendQuote(b, value)
	}
	return append(b, value...)
}

// appendMillis appends micros microseconds in milliseconds as slog formats
// the float64 micros/1000: the shortest decimal that reads back as it.
// Below 10^12 µs (eleven days), where a float64 is finer than a
// microsecond by far, that is the number itself, its trailing zeros cut.
// Slog's text handler writes 10^6 ms and more with an exponent (strconv's
// 'g'); those, longer ones and a negative duration take slog's own way.
func appendMillis(b []byte, asJSON bool, micros int64) []byte {
	if micros < 0 || micros >= 1e12 || !asJSON && micros >= 1e9 {
		ms := float64(micros) / 1000
		if asJSON {
			m, _ := json.Marshal(ms)
			return append(b, m...)
		}
		return strconv.AppendFloat(b, ms, 'g', -1, 64)
	}
	b = strconv.AppendInt(b, micros/1000, 10)
	return appendFraction(b, int(micros%1000), 3)
}

// appendFraction appends the decimal fraction frac / 10^digits (digits up
// to 9), its trailing zeros cut, and nothing if it is 0.
func appendFraction(b []byte, frac, digits int) []byte {
	if frac == 0 {
		return b
	}
	for frac%10 == 0 {
		frac /= 10
		digits--
	}
	b = append(b, '.')
	for d := digits - 1; d >= 0; d-- {
		b = append(b, byte('0'+frac/pow10[d]%10))
	}
	return b
}

// pow10 are the powers of ten of the digits of a fraction.
var pow10 = [...]int{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8}

// appendJSONString escapes s as slog's JSON handler does (encoding/json's
// rules without HTML escaping): ", \\ and control characters escaped,
// invalid UTF-8 as U+FFFD, and U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			start = i + size
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = append(b, hex[r&0xF])
			start = i + size
		}
		i += size
	}
	return append(b, s[start:]...)
}

// maxLogField is the most of a path, query or User-Agent a request's log
// line holds: a client may send 16 KB of each (the header limit), and a
// line per request would write them all.
const maxLogField = 1024

// logField is s for the request log: whole up to maxLogField bytes, else
// cut there (at a character's start) and said so.
func logField(s string) string {
	if len(s) <= maxLogField {
		return s
	}
	cut := maxLogField
	// Back to a character's start: at most 3 bytes (bytes that start
	// none, invalid UTF-8, are cut where they are).
	for i := 0; i < utf8.UTFMax-1 && !utf8.RuneStart(s[cut]); i++ {
		cut--
	}
	return s[:cut] + "…(" + strconv.Itoa(len(s)) + " bytes)"
}

// userAgent is r.UserAgent() without canonicalising the key, which is
// already canonical: it is read twice for every request.
func userAgent(r *http.Request) string {
	if v := r.Header["User-Agent"]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// appendRFC3339 is slog's time format: RFC 3339 with milliseconds for its
// text handler, with nanoseconds, trailing zeros cut, for its JSON handler
// (nanos). The part up to the second, and the zone, are formatted once a
// second (see stamp); a line appends only its fraction to them.
func appendRFC3339(b []byte, t time.Time, nanos bool) []byte {
	s := lastStamp.Load()
	if s == nil || s.sec != t.Unix() || s.loc != t.Location() {
		s = newStamp(t)
		lastStamp.Store(s)
	}
	b = append(b, s.head...)
	ns := t.Nanosecond()
	if nanos {
		b = appendFraction(b, ns, 9)
	} else {
		ms := ns / int(time.Millisecond)
		b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	}
	return append(b, s.zone...)
}

// stamp is one second of the log's time format, in one location.
type stamp struct {
	sec  int64
	loc  *time.Location
	head string // 2006-01-02T15:04:05
	zone string // Z07:00
}

// lastStamp is the second the last log line was written in: under load,
// many lines share it.
var lastStamp atomic.Pointer[stamp]

func newStamp(t time.Time) *stamp {
	return &stamp{sec: t.Unix(), loc: t.Location(), head: t.Format("2006-01-02T15:04:05"), zone: t.Format("Z07:00")}
}

// httpDate is the Date header of a response begun at t (RFC 9110 §6.6.1:
// to the second), formatted once a second. net/http would read the clock
// and format it again for each response; it leaves a Date the handler set.
// It is the time the request came in: one that waited (for a render, say)
// goes out a little older than it is, which the RFC allows.
func httpDate(t time.Time) []string {
	d := lastDate.Load()
	if d == nil || d.sec != t.Unix() {
		d = &date{sec: t.Unix(), value: []string{t.UTC().Format(http.TimeFormat)}}
		lastDate.Store(d)
	}
	return d.value
}

// date is one second's Date header. Its value is shared by every response
// of that second, and only read.
type date struct {
	sec   int64
	value []string
}

// lastDate is the Date formatted last. (At a second's end, a request
// begun in the second before may store its own after a newer one: every
// call checks the second.)
var lastDate atomic.Pointer[date]

// needsQuoting is slog's rule: empty, or with a space, =, ", a control
// character, or a rune that is not printable or not valid UTF-8.
func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '=' || c == '"' {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}
