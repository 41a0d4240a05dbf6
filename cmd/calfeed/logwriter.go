package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// logFlushEvery is how stale a buffered log line can get.
const logFlushEvery = 100 * time.Millisecond

// bufferedLog collects log lines in memory and writes them out in batches:
// every logFlushEvery, when the buffer fills, and on Close. With one line
// per request, writing each straight to stderr would cost a system call per
// request; under load this is most of what logging costs.
type bufferedLog struct {
	mu   sync.Mutex
	bw   *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

func newBufferedLog(w io.Writer) *bufferedLog {
	b := &bufferedLog{bw: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go b.flusher()
	return b
}

func (b *bufferedLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bw.Write(p)
}

func (b *bufferedLog) flusher() {
	defer close(b.done)
	t := time.NewTicker(logFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			b.Flush()
		}
	}
}

// Flush writes out what is buffered.
func (b *bufferedLog) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bw.Flush()
}

// Close stops the flusher and writes out the rest.
func (b *bufferedLog) Close() error {
	close(b.stop)
	<-b.done
	return b.Flush()
}
