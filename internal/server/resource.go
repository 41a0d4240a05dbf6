package server

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// resource is one rendered response body with its validators: a feed, a
// page, a QR code, a static file. Every response goes out through serve.
// A resource is never changed after newResource, except for its gzipped
// form, made once on the first request that accepts it.
type resource struct {
	body     []byte   // the body, or nil when it is kept as parts
	parts    [][]byte // a large body in pieces (see maxJoined)
	size     int      // the body's length
	etag     string   // strong, quoted
	modified time.Time
	headers  http.Header // sent with every response of it; nil for none
	compress bool        // offered gzipped to clients that accept it
	file     *spilled    // the body in a file too, for sendfile; nil for most

	// Prepared by prepare on the first serve.
	once         sync.Once
	fixed        []header
	fixed304     []header // fixed, less what a 304 does not carry
	etagHeader   []string
	length       []string
	lastModified []string
	modifiedPast atomic.Bool // modified was found not to be in the future

	// The gzipped form, made by gzipped on first demand.
	gzOnce       sync.Once
	gzMu         sync.Mutex // held by the request compressing it, or waiting for a turn to (see gzipInTurn)
	gz           []byte
	gzSize       atomic.Int64
	gzETagHeader []string
	gzLength     []string

	// The cache entry holding it, if any: keptEl is guarded by keptBy's mutex.
	keptBy atomic.Pointer[cache]
	keptEl *list.Element

	// sending is the budget a response rendered on demand counts in while
	// its body is being sent (nil for a feed rendered ahead: that is the
	// calendar itself); writers, the requests sending it; held, the bytes
	// it holds of its own: its size, but for a large feed without a
	// reminder, whose parts are the calendar's rendered events.
	sending *budget
	writers atomic.Int32
	held    int
}

// send counts res's body in its budget while the requests sending it
// last, once however many they are, and follows this request's progress
// in sending size bytes of it to w when that takes more than one write
// (see budget.admit). It returns what to write the body to, and the func
// that ends the request's count.
func (res *resource) send(w http.ResponseWriter, size int) (http.ResponseWriter, func()) {
	b := res.sending
	if b == nil {
		return w, func() {}
	}
	if res.writers.Add(1) == 1 {
		b.responses.Add(1)
		b.sending.Add(int64(res.held))
	}
	var s *sender
	out := w
	if size > sendChunk {
		s = b.track(res, w, size)
		out = progressWriter{w, s}
	}
	return out, func() {
		if s != nil {
			b.untrack(s)
		}
		if res.writers.Add(-1) == 0 {
			b.sending.Add(-int64(res.held))
			b.responses.Add(-1)
			b.released()
		}
	}
}

// validators returns res without its body: what answers a request that
// revalidates it (304), for a response too large to keep. A response
// offered gzipped has none: its gzipped form has an ETag of its own.
func (res *resource) validators() *resource {
	if res.compress {
		return nil
	}
	return &resource{etag: res.etag, modified: res.modified, headers: res.headers}
}

// revalidatesOnly reports whether the request's conditions are ones a
// resource's validators answer alone (If-None-Match, If-Modified-Since):
// not a range, nor a condition under which the body is sent.
func revalidatesOnly(rh http.Header) bool {
	return (rh["If-None-Match"] != nil || rh["If-Modified-Since"] != nil) &&
		rh["Range"] == nil && rh["If-Match"] == nil && rh["If-Unmodified-Since"] == nil && rh["If-Range"] == nil
}

// minCompressed is the smallest body worth gzipping.
const minCompressed = 1024

// newResource makes a resource of a body given in parts (often one),
// hashing it for its ETag. headers may be nil.
func newResource(parts [][]byte, modified time.Time, headers http.Header, compress bool) *resource {
	h := sha256.New()
	hashed := 0
	for _, p := range parts {
		h.Write(p)
		if hashed += len(p); hashed >= 1<<20 {
			hashed = 0
			runtime.Gosched() // a reload hashing a large feed lets requests in
		}
	}
	return newResourceSum(parts, h.Sum(nil), modified, headers, compress)
}

// newResourceSum makes a resource whose body has the digest sum (a feed's,
// made from its pieces': see feed.Rendered), without hashing it again.
func newResourceSum(parts [][]byte, sum []byte, modified time.Time, headers http.Header, compress bool) *resource {
	size := 0
	for _, p := range parts {
		size += len(p)
	}
	res := &resource{
		etag:     `"` + hex.EncodeToString(sum[:16]) + `"`,
		modified: modified,
		headers:  headers,
		size:     size,
		held:     size,
		compress: compress && size >= minCompressed,
	}
	if len(parts) == 1 {
		res.body = parts[0]
	} else {
		res.parts = parts
	}
	return res
}

// bodyResource is newResource of one piece.
func bodyResource(body []byte, modified time.Time, headers http.Header, compress bool) *resource {
	return newResource([][]byte{body}, modified, headers, compress)
}

// header is a response header prepared once per resource, so that serving
// assigns slices instead of building them (net/http reads, never changes,
// the slices it is given).
type header struct {
	key   string // canonical form
	value []string
}

// prepare precomputes what serve sends with res.
func (res *resource) prepare() {
	for k, v := range res.headers {
		f := header{http.CanonicalHeaderKey(k), v}
		res.fixed = append(res.fixed, f)
		switch f.key {
		case "Content-Type", "Content-Disposition", "Content-Encoding":
		default:
			res.fixed304 = append(res.fixed304, f)
		}
	}
	res.etagHeader = []string{res.etag}
	res.length = []string{strconv.Itoa(res.size)}
	if !res.modified.IsZero() {
		res.lastModified = []string{res.modified.UTC().Format(http.TimeFormat)}
	}
}

// gzipped returns the gzipped body, made on the first call: compressed
// once per resource, and only when a client asks for it.
func (res *resource) gzipped() []byte {
	res.gzOnce.Do(func() {
		var zb bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&zb, gzip.BestCompression) // the level is valid
		if res.parts != nil {
			for _, p := range res.parts {
				zw.Write(p) // writes to a bytes.Buffer do not fail
			}
		} else {
			zw.Write(res.body)
		}
		zw.Close()
		res.gz = zb.Bytes()
		res.gzETagHeader = []string{strings.TrimSuffix(res.etag, `"`) + `-gzip"`}
		res.gzLength = []string{strconv.Itoa(len(res.gz))}
		res.gzSize.Store(int64(len(res.gz)))
		if c := res.keptBy.Load(); c != nil {
			c.grow(res, len(res.gz))
		}
	})
	return res.gz
}

// gzippedSize is the size of the gzipped body, 0 until it is made.
func (res *resource) gzippedSize() int { return int(res.gzSize.Load()) }

// keep records the cache entry holding res (nil when it leaves); the caller
// holds c's mutex (or the old cache's, when el is nil).
func (res *resource) keep(c *cache, el *list.Element) {
	res.keptEl = el
	res.keptBy.Store(c)
}

// keptIn is res's entry in c, or nil; the caller holds c's mutex.
func (res *resource) keptIn(c *cache) *list.Element {
	if res.keptBy.Load() != c {
		return nil
	}
	return res.keptEl
}

var (
	varyEncoding = []string{"Accept-Encoding"}
	gzipEncoding = []string{"gzip"}
)

// serve sends a rendered resource, after the headers the handler set. The
// common requests (GET or HEAD, maybe with If-None-Match or
// If-Modified-Since) take a fast path with every header prepared in
// advance; anything rarer (Range, If-Match, If-Unmodified-Since, If-Range)
// goes to http.ServeContent, which knows all of RFC 9110's rules.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, res *resource) {
	if !s.gzipInTurn(r, res) {
		s.error(w, r, errGone)
		return
	}
	serveResource(w, r, res, s.now)
}

// gzipInTurn compresses res, for the first client that accepts gzip,
// within a rendering turn: compressing a large feed at gzip's best level
// costs a rendering's worth of CPU, and a flood of distinct ones must
// wait behind -max-renderings as their renderings do, not take the
// processors from the feeds rendered ahead. It reports false when the
// client went away while it waited (as cache.turn does).
func (s *Server) gzipInTurn(r *http.Request, res *resource) bool {
	if !res.compress || s.renders == nil || res.gzippedSize() != 0 || !acceptsGzip(r) {
		return true
	}
	// One request at a time takes a turn for it: the others wait here,
	// holding none, and find it done.
	res.gzMu.Lock()
	defer res.gzMu.Unlock()
	if res.gzippedSize() != 0 {
		return true
	}
	if r.Context().Err() != nil {
		return false
	}
	select {
	case s.renders <- struct{}{}:
	default:
		select {
		case s.renders <- struct{}{}:
		case <-r.Context().Done():
			return false
		}
	}
	defer func() { <-s.renders }()
	res.gzipped()
	return true
}

// maxRanges is the most parts a Range may ask for; one of more is
// ignored (see serveResource).
const maxRanges = 16

// serveResource is serve with the clock now.
func serveResource(w http.ResponseWriter, r *http.Request, res *resource, now func() time.Time) {
	res.once.Do(res.prepare)
	body, parts, etag, etagHeader, length := res.body, res.parts, res.etag, res.etagHeader, res.length
	gz := res.compress && acceptsGzip(r)
	if gz {
		body, parts, etagHeader, length = res.gzipped(), nil, res.gzETagHeader, res.gzLength
		etag = etagHeader[0]
	}
	modified, lastModified, date := res.lastModifiedAt(now)
	h, rh := w.Header(), r.Header
	if date != nil {
		h["Date"] = date
	}
	rare := rh["Range"] != nil || rh["If-Match"] != nil || rh["If-Unmodified-Since"] != nil || rh["If-Range"] != nil
	if !rare && notModified(rh, etag, modified) {
		// RFC 9110 §15.4.5: a 304 carries the ETag and the caching
		// headers, not the body's description (res.fixed304 has none of
		// it), nor Last-Modified beside an ETag: a cache keeps the one it
		// has. net/http's ServeContent, the rare path below, does the same.
		delete(h, "Content-Type")
		delete(h, "Content-Disposition")
		delete(h, "Content-Encoding")
		res.setHeaders(h, res.fixed304, false, etagHeader, nil)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	res.setHeaders(h, res.fixed, gz, etagHeader, lastModified)
	out := w
	if r.Method != http.MethodHead {
		size := res.size
		if gz {
			size = len(body)
		}
		var done func()
		out, done = res.send(w, size)
		defer done()
		if size >= corkAbove {
			if uncork := corkFor(w, r); uncork != nil {
				defer uncork()
			}
		}
	}
	if rare {
		if ranges := rh["Range"]; len(ranges) > 0 && (len(ranges) > 1 || strings.Count(ranges[0], ",") >= maxRanges) {
			// RFC 9110 §14.2 lets a server ignore a Range: one of many
			// parts (0-0 three thousand times) would make net/http send a
			// part's headers for each, overlapping or not, many times the
			// body. The whole body is sent.
			rh.Del("Range")
		}
		var content io.ReadSeeker = bytes.NewReader(body)
		if parts != nil {
			content = io.NewSectionReader(partsReader(parts), 0, int64(res.size))
		}
		http.ServeContent(out, r, "", modified, content)
		return
	}
	h["Content-Length"] = length
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if parts == nil {
		if len(body) == res.size && sendSpilled(w, res) {
			return
		}
		out.Write(body)
		return
	}
	writeParts(out, parts)
}

// setHeaders sets a response's headers: fixed (res.fixed, or
// res.fixed304 for a 304), the validators, and for a resource offered
// gzipped, Vary and, when gz, its encoding.
func (res *resource) setHeaders(h http.Header, fixed []header, gz bool, etag, lastModified []string) {
	for _, f := range fixed {
		h[f.key] = f.value
	}
	if res.compress {
		if h["Vary"] == nil {
			h["Vary"] = varyEncoding
		} else {
			h["Vary"] = append(h["Vary"], "Accept-Encoding")
		}
		if gz {
			h["Content-Encoding"] = gzipEncoding
		}
	}
	h["Etag"] = etag
	if lastModified != nil {
		h["Last-Modified"] = lastModified
	}
}

// lastModifiedAt is res's date and Last-Modified header at now, and the
// Date to send with them when it must be now's.
//
// RFC 9110 §8.8.2.1: a Last-Modified in the future (an event's start stands
// for its data time when the file has no `updated`) must be sent as now.
// Kept, it would make If-Modified-Since answer 304 to any edit that leaves
// that future date the newest. And a Last-Modified must be no later than
// the Date, which the request log took when the request came in, before
// this reading of the clock: while the data time is within a minute of
// now (serve's write timeout; a response later than that is cut off), the
// Date is this reading.
func (res *resource) lastModifiedAt(now func() time.Time) (modified time.Time, lastModified, date []string) {
	modified = res.modified
	if modified.IsZero() || res.modifiedPast.Load() {
		return modified, res.lastModified, nil
	}
	t := now()
	date = httpDate(t)
	if modified.After(t) {
		return t, date, date
	}
	// Once past by more than a minute, it stays past: later requests need
	// no clock reading for it. (A wall clock set back afterwards is not
	// followed; a Last-Modified that far ahead of it is harmless.)
	if t.Sub(modified) > recentLastModified {
		res.modifiedPast.Store(true)
	}
	return modified, res.lastModified, date
}

// recentLastModified is how long a data time passed is still compared
// with the clock, and its response dated by it.
const recentLastModified = time.Minute

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
			for tag := range strings.SplitSeq(line, ",") {
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
