//go:build !unix

package main

// defaultMaxConnections is no limit where the process's file descriptor
// limit cannot be read.
func defaultMaxConnections() int { return 0 }
