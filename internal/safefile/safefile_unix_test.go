//go:build unix

package safefile

import (
	"context"
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestNotRegular: a named pipe or a directory in the file's place is
// refused at once; reading a pipe nobody writes to would wait for ever.
func TestNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "events.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	for _, p := range []string{fifo, dir} {
		done := make(chan error, 1)
		go func() {
			_, err := Read(context.Background(), p, 1<<20)
			done <- err
		}()
		select {
		case err := <-done:
			var nr *NotRegularError
			if !errors.As(err, &nr) {
				t.Errorf("Read(%s): %v; want a NotRegularError", p, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Read(%s) blocked", p)
		}
		if _, err := Stat(p, 1<<20); err == nil {
			t.Errorf("Stat(%s) accepted it", p)
		}
	}
}
