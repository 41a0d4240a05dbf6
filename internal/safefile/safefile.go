// Package safefile reads the files calfeed is configured with (an events
// file, its lock file) as a long-running server must: regular files only,
// opened without blocking, so that a named pipe or a device put in a
// file's place cannot wedge the reader; their size checked before a byte
// is read, so that a huge file renamed over the events file costs nothing;
// and read in pieces that a cancelled context stops.
package safefile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
)

// NotRegularError reports a path that is not a regular file (after
// following symbolic links): a directory, a named pipe, a device, a socket.
type NotRegularError struct {
	Path string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file; point calfeed at the file itself (a symbolic link to one is fine)", e.Path, kind(e.Mode))
}

// kind names a file type as people say it.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	default:
		return "not a regular file (" + m.Type().String() + ")"
	}
}

// TooLargeError reports a file larger than the limit it is read with.
type TooLargeError struct {
	Path        string
	Size, Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is %d bytes, larger than the limit of %d bytes; split it, or raise the limit (-max-size)", e.Path, e.Size, e.Limit)
}

// Stat returns the file information of path (following symbolic links),
// or an error if it is not a regular file of at most limit bytes. It reads
// nothing and never blocks on a named pipe.
func Stat(path string, limit int64) (fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	return fi, check(path, fi, limit)
}

func check(path string, fi fs.FileInfo, limit int64) error {
	if !fi.Mode().IsRegular() {
		return &NotRegularError{Path: path, Mode: fi.Mode()}
	}
	if fi.Size() > limit {
		return &TooLargeError{Path: path, Size: fi.Size(), Limit: limit}
	}
	return nil
}

// chunk is how much Read and Copy read between checks of their context.
const chunk = 1 << 20

// Open opens the regular file at path, of at most limit bytes, as Read
// does, for a caller that reads it in its own way; the caller closes it.
// The file may have grown past limit by the time it is read.
func Open(ctx context.Context, path string, limit int64) (*os.File, fs.FileInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	f, err := open(path)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = check(path, fi, limit)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// Copy writes the regular file at path, of at most limit bytes, to w, a
// piece at a time: it opens and checks the file as Read does, and holds no
// more of it than a piece. It returns the bytes written.
func Copy(ctx context.Context, w io.Writer, path string, limit int64) (int64, error) {
	f, fi, err := Open(ctx, path, limit)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return copyOpen(ctx, w, f, fi, path, limit)
}

// copyOpen is Copy's work once f, the file at path, is open and checked.
func copyOpen(ctx context.Context, w io.Writer, f *os.File, fi fs.FileInfo, path string, limit int64) (int64, error) {
	buf := make([]byte, min(chunk, max(512, fi.Size()+1))) // a small file, a small buffer
	r := &reader{ctx: ctx, f: f, path: path, limit: limit}
	for {
		m, err := r.Read(buf)
		if _, werr := w.Write(buf[:m]); werr != nil {
			return r.n, werr
		}
		if errors.Is(err, io.EOF) {
			return r.n, nil
		}
		if err != nil {
			return r.n, err
		}
	}
}

// reader reads the open file f, at path, as the package reads: it stops
// with ctx's error when ctx is done and with a *TooLargeError past limit
// bytes (the file grew since it was checked), and lets other goroutines
// run after each chunk (a large file read by a reload lets requests in).
type reader struct {
	ctx   context.Context
	f     *os.File
	path  string
	limit int64
	n     int64 // read so far
	since int   // read since the last yield
	err   error // the first error other than io.EOF
}

func (r *reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return 0, err
	}
	m, err := r.f.Read(p)
	if r.n += int64(m); r.n > r.limit {
		r.err = &TooLargeError{Path: r.path, Size: r.n, Limit: r.limit}
		return 0, r.err
	}
	if r.since += m; r.since >= chunk {
		r.since = 0
		runtime.Gosched()
	}
	if err != nil && !errors.Is(err, io.EOF) {
		r.err = err
	}
	return m, err
}

// Read reads the regular file at path, of at most limit bytes. It opens
// the file without blocking, refuses anything but a regular file and a
// file larger than limit before reading it, and stops with ctx's error
// when ctx is done.
func Read(ctx context.Context, path string, limit int64) ([]byte, error) {
	f, fi, err := Open(ctx, path, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var data bytes.Buffer
	data.Grow(int(fi.Size()) + 1) // a hint: the file may grow while it is read
	if _, err := copyOpen(ctx, &data, f, fi, path, limit); err != nil {
		return nil, err
	}
	return data.Bytes(), nil
}
