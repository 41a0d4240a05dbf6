//go:build !unix

package safefile

import "os"

// open opens path for reading, after checking that it is a regular file:
// on these systems a named pipe is no file a path can hold in the same way.
func open(path string) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &NotRegularError{Path: path, Mode: fi.Mode()}
	}
	return os.Open(path)
}
