package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// healthz is what the tests read of /healthz.
type healthz struct {
	Status         string   `json:"status"`
	Events         int      `json:"events"`
	File           string   `json:"file"`
	Problems       []string `json:"problems"`
	ProblemsTotal  int      `json:"problems_total"`
	Unstamped      []string `json:"unstamped"`
	UnstampedTotal int      `json:"unstamped_total"`
}

func readHealth(base string) (healthz, int, error) {
	var h healthz
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		return h, 0, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&h)
	return h, resp.StatusCode, err
}

// waitHealth polls /healthz until ok says it is what the test waits for.
func waitHealth(t *testing.T, s *running, base string, what string, ok func(healthz) bool) healthz {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h, _, err := readHealth(base)
		if err == nil && ok(h) {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never showed %s (last %+v, %v); log:\n%s", what, h, err, s.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func invalidWith(msg string) func(healthz) bool {
	return func(h healthz) bool {
		return h.Status == "ok" && h.File == "invalid" && strings.Contains(strings.Join(h.Problems, "\n"), msg)
	}
}

// waitLog waits for the server's log (written in batches) to hold want.
func waitLog(t *testing.T, s *running, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(s.stderr.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the log never said %q:\n%s", want, s.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
