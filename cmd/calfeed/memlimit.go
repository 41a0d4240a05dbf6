package main

import (
	"bufio"
	"bytes"
	"log/slog"
	"math"
	"path"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
)

// memoryShare is the part of a container's memory that serve gives the Go
// heap when GOMEMLIMIT is not set: the rest is for what the garbage
// collector does not count (with -sendfile, feeds kept in in-memory files,
// goroutine stacks, the runtime's own).
const memoryShare = 0.8

// setMemoryLimit gives the garbage collector a limit of memoryShare of the
// memory the process's cgroup may use (a container's -m, a Kubernetes
// limit, systemd's MemoryMax), unless GOMEMLIMIT sets one or there is no
// limit. Without it the heap may grow to twice what is alive before a
// collection, and a reload, which builds the new calendar beside the old
// one, leaves enough garbage for the kernel to kill a server sized for
// what it holds. It returns the limit set, or 0.
func setMemoryLimit(getenv func(string) string, readFile func(string) ([]byte, error), logger *slog.Logger) int64 {
	if getenv("GOMEMLIMIT") != "" {
		return 0
	}
	max, ok := cgroupMemoryLimit(readFile)
	if !ok {
		return 0
	}
	limit := int64(float64(max) * memoryShare)
	debug.SetMemoryLimit(limit)
	logger.Info("memory limit from the cgroup; set GOMEMLIMIT to choose another",
		slog.Int64("cgroup_bytes", max), slog.Int64("gomemlimit_bytes", limit))
	return limit
}

// cgroupMemoryLimit returns the memory the process's cgroup may use, the
// smallest limit of its cgroup and those above it, and false if none is
// set or none can be read. It reads cgroup v2 (memory.max) and v1
// (memory.limit_in_bytes, where a container sees its own at the root).
func cgroupMemoryLimit(readFile func(string) ([]byte, error)) (int64, bool) {
	self, err := readFile("/proc/self/cgroup")
	if err != nil {
		return 0, false
	}
	limit := int64(math.MaxInt64)
	consider := func(file string) {
		b, err := readFile(file)
		if err != nil {
			return
		}
		v := strings.TrimSpace(string(b))
		// "max" (v2) or a page-rounded 2^63 (v1) is no limit.
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 && n < 1<<62 {
			limit = min(limit, n)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(self))
	for sc.Scan() {
		// hierarchy-ID:controllers:path
		fields := strings.SplitN(sc.Text(), ":", 3)
		if len(fields) != 3 || !strings.HasPrefix(fields[2], "/") {
			continue
		}
		dir := path.Clean(fields[2])
		switch {
		case fields[0] == "0" && fields[1] == "": // v2
			for {
				consider(path.Join("/sys/fs/cgroup", dir, "memory.max"))
				if dir == "/" {
					break
				}
				dir = path.Dir(dir)
			}
		case slices.Contains(strings.Split(fields[1], ","), "memory"): // v1
			consider(path.Join("/sys/fs/cgroup/memory", dir, "memory.limit_in_bytes"))
			consider("/sys/fs/cgroup/memory/memory.limit_in_bytes")
		}
	}
	return limit, limit != math.MaxInt64
}
