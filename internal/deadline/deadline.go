// Package deadline gives a server's connections deadlines that cost less
// to move.
//
// net/http moves a connection's read deadline six times in each request
// when its server has timeouts (for the header, the whole request, none
// while the handler runs, twice at the handler's end, the idle wait) and
// its write deadline twice. Each move takes a lock in the runtime, reads the clock
// and re-files a timer, though most are replaced before any read or write
// could meet them. A connection of this package records a deadline when
// it is set and hands it to the connection only when a read or write
// begins, or at once if one is under way.
//
// A deadline already on the connection that falls at or before the one
// asked, by less than a minute, is left there: it can only fire early.
// When it does, the operation is begun again with the deadline asked. So
// a read or write never fails later than its deadline, nor earlier.
package deadline

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// keep is how much earlier than asked a deadline already on the
// connection may be and still be left there. One that has passed costs an
// operation begun twice; one re-set costs a timer moved.
const keep = time.Minute

// Listener returns ln, whose connections set their deadlines as this
// package describes.
func Listener(ln net.Listener) net.Listener { return listener{ln} }

type listener struct{ net.Listener }

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &Conn{c: c}, nil
}

// Conn is a connection whose deadlines reach the connection it wraps
// when an operation needs them.
type Conn struct {
	c    net.Conn
	mu   sync.Mutex
	r, w side
}

// side is the deadline of one direction.
type side struct {
	want  time.Time // the deadline asked for
	on    time.Time // the deadline on the connection
	stale bool      // on has fired before want: it must be set again
	busy  int       // operations under way
}

// Read reads from the connection by its read deadline.
func (c *Conn) Read(p []byte) (int, error) {
	for {
		c.begin(&c.r, c.c.SetReadDeadline)
		n, err := c.c.Read(p)
		if c.end(&c.r, n == 0, err) {
			continue
		}
		return n, err
	}
}

// Write writes to the connection by its write deadline.
func (c *Conn) Write(p []byte) (int, error) {
	done := 0
	for {
		c.begin(&c.w, c.c.SetWriteDeadline)
		n, err := c.c.Write(p[done:])
		done += n
		if c.end(&c.w, true, err) {
			continue
		}
		return done, err
	}
}

// ReadFrom lets net/http hand a body read from a file to the connection's
// own ReadFrom (sendfile), by the write deadline.
func (c *Conn) ReadFrom(r io.Reader) (int64, error) {
	rf, ok := c.c.(io.ReaderFrom)
	if !ok {
		return io.Copy(writerOnly{c}, r)
	}
	var done int64
	for {
		c.begin(&c.w, c.c.SetWriteDeadline)
		n, err := rf.ReadFrom(r)
		done += n
		if c.end(&c.w, true, err) {
			continue
		}
		return done, err
	}
}

// writerOnly hides Conn's ReadFrom from io.Copy, which would call it.
type writerOnly struct{ io.Writer }

// CloseWrite shuts down the writing side, if the connection has one.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.c.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.c.Close()
}

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

// LocalAddr is the connection's own address.
func (c *Conn) LocalAddr() net.Addr { return c.c.LocalAddr() }

// RemoteAddr is the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.c.RemoteAddr() }

// Unwrap is the connection c wraps.
func (c *Conn) Unwrap() net.Conn { return c.c }

// SetReadDeadline sets the deadline of reads under way and to come.
func (c *Conn) SetReadDeadline(t time.Time) error {
	return c.set(&c.r, t, c.c.SetReadDeadline)
}

// SetWriteDeadline sets the deadline of writes under way and to come.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	return c.set(&c.w, t, c.c.SetWriteDeadline)
}

// SetDeadline sets both deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	return errors.Join(c.SetReadDeadline(t), c.SetWriteDeadline(t))
}

// set records t as s's deadline. An operation under way gets it at once:
// it may be what ends it. (Else an error in setting it, on a closed
// connection, shows in the next operation.)
func (c *Conn) set(s *side, t time.Time, apply func(time.Time) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.want = t
	if s.busy == 0 {
		return nil
	}
	return s.apply(apply)
}

// begin starts an operation of side s: the connection gets its deadline
// unless the one it has fires no later. A connection refuses a deadline
// only once closed; the operation then says so itself.
func (c *Conn) begin(s *side, apply func(time.Time) error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !s.covered() {
		s.apply(apply)
	}
	s.busy++
}

// end ends an operation of side s that returned err, and reports whether
// to begin it again: when it failed on a deadline the connection had
// earlier than asked, and made no progress that the caller would lose.
// (Read reports none only when it read nothing; a write's or ReadFrom's
// progress is counted by the caller.)
func (c *Conn) end(s *side, retry bool, err error) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.busy--
	if err == nil || !retry || !errors.Is(err, os.ErrDeadlineExceeded) || s.on.Equal(s.want) {
		return false
	}
	s.stale = true
	return true
}

// covered reports whether the deadline on the connection can stand for
// the one asked: it fires no later, and at most keep before.
func (s *side) covered() bool {
	switch {
	case s.stale:
		return false
	case s.on.IsZero():
		return s.want.IsZero()
	case s.want.IsZero():
		return true // fires when none was asked: begun again then
	}
	return !s.on.After(s.want) && s.want.Sub(s.on) <= keep
}

// apply puts the deadline asked on the connection.
func (s *side) apply(set func(time.Time) error) error {
	if err := set(s.want); err != nil {
		return err
	}
	s.on, s.stale = s.want, false
	return nil
}
