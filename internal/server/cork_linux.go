package server

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// setCork sets or clears TCP_CORK on raw's socket and reports whether it
// could. Cleared, the kernel sends at once what it held back.
func setCork(raw syscall.RawConn, on bool) bool {
	v := 0
	if on {
		v = 1
	}
	var err error
	if cerr := raw.Control(func(fd uintptr) { err = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_CORK, v) }); cerr != nil {
		return false
	}
	return err == nil
}
