package server

import (
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// baseURL is the public URL of the server, without a trailing slash, for
// absolute links: Options.BaseURL, else calendar.base_url, else the
// request's own scheme and host (X-Forwarded-Proto and X-Forwarded-Host
// count only with Options.TrustProxy: otherwise any client could make the
// server print links to another host).
func (s *Server) baseURL(r *http.Request) string {
	if b := s.fixedBaseURL(); b != "" {
		return b
	}
	return requestBase(r, s.opts.TrustProxy) + s.prefix
}

// requestBase is the scheme and host a request was made to: its own, or
// the nearest proxy's with trustProxy.
func requestBase(r *http.Request, trustProxy bool) string {
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if trustProxy {
		if p := lastValue(r.Header.Values("X-Forwarded-Proto")); p == "http" || p == "https" {
			scheme = p
		}
		if h := lastValue(r.Header.Values("X-Forwarded-Host")); validHost(h) {
			host = h
		}
	}
	if !validHost(host) {
		host = "localhost" // a request without Host (HTTP/1.0); checkHost refuses a bad one
	}
	return scheme + "://" + host
}

// fixedBaseURL is the base URL that does not depend on the request, or "".
func (s *Server) fixedBaseURL() string {
	b := s.state.Load().cal.BaseURL
	if s.opts.BaseURL != "" {
		b = strings.TrimRight(s.opts.BaseURL, "/")
	}
	if b == "" {
		return ""
	}
	return b + s.secret
}

// varyOnBase adds to a response whose links are built from the request's
// forwarding headers the Vary that tells caches so.
func (s *Server) varyOnBase(h http.Header) {
	if s.opts.TrustProxy && s.fixedBaseURL() == "" {
		h.Add("Vary", "X-Forwarded-Host, X-Forwarded-Proto")
	}
}

// lastValue is the last of a comma-separated header's values: the one the
// nearest proxy set. A proxy appends to what the client sent, so the first
// value is the client's own and proves nothing.
func lastValue(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	line := lines[len(lines)-1]
	if i := strings.LastIndexByte(line, ','); i >= 0 {
		line = line[i+1:]
	}
	return strings.TrimSpace(line)
}

// validHost accepts a host[:port] that makes a valid URL: a host name
// (letters, digits, '.', '-', '_'), an IPv4 address, or an IPv6 address in
// brackets, then an optional numeric port. Nothing a header holds can then
// smuggle a path, a quote or a space into a link, or break url.Parse.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	host, port := h, ""
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return false
		}
		host, port = h[1:end], h[end+1:]
		if ip := net.ParseIP(host); ip == nil || !strings.Contains(host, ":") {
			return false
		}
		if port != "" && !strings.HasPrefix(port, ":") {
			return false
		}
		port = strings.TrimPrefix(port, ":")
	} else {
		if strings.Count(h, ":") > 1 {
			return false
		}
		host, port, _ = strings.Cut(h, ":")
		if host == "" {
			return false
		}
		for _, c := range host {
			switch {
			case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '-', c == '_':
			default:
				return false
			}
		}
	}
	if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") || port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || len(port) > 5 {
			return false
		}
	}
	// Letters, digits, . - _ and a port, or a bracketed IPv6 address: a
	// host net/url accepts as it is (TestValidHost checks that).
	return true
}

// checkHost refuses, with a 400, a request whose Host header is not a
// host[:port] (RFC 9112 §3.2: a server must answer 400 to an invalid Host).
func checkHost(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != "" && !validHost(r.Host) {
			writeError(w, r, badRequest("the Host header is not a host name with an optional port"), logger)
			return
		}
		next.ServeHTTP(w, r)
	})
}
