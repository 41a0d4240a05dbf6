package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"

	"calfeed/internal/lock"
)

// settle is how long the watcher waits after the last change before it
// reloads: editors write a file in several steps, and a Kubernetes ConfigMap
// update is a burst of renames.
const settle = 150 * time.Millisecond

// maxDelay bounds how long a stream of changes can put a reload off.
const maxDelay = time.Second

// watch calls reload whenever the events file or its lock file changes, or
// the process gets SIGHUP, until ctx is done.
//
// It watches the directory, not the file: an editor that saves by writing a
// new file and renaming it over the old one, and a ConfigMap whose files are
// symlinks swapped in one rename, both replace the inode a file watch would
// hold. Any change in the directory is a reason to look; a reload happens
// only when the bytes of the events file or its lock differ from the last
// ones looked at, so unrelated files cost one read.
func watch(ctx context.Context, path string, logger *slog.Logger, reload func()) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	defer w.Close()
	dirs := []string{filepath.Dir(path)}
	// A symlinked file (a ConfigMap mount) also changes where it points to.
	if real, err := filepath.EvalSymlinks(path); err == nil && filepath.Dir(real) != dirs[0] {
		dirs = append(dirs, filepath.Dir(real))
	}
	for _, d := range dirs {
		if err := w.Add(d); err != nil {
			return fmt.Errorf("watch %s: %w", d, err)
		}
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	last := fingerprint(path)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var pendingSince time.Time // zero when no change is waiting
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			logger.Info("SIGHUP: reloading", slog.String("config", path))
			last = fingerprint(path)
			reload()
		case _, ok := <-w.Events:
			if !ok {
				return nil
			}
			if pendingSince.IsZero() {
				pendingSince = time.Now()
			}
			timer.Reset(min(settle, max(0, maxDelay-time.Since(pendingSince))))
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			logger.Warn("file watch", slog.Any("error", err))
		case <-timer.C:
			pendingSince = time.Time{}
			if fp := fingerprint(path); !bytes.Equal(fp, last) {
				last = fp
				reload()
			}
		}
	}
}

// fingerprint digests the events file and its lock file as they are now.
func fingerprint(path string) []byte {
	h := sha256.New()
	for _, p := range []string{path, lock.Path(path)} {
		data, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintf(h, "missing %s\n", err)
			continue
		}
		fmt.Fprintf(h, "%d\n", len(data))
		for len(data) > 0 { // in pieces, letting requests in between
			n := min(len(data), 1<<20)
			h.Write(data[:n])
			data = data[n:]
			runtime.Gosched()
		}
	}
	return h.Sum(nil)
}
