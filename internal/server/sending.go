package server

import (
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// WriteTimeout is how long serve gives a response to be written (its
// http.Server's WriteTimeout): a client slower than that gets it cut
// short, and a response that cannot be sent whole in that time is given
// up early when its memory is wanted (see budget.admit).
const WriteTimeout = 60 * time.Second

// stallAfter is how long a response rendered on demand may be sent
// without progress, and how long its pace is watched before it is judged,
// before it counts as one that cannot finish (see sender.doomed).
const stallAfter = 5 * time.Second

// sendChunk is how much of a body rendered on demand is written at once,
// so that its progress is seen between writes.
const sendChunk = 256 << 10

// A sender is one request sending a response rendered on demand: how far
// it has got, and how to cut it off.
type sender struct {
	start time.Time
	size  atomic.Int64 // the body's length: a range's once its headers are written
	sent  atomic.Int64
	last  atomic.Int64 // when a write last completed, in Unix nanoseconds
	w     http.ResponseWriter
	res   *resource // the response it sends
	// cutOff is set once s is cut off (see cut); guarded by the budget's
	// mutex.
	cutOff bool
}

// cut makes the write under way, and every later one, fail at once: a
// write deadline in the past. It reports false when the ResponseWriter
// cannot (see http.ResponseController). The caller holds the budget's
// mutex, and s is tracked: never once its handler has returned, when the
// connection may be sending another request's response.
func (s *sender) cut() bool {
	return http.NewResponseController(s.w).SetWriteDeadline(time.Unix(1, 0)) == nil
}

// doomed reports whether s cannot be sent whole before the write timeout,
// at now: the timeout has passed, nothing was written for stall, or, once
// it has been sent for stall, its pace so far would not finish it in the
// time left.
func (s *sender) doomed(now time.Time, timeout, stall time.Duration) bool {
	elapsed := now.Sub(s.start)
	left := timeout - elapsed
	if left <= 0 || now.Sub(time.Unix(0, s.last.Load())) >= stall {
		return true
	}
	if elapsed < stall {
		return false
	}
	sent := s.sent.Load()
	return float64(sent)/elapsed.Seconds()*left.Seconds() < float64(s.size.Load()-sent)
}

// write writes b to w in chunks of sendChunk, recording the progress of
// each.
func (s *sender) write(w io.Writer, b []byte) error {
	for len(b) > 0 {
		n := min(len(b), sendChunk)
		k, err := w.Write(b[:n])
		s.sent.Add(int64(k))
		s.last.Store(time.Now().UnixNano())
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// progressWriter writes a response's body through its sender. It has no
// ReadFrom: whatever copies to it (http.ServeContent) writes in chunks.
type progressWriter struct {
	http.ResponseWriter
	s *sender
}

func (p progressWriter) Write(b []byte) (int, error) {
	before := p.s.sent.Load()
	err := p.s.write(p.ResponseWriter, b)
	return int(p.s.sent.Load() - before), err
}

// WriteHeader takes the length of what is sent from the Content-Length
// http.ServeContent sets: a range's, not the whole body's.
func (p progressWriter) WriteHeader(code int) {
	if n, err := strconv.ParseInt(p.Header().Get("Content-Length"), 10, 64); err == nil {
		p.s.size.Store(n)
	}
	p.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the writer beneath.
func (p progressWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// track starts following the response res, size bytes of it being sent to w.
func (b *budget) track(res *resource, w http.ResponseWriter, size int) *sender {
	now := time.Now()
	s := &sender{start: now, w: w, res: res}
	s.size.Store(int64(size))
	s.last.Store(now.UnixNano())
	b.mu.Lock()
	if b.senders == nil {
		b.senders = map[*sender]struct{}{}
	}
	b.senders[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// untrack stops following s; its handler is about to return.
func (b *budget) untrack(s *sender) {
	b.mu.Lock()
	delete(b.senders, s)
	b.mu.Unlock()
}

// admit reports whether a new rendering may start: the responses being
// sent do not hold the budget, or no longer do once those that cannot be
// sent whole before the write timeout are cut off. Their clients lose
// nothing they would have had; the memory they held goes to a request
// that can use it. This keeps a few clients that stop reading, or read at
// a trickle, from refusing every new rendering for a minute at a time:
// to hold the budget now, a client has to read what it asked for.
func (b *budget) admit() bool {
	if !b.full() {
		return true
	}
	if b.cutDoomed(time.Now()) == 0 {
		return false
	}
	// The writes cut fail at once; their handlers return and give back
	// what they held (see released).
	b.waiting.Add(1)
	defer b.waiting.Add(-1)
	timeout := time.NewTimer(b.wait)
	defer timeout.Stop()
	for {
		b.mu.Lock()
		freed := b.freed
		b.mu.Unlock()
		if !b.full() { // after taking freed: a release since is not missed
			return true
		}
		select {
		case <-freed:
		case <-timeout.C:
			return !b.full()
		}
	}
}

// released tells the requests waiting in admit that a response being sent
// gave back its memory. It costs an atomic load when none waits.
func (b *budget) released() {
	if b.waiting.Load() == 0 {
		return
	}
	b.mu.Lock()
	close(b.freed)
	b.freed = make(chan struct{})
	b.mu.Unlock()
}

// cutDoomed cuts off the responses being sent that cannot finish in time,
// and returns how many requests it cut. A response is held once, however
// many clients read it (see resource.send): its readers are cut only when
// none of them can finish, since cutting some frees nothing.
func (b *budget) cutDoomed(now time.Time) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	doomed := map[*resource][]*sender{}
	for s := range b.senders {
		if !s.cutOff && s.doomed(now, b.timeout, b.stall) {
			doomed[s.res] = append(doomed[s.res], s)
		}
	}
	n := 0
	for res, ss := range doomed {
		if int32(len(ss)) < res.writers.Load() {
			continue // another reader keeps it in memory
		}
		for _, s := range ss {
			if s.cut() {
				s.cutOff = true
				n++
			}
		}
	}
	b.cut.Add(int64(n))
	return n
}
