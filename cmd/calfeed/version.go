package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// The version is written once, as a git tag (v0.1.0), and read from the
// build info alone: there is no -ldflags -X variable to keep in step.
// When go build runs in a git checkout with VCS stamping on (-buildvcs,
// on by default unless GOFLAGS turns it off; .ci/release passes
// -buildvcs=true), Go stamps the main module's version from the tag: the
// tag itself on a tagged commit, a pseudo-version such as
// v0.1.1-0.20261130045902-65476963c45e after it (v0.0.0-... before any
// tag), with "+dirty" when the tree had uncommitted changes; and the commit
// in the vcs.* settings. go run, go test and a build outside git stamp no
// version: it reads "(devel)".

// licence is the SPDX identifier of calfeed's licence (the LICENSE file).
const licence = "Apache-2.0"

// copyright is the notice of the LICENSE file.
const copyright = "Copyright 2026 The calfeed authors"

// stampedVersion and stampedRevision are set by the linker where a build
// has no version control information, as the Dockerfile's build (a copy
// of the source, without .git) does from its VERSION and REVISION
// arguments: -ldflags "-X main.stampedVersion=v1.2.0 -X
// main.stampedRevision=<commit>".
var stampedVersion, stampedRevision string

// withStamp is v with the version and revision the linker stamped, where
// the build info has none.
func (v buildVersion) withStamp(version, revision string) buildVersion {
	if version != "" && (v.Version == "" || v.Version == "(devel)") {
		v.Version = version
	}
	if revision != "" && v.Revision == "" {
		v.Revision = revision
	}
	return v
}

// buildVersion is what a binary knows of its own build.
type buildVersion struct {
	Version  string // the main module's version: a tag, a pseudo-version, or "(devel)"
	Module   string // the main module's path
	Revision string // the commit; "" when not stamped
	Time     string // the commit's time (RFC 3339); "" when not stamped
	Modified bool   // the tree had uncommitted changes
	Go       string // the Go version that built it
}

// versionOf reads a binary's build info; info is nil when the binary
// carries none.
func versionOf(info *debug.BuildInfo) buildVersion {
	v := buildVersion{Version: "(devel)", Module: "calfeed", Go: runtime.Version()}
	if info == nil {
		return v
	}
	if info.Main.Path != "" {
		v.Module = info.Main.Path
	}
	if info.Main.Version != "" {
		v.Version = info.Main.Version
	}
	if info.GoVersion != "" {
		v.Go = info.GoVersion
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// write prints v: "calfeed VERSION" on the first line, for scripts, then
// the details.
func (v buildVersion) write(w io.Writer) {
	fmt.Fprintf(w, "calfeed %s\n", v.Version)
	fmt.Fprintf(w, "module:   %s %s\n", v.Module, v.Version)
	switch {
	case v.Revision == "":
		fmt.Fprintln(w, "revision: unknown (built without version control information;"+
			" release binaries, `go build` in a git checkout and images built with"+
			" --build-arg REVISION have it)")
	default:
		rev := v.Revision
		if v.Time != "" {
			rev += " (" + v.Time + ")"
		}
		fmt.Fprintf(w, "revision: %s\n", rev)
		if v.Modified {
			fmt.Fprintln(w, "modified: yes (built from a tree with uncommitted changes)")
		} else {
			fmt.Fprintln(w, "modified: no")
		}
	}
	fmt.Fprintf(w, "go:       %s %s/%s\n", v.Go, runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "licence:  %s (%s; see LICENSE)\n", licence, copyright)
}

// runVersion prints the version of this binary, from its build info.
func runVersion(args []string, stdout, stderr io.Writer, readBuildInfo func() (*debug.BuildInfo, bool)) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: calfeed version

Prints calfeed's version (from the git tag it was built from), the commit
and whether the tree was modified, the Go version and the licence.
`)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkArgs(fs, stderr, 0, "", "version takes flags only"); err != nil {
		return err
	}
	info, ok := readBuildInfo()
	if !ok {
		info = nil
	}
	versionOf(info).withStamp(stampedVersion, stampedRevision).write(stdout)
	return nil
}
