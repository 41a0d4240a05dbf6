//go:build !linux

package server

import "syscall"

// setCork cannot cork where there is no TCP_CORK (BSD's TCP_NOPUSH differs
// in when it sends): bodies go out as net/http writes them.
func setCork(syscall.RawConn, bool) bool { return false }
