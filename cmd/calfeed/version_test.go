package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestVersion runs `calfeed version` as a user would and compares what it
// prints with the test binary's own build info, read here.
func TestVersion(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("the test binary has no build info")
	}
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		r := runCmd(t, nil, args...)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("calfeed %s: exit %d, stderr %q; want 0 and nothing", strings.Join(args, " "), r.code, r.stderr)
		}
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if want := "calfeed " + info.Main.Version; lines[0] != want {
			t.Errorf("calfeed %s: first line %q, want %q", strings.Join(args, " "), lines[0], want)
		}
		for _, want := range []string{
			"module:   " + info.Main.Path + " " + info.Main.Version,
			"go:       " + info.GoVersion + " " + runtime.GOOS + "/" + runtime.GOARCH,
			"licence:  Apache-2.0 (Copyright 2026 The calfeed authors; see LICENSE)",
		} {
			if !strings.Contains(r.stdout, want+"\n") {
				t.Errorf("calfeed %s: no line %q in\n%s", strings.Join(args, " "), want, r.stdout)
			}
		}
	}
}

func TestVersionUsage(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
	}{
		{[]string{"version", "extra"}, 2},
		{[]string{"version", "-frob"}, 2},
		{[]string{"version", "-h"}, 0},
	}
	for _, tc := range tests {
		r := runCmd(t, nil, tc.args...)
		if r.code != tc.wantCode || r.stdout != "" || !strings.Contains(r.stderr, "Usage: calfeed version") {
			t.Errorf("calfeed %s: exit %d, stdout %q, stderr %q; want exit %d and the usage on stderr",
				strings.Join(tc.args, " "), r.code, r.stdout, r.stderr, tc.wantCode)
		}
	}
	if r := runCmd(t, nil, "help"); !strings.Contains(r.stdout, "calfeed version") {
		t.Errorf("calfeed help does not list version:\n%s", r.stdout)
	}
}

// TestVersionOf feeds versionOf the build info Go stamps in each case.
func TestVersionOf(t *testing.T) {
	vcs := func(rev, time, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{
			{Key: "-trimpath", Value: "true"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: rev},
			{Key: "vcs.time", Value: time},
			{Key: "vcs.modified", Value: modified},
		}
	}
	platform := runtime.GOOS + "/" + runtime.GOARCH
	licenceLine := "licence:  Apache-2.0 (Copyright 2026 The calfeed authors; see LICENSE)"
	tests := []struct {
		name string
		info *debug.BuildInfo
		want []string
	}{
		{
			name: "tagged commit",
			info: &debug.BuildInfo{
				GoVersion: "go1.26.8",
				Main:      debug.Module{Path: "calfeed", Version: "v0.1.0"},
				Settings:  vcs("e26c704efd56bee178285919bd09e3226598120b", "2026-11-30T04:56:51Z", "false"),
			},
			want: []string{
				"calfeed v0.1.0",
				"module:   calfeed v0.1.0",
				"revision: e26c704efd56bee178285919bd09e3226598120b (2026-11-30T04:56:51Z)",
				"modified: no",
				"go:       go1.26.8 " + platform,
				licenceLine,
			},
		},
		{
			name: "after a tag, with uncommitted changes",
			info: &debug.BuildInfo{
				GoVersion: "go1.27.1",
				Main:      debug.Module{Path: "calfeed", Version: "v0.1.1-0.20261130045902-65476963c45e+dirty"},
				Settings:  vcs("65476963c45edc7d09fbfcc07f170eae67814df1", "2026-11-30T04:59:02Z", "true"),
			},
			want: []string{
				"calfeed v0.1.1-0.20261130045902-65476963c45e+dirty",
				"module:   calfeed v0.1.1-0.20261130045902-65476963c45e+dirty",
				"revision: 65476963c45edc7d09fbfcc07f170eae67814df1 (2026-11-30T04:59:02Z)",
				"modified: yes (built from a tree with uncommitted changes)",
				"go:       go1.27.1 " + platform,
				licenceLine,
			},
		},
		{
			name: "go run: no version control information",
			info: &debug.BuildInfo{
				GoVersion: "go1.26.8",
				Main:      debug.Module{Path: "calfeed", Version: "(devel)"},
				Settings:  []debug.BuildSetting{{Key: "-trimpath", Value: "true"}},
			},
			want: []string{
				"calfeed (devel)",
				"module:   calfeed (devel)",
				"revision: unknown (built without version control information; release binaries, `go build` in a git checkout and images built with --build-arg REVISION have it)",
				"go:       go1.26.8 " + platform,
				licenceLine,
			},
		},
		{
			name: "no build info at all",
			info: nil,
			want: []string{
				"calfeed (devel)",
				"module:   calfeed (devel)",
				"revision: unknown (built without version control information; release binaries, `go build` in a git checkout and images built with --build-arg REVISION have it)",
				"go:       " + runtime.Version() + " " + platform,
				licenceLine,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			versionOf(tc.info).withStamp("", "").write(&b)
			got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("version output (-want +got):\n%s", diff)
			}
		})
	}
}

// TestVersionLicence keeps `calfeed version` in step with the LICENSE file.
func TestVersionLicence(t *testing.T) {
	data, err := os.ReadFile("../../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	// The SPDX identifier of each licence heading calfeed might carry.
	spdx := map[string]string{"Apache License Version 2.0,": "Apache-2.0"}
	heading := strings.Join(strings.Fields(text)[:4], " ")
	if got := spdx[heading]; got != licence {
		t.Errorf("LICENSE begins %q, whose SPDX identifier is %q; calfeed version says %q", heading, got, licence)
	}
	if !strings.Contains(text, copyright+"\n") {
		t.Errorf("LICENSE has no line %q, which calfeed version prints", copyright)
	}
}

// TestVersionStamped: a build without version control information (the
// Dockerfile's, from a copy of the source) takes the version and revision
// the linker stamped; one with it keeps its own.
func TestVersionStamped(t *testing.T) {
	devel := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "calfeed", Version: "(devel)"}}
	v := versionOf(devel).withStamp("v1.2.0", "e26c704efd56bee178285919bd09e3226598120b")
	if v.Version != "v1.2.0" || v.Revision != "e26c704efd56bee178285919bd09e3226598120b" {
		t.Errorf("stamped build: %+v", v)
	}
	tagged := &debug.BuildInfo{Main: debug.Module{Path: "calfeed", Version: "v0.1.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "65476963c45edc7d09fbfcc07f170eae67814df1"}}}
	v = versionOf(tagged).withStamp("v9.9.9", "ffff")
	if v.Version != "v0.1.0" || v.Revision != "65476963c45edc7d09fbfcc07f170eae67814df1" {
		t.Errorf("a build with version control information took the stamp: %+v", v)
	}
	// The linker's -X reaches the variables.
	bin := filepath.Join(t.TempDir(), "calfeed")
	build := exec.Command("go", "build", "-buildvcs=false", "-ldflags", "-X main.stampedVersion=v1.2.0 -X main.stampedRevision=abc123", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "calfeed v1.2.0\n") || !strings.Contains(string(out), "revision: abc123") {
		t.Errorf("calfeed version of a stamped build:\n%s", out)
	}
}
