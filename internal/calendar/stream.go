package calendar

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"runtime"
	"unicode/utf8"

	"calfeed/internal/safefile"
)

// A large events file is not read into memory whole. readInPieces reads
// it once, line by line, to cut it (see splitEvents); then each worker
// reads its pieces from the file, one at a time, into memory it reuses.
// At most a piece per worker of the file's text is then in memory at once,
// where reading it whole would hold all of it (135 MB for 100,000 events)
// for the whole load. A file that cannot be cut is read whole and loaded in
// one, and so is a file that changed while it was loaded: one that no
// longer reads as it was cut (shorter, a piece or the head whose bytes
// differ from those cut, a piece that is not UTF-8 or does not parse as
// cut), or whose size or modification time differ at the end from the
// start. A file over the events limit is read whole too, so that
// it is told what a load of its bytes tells (invalid UTF-8 first).

// minStreamed is the smallest file read in pieces, in bytes per event of
// the fewest a file loaded in pieces has (see minPieceItems): a smaller
// file costs little to hold, and one that turns out not to be cut would
// be read twice.
const minStreamed = 2048

// maxLine is the longest line splitFile reads: longer ones are left to
// the whole file's load.
const maxLine = 1 << 20

// readInPieces loads the file at path in pieces, read from the file, and
// reports false when it cannot: the caller then reads it whole.
func readInPieces(ctx context.Context, path string, opts Options) (*Calendar, bool, error) {
	f, before, err := safefile.Open(ctx, path, opts.maxSize())
	if err != nil {
		return nil, false, nil // reported by the whole file's read
	}
	defer f.Close()
	if before.Size() < int64(opts.minPieceItems())*minStreamed {
		return nil, false, nil
	}
	sp, ok := splitFile(ctx, f, opts.maxSize())
	if !ok || sp.items > opts.maxEvents() {
		return nil, false, nil
	}
	cal, ok, err := loadSplit(ctx, path, sp, opts)
	if !ok {
		return nil, false, nil
	}
	if after, serr := f.Stat(); serr != nil || !sameFile(before, after) {
		return nil, false, nil // changed while it was read: read it whole
	}
	return cal, true, err
}

// sameFile reports whether a file's information is unchanged: its size
// and modification time.
func sameFile(before, after fs.FileInfo) bool {
	return before.Size() == after.Size() && before.ModTime().Equal(after.ModTime())
}

// splitFile cuts the file r (of at most limit bytes) as splitEvents cuts
// its bytes, reading it once from the start. Its chunks are left in the
// file: each worker reads its own (see readChunk).
func splitFile(ctx context.Context, r io.ReaderAt, limit int64) (*split, bool) {
	br := bufio.NewReaderSize(io.NewSectionReader(r, 0, limit+1), maxLine)
	sc := newSplitter()
	var sums cutSums
	off, sinceYield := 0, 0
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) || (err != nil && !errors.Is(err, io.EOF)) {
			return nil, false
		}
		if len(line) > 0 {
			next := off + len(line)
			raw, newline := bytes.CutSuffix(line, []byte("\n"))
			items, ended := len(sc.starts), sc.blockEnd >= 0
			if mayIndicate(line, '&') || mayIndicate(line, '*') || !sc.line(raw, off, next, newline) {
				return nil, false
			}
			sums.line(line, sc, items, ended)
			off = next
		}
		if err != nil {
			break // io.EOF
		}
		if sinceYield += len(line); sinceYield >= 1<<20 {
			sinceYield = 0
			if ctx.Err() != nil {
				return nil, false
			}
			runtime.Gosched() // a reload reading a large file lets requests in
		}
	}
	if int64(off) > limit || !sc.end(off) {
		return nil, false
	}
	sc.cut(pieceItems)
	sp := sc.sp
	sp.src = r
	if sums.endPiece(); len(sums.pieces) != len(sp.chunks) {
		return nil, false
	}
	for i := range sp.chunks {
		sp.chunks[i].sum = sums.pieces[i]
	}
	// The head, and the blank lines and comments before the first item,
	// are read now; the file is UTF-8 if they are and every chunk is.
	gap := make([]byte, sc.starts[0]-sc.blockStart)
	head := make([]byte, sc.blockStart+off-sc.blockEnd)
	if !readFull(r, head[:sc.blockStart], 0) || !readFull(r, head[sc.blockStart:], int64(sc.blockEnd)) ||
		!readFull(r, gap, int64(sc.blockStart)) || !utf8.Valid(head) || !utf8.Valid(gap) {
		return nil, false
	}
	rest := crc32.Update(crc32.Update(crc32.Checksum(head[:sc.blockStart], castagnoli), castagnoli, gap), castagnoli, head[sc.blockStart:])
	if rest != sums.rest {
		return nil, false // changed since it was cut
	}
	sp.head = head
	return sp, true
}

// readFull reads len(b) bytes of r at off, and reports whether it could.
func readFull(r io.ReaderAt, b []byte, off int64) bool {
	n, err := r.ReadAt(b, off)
	return n == len(b) && (err == nil || errors.Is(err, io.EOF))
}

// readChunk returns the text of c: in sp's data, or read from its file
// into buf (grown as needed, and kept for the next chunk) and checked to
// be UTF-8.
func (sp *split) readChunk(c eventChunk, buf *[]byte) ([]byte, error) {
	if sp.data != nil {
		return sp.data[c.off:c.end], nil
	}
	n := c.end - c.off
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	text := (*buf)[:n]
	if !readFull(sp.src, text, int64(c.off)) || crc32.Checksum(text, castagnoli) != c.sum || !utf8.Valid(text) {
		return nil, errNotPieces // changed since it was cut, or not UTF-8: read whole
	}
	return text, nil
}

// castagnoli is the CRC-32 polynomial with an instruction of its own on
// most processors: a checksum of a large file's text costs next to
// nothing beside reading it.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// cutSums are the checksums splitFile takes of a file's text as it cuts
// it: one of each piece's bytes, and one of the rest (the head, in file
// order), so that what is read again later can be told to be the text
// that was cut. A file edited in place meanwhile is told apart even when
// its size and modification time are as before (a tool that keeps them,
// an NFS client's stale attributes): a load of half the old text and half
// the new would be a calendar the file never held.
type cutSums struct {
	pieces  []uint32
	rest    uint32
	cur     uint32
	inPiece bool
	pending []byte // lines not yet summed: a checksum a line costs more than a copy
}

// line adds the next line of the file, once sc has read it: items and
// ended are how many items sc had found before it, and whether the list
// had ended.
func (s *cutSums) line(line []byte, sc *splitter, items int, ended bool) {
	switch n := len(sc.starts); {
	case !ended && sc.blockEnd >= 0: // the first line after the list
		s.endPiece()
	case n > items && (n-1)%pieceItems == 0: // the first line of a piece (see cut)
		s.endPiece()
		s.inPiece = true
	}
	if s.inPiece {
		if len(s.pending)+len(line) > cap(s.pending) {
			s.flush()
		}
		if len(line) > cap(s.pending) {
			s.cur = crc32.Update(s.cur, castagnoli, line)
			return
		}
		s.pending = append(s.pending, line...)
	} else {
		s.rest = crc32.Update(s.rest, castagnoli, line)
	}
}

// flush sums the lines of the piece being summed not summed yet.
func (s *cutSums) flush() {
	if s.pending == nil {
		s.pending = make([]byte, 0, 16<<10)
	}
	s.cur = crc32.Update(s.cur, castagnoli, s.pending)
	s.pending = s.pending[:0]
}

// endPiece ends the piece being summed, if any.
func (s *cutSums) endPiece() {
	if s.inPiece {
		s.flush()
		s.pieces = append(s.pieces, s.cur)
		s.cur, s.inPiece = 0, false
	}
}
