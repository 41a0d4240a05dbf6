package main

import (
	"bytes"
	"io/fs"
	"log/slog"
	"math"
	"runtime/debug"
	"strings"
	"testing"
)

// files is a read-only file system of a few files, for cgroupMemoryLimit.
func files(m map[string]string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		if s, ok := m[name]; ok {
			return []byte(s), nil
		}
		return nil, fs.ErrNotExist
	}
}

func TestCgroupMemoryLimit(t *testing.T) {
	const v1Unlimited = "9223372036854771712\n"
	tests := []struct {
		name  string
		files map[string]string
		want  int64 // 0: no limit
	}{
		{"v2 container", map[string]string{
			"/proc/self/cgroup":         "0::/\n",
			"/sys/fs/cgroup/memory.max": "268435456\n",
		}, 256 << 20},
		{"v2 no limit", map[string]string{
			"/proc/self/cgroup":         "0::/\n",
			"/sys/fs/cgroup/memory.max": "max\n",
		}, 0},
		{"v2 service, the limit above it smaller", map[string]string{
			"/proc/self/cgroup": "0::/system.slice/calfeed.service\n",
			"/sys/fs/cgroup/system.slice/calfeed.service/memory.max": "1073741824\n",
			"/sys/fs/cgroup/system.slice/memory.max":                 "536870912\n",
			"/sys/fs/cgroup/memory.max":                              "max\n",
		}, 512 << 20},
		{"v1 container: its own at the root", map[string]string{
			"/proc/self/cgroup":                           "12:pids:/docker/abc\n4:memory:/docker/abc\n0::/\n",
			"/sys/fs/cgroup/memory/memory.limit_in_bytes": "536870912\n",
		}, 512 << 20},
		{"v1 host cgroup", map[string]string{
			"/proc/self/cgroup": "4:cpu,memory:/calfeed\n",
			"/sys/fs/cgroup/memory/calfeed/memory.limit_in_bytes": "314572800\n",
			"/sys/fs/cgroup/memory/memory.limit_in_bytes":         v1Unlimited,
		}, 300 << 20},
		{"v1 no limit", map[string]string{
			"/proc/self/cgroup": "4:memory:/process_api/x\n",
			"/sys/fs/cgroup/memory/process_api/x/memory.limit_in_bytes": v1Unlimited,
			"/sys/fs/cgroup/memory/memory.limit_in_bytes":               v1Unlimited,
		}, 0},
		{"no cgroup file", map[string]string{}, 0},
		{"unreadable limit", map[string]string{
			"/proc/self/cgroup":         "0::/\n",
			"/sys/fs/cgroup/memory.max": "lots\n",
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := cgroupMemoryLimit(files(tt.files))
			if tt.want == 0 {
				if ok {
					t.Errorf("limit %d, want none", got)
				}
				return
			}
			if !ok || got != tt.want {
				t.Errorf("limit %d (%v), want %d", got, ok, tt.want)
			}
		})
	}
}

// TestSetMemoryLimit: serve gives the collector 80% of the cgroup's
// memory, and says so, unless GOMEMLIMIT is set or there is no limit.
func TestSetMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	limited := files(map[string]string{"/proc/self/cgroup": "0::/\n", "/sys/fs/cgroup/memory.max": "1000000000\n"})
	env := func(gomemlimit string) func(string) string {
		return func(k string) string {
			if k == "GOMEMLIMIT" {
				return gomemlimit
			}
			return ""
		}
	}
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	if got := setMemoryLimit(env(""), limited, logger); got != 800_000_000 || debug.SetMemoryLimit(-1) != 800_000_000 {
		t.Errorf("set %d, runtime's %d; want 800000000", got, debug.SetMemoryLimit(-1))
	}
	if !strings.Contains(log.String(), "gomemlimit_bytes=800000000") {
		t.Errorf("log: %q", log.String())
	}
	debug.SetMemoryLimit(math.MaxInt64)
	if got := setMemoryLimit(env("300MiB"), limited, logger); got != 0 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Errorf("with GOMEMLIMIT set: set %d", got)
	}
	if got := setMemoryLimit(env(""), files(nil), logger); got != 0 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Errorf("without a limit: set %d", got)
	}
}
