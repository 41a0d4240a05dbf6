package server

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// header is a response header prepared once per resource, so that serving
// assigns slices instead of building them (net/http reads, never changes,
// the slices it is given).
type header struct {
	key   string // canonical form
	value []string
}

// prepare precomputes what serve sends with res.
func (res *resource) prepare() {
	res.fixed = res.fixed[:0]
	for k, v := range res.headers {
		res.fixed = append(res.fixed, header{http.CanonicalHeaderKey(k), v})
	}
	res.etagHeader = []string{res.etag}
	res.length = []string{strconv.Itoa(res.size)}
	if res.gzipped != nil {
		res.gzipETag = strings.TrimSuffix(res.etag, `"`) + `-gzip"`
		res.gzipLength = []string{strconv.Itoa(len(res.gzipped))}
	}
	if !res.modified.IsZero() {
		res.lastModified = []string{res.modified.UTC().Format(http.TimeFormat)}
	}
}

var (
	vary         = []string{"Accept-Encoding"}
	gzipEncoding = []string{"gzip"}
)

// serve sends a rendered resource. The common requests (GET or HEAD, maybe
// with If-None-Match or If-Modified-Since) take a fast path with every
// header prepared in advance; anything rarer (Range, If-Match,
// If-Unmodified-Since, If-Range) goes to http.ServeContent, which knows all
// of RFC 9110's rules.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, res *resource) {
	res.once.Do(res.prepare)
	h := w.Header()
	for _, f := range res.fixed {
		h[f.key] = f.value
	}
	body, parts, etag, etagHeader, length := res.body, res.parts, res.etag, res.etagHeader, res.length
	if res.gzipped != nil {
		h["Vary"] = vary
		if acceptsGzip(r) {
			h["Content-Encoding"] = gzipEncoding
			body, parts, etag, etagHeader, length = res.gzipped, nil, res.gzipETag, []string{res.gzipETag}, res.gzipLength
		}
	}
	h["Etag"] = etagHeader
	lastModified := res.lastModified
	// RFC 9110 §8.8.2.1: a Last-Modified in the future (an event's start
	// stands for its data time when the file has no `updated`) must be sent
	// as now. Kept, it would make If-Modified-Since answer 304 to any edit
	// that leaves that future date the newest.
	modified := res.modified
	if now := s.now(); modified.After(now) {
		modified = now
		lastModified = []string{now.UTC().Format(http.TimeFormat)}
	}
	if lastModified != nil {
		h["Last-Modified"] = lastModified
	}

	rh := r.Header
	if rh["Range"] != nil || rh["If-Match"] != nil || rh["If-Unmodified-Since"] != nil || rh["If-Range"] != nil {
		var content io.ReadSeeker = bytes.NewReader(body)
		if parts != nil {
			content = io.NewSectionReader(partsReader(parts), 0, int64(res.size))
		}
		http.ServeContent(w, r, "", modified, content)
		return
	}
	if notModified(rh, etag, modified) {
		// RFC 9110 §15.4.5: a 304 carries the validators, not the body's
		// description.
		delete(h, "Content-Type")
		delete(h, "Content-Disposition")
		delete(h, "Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Length"] = length
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if parts == nil {
		w.Write(body)
		return
	}
	writeParts(w, parts)
}

// chunks are buffers for gathering a large feed's parts into big writes.
var chunks = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// writeParts writes parts in writes of about 64 KiB: net/http would turn
// each small part into a system call of its own.
func writeParts(w io.Writer, parts [][]byte) {
	bp := chunks.Get().(*[]byte)
	defer chunks.Put(bp)
	buf := (*bp)[:0]
	for _, p := range parts {
		if len(buf)+len(p) > cap(buf) && len(buf) > 0 {
			if _, err := w.Write(buf); err != nil {
				return
			}
			buf = buf[:0]
		}
		if len(p) >= cap(buf) {
			if _, err := w.Write(p); err != nil {
				return
			}
			continue
		}
		buf = append(buf, p...)
	}
	if len(buf) > 0 {
		w.Write(buf)
	}
}

// partsReader reads parts as one body, for http.ServeContent's Range
// requests on a feed kept as parts.
type partsReader [][]byte

func (pr partsReader) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for _, part := range pr {
		if off >= int64(len(part)) {
			off -= int64(len(part))
			continue
		}
		c := copy(p[n:], part[off:])
		n += c
		off = 0
		if n == len(p) {
			return n, nil
		}
	}
	return n, io.EOF
}

// notModified evaluates If-None-Match (weak comparison, RFC 9110 §13.1.2)
// or, without it, If-Modified-Since (§13.1.3).
func notModified(rh http.Header, etag string, modified time.Time) bool {
	if inm := rh["If-None-Match"]; inm != nil {
		for _, line := range inm {
			for _, tag := range strings.Split(line, ",") {
				tag = strings.TrimSpace(tag)
				if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
					return true
				}
			}
		}
		return false
	}
	ims := rh.Get("If-Modified-Since")
	if ims == "" || modified.IsZero() {
		return false
	}
	t, err := http.ParseTime(ims)
	return err == nil && !modified.Truncate(time.Second).After(t)
}
