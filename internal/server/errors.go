package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// notFoundError is a 404 that names what exists.
type notFoundError struct {
	what  string // what was asked for, e.g. `track "gendr"`
	known string // what exists, e.g. "tracks: gender, measurement"
}

func (e *notFoundError) Error() string {
	return fmt.Sprintf("no %s; %s", e.what, e.known)
}

// goneError is a 410: what was asked for existed and was removed for good.
type goneError string

func (e goneError) Error() string { return string(e) }

// requestError is a 400: the request itself is wrong.
type requestError string

func (e requestError) Error() string { return string(e) }

func badRequest(msg string) error { return requestError(msg) }

// statusClientClosed is nginx's 499, which net/http has no name for.
const statusClientClosed = 499

var errMethod = errors.New("method not allowed: use GET or HEAD")

// error writes err as a plain-text response. It is the one place that maps
// errors to status codes.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, err, s.logger)
}

// writeError writes err as a plain-text response, with the status code
// its kind of error has; a 500 is logged and its details kept from the
// client.
func writeError(w http.ResponseWriter, r *http.Request, err error, logger *slog.Logger) {
	code := http.StatusInternalServerError
	var nf *notFoundError
	var re requestError
	var gone goneError
	switch {
	case errors.As(err, &nf):
		code = http.StatusNotFound
	case errors.As(err, &gone):
		code = http.StatusGone
	case errors.As(err, &re):
		code = http.StatusBadRequest
	case errors.Is(err, errMethod):
		code = http.StatusMethodNotAllowed
	case errors.Is(err, errBusy):
		code = http.StatusServiceUnavailable
		// The write timeout ends the slowest of the sends that hold the
		// budget within a minute.
		w.Header().Set("Retry-After", "60")
	case errors.Is(err, errGone):
		// What nginx logs as 499: the client closed the request before its
		// response was ready. Nobody reads this one; the request log and
		// /metrics count it apart from the server's own failures.
		code = statusClientClosed
	case errors.Is(err, errTokensUnreadable):
		code = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "300")
	}
	msg := err.Error()
	if code == http.StatusInternalServerError {
		logger.Error("request failed", slog.String(keyPath, maskToken(r.URL.Path)), slog.Any(keyError, err))
		msg = "internal error; the server log has the details"
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
}
