package server

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// spill copies body into an anonymous in-memory file (memfd_create(2)),
// from which serve sends it with sendfile(2): the kernel moves the bytes
// to the socket without the copy through user space that a Write makes.
// It returns nil when the system cannot (the body is then written).
func spill(body []byte) *spilled {
	fd, err := unix.MemfdCreate("calfeed-feed", unix.MFD_CLOEXEC)
	if err != nil {
		return nil
	}
	f := os.NewFile(uintptr(fd), "calfeed-feed")
	if _, err := f.Write(body); err != nil {
		f.Close()
		return nil
	}
	return &spilled{f: f, path: "/proc/self/fd/" + strconv.Itoa(fd)}
}

// open opens the file anew: a file description of its own, at offset 0,
// for one response (sendfile reads from, and moves, the description's
// offset, which concurrent responses must not share). The caller keeps s
// reachable until open returns: the file closes when s is garbage.
func (s *spilled) open() (*os.File, error) { return os.Open(s.path) }
