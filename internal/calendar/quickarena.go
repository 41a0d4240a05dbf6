package calendar

import (
	"slices"

	"go.yaml.in/yaml/v3"
)

// nodeArena hands out nodes a block at a time, and takes them all back
// at once. Blocks start small and double up to arenaBlock nodes: a file
// of 100,000 events takes thousands of blocks, while the document of one
// event, as the importer checks each, takes one small one.
type nodeArena struct {
	blocks [][]yaml.Node
	b, i   int // the block being handed out, and its next node
	// The nodes' Content comes from lists likewise (see content), and
	// the lines and stack of one parse are kept for the next.
	lists  [][]*yaml.Node
	lb, li int
	lines  []qline
	stack  []*yaml.Node
}

const (
	arenaFirst = 16  // nodes in the first block
	arenaBlock = 256 // in the largest
	listBlock  = 1024
)

func (a *nodeArena) node() *yaml.Node {
	if a.b < len(a.blocks) && a.i == len(a.blocks[a.b]) {
		a.b, a.i = a.b+1, 0
	}
	if a.b == len(a.blocks) {
		size := arenaFirst
		if a.b > 0 {
			size = min(2*len(a.blocks[a.b-1]), arenaBlock)
		}
		a.blocks = append(a.blocks, make([]yaml.Node, size))
	}
	n := &a.blocks[a.b][a.i]
	a.i++
	return n
}

// content returns nodes copied for a node's Content, from a block of the
// arena: as long as nodes, and no longer (an append to it copies it out).
func (a *nodeArena) content(nodes []*yaml.Node) []*yaml.Node {
	n := len(nodes)
	switch {
	case n == 0:
		return nil
	case n > listBlock:
		return slices.Clip(slices.Clone(nodes))
	}
	if a.lb < len(a.lists) && a.li+n > len(a.lists[a.lb]) {
		a.lb, a.li = a.lb+1, 0
	}
	if a.lb == len(a.lists) {
		a.lists = append(a.lists, make([]*yaml.Node, listBlock))
	}
	c := a.lists[a.lb][a.li : a.li+n : a.li+n]
	copy(c, nodes)
	a.li += n
	return c
}

// reset takes back every node handed out, which must no longer be used.
func (a *nodeArena) reset() {
	if a.b < len(a.blocks) { // else nothing was handed out
		for _, blk := range a.blocks[:a.b] {
			clear(blk)
		}
		clear(a.blocks[a.b][:a.i])
	}
	a.b, a.i = 0, 0
	if a.lb < len(a.lists) {
		for _, l := range a.lists[:a.lb] {
			clear(l)
		}
		clear(a.lists[a.lb][:a.li])
	}
	a.lb, a.li = 0, 0
}
