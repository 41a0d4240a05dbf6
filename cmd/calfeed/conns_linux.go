package main

import (
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// sendState is what the kernel says of what it sends on c (TCP_INFO), and
// whether it could say.
func sendState(c *net.TCPConn) (sending, bool) {
	raw, err := c.SyscallConn()
	if err != nil {
		return sending{}, false
	}
	var info *unix.TCPInfo
	var infoErr error
	if err := raw.Control(func(fd uintptr) { info, infoErr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) }); err != nil || infoErr != nil {
		return sending{}, false
	}
	return sending{idle: time.Duration(info.Last_data_sent) * time.Millisecond, acked: info.Bytes_acked}, true
}
