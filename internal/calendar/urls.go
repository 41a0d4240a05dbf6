package calendar

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// HTTPURL reads an http or https address as a browser's address bar does
// (the WHATWG URL standard, for those two schemes) and returns it in the
// form calendars and feeds need: spaces, quotes and other characters a URL
// cannot hold percent-encoded ("watch now" becomes "watch%20now"), text in
// any script as UTF-8 percent-encoded, a host name in any script in its
// ASCII form (IDNA), a backslash read as a slash, tabs and line breaks
// removed. What cannot be an address at all is an error that names the
// character at fault.
func HTTPURL(s string) (string, error) {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return -1 // a browser drops them from an address
			}
			return r
		}, s)
	}
	scheme, rest, ok := strings.Cut(s, ":")
	scheme = strings.ToLower(scheme)
	if !ok || (scheme != "http" && scheme != "https") {
		if strings.Contains(strings.SplitN(s, "/", 2)[0], ".") && !strings.Contains(s, "://") {
			return "", fmt.Errorf("has no scheme; write it in full: https://%s", s)
		}
		return "", fmt.Errorf("is not an http or https address; write it in full, like https://example.org/page")
	}
	rest = strings.ReplaceAll(rest, `\`, "/")
	if !strings.HasPrefix(rest, "//") {
		return "", fmt.Errorf("needs // after %s:, like %s://example.org/page", scheme, scheme)
	}
	rest = strings.TrimLeft(rest, "/")
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	host, err := authority(scheme, rest[:end])
	if err != nil {
		return "", err
	}
	rest = rest[end:]
	var path, query, fragment string
	rest, fragment, hasFragment := strings.Cut(rest, "#")
	path, query, hasQuery := strings.Cut(rest, "?")
	if path == "" {
		path = "/"
	}
	out := scheme + "://" + host + escapeURLPart(path, pathEscapes)
	if hasQuery {
		out += "?" + escapeURLPart(query, queryEscapes)
	}
	if hasFragment {
		out += "#" + escapeURLPart(fragment, fragmentEscapes)
	}
	if _, err := url.Parse(out); err != nil {
		return "", fmt.Errorf("cannot be read as an address (%v)", err)
	}
	return out, nil
}

// authority checks the host[:port] of an address and returns it with the
// host in lower case and ASCII.
func authority(scheme, a string) (string, error) {
	if i := strings.LastIndexByte(a, '@'); i >= 0 {
		return "", fmt.Errorf("holds a user name or password (before @); a public address must not")
	}
	if a == "" {
		return "", fmt.Errorf("has no host name after //")
	}
	host, port := a, ""
	if strings.HasPrefix(a, "[") {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return "", fmt.Errorf("has a [ with no ] in its host")
		}
		if ip := net.ParseIP(a[1:end]); ip == nil || ip.To4() != nil {
			return "", fmt.Errorf("has %q in brackets, which is no IPv6 address", a[1:end])
		}
		host, port = strings.ToLower(a[:end+1]), strings.TrimPrefix(a[end+1:], ":")
		if port == a[end+1:] && port != "" {
			return "", fmt.Errorf("has %q after its IPv6 address; a port follows a colon", port)
		}
	} else {
		if i := strings.LastIndexByte(a, ':'); i >= 0 {
			host, port = a[:i], a[i+1:]
		}
		ascii, err := idna.Lookup.ToASCII(strings.ToLower(host))
		if err != nil {
			for _, r := range host {
				if r < 0x80 && !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
					return "", fmt.Errorf("has %q in its host name %q, which no host name has", string(r), host)
				}
			}
			return "", fmt.Errorf("has a host name %q that is not valid (%v)", host, err)
		}
		if ascii == "" {
			return "", fmt.Errorf("has no host name after //")
		}
		host = ascii
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("has the port %q; a port is a number from 1 to 65535", port)
		}
		if scheme == "http" && n == 80 || scheme == "https" && n == 443 {
			return host, nil // the default port, as browsers write it: none
		}
		return host + ":" + strconv.Itoa(n), nil
	}
	return host, nil
}

// The characters each part of an address percent-encodes, besides
// controls, spaces and everything past ASCII (the WHATWG URL standard's
// percent-encode sets; '%' not starting an escape is encoded too).
const (
	pathEscapes     = "\"#<>?`{}"
	queryEscapes    = "\"#<>'"
	fragmentEscapes = "\"<>`"
)

// escapeURLPart percent-encodes what a part of an address must not hold
// as it is (see mustEscape).
func escapeURLPart(s, escapes string) string {
	i := 0
	for i < len(s) && !mustEscape(s, i, escapes) {
		i++
	}
	if i == len(s) {
		return s // the common case: nothing to escape, nothing to copy
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		if c := s[i]; mustEscape(s, i, escapes) {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// mustEscape reports whether escapeURLPart escapes s[i]: a control, a
// space, a byte not ASCII, one of escapes, or a % that starts no escape.
func mustEscape(s string, i int, escapes string) bool {
	switch c := s[i]; {
	case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
		return false
	case c <= ' ' || c >= 0x7f || c == '%' || strings.IndexByte(escapes, c) >= 0:
		return true
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
