package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loadRoutes are every route of the contract, with what a complete body of
// each looks like.
var loadRoutes = []struct {
	path     string
	complete func([]byte) error
}{
	{"/", endsWith("</html>\n")},
	{"/?lang=ar", endsWith("</html>\n")},
	{"/calendar.ics", icsComplete},
	{"/calendar.ics?lang=en&alarm=15m", icsComplete},
	{"/calendar.ics?tracks=gender,measurement", icsComplete},
	{"/calendar.ics?events=gem-tech-awards-2015,wsis10-hlm", icsComplete},
	{"/tracks/gender.ics", icsComplete},
	{"/tracks/action-lines.ics?lang=en", icsComplete},
	{"/events/wsis-forum-2016.ics", icsComplete},
	{"/feeds.json", jsonComplete},
	{"/embed", endsWith(">\n")},
	{"/embed?format=text", nonEmpty},
	{"/changes.atom", endsWith("</feed>\n")},
	{"/subscribe/google/gender", nil}, // a redirect: status only
	{"/healthz", jsonComplete},
	{"/metrics", nonEmpty},
}

func endsWith(suffix string) func([]byte) error {
	return func(b []byte) error {
		if !bytes.HasSuffix(b, []byte(suffix)) {
			return fmt.Errorf("does not end with %q", suffix)
		}
		return nil
	}
}

func icsComplete(b []byte) error {
	if !bytes.HasPrefix(b, []byte("BEGIN:VCALENDAR\r\n")) || !bytes.HasSuffix(b, []byte("END:VCALENDAR\r\n")) {
		return fmt.Errorf("not a whole calendar")
	}
	if bytes.Count(b, []byte("BEGIN:VEVENT")) != bytes.Count(b, []byte("END:VEVENT")) {
		return fmt.Errorf("unbalanced VEVENTs")
	}
	return nil
}

func jsonComplete(b []byte) error {
	if !json.Valid(b) {
		return fmt.Errorf("invalid JSON")
	}
	return nil
}

func nonEmpty(b []byte) error {
	if len(b) == 0 {
		return fmt.Errorf("empty")
	}
	return nil
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestLoad sends concurrent clients to every route for a bounded time while
// the events file is rewritten (valid and invalid) and reloaded. It wants
// no 5xx, no torn or incomplete body, and the heap back near its baseline
// afterwards. Loopback only.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of load")
	}
	seed, err := os.ReadFile("../../events.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "events.yaml")
	os.WriteFile(path, seed, 0o644)
	s := startServe(t, nil, "-config", path, "-log-format", "json", "-reload-delay", "100ms")
	base := s.base

	// Warm up every route once, then take the baseline.
	noRedirect := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, r := range loadRoutes {
		resp, err := noRedirect.Get(base + r.path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			t.Fatalf("GET %s: status %d before the load", r.path, resp.StatusCode)
		}
	}
	before, logBefore := heapInUse(), s.stderr.Cap()

	const duration = 3 * time.Second
	var requests, fiveXX, torn atomic.Int64
	var mu sync.Mutex
	var latencies []time.Duration
	var firstErr atomic.Value
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	for c := range 16 {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: noRedirect.CheckRedirect}
			var mine []time.Duration
			for i := c; time.Now().Before(deadline); i++ {
				r := loadRoutes[i%len(loadRoutes)]
				t0 := time.Now()
				resp, err := client.Get(base + r.path)
				if err != nil {
					torn.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("GET %s: %v", r.path, err))
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				mine = append(mine, time.Since(t0))
				requests.Add(1)
				switch {
				case resp.StatusCode >= 500:
					fiveXX.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("GET %s: status %d", r.path, resp.StatusCode))
				case err != nil || (resp.ContentLength >= 0 && int64(len(body)) != resp.ContentLength):
					torn.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("GET %s: %d of %d bytes: %v", r.path, len(body), resp.ContentLength, err))
				case r.complete != nil && resp.StatusCode == http.StatusOK:
					if err := r.complete(body); err != nil {
						torn.Add(1)
						firstErr.CompareAndSwap(nil, fmt.Sprintf("GET %s: %v", r.path, err))
					}
				}
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}(c)
	}
	// Meanwhile: valid edits, an invalid one, and back. The invalid one
	// stays until the server has refused it (under the race detector and
	// this load, a reload can take longer than the 300 ms between edits):
	// the load then covers the last good calendar kept through a bad edit.
	const failed = `"msg":"reload failed; still serving the last good calendar"`
	reloads := 0
	for i := 0; time.Now().Before(deadline); i++ {
		data := seed
		switch i % 3 {
		case 1:
			data = bytes.Replace(seed, []byte("Civic Hall, New York"), []byte(fmt.Sprintf("Civic Hall, New York (%d)", i)), 1)
		case 2:
			// Each differs from the last: a file as it was last refused
			// is not reloaded again.
			data = append(slices.Clone(seed), fmt.Sprintf("  - id: Not Valid %d\n", i)...)
		}
		refused := strings.Count(s.stderr.String(), failed)
		os.WriteFile(path+".tmp", data, 0o644)
		os.Rename(path+".tmp", path)
		reloads++
		time.Sleep(300 * time.Millisecond)
		if i%3 == 2 && !eventually(5*time.Second, func() bool { return strings.Count(s.stderr.String(), failed) > refused }) {
			t.Errorf("invalid rewrite %d was not refused in the log within 5 s of load", i)
			break
		}
	}
	wg.Wait()
	os.WriteFile(path, seed, 0o644)

	slices.Sort(latencies)
	p := func(q float64) time.Duration { return latencies[int(float64(len(latencies)-1)*q)] }
	// The server's log, a line per request, is kept in this heap by the
	// test: what it grew by is not the server's.
	after := heapInUse()
	after -= min(after, uint64(max(0, s.stderr.Cap()-logBefore)))
	t.Logf("%d requests in %v over %d routes by 16 clients (%.0f/s), %d file rewrites; 5xx: %d, torn: %d; latency p50 %v p99 %v max %v; heap in use %d KiB before, %d KiB after",
		requests.Load(), duration, len(loadRoutes), float64(requests.Load())/duration.Seconds(), reloads, fiveXX.Load(), torn.Load(),
		p(0.5), p(0.99), p(1), before>>10, after>>10)
	if fiveXX.Load() != 0 || torn.Load() != 0 {
		t.Errorf("%d 5xx and %d torn responses; first: %v", fiveXX.Load(), torn.Load(), firstErr.Load())
	}
	// The test's own client and the server share this heap: allow for the
	// client's connection pool, and a calendar loaded twice.
	if after > before+16<<20 {
		t.Errorf("heap in use grew from %d KiB to %d KiB", before>>10, after>>10)
	}
	if !strings.Contains(s.stderr.String(), failed) {
		t.Error("the invalid rewrites were not logged")
	}
}
