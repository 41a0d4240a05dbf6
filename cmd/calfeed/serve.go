package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/lock"
	"calfeed/internal/server"
	"calfeed/internal/token"
	"calfeed/internal/web"
)

// listeningKey is the context key of a func(net.Addr) that serve calls
// with the address it listens on, once it does: a caller (a test) can ask
// for port 0 and learn which port it got. The log says it too.
type listeningKey struct{}

// serveConfig is what the serve command's flags and environment say.
type serveConfig struct {
	config      string
	addr        string
	baseURL     string
	gzip        bool
	sendfile    bool
	trustProxy  bool
	logFormat   string
	requestLog  bool
	stamp       bool
	writeLock   func(f *lock.File, path string) error // (*lock.File).Write; tests replace it
	cacheSize   int64
	renderings  int
	connections int // -max-connections; 0 for defaultMaxConnections
	reloadDelay time.Duration
	limits      *calendar.Options
}

func parseServe(args []string, stderr io.Writer, getenv func(string) string) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.config, "config", "", "events file, or a folder of them, each a calendar served under /{id}/ (env CALFEED_CONFIG; default events.yaml)")
	fs.StringVar(&c.addr, "addr", "", "listen address (env CALFEED_ADDR; else :$PORT when PORT is set; default :8080)")
	fs.StringVar(&c.baseURL, "base-url", "", "public URL of this server, for links (env CALFEED_BASE_URL; else calendar.base_url)")
	fs.BoolVar(&c.trustProxy, "trust-proxy", false, "take the public scheme and host from X-Forwarded-Proto and X-Forwarded-Host (only behind a proxy that sets them)")
	fs.BoolVar(&c.gzip, "gzip", false, "gzip feeds for clients that accept it (off: Outlook subscriptions can fail on gzip)")
	fs.BoolVar(&c.sendfile, "sendfile", false, "send the feeds of 128 KiB or more with sendfile(2) from in-memory files instead of one write each: faster on some hosts, slower on others (bench/run.sh measures both), and the files take memory a container counts")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.BoolVar(&c.requestLog, "request-log", true, "log a line for every request (false: only responses cut short, and errors; for a server behind a proxy or CDN that logs requests)")
	fs.BoolVar(&c.stamp, "stamp", false, "stamp the lock file on every load that finds changed events (as calfeed stamp does), for a single server where nobody runs stamp by hand")
	fs.DurationVar(&c.reloadDelay, "reload-delay", defaultReloadDelay, "reload once the events file has been unchanged this long")
	fs.Var(byteSize{&c.cacheSize}, "cache-size", "memory for responses rendered on demand (pages, combined feeds, reminders, downloads), such as 64MiB (env CALFEED_CACHE_SIZE; default 64MiB)")
	fs.IntVar(&c.renderings, "max-renderings", 0, fmt.Sprintf("run at most `N` renderings on demand (pages, combined feeds, reminders, downloads) at once; the processors left keep sending what is rendered (default half the processors, at least 1: %d here)", server.RenderingsFor(runtime.GOMAXPROCS(0))))
	fs.IntVar(&c.connections, "max-connections", 0, fmt.Sprintf("hold at most `N` connections open; past it, a new one makes the idle ones close (default the open-files limit less an eighth, at least 256 kept for files: %d here; and at most one per 128 KiB of a memory limit, GOMEMLIMIT or a container's)", defaultMaxConnections()))
	c.limits = limitFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: calfeed serve [flags] [FILE or FOLDER]\n\nServes the feeds of an events file, or of a folder of them, over HTTP;\nthe file is given with -config or as the argument.\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	var err error
	if c.config, err = configArg(fs, c.config, stderr, getenv); err != nil {
		return c, err
	}
	c.addr = listenAddr(c.addr, getenv)
	if c.baseURL == "" {
		c.baseURL = getenv("CALFEED_BASE_URL")
	}
	if c.cacheSize == 0 {
		if v := getenv("CALFEED_CACHE_SIZE"); v != "" {
			if err := (byteSize{&c.cacheSize}).Set(v); err != nil {
				fmt.Fprintf(stderr, "calfeed serve: CALFEED_CACHE_SIZE: %v\n", err)
				return c, errUsage
			}
		}
	}
	if c.baseURL, err = checkBaseURL(c.baseURL); err != nil {
		fmt.Fprintf(stderr, "calfeed serve: %v\n", err)
		return c, errUsage
	}
	if c.reloadDelay < 0 {
		fmt.Fprintf(stderr, "calfeed serve: -reload-delay %v: give a duration of 0 or more, such as 1s\n", c.reloadDelay)
		return c, errUsage
	}
	if c.connections < 0 {
		fmt.Fprintf(stderr, "calfeed serve: -max-connections %d: give 1 or more, or 0 for the default\n", c.connections)
		return c, errUsage
	}
	if c.renderings < 0 {
		fmt.Fprintf(stderr, "calfeed serve: -max-renderings %d: give 1 or more, or 0 for the default\n", c.renderings)
		return c, errUsage
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		fmt.Fprintf(stderr, "calfeed serve: -log-format is text or json, not %q\n", c.logFormat)
		return c, errUsage
	}
	return c, nil
}

// serverOptions are the server's options from c, logging to logger, which
// writes to logOut.
func (c serveConfig) serverOptions(logger *slog.Logger, logOut io.Writer) server.Options {
	return server.Options{
		Logger: logger, Gzip: c.gzip, Sendfile: c.sendfile, BaseURL: c.baseURL, TrustProxy: c.trustProxy, CacheSize: c.cacheSize,
		MaxRenderings: c.renderings,
		// Request lines written directly, in the form of newLogger's
		// handler for the same format.
		RequestLog: logOut, RequestLogJSON: c.logFormat == "json", NoRequestLog: !c.requestLog,
	}
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// runServe loads the events file and serves it until ctx is done.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c, err := parseServe(args, stderr, getenv)
	if err != nil {
		return err
	}
	logOut := newBufferedLog(stderr)
	defer logOut.Close()
	logger := newLogger(c.logFormat, logOut)
	setMemoryLimit(getenv, os.ReadFile, logger)
	if isFolder(c.config) {
		return runServeFolder(ctx, c, logger, logOut)
	}
	hup, stopHUP := notifyHUP()
	defer stopHUP()
	wd := oneFile(c.config, lock.MaxSize(*c.limits))
	loaded := fingerprint(ctx, wd) // before loading: see watch
	cal, lk, err := lock.Load(ctx, c.config, *c.limits)
	if err != nil {
		if err = printInvalid(err, c.config, stderr); err == errInvalid {
			fmt.Fprintf(stderr, "calfeed serve: %s is invalid; fix the problems above (calfeed check %s)\n", c.config, c.config)
		}
		return err
	}
	tokens, tokErr := token.Read(ctx, token.Path(c.config))
	logWarnings(logger, cal)
	logLockDisagreement(logger, c.config, cal, lk)
	srv, err := server.New(cal, c.serverOptions(logger, logOut))
	if err != nil {
		return err
	}
	if tokErr != nil {
		// The public calendar is served; no secret address is, until
		// the file is mended.
		srv.TokensUnreadable()
		srv.LoadFailed(tokErr)
		logger.Error("no secret address is served: "+tokErr.Error(), slog.String("config", c.config))
	} else {
		srv.SetTokens(tokens)
		logTokenProblems(logger, c.config, tokens, cal)
	}
	c.published(ctx, logger, c.config, srv, lk, srv.Load)
	warnBase(logger, c.baseURL, cal.BaseURL)
	reload := c.reloader(logger, srv)
	return c.listenAndWatch(ctx, logger, srv, watching{wd, loaded, hup, func(ctx context.Context, _ changes) { reload(ctx) }},
		slog.Int("events", len(cal.Events)), slog.Int("tracks", len(cal.Tracks)))
}

// watching is what serve watches, and how it reloads.
type watching struct {
	wd     watched
	loaded fingerprints // of the files as they were loaded (see watch)
	hup    <-chan os.Signal
	reload func(context.Context, changes)
}

// listenAndWatch listens on c.addr, serves h there and reloads what w
// watches until ctx is done. attrs go into the "serving" log line.
func (c serveConfig) listenAndWatch(ctx context.Context, logger *slog.Logger, h http.Handler, w watching, attrs ...any) error {
	ln, err := net.Listen("tcp", c.addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("serve: %w: another program (or calfeed) listens on %s; stop it, or give another address with -addr :8081 (or PORT=8081)", err, c.addr)
	}
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if f, ok := ctx.Value(listeningKey{}).(func(net.Addr)); ok {
		f(ln.Addr())
	}
	conns := c.connections
	if conns == 0 {
		conns = connectionsFor(defaultMaxConnections(), debug.SetMemoryLimit(-1))
	}
	// The address to open on this machine, beside the one listened on
	// ([::]:8080 names no page to open).
	open, err := onThisMachine(ln.Addr().String(), "localhost")
	if err != nil {
		open = ln.Addr().String()
	}
	logger.Info("serving", append([]any{slog.String("addr", ln.Addr().String()), slog.String("url", "http://"+open+"/"), slog.String("config", c.config), slog.Int("max_connections", conns)}, attrs...)...)
	watchCtx, stopWatch := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := watch(watchCtx, w.wd, c.reloadDelay, w.loaded, logger, w.hup, w.reload); err != nil {
			logger.Error("not watching "+c.config, slog.Any("error", err))
		}
	}()
	defer func() { stopWatch(); <-done }()
	return serveUntilDone(ctx, ln, h, logger, newConnLimit(conns, logger), runtime.Gosched)
}

// reloader is the reload of the events file: validate, render, then swap.
// An invalid edit is logged and the last good calendar stays on the air.
func (c serveConfig) reloader(logger *slog.Logger, srv *server.Server) func(context.Context) {
	return func(ctx context.Context) {
		tokens, tokErr := token.Read(ctx, token.Path(c.config))
		if tokErr == nil {
			srv.SetTokens(tokens) // a revoked token ends even while the events file is broken
		} else {
			srv.TokensUnreadable() // what it revokes is unknown: none is served
		}
		cal, lk, err := lock.Load(ctx, c.config, *c.limits)
		if ctx.Err() != nil {
			return // shutting down
		}
		if err == nil {
			err = srv.Load(cal)
		}
		if err == nil {
			err = tokErr
		}
		if err != nil {
			srv.LoadFailed(err)
			logReloadFailure(logger, c.config, err, true)
			return
		}
		logTokenProblems(logger, c.config, tokens, cal)
		logWarnings(logger, cal)
		logLockDisagreement(logger, c.config, cal, lk)
		logger.Info("reloaded", slog.String("config", c.config), slog.Int("events", len(cal.Events)))
		c.published(ctx, logger, c.config, srv, lk, srv.Load)
	}
}

// serveUntilDone serves h on ln, calling yield as each connection turns idle
// (see yieldWhenIdle), until ctx is done, then stops gracefully:
// requests in flight get 10 seconds to finish.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger, conns *connLimit, yield func()) error {
	hs := httpServer(h, logger, conns, yield)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(conns.listener(ln)) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// httpServer returns the server of h: its timeouts and limits, conns's
// hooks, each request's connection in its context (for server.WithConn),
// and yield before each keep-alive read (see yieldWhenIdle).
func httpServer(h http.Handler, logger *slog.Logger, conns *connLimit, yield func()) *http.Server {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      server.WriteTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	conns.forServer(hs)
	tracking := hs.ConnContext
	hs.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if tracking != nil {
			ctx = tracking(ctx, c)
		}
		return server.WithConn(ctx, c)
	}
	hs.ConnState = yieldWhenIdle(hs.ConnState, yield)
	return hs
}

// published follows a load of the events file: with -stamp, a calendar
// with changed events is stamped (the lock written next to the file, then
// loaded at once, so that the changes go out with SEQUENCE raised);
// otherwise the changes not stamped are logged, since Google Calendar
// ignores an edit whose SEQUENCE did not go up. A lock that cannot be
// written (a read-only folder) is a warning, never a stop.
//
// path is the events file, srv its calendar's server, lk the lock it was
// loaded with, and load how a calendar loaded anew is served.
func (c serveConfig) published(ctx context.Context, logger *slog.Logger, path string, srv *server.Server, lk *lock.File, load func(*calendar.Calendar) error) {
	pending, own := srv.Unstamped(), srv.OwnUnstamped()
	if len(pending) == 0 && !own {
		return
	}
	lockPath := lock.Path(path)
	shown := strings.Join(pending[:min(len(pending), 20)], ",")
	if !c.stamp {
		if lk == nil {
			logger.Warn(fmt.Sprintf("no lock file yet: run calfeed stamp %s and keep %s with it (or serve -stamp), so that later edits reach subscribers", path, lockPath))
			return
		}
		if len(pending) > 0 {
			text, onlyNew := unstamped(pending, lk)
			msg := fmt.Sprintf("%s; the changed go out with their old SEQUENCE, which Google Calendar ignores: run calfeed stamp %s (or serve -stamp)", text, path)
			if onlyNew {
				msg = fmt.Sprintf("%s: run calfeed stamp %s (or serve -stamp), so that %s later edits reach subscribers", text, path, plural(len(pending), "its", "their"))
			}
			logger.Warn(msg, slog.Int("unstamped", len(pending)), slog.String("events", shown))
		}
		if own {
			logger.Warn(ownUnstamped(path) + " (or serve -stamp)")
		}
		return
	}
	cal := srv.Calendar()
	f, changes := lock.Stamp(cal, srv.ContentHashes(), lk, time.Now())
	write := c.writeLock
	if write == nil {
		write = (*lock.File).Write
	}
	if err := write(f, lockPath); err != nil {
		what := fmt.Sprintf("%d changed %s go out with their old SEQUENCE", len(pending), plural(len(pending), "event", "events"))
		if len(pending) == 0 {
			what = "the feeds go out with their old Last-Modified"
		}
		logger.Warn(fmt.Sprintf("-stamp: could not stamp %s (%v); %s until it is writable or someone runs calfeed stamp", lockPath, err, what),
			slog.String("events", shown))
		return
	}
	if lk == nil {
		logger.Info(fmt.Sprintf("-stamp: created %s with %d %s at SEQUENCE 0", lockPath, len(f.Events), plural(len(f.Events), "event", "events")))
	} else {
		what := fmt.Sprintf("%d %s", len(changes), plural(len(changes), "change", "changes"))
		switch {
		case lk.Calendar == nil:
			what += " and recorded the calendar's own fields"
		case f.OwnChanged(lk):
			what += " and the calendar's own fields"
		}
		logger.Info(fmt.Sprintf("-stamp: stamped %s in %s", what, lockPath), slog.String("events", shown))
	}
	stampedCal, _, err := lock.Load(ctx, path, *c.limits)
	if err == nil {
		err = load(stampedCal)
	}
	if err != nil && ctx.Err() == nil {
		logger.Warn("-stamp: reloading after the stamp failed; the watcher will try again", slog.Any("error", err))
	}
}

// warnBase warns, at start, when subscribe links will not be public https
// addresses: Google Calendar and Outlook fetch feeds from the internet, and
// their buttons on the page would hand out addresses they cannot reach.
func warnBase(logger *slog.Logger, flagBase, calBase string) {
	base := cmp.Or(flagBase, calBase)
	if msg := baseProblem(base); msg != "" {
		logger.Warn(msg, slog.String("base_url", base))
	}
}

// baseProblem says why the subscribe links of base (empty: none given)
// will fail in Google Calendar and Outlook, or "".
func baseProblem(base string) string {
	switch {
	case base == "":
		return "no public address given: links take the address each request came to, and Google Calendar and Outlook cannot fetch a localhost or plain http one; set -base-url https://your.domain (or CALFEED_BASE_URL, or calendar.base_url) when the server is public"
	case !web.PublicHTTPS(base):
		return fmt.Sprintf("the public address %s is not a public https address: Google Calendar and Outlook cannot fetch feeds from it, so their subscribe buttons will fail", base)
	}
	return ""
}

// logLockDisagreement warns when the lock publishes events the file lacks:
// a file cut short (a copy that failed half way) loads as a valid calendar
// of fewer events, and a person should hear of it before subscribers do.
// Events removed on purpose stop being reported once stamped.
func logLockDisagreement(logger *slog.Logger, path string, cal *calendar.Calendar, lk *lock.File) {
	if was := lock.Renamed(cal, lk); was != "" {
		logger.Warn(renamed(path, was, cal), slog.String("file", path), slog.Int("line", cal.IDLine), slog.Int("col", cal.IDCol))
	}
	missing := lk.Missing(cal)
	if len(missing) == 0 {
		return
	}
	shown := missing[:min(len(missing), 10)]
	logger.Warn(fmt.Sprintf("%s lacks %d %s that %s publishes; if they were removed on purpose, run calfeed stamp %s", path, len(missing), plural(len(missing), "event", "events"), lock.Path(path), path),
		slog.Int("missing", len(missing)), slog.String("events", strings.Join(shown, ",")))
}

// logTokenProblems warns of tokens that grant tracks the calendar lacks,
// or that have nothing private.
func logTokenProblems(logger *slog.Logger, path string, tokens *token.File, cal *calendar.Calendar) {
	for _, p := range tokens.Check(cal) {
		logger.Warn(token.Path(path)+": "+p, slog.String("file", token.Path(path)))
	}
}

func logWarnings(logger *slog.Logger, cal *calendar.Calendar) {
	for _, w := range cal.Warnings {
		logger.Warn(w.Msg, slog.String("file", w.File), slog.Int("line", w.Line), slog.Int("col", w.Col))
	}
}

// logReloadFailure logs every problem of an invalid edit, each at its place,
// and what is served instead: the last good calendar, or, when the file
// never loaded (serving is false: a new file of a folder), nothing.
func logReloadFailure(logger *slog.Logger, path string, err error, serving bool) {
	var invalid *calendar.Error
	if errors.As(err, &invalid) {
		for _, p := range invalid.Problems {
			logger.Error("invalid edit: "+p.String(), slog.String("file", p.File), slog.Int("line", p.Line), slog.Int("col", p.Col))
		}
	}
	msg := "reload failed; still serving the last good calendar"
	if !serving {
		msg = "load failed; this file's calendar is not served until it loads"
	}
	logger.Error(msg, slog.String("config", path), slog.Any("error", err))
}
