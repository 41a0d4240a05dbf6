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
	"strings"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"

	"calfeed/internal/lock"
	"calfeed/internal/safefile"
)

// defaultReloadDelay is how long the events file and its lock must stay
// unchanged before the watcher reloads them (serve -reload-delay): a file
// written in several steps, or slowly (an editor, a script, a copy over
// the network), is published once it is whole, never in between. A
// Kubernetes ConfigMap update is one rename, still at once.
const defaultReloadDelay = time.Second

// watch calls reload whenever the events file or its lock file changes and
// then stays unchanged for the time still, or at once when the process
// gets SIGHUP, until ctx is done. reload gets ctx: a reload in progress
// stops when the server does.
//
// It watches the directory, not the file: an editor that saves by writing a
// new file and renaming it over the old one, and a ConfigMap whose files are
// symlinks swapped in one rename, both replace the inode a file watch would
// hold. Any change in the directory is a reason to look; a reload happens
// only when the bytes of the events file or its lock differ from the last
// ones looked at. A file that is not a regular file (a named pipe), or is
// larger than limit, is never read: the reload reports it.
//
// loaded is the fingerprint of the files the calendar being served was
// loaded from (taken before loading them): a change made between that load
// and the watch beginning is reloaded at once, not missed.
func watch(ctx context.Context, path string, limit int64, still time.Duration, loaded []byte, logger *slog.Logger, reload func(context.Context)) error {
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

	last := loaded
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	armed := false
	var seen string // the files' signature when the timer was last set
	if fp := fingerprint(ctx, path, limit); !bytes.Equal(fp, last) {
		// Changed since the load: reload once it is still, as after an event.
		armed, seen = true, signature(path)
		timer.Reset(still)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			logger.Info("SIGHUP: reloading", slog.String("config", path))
			last = fingerprint(ctx, path, limit)
			reload(ctx)
		case _, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !armed {
				armed, seen = true, signature(path)
				timer.Reset(still)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			logger.Warn("file watch", slog.Any("error", err))
		case <-timer.C:
			if sig := signature(path); sig != seen {
				seen = sig // still being written: wait until it is still
				timer.Reset(still)
				continue
			}
			armed = false
			if fp := fingerprint(ctx, path, limit); !bytes.Equal(fp, last) {
				last = fp
				reload(ctx)
			}
		}
	}
}

// signature sums up the events file and its lock file as the file system
// describes them (size, time, type), reading nothing: it changes while
// either is being written.
func signature(path string) string {
	var b strings.Builder
	for _, p := range []string{path, lock.Path(path)} {
		fi, err := os.Stat(p)
		if err != nil {
			fmt.Fprintf(&b, "%v\n", err)
			continue
		}
		fmt.Fprintf(&b, "%d %d %v\n", fi.Size(), fi.ModTime().UnixNano(), fi.Mode())
	}
	return b.String()
}

// fingerprint digests the events file and its lock file as they are now.
// A file that cannot be read (missing, not a regular file, larger than
// limit) is digested as its error, read no further.
func fingerprint(ctx context.Context, path string, limit int64) []byte {
	h := sha256.New()
	for _, p := range []string{path, lock.Path(path)} {
		data, err := safefile.Read(ctx, p, limit)
		if err != nil {
			fmt.Fprintf(h, "error %s\n", err)
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
