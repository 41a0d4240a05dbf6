package safefile

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestCopySmall: a file smaller than Copy's buffer, and an empty one.
func TestCopySmall(t *testing.T) {
	for _, want := range []string{"日历\n", ""} {
		path := filepath.Join(t.TempDir(), "small.yaml")
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if n, err := Copy(context.Background(), &got, path, 1<<20); err != nil || n != int64(len(want)) || got.String() != want {
			t.Errorf("Copy of %q = %q (%d bytes), %v", want, got.String(), n, err)
		}
	}
}

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.yaml")
	want := bytes.Repeat([]byte("日历 calendar\n"), 200_000) // several chunks
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, link} {
		got, err := Read(context.Background(), p, int64(len(want)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("Read(%s) = %d bytes, %v; want the file's %d", p, len(got), err, len(want))
		}
		if _, err := Stat(p, int64(len(want))); err != nil {
			t.Errorf("Stat(%s): %v", p, err)
		}
		var copied bytes.Buffer
		if n, err := Copy(context.Background(), &copied, p, int64(len(want))); err != nil || n != int64(len(want)) || !bytes.Equal(copied.Bytes(), want) {
			t.Errorf("Copy(%s) = %d bytes, %v; want the file's %d", p, n, err, len(want))
		}
	}
}

// TestTooLarge: a file past the limit is refused from its size alone (a
// sparse file of a gigabyte is refused as promptly as a small one).
func TestTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = Read(context.Background(), path, 256<<20)
	runtime.ReadMemStats(&after)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Size != 1<<30 || tl.Limit != 256<<20 {
		t.Fatalf("Read: %v; want a TooLargeError of the file's size", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("refusing a 1 GiB file allocated %d bytes", grew)
	}
	if _, err := Stat(path, 256<<20); !errors.As(err, &tl) {
		t.Errorf("Stat: %v; want a TooLargeError", err)
	}
}

func TestReadCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.yaml")
	if err := os.WriteFile(path, []byte("calendar: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Read(ctx, path, 1<<20); !errors.Is(err, context.Canceled) {
		t.Errorf("Read with a cancelled context: %v", err)
	}
}
