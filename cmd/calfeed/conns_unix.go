//go:build unix

package main

import "syscall"

// defaultMaxConnections leaves, of the file descriptors the process may
// open (Go raises its soft limit to the hard one at start), an eighth and
// at least 256 for everything else: the events files, the log, the
// in-memory files large feeds are sent from. 0 (no limit) when the limit
// cannot be read.
func defaultMaxConnections() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<24 { // unlimited, or as good as
		return 0
	}
	n := int(lim.Cur)
	return max(n-max(256, n/8), 16)
}
