package calendar

import (
	"math/rand"
	"testing"
	"gopkg.in/yaml.v3"
)

func TestReviewArenaStress(t *testing.T) {
	var a nodeArena
	r := rand.New(rand.NewSource(1))
	for round := 0; round < 2000; round++ {
		n := r.Intn(3000)
		seen := map[*yaml.Node]bool{}
		for i := 0; i < n; i++ {
			nd := a.node()
			if seen[nd] {
				t.Fatalf("round %d node %d handed twice", round, i)
			}
			if nd.Value != "" || nd.Kind != 0 || nd.Content != nil {
				t.Fatalf("round %d node %d not cleared", round, i)
			}
			seen[nd] = true
			nd.Value = "x"; nd.Kind = yaml.ScalarNode; nd.Content = []*yaml.Node{nd}
		}
		a.reset()
	}
	for i, b := range a.blocks {
		if i > 0 && len(b) != min(2*len(a.blocks[i-1]), arenaBlock) { t.Fatalf("block sizes %d", len(b)) }
	}
}
