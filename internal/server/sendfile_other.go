//go:build !linux

package server

import (
	"errors"
	"os"
)

// spill keeps bodies in memory on systems without memfd_create(2).
func spill([]byte) *spilled { return nil }

func (s *spilled) open() (*os.File, error) { return nil, errors.ErrUnsupported }
