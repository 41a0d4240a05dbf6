package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
)

// version writes a valid events file whose one event is titled "version N".
func version(n int) string {
	return fmt.Sprintf(`calendar: {id: reload, name: Reload, timezone: Europe/Zurich}
tracks: [{id: talks, name: Talks}]
events:
  - {id: talk, title: "version %d", start: 2016-05-02 09:00, end: 2016-05-02 10:00, tracks: [talks]}
  - {id: other, title: Other, start: 2016-05-03 09:00, end: 2016-05-03 10:00}
`, n)
}

const invalidEdit = `calendar: {id: reload, name: Reload, timezone: Europe/Zurich}
events:
  - {id: talk, title: broken, start: 2016-05-02 09:00, end: 2016-05-02 08:00}
`

// replace writes data to path the way editors do: a new file renamed over
// the old one.
func replace(t *testing.T, path, data string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		t.Error(err)
		return
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Error(err)
	}
}

// TestReloadUnderLoad edits the events file many times (valid, invalid,
// valid, in place and by rename) while clients fetch feeds. Every response
// must be a complete, valid calendar of one version or another: no error,
// no torn body, never the invalid edit.
func TestReloadUnderLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.yaml")
	if err := os.WriteFile(path, []byte(version(0)), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, nil, "-config", path, "-reload-delay", "100ms")
	base := s.base

	const edits = 12
	var stop atomic.Bool
	var fetched, failed atomic.Int64
	var seen sync.Map // titles seen
	var wg sync.WaitGroup
	for c := 0; c < 6; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			paths := []string{"/calendar.ics", "/tracks/talks.ics", "/events/talk.ics"}
			for i := 0; !stop.Load(); i++ {
				p := paths[(i+c)%len(paths)]
				resp, err := client.Get(base + p)
				if err != nil {
					failed.Add(1)
					t.Errorf("GET %s: %v", p, err)
					return
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				fetched.Add(1)
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
					t.Errorf("GET %s: status %d, %v", p, resp.StatusCode, err)
					return
				}
				title, err := talkTitle(body)
				if err != nil {
					failed.Add(1)
					t.Errorf("GET %s: not a complete calendar: %v\n%s", p, err, body)
					return
				}
				if !strings.HasPrefix(title, "version ") {
					failed.Add(1)
					t.Errorf("GET %s: served title %q, want one of the valid versions", p, title)
					return
				}
				seen.Store(title, true)
			}
		}(c)
	}

	const refusal = "reload failed; still serving the last good calendar"
	for n := 1; n <= edits; n++ {
		refused := strings.Count(s.stderr.String(), refusal)
		switch n % 3 {
		case 0:
			// Each invalid edit differs from the last: a file as it was
			// last refused is not read again.
			replace(t, path, fmt.Sprintf("%s# edit %d\n", invalidEdit, n))
		case 1:
			replace(t, path, version(n))
		default:
			os.WriteFile(path, []byte(version(n)), 0o644) // in place
		}
		time.Sleep(300 * time.Millisecond) // let each edit be seen
		// Each edit is waited for: a valid one until a client is served
		// it, an invalid one until the log refuses it. A failure stops the
		// edits, not the test: its clients stop first.
		if !eventually(5*time.Second, func() bool {
			if n%3 == 0 {
				return strings.Count(s.stderr.String(), refusal) > refused
			}
			_, served := seen.Load(fmt.Sprintf("version %d", n))
			return served
		}) {
			t.Errorf("edit %d was neither served nor refused within 5 s:\n%s", n, s.stderr)
			break
		}
	}
	final := version(edits + 1)
	replace(t, path, final)
	// The last valid version reaches subscribers.
	last := fmt.Sprintf("version %d", edits+1)
	served := eventually(5*time.Second, func() bool { return fetchTitle(base) == last })
	stop.Store(true)
	wg.Wait()
	if !served {
		t.Fatalf("the last edit was not served within 5s; log:\n%s", s.stderr)
	}
	n := 0
	seen.Range(func(_, _ any) bool { n++; return true })
	t.Logf("%d responses, %d failed, %d versions seen", fetched.Load(), failed.Load(), n)
	if n < 3 {
		t.Errorf("clients saw %d versions; the reloads did not reach them", n)
	}
	if !strings.Contains(s.stderr.String(), refusal) {
		t.Errorf("the invalid edits were not logged:\n%s", s.stderr)
	}
}

// talkTitle parses a feed with an independent parser and returns the title
// of the event "talk".
func talkTitle(body []byte) (string, error) {
	if !bytes.HasSuffix(body, []byte("END:VCALENDAR\r\n")) {
		return "", fmt.Errorf("does not end with END:VCALENDAR")
	}
	cal, err := goical.NewDecoder(bytes.NewReader(body)).Decode()
	if err != nil {
		return "", err
	}
	for _, ev := range cal.Events() {
		if uid, _ := ev.Props.Text(goical.PropUID); uid == "talk@reload" {
			return ev.Props.Text(goical.PropSummary)
		}
	}
	return "", fmt.Errorf("no event talk@reload")
}

// fetchTitle returns the title of the event "talk" as served now.
func fetchTitle(base string) string {
	resp, err := http.Get(base + "/events/talk.ics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	title, _ := talkTitle(body)
	return title
}

func waitTitle(t *testing.T, s *running, base, want string) {
	t.Helper()
	if !eventually(5*time.Second, func() bool { return fetchTitle(base) == want }) {
		t.Fatalf("served title %q, want %q within 5s; log:\n%s", fetchTitle(base), want, s.stderr)
	}
}

// TestReloadConfigMapSwap updates the file as Kubernetes updates a mounted
// ConfigMap: events.yaml is a symlink through ..data, and an update swaps
// ..data to a new directory in one rename.
func TestReloadConfigMapSwap(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) {
		os.MkdirAll(filepath.Join(dir, name), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name, "events.yaml"), []byte(version(n)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("..v1", 1)
	if err := os.Symlink("..v1", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "events.yaml")
	if err := os.Symlink("..data/events.yaml", path); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, nil, "-config", path, "-reload-delay", "100ms")
	base := s.base
	waitTitle(t, s, base, "version 1")

	write("..v2", 2)
	if err := os.Symlink("..v2", filepath.Join(dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, "..v1"))
	waitTitle(t, s, base, "version 2")
}

// TestReloadSIGHUP reloads on SIGHUP even when no file event arrives.
func TestReloadSIGHUP(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.yaml")
	os.WriteFile(path, []byte(version(1)), 0o644)
	s := startServe(t, nil, "-config", path, "-reload-delay", "100ms")
	base := s.base
	waitTitle(t, s, base, "version 1")
	// The file watch reloads too; the log proves the signal was handled.
	os.WriteFile(path, []byte(version(2)), 0o644)
	time.Sleep(100 * time.Millisecond)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitTitle(t, s, base, "version 2")
	// The file watch may have served version 2 before the signal was
	// handled, and the log is written in batches: wait for the line, which
	// names the file as -config gave it.
	waitLog(t, s, `msg="SIGHUP: reloading" config=`+path+"\n")
}
