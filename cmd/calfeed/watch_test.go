package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestWatchEachFileStill: in a folder, a file written over and over (here
// every 20 ms, with a reload delay of 100 ms) holds back none of the
// others: another calendar's tokens file, changed once, is reloaded once
// it is still. The watch waited for the whole folder to be still, so a
// revocation waited for as long as the busy file was written.
func TestWatchEachFileStill(t *testing.T) {
	dir := t.TempDir()
	busy, quiet := filepath.Join(dir, "busy.yaml"), filepath.Join(dir, "quiet.yaml")
	for _, f := range []string{busy, quiet} {
		if err := os.WriteFile(f, []byte("calendar: {}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wd := folderOf(dir, 1<<20)
	var mu sync.Mutex
	var reloaded [][]string
	done := make(chan error, 1)
	go func() {
		done <- watch(ctx, wd, 100*time.Millisecond, fingerprint(ctx, wd), slog.New(slog.DiscardHandler), nil, func(_ context.Context, c changes) {
			mu.Lock()
			reloaded = append(reloaded, c.changed)
			mu.Unlock()
		})
	}()
	stop := make(chan struct{})
	var writer sync.WaitGroup
	writer.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			os.WriteFile(busy, []byte("calendar: {}\n# "+time.Now().String()+"\n"), 0o644)
		}
	})
	time.Sleep(200 * time.Millisecond)
	if err := os.WriteFile(quiet+".tokens", []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	quietReloaded := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.ContainsFunc(reloaded, func(files []string) bool { return slices.Contains(files, quiet) })
	}
	deadline := time.Now().Add(3 * time.Second)
	for !quietReloaded() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	busyEarly := slices.ContainsFunc(reloaded, func(files []string) bool { return slices.Contains(files, busy) })
	mu.Unlock()
	close(stop)
	writer.Wait()
	if !quietReloaded() {
		t.Fatal("quiet.yaml's tokens file changed once, and was not reloaded while busy.yaml was being written")
	}
	if busyEarly {
		t.Error("busy.yaml was reloaded while being written")
	}
	// Once still, the busy file is reloaded too.
	deadline = time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		ok := slices.ContainsFunc(reloaded, func(files []string) bool { return slices.Contains(files, busy) })
		mu.Unlock()
		if ok {
			cancel()
			<-done
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("busy.yaml, still at last, was not reloaded")
}
