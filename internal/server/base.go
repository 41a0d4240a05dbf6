package server

import (
	"net/http"
	"strings"
)

// baseURL is the public URL of the server, without a trailing slash, for
// absolute links: Options.BaseURL, else calendar.base_url, else the
// request's own scheme and host (X-Forwarded-Proto and X-Forwarded-Host
// count only with Options.TrustProxy: otherwise any client could make the
// server print links to another host).
func (s *Server) baseURL(r *http.Request) string {
	if s.opts.BaseURL != "" {
		return strings.TrimRight(s.opts.BaseURL, "/")
	}
	if b := s.state.Load().cal.BaseURL; b != "" {
		return b
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if s.opts.TrustProxy {
		if p := firstValue(r.Header.Get("X-Forwarded-Proto")); p == "http" || p == "https" {
			scheme = p
		}
		if h := firstValue(r.Header.Get("X-Forwarded-Host")); h != "" && validHost(h) {
			host = h
		}
	}
	if !validHost(host) {
		host = "localhost"
	}
	return scheme + "://" + host
}

// firstValue is the first of a comma-separated header's values (the one the
// proxy nearest the client set).
func firstValue(h string) string {
	v, _, _ := strings.Cut(h, ",")
	return strings.TrimSpace(v)
}

// validHost accepts a host[:port] made of the characters host names,
// IPv4 and bracketed IPv6 addresses use, so that no header can smuggle a
// path, a quote or a space into a link.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.' || c == '-' || c == ':' || c == '[' || c == ']':
		default:
			return false
		}
	}
	return true
}
