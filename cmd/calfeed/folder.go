package main

import (
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"calfeed/internal/calendar"
	"calfeed/internal/lock"
	"calfeed/internal/server"
	"calfeed/internal/token"
)

// Folder mode: a config that names a directory is a folder of calendars,
// every *.yaml directly in it one calendar (its lock beside it), served
// under /{calendar id}/ (see server.Folder).

// isFolder reports whether path names a directory (following links).
func isFolder(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// configFiles returns the events files of a folder: every *.yaml directly
// in dir, sorted. Hidden files (a ConfigMap's ..data, an editor's
// temporary copy) are not events files.
func configFiles(dir string) []string {
	matches, _ := filepath.Glob(filepath.Join(dir, "*.yaml")) // the pattern is valid
	var files []string
	for _, m := range matches {
		if !strings.HasPrefix(filepath.Base(m), ".") {
			files = append(files, m)
		}
	}
	slices.Sort(files)
	return files
}

// folderOf is what a watch of a folder looks after.
func folderOf(dir string, limit int64) watched {
	return watched{name: dir, dir: dir, files: func() []string { return configFiles(dir) }, limit: limit, seed: maphash.MakeSeed()}
}

// runServeFolder serves a folder of calendars until ctx is done. A file
// that does not load is logged and reported in /healthz; the others are
// served.
func runServeFolder(ctx context.Context, c serveConfig, logger *slog.Logger, logOut io.Writer) error {
	hup, stopHUP := notifyHUP()
	defer stopHUP()
	wd := folderOf(c.config, lock.MaxSize(*c.limits))
	loaded := fingerprint(ctx, wd) // before loading: see watch
	folder := server.NewFolder(c.serverOptions(logger, logOut))
	reload := c.folderReloader(logger, folder)
	reload(ctx, changes{changed: wd.files()})
	if c.baseURL != "" {
		warnBase(logger, c.baseURL, "") // else each calendar's own (see loadFolderFiles)
	}
	return c.listenAndWatch(ctx, logger, folder, watching{wd, loaded, hup, reload}, slog.Int("files", len(wd.files())))
}

// folderReloader loads the files of a change into folder, each on its own:
// a broken file keeps its calendar's last good version and touches no
// other; a removed file's calendar is gone.
func (c serveConfig) folderReloader(logger *slog.Logger, folder *server.Folder) func(context.Context, changes) {
	return func(ctx context.Context, ch changes) {
		for _, file := range ch.removed {
			folder.Remove(file)
			logger.Info("removed", slog.String("config", file))
		}
		// A file refused because another served its calendar id is tried
		// again once the other is removed or changed: nothing else would
		// touch it until it is edited.
		files := ch.changed
		for _, file := range folder.Waiting() {
			if !slices.Contains(files, file) && !slices.Contains(ch.removed, file) {
				files = append(slices.Clip(files), file)
			}
		}
		released := folder.Released()
		c.loadFolderFiles(ctx, logger, folder, files)
		// A file refused because another served its id may load now that
		// the other gave it up in this change (renamed away, or given
		// another id): again while some id is given up.
		for range len(files) {
			waiting := folder.Waiting()
			if len(waiting) == 0 || folder.Released() == released {
				break
			}
			released = folder.Released()
			c.loadFolderFiles(ctx, logger, folder, waiting)
		}
	}
}

// loadFolderFiles loads each of files into folder: a broken file keeps its
// calendar's last good version and touches no other.
func (c serveConfig) loadFolderFiles(ctx context.Context, logger *slog.Logger, folder *server.Folder, files []string) {
	for _, file := range files {
		if ctx.Err() != nil {
			return // shutting down
		}
		tokens, tokErr := token.Read(ctx, token.Path(file))
		cal, lk, err := lock.Load(ctx, file, *c.limits)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = folder.Load(file, cal)
		}
		if srv := folder.Server(file); srv != nil {
			if tokErr == nil {
				// Also when the file is broken: a revoked token ends at once.
				srv.SetTokens(tokens)
			} else {
				srv.TokensUnreadable() // what it revokes is unknown: none is served
			}
		}
		if err == nil {
			err = tokErr
		}
		if err != nil {
			folder.LoadFailed(file, err)
			logReloadFailure(logger, file, err, folder.Server(file) != nil)
			continue
		}
		logTokenProblems(logger, file, tokens, cal)
		logWarnings(logger, cal)
		w := folderBaseProblem(c.baseURL, cal)
		if w == "" && c.baseURL == "" {
			w = baseProblem(cal.BaseURL) // its own address serves its links
		}
		if w != "" {
			logger.Warn(file+": "+w, slog.String("config", file), slog.String("base_url", cal.BaseURL))
		}
		logLockDisagreement(logger, file, cal, lk)
		logger.Info("loaded", slog.String("config", file), slog.String("calendar", cal.ID), slog.Int("events", len(cal.Events)))
		c.published(ctx, logger, file, folder.Server(file), lk, func(cal *calendar.Calendar) error { return folder.Load(file, cal) })
	}
}

// folderBaseProblem says what is wrong with cal's own base_url when a
// folder serves it, or "". A folder serves each calendar under /{id}/, and
// without -base-url (flagBase) a calendar's links start with its
// base_url: one that does not end in /{id} (the folder's address, or the
// one the file had when served alone) sends every link elsewhere.
func folderBaseProblem(flagBase string, cal *calendar.Calendar) string {
	if flagBase != "" || cal.BaseURL == "" || strings.HasSuffix(cal.BaseURL, "/"+cal.ID) {
		return ""
	}
	return fmt.Sprintf("calendar.base_url %s does not end in /%s, where a folder serves this calendar, so the links of its page and feeds.json point elsewhere; "+
		"give its own address (%s/%s), or serve the folder with -base-url, which takes its place", cal.BaseURL, cal.ID, cal.BaseURL, cal.ID)
}

// checkFolder checks every events file of a folder, and that no two give
// the same calendar id; every problem of every file is printed.
func checkFolder(ctx context.Context, dir string, limits calendar.Options, stdout, stderr io.Writer) error {
	files := configFiles(dir)
	if len(files) == 0 {
		fmt.Fprintf(stderr, "%s: no events file (*.yaml) in this folder\n", dir)
		return errInvalid
	}
	invalid := 0
	ids := map[string]string{} // calendar id -> file
	for _, file := range files {
		cal, err := checkFile(ctx, file, limits, stdout, stderr)
		if err != nil {
			invalid++
			continue
		}
		if msg := folderIDProblem(file, cal, ids); msg != "" {
			fmt.Fprintln(stderr, msg)
			invalid++
			continue
		}
		if w := folderBaseProblem("", cal); w != "" {
			fmt.Fprintf(stderr, "%s: warning: %s\n", file, w)
		}
		printOK(stdout, file, cal)
	}
	if invalid > 0 {
		fmt.Fprintf(stderr, "%s: %d of %d %s %s invalid\n", dir, invalid, len(files), plural(len(files), "file", "files"), plural(invalid, "is", "are"))
		return errInvalid
	}
	return nil
}

// folderIDProblem is what is wrong with file's calendar id in a folder
// whose files before it have the calendar ids of ids (id -> file), which
// it adds the id to when nothing is: a reserved id, or another file's.
func folderIDProblem(file string, cal *calendar.Calendar, ids map[string]string) string {
	if msg := server.ReservedIDProblem(file, cal); msg != "" {
		return msg
	}
	if other, ok := ids[cal.ID]; ok {
		return calendar.Problem{File: file, Line: cal.IDLine, Col: cal.IDCol,
			Msg: fmt.Sprintf("calendar.id: %q is already %s's; give each file a calendar.id of its own", cal.ID, other)}.String()
	}
	ids[cal.ID] = file
	return ""
}

// stampFolder stamps every events file of a folder, but those the folder
// would not serve for their calendar id (check says why): a lock stamped
// for another file's id would publish its UIDs.
func stampFolder(ctx context.Context, dir string, limits calendar.Options, stdout, stderr io.Writer, stampOne func(string) error) error {
	files := configFiles(dir)
	if len(files) == 0 {
		fmt.Fprintf(stderr, "%s: no events file (*.yaml) in this folder\n", dir)
		return errInvalid
	}
	var failed error
	ids := map[string]string{} // calendar id -> file
	for _, file := range files {
		// A file that does not load is stamped below, which prints why not.
		if cal, err := calendar.ReadFile(ctx, file, limits); err == nil {
			if msg := folderIDProblem(file, cal, ids); msg != "" {
				fmt.Fprintf(stderr, "%s; not stamped\n", msg)
				failed = errInvalid
				continue
			}
		}
		if err := stampOne(file); err != nil {
			if err != errInvalid {
				fmt.Fprintf(stderr, "%s: %v\n", file, err)
			}
			failed = errInvalid
		}
	}
	return failed
}

// buildFolder writes the static site of a folder of calendars: each in
// OUT/{id}/, the index and feeds.json at the root. Every file must load.
func buildFolder(ctx context.Context, dir, out string, opts server.Options, limits calendar.Options, stderr io.Writer) (int, error) {
	files := configFiles(dir)
	if len(files) == 0 {
		fmt.Fprintf(stderr, "%s: no events file (*.yaml) in this folder\n", dir)
		return 0, errInvalid
	}
	folder := server.NewFolder(opts)
	invalid := false
	for _, file := range files {
		cal, _, err := lock.Load(ctx, file, limits)
		if err == nil {
			err = folder.Load(file, cal)
		}
		if err != nil {
			if printInvalid(err, file, stderr) != errInvalid {
				fmt.Fprintf(stderr, "%v\n", err)
			}
			invalid = true
			continue
		}
		for _, w := range cal.Warnings {
			fmt.Fprintln(stderr, w)
		}
	}
	if invalid {
		return 0, errInvalid
	}
	return writeFiles(ctx, out, folder.EachStaticFile)
}
