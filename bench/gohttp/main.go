// Command gohttp is the platform baseline of bench/run.sh: a minimal
// net/http server that serves the feeds `calfeed build` wrote, read once
// into memory, with the headers a feed server sends and conditional GET,
// each body sent with one Write. No routing, metrics or logging: what Go's
// net/http costs on this machine, against which calfeed serve is measured.
//
//	gohttp DIR ADDR
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gohttp DIR ADDR")
		os.Exit(2)
	}
	dir, addr := os.Args[1], os.Args[2]
	type feed struct {
		body []byte
		etag string
	}
	feeds := map[string]feed{}
	files, _ := filepath.Glob(filepath.Join(dir, "tracks", "*.ics"))
	files = append(files, filepath.Join(dir, "calendar.ics"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			log.Fatal(err)
		}
		sum := sha256.Sum256(b)
		rel, _ := filepath.Rel(dir, f)
		feeds["/"+filepath.ToSlash(rel)] = feed{b, `"` + hex.EncodeToString(sum[:16]) + `"`}
	}
	log.Fatal(http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := feeds[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h["Cache-Control"] = []string{"public, max-age=21600"}
		h["Access-Control-Allow-Origin"] = []string{"*"}
		h["Etag"] = []string{f.etag}
		if r.Header.Get("If-None-Match") == f.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h["Content-Type"] = []string{"text/calendar; charset=utf-8"}
		h["Content-Length"] = []string{strconv.Itoa(len(f.body))}
		w.Write(f.body)
	})))
}
