package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/server"
)

// serveConfig is what the serve command's flags and environment say.
type serveConfig struct {
	config    string
	addr      string
	baseURL   string
	gzip      bool
	logFormat string
	maxSize   int64
}

func parseServe(args []string, stderr io.Writer, getenv func(string) string) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.config, "config", "", "events file (env CALFEED_CONFIG; default events.yaml)")
	fs.StringVar(&c.addr, "addr", "", "listen address (env CALFEED_ADDR; else :$PORT when PORT is set; default :8080)")
	fs.StringVar(&c.baseURL, "base-url", "", "public URL of this server, for links (env CALFEED_BASE_URL; else calendar.base_url)")
	fs.BoolVar(&c.gzip, "gzip", false, "gzip feeds for clients that accept it (off: Outlook subscriptions can fail on gzip)")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.Int64Var(&c.maxSize, "max-size", calendar.DefaultMaxSize, "largest events file accepted, in bytes")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: calfeed serve [flags]\n\nServes the feeds of an events file over HTTP.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, errUsage
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return c, errUsage
	}
	c.config = configPath(c.config, getenv)
	if c.addr == "" {
		switch {
		case getenv("CALFEED_ADDR") != "":
			c.addr = getenv("CALFEED_ADDR")
		case getenv("PORT") != "":
			c.addr = ":" + getenv("PORT")
		default:
			c.addr = ":8080"
		}
	}
	if c.baseURL == "" {
		c.baseURL = getenv("CALFEED_BASE_URL")
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		fmt.Fprintf(stderr, "calfeed serve: -log-format is text or json, not %q\n", c.logFormat)
		return c, errUsage
	}
	return c, nil
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
	logger := newLogger(c.logFormat, stderr)
	cal, err := calendar.ReadFile(c.config, calendar.Options{MaxSize: c.maxSize})
	var invalid *calendar.Error
	if errors.As(err, &invalid) {
		for _, p := range invalid.Problems {
			fmt.Fprintln(stderr, p)
		}
		fmt.Fprintf(stderr, "calfeed serve: %s is invalid; fix the problems above (calfeed check %s)\n", c.config, c.config)
		return errInvalid
	}
	if err != nil {
		return err
	}
	for _, w := range cal.Warnings {
		logger.Warn(w.Msg, slog.String("file", w.File), slog.Int("line", w.Line), slog.Int("col", w.Col))
	}
	srv, err := server.New(cal, server.Options{Logger: logger, Gzip: c.gzip})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("serving", slog.String("addr", ln.Addr().String()), slog.String("config", c.config),
		slog.Int("events", len(cal.Events)), slog.Int("tracks", len(cal.Tracks)))
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
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
