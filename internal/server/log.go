package server

import (
	"io"
	"log/slog"
	"net/http"
	"time"
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

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs one line per request.
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		// A response the client never got whole (the write timeout passed,
		// the client went away) is not logged as a plain success.
		level, msg, errAttr := slog.LevelInfo, "request", slog.Attr{}
		if sw.err != nil {
			level, msg, errAttr = slog.LevelWarn, "request incomplete", slog.Any(keyError, sw.err)
		}
		logger.LogAttrs(r.Context(), level, msg,
			slog.String(keyMethod, r.Method),
			slog.String(keyPath, maskToken(r.URL.Path)),
			slog.String(keyQuery, maskToken(r.URL.RawQuery)),
			slog.Int(keyStatus, sw.status),
			slog.Int(keyBytes, sw.bytes),
			slog.Float64(keyDuration, float64(time.Since(start).Microseconds())/1000),
			slog.String(keyAgent, r.UserAgent()),
			errAttr,
		)
	})
}
