package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// privateCalendarYAML has a private track (closedoor) with an event, and a
// public track with a public event.
const privateCalendarYAML = `calendar: {id: priv, name: Private forum, timezone: Europe/Zurich, base_url: "https://cal.example.org"}
tracks:
  - {id: talks, name: Talks}
  - {id: closedoor, name: Boardroomers, private: true}
events:
  - {id: talk, title: Open talk, start: 2026-05-04 09:00, duration: 1h, tracks: [talks]}
  - {id: board-retreat, title: Boardretreat, start: 2026-05-04 11:00, duration: 1h, location: Vaultroom, tracks: [closedoor]}
`

// privateWordsCmd are what no public response or file may hold.
var privateWordsCmd = []string{"closedoor", "board-retreat", "Boardretreat", "Vaultroom", "Boardroomers"}

var tokenLineRE = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// addToken runs calfeed token add and returns the token, its last line.
func addToken(t *testing.T, config string, args ...string) (string, runResult) {
	t.Helper()
	res := runCmd(t, nil, append([]string{"token", "add", "-config", config}, args...)...)
	if res.code != 0 {
		t.Fatalf("token add %v: exit %d\n%s%s", args, res.code, res.stdout, res.stderr)
	}
	lines := strings.Split(strings.TrimRight(res.stdout, "\n"), "\n")
	tok := lines[len(lines)-1]
	if !tokenLineRE.MatchString(tok) {
		t.Fatalf("token add: last line %q is not a token; stdout:\n%s", tok, res.stdout)
	}
	return tok, res
}

func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "events.yaml")
	if err := os.WriteFile(config, []byte(privateCalendarYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	tok, res := addToken(t, config, "-name", "Bureau", "-tracks", "closedoor")
	if !strings.Contains(res.stdout, "https://cal.example.org/p/"+tok+"/") {
		t.Errorf("token add does not print the address:\n%s", res.stdout)
	}
	data, err := os.ReadFile(config + ".tokens")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), tok) || !strings.Contains(string(data), `"Bureau"`) {
		t.Errorf("the tokens file should hold the name and a hash, not the token:\n%s", data)
	}
	all, res := addToken(t, config, "-name", "Staff", "-all", "-base-url", "https://other.example.org/forum/")
	if want := "https://other.example.org/forum/p/" + all + "/\n"; !strings.Contains(res.stdout, want) {
		t.Errorf("token add -base-url with a path and a slash: stdout lacks %q:\n%s", want, res.stdout)
	}
	// Another YAML file that is no calendar beside it makes no folder.
	composed := filepath.Join(t.TempDir(), "events.yaml")
	os.WriteFile(composed, []byte(privateCalendarYAML), 0o644)
	os.WriteFile(filepath.Join(filepath.Dir(composed), "docker-compose.yaml"), []byte("services:\n  calfeed:\n    image: calfeed\n"), 0o644)
	if compose, res := addToken(t, composed, "-name", "Compose", "-all"); !strings.Contains(res.stdout, "https://cal.example.org/p/"+compose+"/") || strings.Contains(res.stderr, "other calendars") {
		t.Errorf("token add beside a docker-compose.yaml:\n%s%s", res.stdout, res.stderr)
	}

	// No public address known: a local one, at the root for a file alone
	// in its folder, under /priv/ with -folder.
	noBase := filepath.Join(t.TempDir(), "priv.yaml")
	os.WriteFile(noBase, []byte(strings.Replace(privateCalendarYAML, `, base_url: "https://cal.example.org"`, "", 1)), 0o644)
	local, res := addToken(t, noBase, "-name", "Local", "-all")
	if !strings.Contains(res.stdout, "http://localhost:8080/p/"+local+"/") || !strings.Contains(res.stderr, "no public address known") ||
		strings.Contains(res.stderr, "holds other calendars") {
		t.Errorf("token add without a public address:\n%s%s", res.stdout, res.stderr)
	}
	local, res = addToken(t, noBase, "-name", "Local folder", "-all", "-folder")
	if !strings.Contains(res.stdout, "http://localhost:8080/priv/p/"+local+"/") {
		t.Errorf("token add -folder without a public address:\n%s%s", res.stdout, res.stderr)
	}
	// Served on another port: the local address is that port's.
	res = runCmd(t, map[string]string{"PORT": "18080"}, "token", "add", "-config", noBase, "-name", "Port", "-all")
	if !strings.Contains(res.stdout, "http://localhost:18080/p/") {
		t.Errorf("token add with PORT=18080 and no public address:\n%s%s", res.stdout, res.stderr)
	}
	if all == tok {
		t.Fatal("two tokens alike")
	}

	list := runCmd(t, nil, "token", "list", "-config", config)
	if list.code != 0 || !strings.Contains(list.stdout, "Bureau") || !strings.Contains(list.stdout, "tracks closedoor") ||
		!strings.Contains(list.stdout, "Staff") || !strings.Contains(list.stdout, "all private") {
		t.Errorf("token list: exit %d\n%s%s", list.code, list.stdout, list.stderr)
	}
	if strings.Contains(list.stdout, tok) || strings.Contains(list.stdout, all) || strings.Contains(list.stdout, "sha256") {
		t.Errorf("token list shows a token or its hash:\n%s", list.stdout)
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-name", "Bureau", "-tracks", "closedoor"}, 1, `named "Bureau" exists`},
		{[]string{"-name", "X", "-tracks", "nope"}, 1, `no track "nope" (tracks: talks, closedoor)`},
		{[]string{"-name", "X", "-tracks", "talks"}, 1, `track "talks" is public`},
		{[]string{"-name", "X", "-tracks", "closedoor", "-all"}, 2, "either -tracks or -all"},
		{[]string{"-name", "X"}, 2, "either -tracks or -all"},
		{[]string{"-tracks", "closedoor"}, 2, "give -name"},
	} {
		res := runCmd(t, nil, append([]string{"token", "add", "-config", config}, tc.args...)...)
		if res.code != tc.code || !strings.Contains(res.stdout+res.stderr, tc.want) {
			t.Errorf("token add %v: exit %d, want %d saying %q:\n%s%s", tc.args, res.code, tc.code, tc.want, res.stdout, res.stderr)
		}
	}

	rev := runCmd(t, nil, "token", "revoke", "-config", config, "-name", "Bureau")
	if rev.code != 0 {
		t.Fatalf("token revoke: exit %d\n%s", rev.code, rev.stderr)
	}
	if again := runCmd(t, nil, "token", "revoke", "-config", config, "-name", "Bureau"); again.code != 1 || !strings.Contains(again.stderr, `no token named "Bureau" (tokens: "Staff")`) {
		t.Errorf("revoking twice: exit %d\n%s", again.code, again.stderr)
	}
	if list := runCmd(t, nil, "token", "list", "-config", config); strings.Contains(list.stdout, "Bureau") {
		t.Errorf("a revoked token is still listed:\n%s", list.stdout)
	}

	public := filepath.Join(dir, "public.yaml")
	os.WriteFile(public, []byte(calendarYAML("pub", "Talk")), 0o644)
	if res := runCmd(t, nil, "token", "add", "-config", public, "-name", "X", "-all"); res.code != 1 || !strings.Contains(res.stderr, "nothing private") {
		t.Errorf("token add -all on a public calendar: exit %d\n%s", res.code, res.stderr)
	}
	os.WriteFile(config+".tokens", []byte("{\"version\": 1,\n \"tokens\": [\n  {\"name\": \"a\",, \"hash\": \"x\"}\n ]\n}\n"), 0o600)
	if res := runCmd(t, nil, "check", config); res.code != 1 || !strings.Contains(res.stderr, "events.yaml.tokens:3:16: the file is damaged") {
		t.Errorf("check with a damaged tokens file: exit %d\n%s", res.code, res.stderr)
	}
}

// TestServeTokens: tokens added and revoked while the server runs; their
// addresses open and close; nothing private on the public side; no token
// in the log.
func TestServeTokens(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	config := filepath.Join(dir, "events.yaml")
	if err := os.WriteFile(config, []byte(privateCalendarYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, nil, "-config", config, "-reload-delay", "50ms", "-base-url", "https://cal.example.org")
	status := func(path string) int {
		resp, err := http.Get(s.base + path)
		if err != nil {
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	tok, _ := addToken(t, config, "-name", "Bureau", "-tracks", "closedoor")
	feed := "/p/" + tok + "/calendar.ics"
	waitFor(t, s, "the new token's address answers", func() bool { return status(feed) == http.StatusOK })
	resp, body := fetch(t, http.DefaultClient, s.base+feed, nil)
	if !strings.Contains(body, "Boardretreat") || !strings.Contains(body, "Open talk") || !strings.HasPrefix(resp.Header.Get("Cache-Control"), "private") {
		t.Errorf("the secret feed: Cache-Control %q\n%s", resp.Header.Get("Cache-Control"), body)
	}
	_, page := fetch(t, http.DefaultClient, s.base+"/p/"+tok+"/", nil)
	if !strings.Contains(page, "https://cal.example.org/p/"+tok+"/tracks/closedoor.ics") {
		t.Error("the secret page does not link the private track's feed")
	}
	for _, path := range []string{"/", "/calendar.ics", "/feeds.json", "/embed", "/changes.atom", "/healthz", "/metrics", "/tracks/closedoor.ics", "/events/board-retreat.ics"} {
		_, body := fetch(t, http.DefaultClient, s.base+path, nil)
		for _, w := range privateWordsCmd {
			if strings.Contains(body, w) && !strings.Contains(path, w) {
				t.Errorf("public %s shows %q", path, w)
			}
		}
	}

	if res := runCmd(t, nil, "token", "revoke", "-config", config, "-name", "Bureau"); res.code != 0 {
		t.Fatalf("revoke: %s", res.stderr)
	}
	waitFor(t, s, "the revoked token's address is a 404", func() bool { return status(feed) == http.StatusNotFound })
	if status("/calendar.ics") != http.StatusOK {
		t.Error("the public feed went away with the token")
	}
	logs := s.stderr.String()
	if strings.Contains(logs, tok) {
		t.Errorf("the token is in the log:\n%s", logs)
	}
	if !strings.Contains(logs, "/p/{token}/calendar.ics") {
		t.Errorf("the log does not show the secret address masked:\n%s", logs)
	}
}

// TestServeFolderTokens: in a folder, each calendar's secret addresses
// are under its own path.
func TestServeFolderTokens(t *testing.T) {
	t.Parallel()
	dir := folderOfCalendars(t, map[string]string{
		"priv.yaml":  privateCalendarYAML,
		"other.yaml": calendarYAML("other", "Other talk"),
	})
	tok, res := addToken(t, filepath.Join(dir, "priv.yaml"), "-name", "Bureau", "-all")
	// The calendar's base_url knows nothing of the folder: beside another
	// calendar, token add prints the address under /priv/, where the
	// folder serves it, and says where it is when the file is served
	// alone.
	if want := "https://cal.example.org/priv/p/" + tok + "/"; !strings.Contains(res.stdout, want) {
		t.Errorf("token add beside another calendar: stdout lacks %q:\n%s", want, res.stdout)
	}
	if want := "served alone (serve -config " + filepath.Join(dir, "priv.yaml") + "), it is https://cal.example.org/p/TOKEN/"; !strings.Contains(res.stderr, want) {
		t.Errorf("token add beside another calendar: stderr lacks %q:\n%s", want, res.stderr)
	}
	alone, res := addToken(t, filepath.Join(dir, "priv.yaml"), "-name", "Alone", "-all", "-folder=false")
	if want := "https://cal.example.org/p/" + alone + "/"; !strings.Contains(res.stdout, want) || strings.Contains(res.stderr, "holds other calendars") {
		t.Errorf("token add -folder=false beside another calendar: stdout lacks %q, or stderr speaks of the folder:\n%s%s", want, res.stdout, res.stderr)
	}
	// A calendar whose file begins with a byte order mark is one too;
	// a YAML file whose "calendar:" is not at the top level is not.
	bom := folderOfCalendars(t, map[string]string{
		"priv.yaml":  privateCalendarYAML,
		"other.yaml": "\uFEFF" + calendarYAML("other", "Other talk"),
		"notes.yaml": "notes:\n  calendar: soon\n",
	})
	if n := calendarsIn(bom); n != 2 {
		t.Errorf("calendarsIn: %d, want 2 (one with a byte order mark, one note)", n)
	}
	// A base_url that ends in the calendar's id is its address in the
	// folder already: the same address either way, and no note.
	own, res := addToken(t, filepath.Join(dir, "priv.yaml"), "-name", "Own", "-all", "-base-url", "https://cal.example.org/priv")
	if want := "https://cal.example.org/priv/p/" + own + "/"; !strings.Contains(res.stdout, want) || strings.Contains(res.stderr, "served alone") {
		t.Errorf("token add with a base URL ending in /priv: stdout lacks %q, or stderr has a note:\n%s%s", want, res.stdout, res.stderr)
	}
	noBase := filepath.Join(dir, "nobase.yaml")
	os.WriteFile(noBase, []byte(strings.NewReplacer(`, base_url: "https://cal.example.org"`, "", "id: priv", "id: nobase").Replace(privateCalendarYAML)), 0o644)
	if local, res := addToken(t, noBase, "-name", "Local", "-all"); !strings.Contains(res.stdout, "http://localhost:8080/nobase/p/"+local+"/") {
		t.Errorf("token add beside other calendars, no public address: stdout lacks the folder's local address:\n%s%s", res.stdout, res.stderr)
	}
	s := startServe(t, nil, "-config", dir, "-reload-delay", "50ms")
	if got := titleAt(s.base, "/priv/p/"+tok+"/tracks/closedoor.ics"); got != "Boardretreat" {
		t.Errorf("the private track under /priv/p/{token}/: %q", got)
	}
	for _, path := range []string{"/p/" + tok + "/calendar.ics", "/other/p/" + tok + "/calendar.ics"} {
		if resp, _ := fetch(t, http.DefaultClient, s.base+path, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404: a token belongs to its calendar", path, resp.StatusCode)
		}
	}
	_, index := fetch(t, http.DefaultClient, s.base+"/", nil)
	_, list := fetch(t, http.DefaultClient, s.base+"/feeds.json", nil)
	for _, w := range privateWordsCmd {
		if strings.Contains(index+list, w) {
			t.Errorf("the folder's index or feeds.json shows %q", w)
		}
	}
	if strings.Contains(s.stderr.String(), tok) {
		t.Error("the token is in the log")
	}
}

// TestBuildNothingPrivate: calfeed build writes the public calendar only.
func TestBuildNothingPrivate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	config := filepath.Join(dir, "events.yaml")
	os.WriteFile(config, []byte(privateCalendarYAML), 0o644)
	addToken(t, config, "-name", "Bureau", "-all")
	out := filepath.Join(dir, "site")
	if res := runCmd(t, nil, "build", "-config", config, "-out", out); res.code != 0 {
		t.Fatalf("build: exit %d\n%s", res.code, res.stderr)
	}
	n := 0
	err := filepath.Walk(out, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		n++
		data, err := os.ReadFile(path)
		for _, w := range privateWordsCmd {
			if strings.Contains(string(data), w) || strings.Contains(path, w) {
				t.Errorf("%s holds %q", path, w)
			}
		}
		return err
	})
	if err != nil || n < 10 {
		t.Fatalf("walked %d files: %v", n, err)
	}
}

// TestWriteTable: columns line up as a terminal shows them, a Chinese
// character taking two columns.
func TestWriteTable(t *testing.T) {
	var b strings.Builder
	if err := writeTable(&b, [][]string{{"NAME", "GRANTS", "CREATED"}, {"主席团成员", "tracks bureau", "2026-12-02"}, {"Staff", "all private", "2026-12-01"}}); err != nil {
		t.Fatal(err)
	}
	want := "NAME        GRANTS         CREATED\n" +
		"主席团成员  tracks bureau  2026-12-02\n" +
		"Staff       all private    2026-12-01\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	for s, w := range map[string]int{"Staff": 5, "主席团": 6, "ＡＢ": 4, "é": 1, "e\u0301": 1} {
		if got := displayWidth(s); got != w {
			t.Errorf("displayWidth(%q) = %d, want %d", s, got, w)
		}
	}
}
