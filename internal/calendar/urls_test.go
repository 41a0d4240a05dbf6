package calendar

import (
	"strings"
	"testing"
)

// TestHTTPURL: addresses are read as a browser's address bar reads them,
// and written in the form feeds need; what cannot be an address names the
// character at fault.
func TestHTTPURL(t *testing.T) {
	good := []struct{ in, want string }{
		{"https://example.org/watch now", "https://example.org/watch%20now"},
		{`https://example.org/a "quoted" <b>`, "https://example.org/a%20%22quoted%22%20%3Cb%3E"},
		{"https://example.org/会议/直播?房间=1#第二", "https://example.org/%E4%BC%9A%E8%AE%AE/%E7%9B%B4%E6%92%AD?%E6%88%BF%E9%97%B4=1#%E7%AC%AC%E4%BA%8C"},
		{"https://例子.中国/page", "https://xn--fsqu00a.xn--fiqs8s/page"},
		{"HTTPS://Example.ORG:443/Path", "https://example.org/Path"},
		{"http://example.org:8080", "http://example.org:8080/"},
		{"  https://example.org/x  ", "https://example.org/x"},
		{"https://example.org/a\tb\nc", "https://example.org/abc"},
		{`https:\\example.org\a\b`, "https://example.org/a/b"},
		{"https://example.org/100%", "https://example.org/100%25"},
		{"https://example.org/a%20b?q=%E4", "https://example.org/a%20b?q=%E4"},
		{"https://[2001:db8::1]:8443/x", "https://[2001:db8::1]:8443/x"},
		{"https://example.org/?q=a b&r='x'", "https://example.org/?q=a%20b&r=%27x%27"},
	}
	for _, tc := range good {
		got, err := HTTPURL(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("HTTPURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	bad := []struct{ in, want string }{
		{"example.org/page", "has no scheme; write it in full: https://example.org/page"},
		{"ftp://example.org/", "is not an http or https address"},
		{"javascript:alert(1)", "is not an http or https address"},
		{"https:example.org", "needs // after https:"},
		{"https://", "has no host name"},
		{"https://exa mple.org/", `has " " in its host name`},
		{`https://exa"mple.org/`, `has "\"" in its host name`},
		{"https://user:pw@example.org/", "user name or password"},
		{"https://example.org:99999/", `has the port "99999"`},
		{"https://example.org:http/", `has the port "http"`},
		{"https://[zz]/", "no IPv6 address"},
	}
	for _, tc := range bad {
		got, err := HTTPURL(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("HTTPURL(%q) = %q, %v; want an error saying %q", tc.in, got, err, tc.want)
		}
	}
}
