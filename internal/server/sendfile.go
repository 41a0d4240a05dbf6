package server

import (
	"io"
	"net/http"
	"os"
	"runtime"
)

// minSpilled is the smallest feed sent with sendfile(2) rather than a
// Write: below it, opening the file for each response costs more than the
// copy it saves (bench/run.sh measures both sides).
const minSpilled = 128 << 10

// spilled is a body also kept in an in-memory file (see spill), which the
// file's own cleanup closes when the spilled is garbage.
type spilled struct {
	f    *os.File
	path string // /proc/self/fd/N
}

// spillIfLarge keeps a large body in a file too, for sendfile. Only the
// feeds rendered ahead (see prerender) are spilled, with Options.Sendfile:
// they are the ones polled all day.
func (res *resource) spillIfLarge() {
	if res.body != nil && res.size >= minSpilled {
		res.file = spill(res.body)
	}
}

// sendSpilled sends res's body from its file with sendfile, through the
// ResponseWriter's ReadFrom (net/http hands an *os.File to the socket's),
// and reports whether it did; the headers are written.
func sendSpilled(w http.ResponseWriter, res *resource) bool {
	rf, ok := w.(io.ReaderFrom)
	if !ok || res.file == nil {
		return false
	}
	f, err := res.file.open()
	runtime.KeepAlive(res.file)
	if err != nil {
		return false
	}
	defer f.Close()
	rf.ReadFrom(f) // a failure is the client's going away: the log has it
	return true
}
