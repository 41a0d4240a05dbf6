//go:build !linux

package main

import (
	"net"
	"time"
)

// lastDataSent cannot say, where the kernel does not tell (see the Linux
// one): a write that has waited the stall counts as stuck.
func lastDataSent(*net.TCPConn) (time.Duration, bool) { return 0, false }
