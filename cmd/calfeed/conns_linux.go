package main

import (
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// lastDataSent is how long ago the kernel last sent data on c (TCP_INFO's
// tcpi_last_data_sent), and whether it could say.
func lastDataSent(c *net.TCPConn) (time.Duration, bool) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, false
	}
	var info *unix.TCPInfo
	var infoErr error
	if err := raw.Control(func(fd uintptr) { info, infoErr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) }); err != nil || infoErr != nil {
		return 0, false
	}
	return time.Duration(info.Last_data_sent) * time.Millisecond, true
}
