package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEmptyRoot proves the static binary serves the default calendar from a
// root directory holding nothing but itself and events.yaml: no libc, no
// /usr/share/zoneinfo, no CA certificates, no /etc. This is the distroless
// container's situation.
func TestEmptyRoot(t *testing.T) {
	t.Parallel() // waits and renders: alongside the others
	if os.Geteuid() != 0 {
		t.Skip("chroot needs root; CI runs as root")
	}
	if testing.Short() {
		t.Skip("builds the binary")
	}
	root := t.TempDir()
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(root, "calfeed"), ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data, err := os.ReadFile("../../events.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "events.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 2 {
		t.Fatalf("root holds %d entries, want exactly calfeed and events.yaml", len(entries))
	}

	var logs syncBuffer
	cmd := exec.Command("/calfeed", "serve", "-config", "/events.yaml", "-addr", "127.0.0.1:0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
	cmd.Dir = "/"
	cmd.Env = []string{} // nothing from the host, not even TZ or PATH
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start in chroot: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
		}
	})

	base := "http://" + servingAddr(t, &logs, done)
	waitHealthy(t, base, done, &logs)
	resp, err := http.Get(base + "/tracks/gender.ics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /tracks/gender.ics: status %d\n%s", resp.StatusCode, body)
	}
	// The zone rules came from the embedded database: the VTIMEZONE is there
	// and the side event is at 18:00 New York time.
	for _, want := range []string{
		"BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n",
		"TZOFFSETTO:-0500\r\n",
		"DTSTART;TZID=America/New_York:20151214T180000\r\n",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("feed served from the empty root lacks %q", want)
		}
	}
}
