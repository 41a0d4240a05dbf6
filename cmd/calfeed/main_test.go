package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixture copies testdata/name into dir as file and returns its path.
func fixture(t *testing.T, name, dir, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// invalidProblems are the problems planted in testdata/invalid.yaml: the
// position each must be reported at and a fragment of its message.
var invalidProblems = []struct {
	pos, msg string
}{
	{"5:13", `unknown time zone "Europe/Zurcih"`},
	{"14:10", "end 2025-06-02 09:00 is not after start 2025-06-02 10:00"},
	{"15:14", `unknown track "talk"`},
	{"18:12", "2025-03-30 02:30 does not exist in Europe/Berlin"},
	{"21:5", `unknown key "colour"`},
}

// checkProblems checks that stderr holds every problem of invalid.yaml,
// each on a line of its own as FILE:LINE:COL: message.
func checkProblems(t *testing.T, cmd, path, stderr string) {
	t.Helper()
	lines := strings.Split(stderr, "\n")
	for _, p := range invalidProblems {
		prefix := path + ":" + p.pos + ": "
		found := false
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) && strings.Contains(l, p.msg) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s: stderr has no line %q…%q; stderr:\n%s", cmd, prefix, p.msg, stderr)
		}
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	valid := fixture(t, "valid.yaml", dir, "valid.yaml")
	invalid := fixture(t, "invalid.yaml", dir, "invalid.yaml")

	t.Run("valid", func(t *testing.T) {
		r := runCmd(t, nil, "check", valid)
		if r.err != nil || r.code != 0 {
			t.Fatalf("calfeed check %s: error %v (exit %d), want nil (exit 0); stderr:\n%s", valid, r.err, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "ok") || !strings.Contains(r.stdout, valid) {
			t.Errorf("calfeed check %s: stdout = %q, want it to name the file and say ok", valid, r.stdout)
		}
		if !strings.Contains(r.stdout, "2 events") || !strings.Contains(r.stdout, "1 track") {
			t.Errorf("calfeed check %s: stdout = %q, want the counts (2 events, 1 track)", valid, r.stdout)
		}
	})

	t.Run("invalid", func(t *testing.T) {
		r := runCmd(t, nil, "check", invalid)
		if r.err == nil || r.code != 1 {
			t.Fatalf("calfeed check %s: error %v (exit %d), want an error (exit 1)", invalid, r.err, r.code)
		}
		checkProblems(t, "calfeed check", invalid, r.stderr)
		if r.stdout != "" {
			t.Errorf("calfeed check %s: stdout = %q, want nothing", invalid, r.stdout)
		}
	})

	t.Run("missing file", func(t *testing.T) {
		missing := filepath.Join(dir, "nope.yaml")
		r := runCmd(t, nil, "check", missing)
		if r.err == nil || r.code != 1 {
			t.Fatalf("calfeed check %s: error %v (exit %d), want an error (exit 1)", missing, r.err, r.code)
		}
		if !strings.Contains(r.err.Error(), missing) || !strings.Contains(r.stderr, missing) {
			t.Errorf("calfeed check %s: error %q, stderr %q; want both to name the file", missing, r.err, r.stderr)
		}
	})
}

// TestCheckDefaultFile checks where `check` looks without an argument: the
// argument, else $CALFEED_CONFIG, else events.yaml in the working directory.
func TestCheckDefaultFile(t *testing.T) {
	dir := t.TempDir()
	valid := fixture(t, "valid.yaml", dir, "valid.yaml")
	invalid := fixture(t, "invalid.yaml", dir, "invalid.yaml")

	// The working directory's events.yaml is invalid: choosing it instead
	// of the file meant would fail the cases that expect ok.
	badWD := t.TempDir()
	fixture(t, "invalid.yaml", badWD, "events.yaml")
	goodWD := t.TempDir()
	fixture(t, "valid.yaml", goodWD, "events.yaml")

	tests := []struct {
		name     string
		wd       string
		env      map[string]string
		args     []string
		wantFile string // the file the output names; "" for an error
	}{
		{"CALFEED_CONFIG", badWD, map[string]string{"CALFEED_CONFIG": valid}, []string{"check"}, valid},
		{"argument over CALFEED_CONFIG", badWD, map[string]string{"CALFEED_CONFIG": invalid}, []string{"check", valid}, valid},
		{"events.yaml", goodWD, nil, []string{"check"}, "events.yaml"},
		{"invalid events.yaml", badWD, nil, []string{"check"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(tc.wd)
			r := runCmd(t, tc.env, tc.args...)
			if tc.wantFile == "" {
				if r.code != 1 {
					t.Fatalf("calfeed %s: exit %d, want 1; stdout %q", strings.Join(tc.args, " "), r.code, r.stdout)
				}
				checkProblems(t, "calfeed check", "events.yaml", r.stderr)
				return
			}
			if r.err != nil {
				t.Fatalf("calfeed %s: %v; stderr:\n%s", strings.Join(tc.args, " "), r.err, r.stderr)
			}
			if want := tc.wantFile + ": ok"; !strings.HasPrefix(r.stdout, want) {
				t.Errorf("calfeed %s: stdout = %q, want it to start with %q", strings.Join(tc.args, " "), r.stdout, want)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr []string
		wantStdout []string
	}{
		{"no command", nil, 2, []string{"Usage:", "serve", "check"}, nil},
		{"unknown command", []string{"frobnicate"}, 2, []string{`unknown command "frobnicate"`, "Usage:", "serve", "check"}, nil},
		{"check with two files", []string{"check", "a.yaml", "b.yaml"}, 2, []string{"Usage: calfeed check"}, nil},
		{"check with an unknown flag", []string{"check", "-frob"}, 2, []string{"-frob", "Usage: calfeed check"}, nil},
		{"serve with an unknown flag", []string{"serve", "-frob"}, 2, []string{"-frob", "Usage: calfeed serve"}, nil},
		{"serve with two files", []string{"serve", "a.yaml", "b.yaml"}, 2, []string{"Usage: calfeed serve"}, nil},
		{"serve with a bad log format", []string{"serve", "-log-format", "xml"}, 2, []string{"xml"}, nil},
		{"serve with no renderings", []string{"serve", "-max-renderings", "-1"}, 2, []string{"-max-renderings -1", "1 or more"}, nil},
		{"serve with no connections", []string{"serve", "-max-connections", "-1"}, 2, []string{"-max-connections -1", "1 or more"}, nil},
		{"help", []string{"help"}, 0, nil, []string{"Usage:", "serve", "check"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, nil, tc.args...)
			if r.code != tc.wantCode {
				t.Fatalf("calfeed %s: exit %d (error %v), want %d", strings.Join(tc.args, " "), r.code, r.err, tc.wantCode)
			}
			for _, s := range tc.wantStderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("calfeed %s: stderr does not contain %q; stderr:\n%s", strings.Join(tc.args, " "), s, r.stderr)
				}
			}
			for _, s := range tc.wantStdout {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("calfeed %s: stdout does not contain %q; stdout:\n%s", strings.Join(tc.args, " "), s, r.stdout)
				}
			}
			if tc.wantCode != 0 && r.stdout != "" {
				t.Errorf("calfeed %s: stdout = %q, want nothing (usage goes to stderr)", strings.Join(tc.args, " "), r.stdout)
			}
		})
	}
}

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64 // 0: refused
	}{
		{"64MiB", 64 << 20}, {"64mb", 64 << 20}, {"1GiB", 1 << 30}, {"2048KiB", 2 << 20}, {"1048576", 1 << 20},
		{"512KiB", 0}, {"1000", 0}, {"-1MiB", 0}, {"MiB", 0}, {"64TiB", 0}, {"64 MiB", 64 << 20}, {"99999999999GiB", 0},
	} {
		var n int64
		err := byteSize{&n}.Set(tc.in)
		if tc.want == 0 && err == nil || tc.want != 0 && (err != nil || n != tc.want) {
			t.Errorf("Set(%q) = %d, %v; want %d", tc.in, n, err, tc.want)
		}
	}
	r := runCmd(t, map[string]string{"CALFEED_CACHE_SIZE": "lots"}, "serve")
	if r.code != 2 || !strings.Contains(r.stderr, `CALFEED_CACHE_SIZE: "lots" is not a size`) {
		t.Errorf("serve with a bad CALFEED_CACHE_SIZE: exit %d, %s", r.code, r.stderr)
	}
}

// TestUsageErrorsSay: a command line that is wrong is answered with exit 2
// and, first, a line saying what is wrong and what to give, before the
// usage.
func TestUsageErrorsSay(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"build", "-config", "events.yaml", "-base-url", "https://c.example.org"}, "calfeed build: give the folder to write the site into with -out DIR"},
		{[]string{"build", "-config", "a.yaml", "-out", "site", "b.yaml"}, `calfeed build: give the events file or folder once, with -config or as the argument, not "a.yaml" and "b.yaml"`},
		{[]string{"import"}, "calfeed import: give the SOURCE to import"},
		{[]string{"import", "-format", "xml", "a.ics"}, `calfeed import: -format is ics or csv, not "xml"`},
		{[]string{"import", "a.ics", "b.ics"}, `calfeed import: give one SOURCE, not "a.ics" and "b.ics"`},
		{[]string{"serve", "-config", "a.yaml", "b.yaml"}, `calfeed serve: give the events file or folder once, with -config or as the argument, not "a.yaml" and "b.yaml"`},
		{[]string{"serve", "events.yaml", "-addr", ":8081"}, "calfeed serve: -addr comes after the events file or folder: give flags before it, as in calfeed serve -addr :8081 events.yaml"},
		{[]string{"check", "-config", "a.yaml", "b.yaml"}, `calfeed check: give the events file or folder once, with -config or as the argument, not "a.yaml" and "b.yaml"`},
		{[]string{"check", "events.yaml", "-max-size", "10"}, "calfeed check: -max-size comes after the events file or folder: give flags before it, as in calfeed check -max-size 10 events.yaml"},
		{[]string{"check", "events.yaml", "-v"}, "calfeed check: -v is no flag of calfeed check, which takes -config, -max-events, -max-size"},
		{[]string{"serve", "events.yaml", "--verbose=true"}, "calfeed serve: --verbose=true is no flag of calfeed serve, which takes -addr, "},
		{[]string{"stamp", "a.yaml", "b.yaml"}, `calfeed stamp: give one events file or folder, not "a.yaml" and "b.yaml"`},
		{[]string{"init", "mine.yaml"}, `calfeed init: unexpected argument "mine.yaml": give the file to write with -o mine.yaml`},
		{[]string{"token", "list", "a.yaml", "b.yaml"}, `calfeed token list: give one events file or folder, not "a.yaml" and "b.yaml"`},
		{[]string{"token", "add", "-all"}, "calfeed token add: give -name, and either -tracks or -all"},
		{[]string{"token", "revoke"}, "calfeed token revoke: give -name"},
		{[]string{"healthcheck", "localhost:8080"}, `calfeed healthcheck: unexpected argument "localhost:8080": give the server's address with -addr localhost:8080`},
		{[]string{"version", "now"}, `calfeed version: unexpected argument "now"`},
		{[]string{"import", "a.ics", "-"}, `calfeed import: give one SOURCE, not "a.ics" and "-"`},
		{[]string{"check", "f.yaml", "--", "-x"}, `calfeed check: give one events file or folder, not "f.yaml" and "--"`},
		{[]string{"healthcheck", "http://localhost:8080/healthz"}, `calfeed healthcheck: unexpected argument "http://localhost:8080/healthz": give the server's address with -addr localhost:8080`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runCmd(t, nil, tc.args...)
			first, _, _ := strings.Cut(r.stderr, "\n")
			if r.code != 2 || !strings.HasPrefix(first, tc.want) {
				t.Errorf("exit %d, first line of stderr %q; want 2 and %q", r.code, first, tc.want)
			}
			if !strings.Contains(r.stderr, "\nUsage") {
				t.Errorf("no usage after the message:\n%s", r.stderr)
			}
		})
	}
}

// TestHelpAfterTheFile: -h after the events file is help, as before it.
func TestHelpAfterTheFile(t *testing.T) {
	for _, flag := range []string{"-h", "--help", "-help"} {
		r := runCmd(t, nil, "check", "events.yaml", flag)
		if r.code != 0 || !strings.Contains(r.stderr, "Usage: calfeed check") || strings.Contains(r.stderr, "comes after") {
			t.Errorf("check events.yaml %s: exit %d\n%s", flag, r.code, r.stderr)
		}
	}
}

// TestConfigEitherWay: every command that takes the events file takes it
// with -config or as its argument, as people write both.
func TestConfigEitherWay(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.yaml")
	if err := os.WriteFile(path, []byte(version(1)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"check", "-config", path},
		{"check", path},
		{"stamp", "-config", path},
		{"stamp", path},
		{"token", "list", "-config", path},
		{"token", "list", path},
		{"build", "-out", filepath.Join(dir, "a"), "-base-url", "https://c.example.org", path},
		{"build", "-config", path, "-out", filepath.Join(dir, "b"), "-base-url", "https://c.example.org"},
		{"check", "-config", path, path}, // the same file twice is no conflict
	} {
		if r := runCmd(t, nil, args...); r.code != 0 {
			t.Errorf("calfeed %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	s := startServe(t, nil, "-addr", "127.0.0.1:0", path)
	if body, _ := get(t, s.base, "/calendar.ics"); !bytes.Contains(body, []byte("SUMMARY:version 1")) {
		t.Errorf("serve FILE did not serve it:\n%s", body)
	}
}

// TestErrorLine holds a command's errors to the form of its other lines,
// whether or not the error names the command.
func TestErrorLine(t *testing.T) {
	for _, tc := range []struct{ cmd, msg, want string }{
		{"import", "import: out.yaml exists", "calfeed import: out.yaml exists"},
		{"import", "close out.yaml: disk full", "calfeed import: close out.yaml: disk full"},
		{"token", "token add: x", "calfeed token add: x"},
		{"check", "calendar: open x.yaml: no such file", "calfeed check: calendar: open x.yaml: no such file"},
		{"build", "building: x", "calfeed build: building: x"},
		{"", "something failed", "calfeed: something failed"},
	} {
		var err error = errors.New(tc.msg)
		if tc.cmd != "" {
			err = &commandError{cmd: tc.cmd, err: err}
		}
		if got := errorLine(err); got != tc.want {
			t.Errorf("errorLine(%s, %q) = %q, want %q", tc.cmd, tc.msg, got, tc.want)
		}
	}
	// Through run: a command's error without its name gets it.
	r := runCmd(t, nil, "check", filepath.Join(t.TempDir(), "none.yaml"))
	if r.code != 1 || !strings.HasPrefix(r.stderr, "calfeed check: ") {
		t.Errorf("check of a missing file: exit %d, %q; want 1 and a line beginning %q", r.code, r.stderr, "calfeed check: ")
	}
}
