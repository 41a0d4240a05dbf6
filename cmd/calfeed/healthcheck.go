package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// runHealthcheck asks a running server for /healthz: the container's
// HEALTHCHECK, which has no shell or curl to do it.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "", "the server's listen address (env CALFEED_ADDR; else :$PORT; default :8080)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for an answer")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: calfeed healthcheck [-addr :8080] [-timeout 3s]\n\nExits 0 when the server at addr answers /healthz with 200, 1 otherwise.\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		addr := fs.Arg(0)
		if u, err := url.Parse(addr); err == nil && u.Host != "" {
			addr = u.Host // http://localhost:8080/healthz: the address is the host and port
		}
		if err := checkArgs(fs, stderr, 0, "", "give the server's address with -addr "+addr); err != nil {
			return err
		}
	}
	hostPort, err := onThisMachine(listenAddr(*addr, getenv), "127.0.0.1")
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	url := "http://" + hostPort + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s: status %d", url, resp.StatusCode)
	}
	stdout.Write(body)
	return nil
}

// onThisMachine is the host and port by which a server listening on addr
// is reached from this machine: an address on every interface (":8080",
// "0.0.0.0:8080") is reached at host.
func onThisMachine(addr, host string) (string, error) {
	h, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if h != "" && h != "0.0.0.0" && h != "::" {
		host = h
	}
	return net.JoinHostPort(host, port), nil
}

// listenAddr is the address serve listens on: the flag, else CALFEED_ADDR,
// else :$PORT, else :8080.
func listenAddr(flagValue string, getenv func(string) string) string {
	switch {
	case flagValue != "":
		return flagValue
	case getenv("CALFEED_ADDR") != "":
		return getenv("CALFEED_ADDR")
	case getenv("PORT") != "":
		return ":" + getenv("PORT")
	default:
		return ":8080"
	}
}
