package server

import (
	"container/list"
	"sync"
)

// maxCombinations bounds the combined feeds and agendas kept rendered: the
// popular ones stay in memory, and no number of distinct queries can make
// the cache grow past this.
const maxCombinations = 256

// maxVariants bounds the single-event downloads and reminder variants kept
// rendered (each a few KiB; a track feed with a reminder, tens).
const maxVariants = 4096

// lru keeps the most recently used rendered combinations, under their
// canonical key and under each query string that asked for them.
type lru struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recent; values are *lruEntry
	items map[string]*list.Element
}

type lruEntry struct {
	key string
	val cached
}

// cached is a rendered combination and the feed label its fetches count under.
type cached struct {
	res   *resource
	fetch string
}

func newLRU(max int) *lru {
	return &lru{max: max, order: list.New(), items: map[string]*list.Element{}}
}

func (c *lru) get(key string) (cached, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return cached{}, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruEntry).val, true
}

func (c *lru) add(key string, val cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		el.Value.(*lruEntry).val = val
		return
	}
	c.items[key] = c.order.PushFront(&lruEntry{key, val})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*lruEntry).key)
	}
}

func (c *lru) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
